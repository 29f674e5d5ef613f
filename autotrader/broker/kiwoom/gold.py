"""Gold spot orders (kt50000-kt50003) and the gold account (kt50020, kt50075) for the
live broker.

Gold order bodies differ from stock ones: no ``dmst_stex_tp``, no ``cond_uv``, ``trde_tp``
``00``/``10``/``20`` (limit, IOC, FOK; always priced); a modify sends ``mdfy_qty`` and
``mdfy_uv``, a cancel ``cncl_qty`` (``'0'`` = the whole remainder), as the stock TRs
spell them (docs/gold-spot.md has the guide's OCR corrections). Gold holdings, open
orders and fills live in the gold account, outside kt00018/ka10075/ka10076/kt00007:
``GoldAccount`` reads them (kt50020, kt50075, kt50031), and ``KiwoomBroker``'s account
queries add them to the stock account's whenever the run trades gold, so start-up, the
resync after a gap, reconciliation and restart recovery all see gold like stocks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.account import (
    FillRow,
    Holding,
    OpenOrder,
    OrderRow,
    parse_order_history,
    side_from_text,
)
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.errors import BadRequestError
from autotrader.model import OrderAction, OrderRequest, OrderType

log = logging.getLogger(__name__)

GOLD_API_IDS: dict[OrderAction, str] = {
    OrderAction.BUY: "kt50000",
    OrderAction.SELL: "kt50001",
    OrderAction.MODIFY: "kt50002",
    OrderAction.CANCEL: "kt50003",
}
GOLD_TRDE_TP = {OrderType.LIMIT: "00", OrderType.LIMIT_IOC: "10", OrderType.LIMIT_FOK: "20"}


def gold_api_id(action: OrderAction) -> str:
    try:
        return GOLD_API_IDS[action]
    except KeyError:
        raise BadRequestError(
            None, f"gold spot has no {action.value} order", api_id="kt5000x"
        ) from None


def gold_order_body(order: OrderRequest, *, original_order_no: str = "") -> dict[str, str]:
    """The JSON body of a gold order; problems raise ``BadRequestError`` (nothing leaves)."""
    api_id = gold_api_id(order.action)
    if order.action is OrderAction.MODIFY:
        if not original_order_no.strip() or order.price <= 0 or order.qty < 0:
            raise BadRequestError(None, "a gold modify needs the original, a price", api_id=api_id)
        return {
            "stk_cd": order.symbol,
            "orig_ord_no": original_order_no,
            "mdfy_qty": str(order.qty),
            "mdfy_uv": str(order.price),
        }
    if order.action is OrderAction.CANCEL:
        if not original_order_no.strip() or order.qty < 0:
            raise BadRequestError(None, "a gold cancel needs the original order", api_id=api_id)
        body = {"orig_ord_no": original_order_no, "stk_cd": order.symbol}
        return body | {"cncl_qty": str(order.qty)}
    trde_tp = GOLD_TRDE_TP.get(order.order_type)
    if trde_tp is None or order.price <= 0 or order.qty <= 0:
        raise BadRequestError(
            None,
            f"gold takes priced limit/IOC/FOK orders, not {order.order_type.name} "
            f"{order.qty} @ {order.price}",
            api_id=api_id,
        )
    return {
        "stk_cd": order.symbol,
        "ord_qty": str(order.qty),
        "ord_uv": str(order.price),
        "trde_tp": trde_tp,
    }


def parse_gold_holdings(body: Mapping[str, Any]) -> list[Holding]:
    """kt50020 rows -> holdings (grams and KRW per gram)."""
    out: list[Holding] = []
    for row in fields.rows(body, "gold_acnt_evlt_prst"):
        symbol = fields.text(row.get("stk_cd"))
        qty = fields.parse_int(row.get("real_qty"))
        if not symbol or qty is None:
            log.warning("kt50020: skipping a gold row without code or quantity")
            continue
        out.append(
            Holding(
                symbol=symbol,
                name=fields.text(row.get("stk_nm")),
                qty=qty,
                sellable_qty=fields.int_or(row.get("able_qty"), qty),
                avg_price=fields.price(row.get("avg_prc")),
                current_price=fields.price(row.get("cur_prc")),
                eval_amount=fields.int_or(row.get("est_amt")),
                profit=fields.int_or(row.get("est_lspft")),
            )
        )
    return out


def parse_gold_open_orders(rows: Iterable[Mapping[str, Any]]) -> list[OpenOrder]:
    """kt50075 rows -> open orders (the fields ka10075 rows would carry)."""
    out: list[OpenOrder] = []
    for row in rows:
        number, symbol = fields.text(row.get("ord_no")), fields.text(row.get("stk_cd"))
        if not number or not symbol:
            continue
        out.append(
            OpenOrder(
                order_no=number,
                symbol=symbol,
                side=side_from_text(fields.text(row.get("io_tp_nm"))),
                status=fields.text(row.get("data_send_end_tp")),
                qty=fields.int_or(row.get("ord_qty")),
                price=fields.price(row.get("ord_uv")),
                remaining=fields.int_or(row.get("ord_remnq")),
                filled_qty=fields.int_or(row.get("cntr_qty")),
                fill_price=fields.price(row.get("cntr_uv")),
                original_order_no=fields.text(row.get("orig_ord_no")),
                order_type="",  # the row names the type (지정가...), no trde_tp code: unknown
                time="",
                exchange="KRX",
            )
        )
    return out


def parse_gold_fills(rows: Iterable[Mapping[str, Any]]) -> list[FillRow]:
    """kt50031 rows with something filled -> fill rows (what ka10076 rows would carry)."""
    out: list[FillRow] = []
    for row in rows:
        number, symbol = fields.text(row.get("ord_no")), fields.text(row.get("stk_cd"))
        filled = fields.int_or(row.get("cntr_qty"))
        if not number or not symbol or filled <= 0:
            continue
        out.append(
            FillRow(
                order_no=number,
                symbol=symbol,
                side=side_from_text(fields.text(row.get("io_tp_nm"))),
                order_price=fields.price(row.get("ord_uv")),
                order_qty=fields.int_or(row.get("ord_qty")),
                fill_price=fields.price(row.get("cntr_uv")),
                fill_qty=filled,
                remaining=fields.int_or(row.get("ord_remnq")),
                commission=0,
                tax=0,
                status=fields.text(row.get("acpt_tp")),
                time=fields.hhmmss(row.get("ord_tm")),
                original_order_no=fields.text(row.get("ori_ord") or row.get("orig_ord_no")),
            )
        )
    return out


class GoldAccount:
    """The gold account's holdings, open orders, orders with fills and day history."""

    def __init__(self, rest: KiwoomRest) -> None:
        self.rest = rest

    async def holdings(self) -> list[Holding]:
        return parse_gold_holdings(await self.rest.call("kt50020", {}))

    async def open_orders(self, day: str) -> list[OpenOrder]:
        body = {"ord_dt": day, "qry_tp": "1", "mrkt_deal_tp": "1", "stk_bond_tp": "0"}
        body |= {"sell_tp": "0", "stk_cd": "", "fr_ord_no": "", "dmst_stex_tp": "KRX"}
        rows = await self.rest.call_all("kt50075", body, "acnt_ord_oso_prst")
        return parse_gold_open_orders(rows)

    async def fills(self, day: str) -> list[FillRow]:
        body = {"ord_dt": day, "qry_tp": "4", "stk_bond_tp": "0", "sell_tp": "0"}
        body |= {"stk_cd": "", "fr_ord_no": "", "dmst_stex_tp": "%"}
        return parse_gold_fills(await self.rest.call_all("kt50031", body, "acnt_ord_cntr_prps_dtl"))

    async def order_history(self, day: str) -> list[OrderRow]:
        """kt50031 in order-number order (``qry_tp`` 1): every gold order number of the
        day, modifies and cancels included (kt00007 lists stocks), with kt00007's fields."""
        body = {"ord_dt": day, "qry_tp": "1", "stk_bond_tp": "0", "sell_tp": "0"}
        body |= {"stk_cd": "", "fr_ord_no": "", "dmst_stex_tp": "%"}
        rows = await self.rest.call_all("kt50031", body, "acnt_ord_cntr_prps_dtl")
        return parse_order_history(rows)

"""Account queries as typed values: balance (kt00018), deposit (kt00001), orderable
amount (kt00010), open orders (ka10075), fills (ka10076) and the day's order history
(kt00007: every order number, modifies and cancels included), with continuation.

Parsing is split from I/O (``parse_*`` are pure) so that the reconciler and the tests can
feed recorded answers. Numbers are read defensively (see ``fields``): a row whose key
fields cannot be read is skipped and logged, never fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.model import Side

log = logging.getLogger(__name__)

# ka10075/ka10076 stex_tp: 0 combined, 1 KRX, 2 NXT
_STEX_TP = {"": "0", "ALL": "0", "KRX": "1", "NXT": "2"}


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: str
    name: str
    qty: int
    sellable_qty: int
    avg_price: int
    current_price: int
    eval_amount: int
    profit: int
    credit_type: str = ""
    loan_date: str = ""


@dataclass(frozen=True, slots=True)
class Balance:
    """kt00018: totals and one ``Holding`` per stock (and per loan, for credit)."""

    total_purchase: int
    total_eval: int
    total_profit: int
    estimated_assets: int
    holdings: list[Holding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Deposit:
    cash: int
    orderable: int
    d2: int


@dataclass(frozen=True, slots=True)
class OrderableAmount:
    orderable: int
    withdrawable: int


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """ka10075 ``oso`` row: an order still working (or just finished) today."""

    order_no: str
    symbol: str
    side: Side | None
    status: str
    qty: int
    price: int
    remaining: int
    filled_qty: int
    fill_price: int
    original_order_no: str
    order_type: str
    time: str  # HHMMSS, Korea time, '' when unreadable
    exchange: str


@dataclass(frozen=True, slots=True)
class FillRow:
    """ka10076 ``cntr`` row: one order's execution summary."""

    order_no: str
    symbol: str
    side: Side | None
    order_price: int
    order_qty: int
    fill_price: int
    fill_qty: int
    remaining: int
    commission: int
    tax: int
    status: str
    time: str
    original_order_no: str = ""  # a modify's number points back to the order it changed
    order_type: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """kt00007 ``acnt_ord_cntr_prps_dtl`` row: one order number of the day, whatever became
    of it. Only this list holds a modify's number that neither works nor filled (its
    remainder moved on to a later modify): the link that joins an order's first number to
    its newest one."""

    order_no: str
    symbol: str
    side: Side | None
    kind: str  # "new", "modify" or "cancel"
    qty: int
    price: int
    filled_qty: int
    fill_price: int
    remaining: int
    original_order_no: str  # '' for a new order
    time: str
    refused: bool = False  # acpt_tp says 거부: Kiwoom refused it, it changed nothing


def side_from_text(text: str) -> Side | None:
    """Kiwoom's ``io_tp_nm`` / 905 text (``+매수``, ``-매도정정``...) -> side."""
    if "매수" in text:
        return Side.BUY
    if "매도" in text:
        return Side.SELL
    return None


def parse_balance(pages: Iterable[Mapping[str, Any]]) -> Balance:
    pages = list(pages)
    first = pages[0] if pages else {}
    holdings: list[Holding] = []
    for page in pages:
        for row in fields.rows(page, "acnt_evlt_remn_indv_tot"):
            symbol = fields.symbol(row.get("stk_cd"))
            qty = fields.parse_int(row.get("rmnd_qty"))
            if not symbol or qty is None:
                log.warning("kt00018: skipping a holding row without code or quantity")
                continue
            holdings.append(
                Holding(
                    symbol=symbol,
                    name=fields.text(row.get("stk_nm")),
                    qty=qty,
                    sellable_qty=fields.int_or(row.get("trde_able_qty"), qty),
                    avg_price=fields.price(row.get("pur_pric")),
                    current_price=fields.price(row.get("cur_prc")),
                    eval_amount=fields.int_or(row.get("evlt_amt")),
                    profit=fields.int_or(row.get("evltv_prft")),
                    credit_type=fields.text(row.get("crd_tp")),
                    loan_date=fields.text(row.get("crd_loan_dt")),
                )
            )
    return Balance(
        total_purchase=fields.int_or(first.get("tot_pur_amt")),
        total_eval=fields.int_or(first.get("tot_evlt_amt")),
        total_profit=fields.int_or(first.get("tot_evlt_pl")),
        estimated_assets=fields.int_or(first.get("prsm_dpst_aset_amt")),
        holdings=holdings,
    )


def parse_open_orders(rows: Iterable[Mapping[str, Any]]) -> list[OpenOrder]:
    result: list[OpenOrder] = []
    for row in rows:
        order_no = fields.text(row.get("ord_no"))
        qty = fields.parse_int(row.get("ord_qty"))
        if not order_no or qty is None:
            log.warning("ka10075: skipping a row without order number or quantity")
            continue
        result.append(
            OpenOrder(
                order_no=order_no,
                symbol=fields.symbol(row.get("stk_cd")),
                side=side_from_text(fields.text(row.get("io_tp_nm"))),
                status=fields.text(row.get("ord_stt")),
                qty=qty,
                price=fields.price(row.get("ord_pric")),
                remaining=fields.int_or(row.get("oso_qty")),
                filled_qty=fields.int_or(row.get("cntr_qty")),
                fill_price=fields.price(row.get("cntr_pric")),
                original_order_no=fields.text(row.get("orig_ord_no")),
                order_type=fields.text(row.get("trde_tp")),
                time=fields.hhmmss(row.get("tm")),
                exchange=fields.text(row.get("stex_tp")),
            )
        )
    return result


def parse_fills(rows: Iterable[Mapping[str, Any]]) -> list[FillRow]:
    result: list[FillRow] = []
    for row in rows:
        order_no = fields.text(row.get("ord_no"))
        if not order_no:
            log.warning("ka10076: skipping a row without order number")
            continue
        result.append(
            FillRow(
                order_no=order_no,
                symbol=fields.symbol(row.get("stk_cd")),
                side=side_from_text(fields.text(row.get("io_tp_nm"))),
                order_price=fields.price(row.get("ord_pric")),
                order_qty=fields.int_or(row.get("ord_qty")),
                fill_price=fields.price(row.get("cntr_pric")),
                fill_qty=fields.int_or(row.get("cntr_qty")),
                remaining=fields.int_or(row.get("oso_qty")),
                commission=fields.int_or(row.get("tdy_trde_cmsn")),
                tax=fields.int_or(row.get("tdy_trde_tax")),
                status=fields.text(row.get("ord_stt")),
                time=fields.hhmmss(row.get("ord_tm")),
                original_order_no=fields.text(row.get("orig_ord_no")),
                order_type=fields.text(row.get("trde_tp")),
            )
        )
    return result


def order_kind(*texts: str) -> str:
    """``mdfy_cncl`` / ``io_tp_nm`` texts (``정정``, ``-매도취소``...) -> new, modify or cancel."""
    joined = "".join(texts)
    if "취소" in joined:
        return "cancel"
    return "modify" if "정정" in joined else "new"


def parse_order_history(rows: Iterable[Mapping[str, Any]]) -> list[OrderRow]:
    result: list[OrderRow] = []
    for row in rows:
        order_no = fields.text(row.get("ord_no"))
        if not order_no:
            log.warning("kt00007: skipping a row without order number")
            continue
        io_tp = fields.text(row.get("io_tp_nm"))
        original = fields.text(row.get("ori_ord") or row.get("orig_ord_no"))
        result.append(
            OrderRow(
                order_no=order_no,
                symbol=fields.symbol(row.get("stk_cd")),
                side=side_from_text(io_tp),
                kind=order_kind(fields.text(row.get("mdfy_cncl")), io_tp),
                qty=fields.int_or(row.get("ord_qty")),
                price=fields.price(row.get("ord_uv")),
                filled_qty=fields.int_or(row.get("cntr_qty")),
                fill_price=fields.price(row.get("cntr_uv")),
                remaining=fields.int_or(row.get("ord_remnq")),
                original_order_no=original if original.strip("0") else "",
                time=fields.hhmmss(row.get("ord_tm")),
                refused="거부" in fields.text(row.get("acpt_tp")),
            )
        )
    return result


def parse_deposit(body: Mapping[str, Any]) -> Deposit:
    return Deposit(
        cash=fields.int_or(body.get("entr")),
        orderable=fields.int_or(body.get("ord_alow_amt")),
        d2=fields.int_or(body.get("d2_entra")),
    )


def parse_orderable(body: Mapping[str, Any]) -> OrderableAmount:
    return OrderableAmount(
        orderable=fields.int_or(body.get("ord_alowa")),
        withdrawable=fields.int_or(body.get("wthd_alowa")),
    )


class AccountQueries:
    """The account queries over a ``KiwoomRest``; ``exchange`` is KRX, NXT or '' (all).

    ``on_numbers`` sees every order number ka10075/ka10076 return: the broker keeps the
    highest as the floor an order in doubt must be above (``reconcile.py``).
    """

    def __init__(
        self, rest: KiwoomRest, on_numbers: Callable[[Iterable[str]], None] | None = None
    ) -> None:
        self._rest = rest
        self._on_numbers = on_numbers

    async def balance(self, exchange: str = "KRX") -> Balance:
        pages = await self._rest.call_pages("kt00018", {"qry_tp": "1", "dmst_stex_tp": exchange})
        return parse_balance(page.body for page in pages)

    async def deposit(self, estimate: bool = True) -> Deposit:
        return parse_deposit(await self._rest.call("kt00001", {"qry_tp": "3" if estimate else "2"}))

    async def orderable(self, symbol: str, side: Side, price: int, qty: int = 0) -> OrderableAmount:
        body = {
            "stk_cd": symbol,
            "trde_tp": "1" if side is Side.SELL else "2",
            "uv": str(price),
            "trde_qty": str(qty) if qty else "",
            "io_amt": "",
        }
        return parse_orderable(await self._rest.call("kt00010", body))

    async def open_orders(self, symbol: str = "", exchange: str = "") -> list[OpenOrder]:
        body = {
            "all_stk_tp": "1" if symbol else "0",
            "trde_tp": "0",
            "stk_cd": symbol,
            "stex_tp": _STEX_TP.get(exchange, "0"),
        }
        rows = parse_open_orders(await self._rest.call_all("ka10075", body, "oso"))
        if self._on_numbers is not None:
            self._on_numbers(r.order_no for r in rows)
        return rows

    async def fills(self, symbol: str = "", exchange: str = "") -> list[FillRow]:
        body = {
            "stk_cd": symbol,
            "qry_tp": "1" if symbol else "0",
            "sell_tp": "0",
            "ord_no": "",
            "stex_tp": _STEX_TP.get(exchange, "0"),
        }
        rows = parse_fills(await self._rest.call_all("ka10076", body, "cntr"))
        if self._on_numbers is not None:
            self._on_numbers(r.order_no for r in rows)
        return rows

    async def order_history(self, day: str, symbol: str = "") -> list[OrderRow]:
        """kt00007: every order number of ``day`` (YYYYMMDD, Korea time), oldest first."""
        body = {
            "ord_dt": day,
            "qry_tp": "1",  # 1 in order-number order, 2 newest first, 3 open, 4 filled
            "stk_bond_tp": "1",  # stocks
            "sell_tp": "0",
            "stk_cd": symbol,
            "fr_ord_no": "",
            "dmst_stex_tp": "%",  # every exchange
        }
        rows = await self._rest.call_all("kt00007", body, "acnt_ord_cntr_prps_dtl")
        result = parse_order_history(rows)
        if self._on_numbers is not None:
            self._on_numbers(r.order_no for r in result)
        return result

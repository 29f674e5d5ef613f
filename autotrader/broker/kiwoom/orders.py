"""Order request bodies for kt10000-kt10003 and kt10006-kt10009, and their answers.

Buy versus sell is chosen by the api-id, never by ``trde_tp``. All numbers travel as
strings. Price rules (NOTES.md): ``ord_uv`` is required for trde_tp 0, 5, 10, 20, 62
and stop-limit 28 (which also needs ``cond_uv``), and must be empty for every other code.
A modify's ``mdfy_qty`` and a cancel's ``cncl_qty`` of ``'0'`` mean "the whole remainder".
Problems found here raise ``BadRequestError``: the order never leaves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.gold import gold_api_id, gold_order_body
from autotrader.errors import BadRequestError, OutcomeUnknownError
from autotrader.market.gold import is_gold
from autotrader.model import Loan, OrderAction, OrderRequest, OrderType

API_IDS: dict[OrderAction, str] = {
    OrderAction.BUY: "kt10000",
    OrderAction.SELL: "kt10001",
    OrderAction.MODIFY: "kt10002",
    OrderAction.CANCEL: "kt10003",
    OrderAction.CREDIT_BUY: "kt10006",
    OrderAction.CREDIT_SELL: "kt10007",
    OrderAction.CREDIT_MODIFY: "kt10008",
    OrderAction.CREDIT_CANCEL: "kt10009",
}
_MODIFIES = frozenset({OrderAction.MODIFY, OrderAction.CREDIT_MODIFY})
_CANCELS = frozenset({OrderAction.CANCEL, OrderAction.CREDIT_CANCEL})

# kt10007 crd_deal_tp: 33 융자 (one loan, needs its date), 99 융자합 (all loans combined).
CREDIT_LOAN = "33"
CREDIT_LOAN_COMBINED = "99"
# trde_tp: the code of each order type (NOTES.md).
TRDE_TP: dict[OrderType, str] = {
    OrderType.LIMIT: "0",
    OrderType.MARKET: "3",
    OrderType.CONDITIONAL_LIMIT: "5",
    OrderType.BEST_LIMIT: "6",
    OrderType.TOP_PRIORITY_LIMIT: "7",
    OrderType.LIMIT_IOC: "10",
    OrderType.MARKET_IOC: "13",
    OrderType.BEST_LIMIT_IOC: "16",
    OrderType.LIMIT_FOK: "20",
    OrderType.MARKET_FOK: "23",
    OrderType.BEST_LIMIT_FOK: "26",
    OrderType.STOP_LIMIT: "28",
    OrderType.MID_PRICE: "29",
    OrderType.MID_PRICE_IOC: "30",
    OrderType.MID_PRICE_FOK: "31",
    OrderType.PRE_MARKET_CLOSE: "61",
    OrderType.AFTER_HOURS_SINGLE: "62",
    OrderType.AFTER_HOURS_CLOSE: "81",
}
_TYPES = {code: t for t, code in TRDE_TP.items()}


def order_type_of(code: str, price: int = 0) -> OrderType:
    """The order type of a ``trde_tp`` code Kiwoom reports (an unknown one: limit if
    priced, else market)."""
    found = _TYPES.get(code.strip())
    if found is not None:
        return found
    return OrderType.LIMIT if price else OrderType.MARKET


_LOAN_CODES = {Loan.SINGLE.value: CREDIT_LOAN, Loan.COMBINED.value: CREDIT_LOAN_COMBINED}


@dataclass(frozen=True, slots=True)
class OrderAnswer:
    """What an accepted order request returns."""

    order_no: str
    original_order_no: str = ""
    qty: int | None = None  # modified or cancelled quantity, when the answer says
    exchange: str = ""


def api_id_for(action: OrderAction, symbol: str = "") -> str:
    """The TR of an action; gold spot codes have their own (gold.py)."""
    return gold_api_id(action) if is_gold(symbol) else API_IDS[action]


def build_order_body(order: OrderRequest, *, original_order_no: str = "") -> dict[str, str]:
    """The JSON body for ``order``; modify/cancel need the target's Kiwoom order number."""
    if is_gold(order.symbol):
        return gold_order_body(order, original_order_no=original_order_no)
    api_id = API_IDS[order.action]
    _check_symbol(order.symbol, api_id)
    if order.action in _MODIFIES:
        return _modify_body(order, original_order_no, api_id)
    if order.action in _CANCELS:
        return _cancel_body(order, original_order_no, api_id)
    if order.qty <= 0:
        raise BadRequestError(
            None, f"order quantity must be positive, got {order.qty}", api_id=api_id
        )
    body = {
        "dmst_stex_tp": order.exchange.value,
        "stk_cd": order.symbol,
        "ord_qty": str(order.qty),
        "ord_uv": _order_price(order, api_id),
        "trde_tp": TRDE_TP[order.order_type],
    }
    if order.action is OrderAction.CREDIT_SELL:
        body.update(_credit_sell_fields(order, api_id))
    body["cond_uv"] = _condition_price(order.order_type, order.condition_price, api_id)
    return body


def _modify_body(order: OrderRequest, original: str, api_id: str) -> dict[str, str]:
    _check_original(original, api_id)
    if order.qty < 0:
        raise BadRequestError(None, "modify quantity must be 0 (all) or more", api_id=api_id)
    if order.price <= 0:
        raise BadRequestError(None, "a modify needs a positive price (mdfy_uv)", api_id=api_id)
    return {
        "dmst_stex_tp": order.exchange.value,
        "orig_ord_no": original,
        "stk_cd": order.symbol,
        "mdfy_qty": str(order.qty),
        "mdfy_uv": str(order.price),
        "mdfy_cond_uv": str(order.condition_price) if order.condition_price > 0 else "",
    }


def _cancel_body(order: OrderRequest, original: str, api_id: str) -> dict[str, str]:
    _check_original(original, api_id)
    if order.qty < 0:
        raise BadRequestError(None, "cancel quantity must be 0 (all) or more", api_id=api_id)
    return {
        "dmst_stex_tp": order.exchange.value,
        "orig_ord_no": original,
        "stk_cd": order.symbol,
        "cncl_qty": str(order.qty),
    }


def _order_price(order: OrderRequest, api_id: str) -> str:
    if not order.order_type.needs_price:
        return ""  # must be empty for market-like types, whatever the request held
    if order.price <= 0:
        raise BadRequestError(
            None,
            f"trde_tp {TRDE_TP[order.order_type]} ({order.order_type.name}) needs a price",
            api_id=api_id,
        )
    return str(order.price)


def _condition_price(order_type: OrderType, condition_price: int, api_id: str) -> str:
    if not order_type.needs_condition_price:
        return ""
    if condition_price <= 0:
        raise BadRequestError(None, "a stop-limit order needs a condition price", api_id=api_id)
    return str(condition_price)


def _credit_sell_fields(order: OrderRequest, api_id: str) -> dict[str, str]:
    loan_type = _LOAN_CODES.get(order.loan_type or Loan.COMBINED.value, "")
    if not loan_type:
        raise BadRequestError(
            None, f"credit loan must be single or combined, got {order.loan_type!r}", api_id=api_id
        )
    loan_date = order.loan_date
    if loan_type == CREDIT_LOAN and not (len(loan_date) == 8 and loan_date.isdigit()):
        raise BadRequestError(None, "credit loan type 33 needs loan_date YYYYMMDD", api_id=api_id)
    return {"crd_deal_tp": loan_type, "crd_loan_dt": loan_date if loan_type == CREDIT_LOAN else ""}


def _check_symbol(symbol: str, api_id: str) -> None:
    if not (6 <= len(symbol) <= 12 and symbol.isalnum()):
        raise BadRequestError(None, f"not a stock code: {symbol!r}", api_id=api_id)


def _check_original(original: str, api_id: str) -> None:
    if not original.strip():
        raise BadRequestError(None, "modify/cancel needs the original order number", api_id=api_id)


def parse_order_answer(body: Mapping[str, Any], api_id: str) -> OrderAnswer:
    """Read a success answer; one without an order number is an unknown outcome."""
    order_no = fields.text(body.get("ord_no"))
    if not order_no:
        raise OutcomeUnknownError(None, "order answer carries no order number", api_id=api_id)
    qty_field = body.get("mdfy_qty", body.get("cncl_qty", body.get("cncL_qty")))
    return OrderAnswer(
        order_no=order_no,
        original_order_no=fields.text(body.get("base_orig_ord_no")),
        qty=fields.parse_int(qty_field),
        exchange=fields.text(body.get("dmst_stex_tp")),
    )

"""Orders as the engine, the risk guard, the journal and the brokers see them.

Money is integer KRW, quantities are integer shares, times are epoch seconds (float)
on the engine's clock, interpreted in Asia/Seoul.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class Exchange(enum.StrEnum):
    """Kiwoom's ``dmst_stex_tp``; the feed suffixes are '', '_NX' and '_AL'."""

    KRX = "KRX"
    NXT = "NXT"
    SOR = "SOR"


class OrderAction(enum.StrEnum):
    """What an order request does; each maps to one Kiwoom api-id."""

    BUY = "buy"  # kt10000
    SELL = "sell"  # kt10001
    MODIFY = "modify"  # kt10002
    CANCEL = "cancel"  # kt10003
    CREDIT_BUY = "credit_buy"  # kt10006
    CREDIT_SELL = "credit_sell"  # kt10007
    CREDIT_MODIFY = "credit_modify"  # kt10008
    CREDIT_CANCEL = "credit_cancel"  # kt10009

    # Set on each member below: read on every order event and by every risk check, so a
    # plain attribute, not a property.
    side: Side | None  # a new order's side; None for a modify or cancel
    is_new: bool  # a new order (buy, sell and their credit variants)


_ACTION_SIDE: dict[OrderAction, Side] = {
    OrderAction.BUY: Side.BUY,
    OrderAction.CREDIT_BUY: Side.BUY,
    OrderAction.SELL: Side.SELL,
    OrderAction.CREDIT_SELL: Side.SELL,
}
for _action in OrderAction:
    _action.side = _ACTION_SIDE.get(_action)
    _action.is_new = _action in _ACTION_SIDE


class Loan(enum.StrEnum):
    """Which loan a credit sell repays (the Kiwoom broker maps it to ``crd_deal_tp``)."""

    COMBINED = "combined"  # every loan of the symbol together
    SINGLE = "single"  # one loan, named by its loan date


class OrderType(enum.StrEnum):
    """How an order is priced and how long it lives (the Kiwoom broker maps each to its
    ``trde_tp`` code; no code appears outside ``broker/kiwoom``)."""

    LIMIT = "limit"  # 보통
    MARKET = "market"  # 시장가
    CONDITIONAL_LIMIT = "conditional_limit"  # 조건부지정가
    LIMIT_IOC = "limit_ioc"
    MARKET_IOC = "market_ioc"
    BEST_LIMIT_IOC = "best_limit_ioc"
    LIMIT_FOK = "limit_fok"
    MARKET_FOK = "market_fok"
    BEST_LIMIT_FOK = "best_limit_fok"
    STOP_LIMIT = "stop_limit"
    MID_PRICE = "mid_price"
    MID_PRICE_IOC = "mid_price_ioc"
    MID_PRICE_FOK = "mid_price_fok"
    BEST_LIMIT = "best_limit"  # 최유리지정가
    TOP_PRIORITY_LIMIT = "top_priority_limit"  # 최우선지정가
    PRE_MARKET_CLOSE = "pre_market_close"  # 장시작전시간외
    AFTER_HOURS_SINGLE = "after_hours_single"  # 시간외단일가
    AFTER_HOURS_CLOSE = "after_hours_close"  # 장마감후시간외

    # Set on each member below (plain attributes: read for every order).
    needs_price: bool  # a price (ord_uv) is required; it must be empty for the rest
    needs_condition_price: bool  # a stop-limit's condition price


# From NOTES.md: a price (ord_uv) is required for these types and must be empty for the rest.
_PRICED = frozenset(
    {
        OrderType.LIMIT,
        OrderType.CONDITIONAL_LIMIT,
        OrderType.LIMIT_IOC,
        OrderType.LIMIT_FOK,
        OrderType.STOP_LIMIT,
        OrderType.AFTER_HOURS_SINGLE,
    }
)
for _type in OrderType:
    _type.needs_price = _type in _PRICED
    _type.needs_condition_price = _type is OrderType.STOP_LIMIT


class OrderState(enum.StrEnum):
    """An order's life in the journal; FINAL states never change again."""

    PENDING = "pending"  # intent committed, not yet handed to the broker
    SENT = "sent"  # request left the process, no answer yet
    ACCEPTED = "accepted"  # broker returned an order number
    PARTIALLY_FILLED = "partially_filled"  # some shares filled, remainder working
    FILLED = "filled"  # every share filled
    CANCELLED = "cancelled"  # remainder cancelled (by us or the exchange)
    REJECTED = "rejected"  # refused by the risk guard, the broker or the exchange
    UNKNOWN = "unknown"  # request outcome unknown: must be reconciled, never resent
    DONE = "done"  # a modify/cancel request whose effect showed on its target order

    # Set on each member below (plain attributes: read on every order event).
    is_final: bool  # never changes again
    is_open: bool  # working at the broker


_FINAL = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED, OrderState.DONE})
_OPEN = frozenset({OrderState.ACCEPTED, OrderState.PARTIALLY_FILLED})
for _state in OrderState:
    _state.is_final = _state in _FINAL
    _state.is_open = _state in _OPEN


@dataclass(slots=True)
class OrderRequest:
    """One order as decided by a rule, before and after the risk guard.

    ``order_id`` is ours (the journal's key); ``broker_order_no`` is Kiwoom's ``ord_no``
    once known. ``target_id`` names the order a modify or cancel addresses.
    """

    order_id: int
    action: OrderAction
    symbol: str
    qty: int
    order_type: OrderType = OrderType.MARKET
    price: int = 0
    condition_price: int = 0
    exchange: Exchange = Exchange.KRX
    rule: str = ""
    strategy: str = ""
    created_at: float = 0.0
    target_id: int | None = None
    loan_type: str = ""  # credit sells: a Loan value ("combined" | "single")
    loan_date: str = ""
    state: OrderState = OrderState.PENDING
    broker_order_no: str = ""
    filled_qty: int = 0
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def side(self) -> Side | None:
        return self.action.side

    @property
    def remaining(self) -> int:
        return self.qty - self.filled_qty


@dataclass(frozen=True, slots=True)
class Fill:
    """A (partial) execution; commission and tax are integer KRW."""

    order_id: int
    symbol: str
    side: Side
    qty: int
    price: int
    commission: int
    tax: int
    ts: float
    broker_order_no: str = ""

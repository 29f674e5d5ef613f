"""The fake account's records: orders as Kiwoom numbers them, holdings, and the events
the book emits for the websocket layer to turn into ``00`` and ``04`` frames.

Kiwoom answers a modify or cancel with a *new* order number that points back through
``orig_ord_no``; the records keep that shape so reconciliation code meets the real thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from autotrader.fake_kiwoom.codes import PRICED_TRDE_TPS
from autotrader.model.orders import OrderType, Side


class Status(enum.StrEnum):
    """Field 913 texts; the same words appear as ``ord_stt`` in the queries."""

    ACCEPTED = "접수"  # the order is in the book
    FILLED = "체결"  # (part of) it traded
    CONFIRMED = "확인"  # a modify or cancel took effect
    CANCELLED = "취소"  # the exchange cancelled the rest (IOC/FOK leftovers)


class Kind(enum.StrEnum):
    NEW = "new"
    MODIFY = "modify"
    CANCEL = "cancel"


# trde_tp codes that leave their remainder to be cancelled after the first matching tick.
IOC = frozenset({"10", "13", "16", "30"})
FOK = frozenset({"20", "23", "26", "31"})
TRDE_TP_NAMES = {
    "0": "보통",
    "3": "시장가",
    "5": "조건부지정가",
    "6": "최유리지정가",
    "7": "최우선지정가",
    "10": "보통(IOC)",
    "13": "시장가(IOC)",
    "16": "최유리(IOC)",
    "20": "보통(FOK)",
    "23": "시장가(FOK)",
    "26": "최유리(FOK)",
    "28": "스톱지정가",
    "29": "중간가",
    "30": "중간가(IOC)",
    "31": "중간가(FOK)",
    "61": "장전시간외",
    "62": "시간외단일가",
    "81": "장후시간외",
}
# The venue's own reading of each code: the matching model works on order types. The
# client keeps the same table (broker/kiwoom/orders.py TRDE_TP); a test holds them equal.
ORDER_TYPES: dict[str, OrderType] = {
    "0": OrderType.LIMIT,
    "3": OrderType.MARKET,
    "5": OrderType.CONDITIONAL_LIMIT,
    "6": OrderType.BEST_LIMIT,
    "7": OrderType.TOP_PRIORITY_LIMIT,
    "10": OrderType.LIMIT_IOC,
    "13": OrderType.MARKET_IOC,
    "16": OrderType.BEST_LIMIT_IOC,
    "20": OrderType.LIMIT_FOK,
    "23": OrderType.MARKET_FOK,
    "26": OrderType.BEST_LIMIT_FOK,
    "28": OrderType.STOP_LIMIT,
    "29": OrderType.MID_PRICE,
    "30": OrderType.MID_PRICE_IOC,
    "31": OrderType.MID_PRICE_FOK,
    "61": OrderType.PRE_MARKET_CLOSE,
    "62": OrderType.AFTER_HOURS_SINGLE,
    "81": OrderType.AFTER_HOURS_CLOSE,
}


@dataclass(slots=True)
class Order:
    """One order number. Modify orders work like new ones; cancel orders never rest."""

    ord_no: str
    stk_cd: str
    side: Side
    kind: Kind
    qty: int
    price: int  # 0 for market-like types
    trde_tp: str
    tm: str  # HHMMSS, Korea time
    exchange: str = "KRX"
    cond_price: int = 0
    orig_ord_no: str = ""
    credit: bool = False
    crd_deal_tp: str = ""
    crd_loan_dt: str = ""
    api_id: str = ""
    filled: int = 0
    fill_value: int = 0
    closed: int = 0  # cancelled, or moved to a modify order
    commission: int = 0
    tax: int = 0
    status: Status = Status.ACCEPTED
    triggered: bool = False  # stop-limit (28) condition met
    last_fill_qty: int = 0  # the latest fill (ka10075 unit_cntr_qty / unit_cntr_pric)
    last_fill_price: int = 0

    @property
    def remaining(self) -> int:
        return 0 if self.kind is Kind.CANCEL else self.qty - self.filled - self.closed

    @property
    def priced(self) -> bool:
        return self.trde_tp in PRICED_TRDE_TPS

    @property
    def avg_fill_price(self) -> int:
        return self.fill_value // self.filled if self.filled else 0

    @property
    def io_tp_nm(self) -> str:
        """Field 905 / ``io_tp_nm``: '+' for buys, '-' for sells, as Kiwoom colours them."""
        word = "매수" if self.side is Side.BUY else "매도"
        sign = "+" if self.side is Side.BUY else "-"
        suffix = {Kind.NEW: "", Kind.MODIFY: "정정", Kind.CANCEL: "취소"}[self.kind]
        return f"{sign}{word}{suffix}"


@dataclass(slots=True)
class Holding:
    stk_cd: str
    qty: int
    avg_price: int
    today_buy: int = 0
    today_sell: int = 0
    realized: int = 0  # today's realized P&L of sells, after commission and tax
    sold_cost: int = 0  # the average cost of the shares sold today (for the 04 rate)


@dataclass(slots=True)
class Quote:
    """The latest ``0B`` values of one stock (absolute prices)."""

    last: int = 0
    ask: int = 0
    bid: int = 0


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """Something happened to ``order`` (status 913); fills carry their own qty and price."""

    order: Order
    status: Status
    fill_qty: int = 0
    fill_price: int = 0
    remaining: int = 0  # field 902 at the time of the event


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    holding: Holding
    sellable: int
    last: int


BookEvent = OrderEvent | BalanceEvent


class Refused(Exception):
    """An order request the server answers with an error body (HTTP 200, non-zero code)."""

    def __init__(self, body: dict[str, object]) -> None:
        super().__init__(body)
        self.body = body

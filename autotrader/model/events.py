"""Events other than trade ticks, as the engine consumes them.

Trade ticks (``0B``) are not objects: the feed decoder writes them straight into the
per-symbol state so the hot path allocates nothing. The rarer events below are frozen
values produced by the feed decoder (``1h``, ``0s``, ``0D``) and by brokers (``00``,
``04``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autotrader.model.orders import Side


@dataclass(frozen=True, slots=True)
class ViEvent:
    """A volatility interruption triggered (``released=False``) or released."""

    symbol: str
    kind: str  # "static" | "dynamic" | "both"
    released: bool
    direction: str  # "up" | "down" | ""
    trigger_price: int
    ts: float


Levels = tuple[tuple[int, int], ...]


class Depth:
    """The order book's ten best levels (``0D``): (price, size) pairs, best first.

    The feed hands a book over unparsed (``read``) and it is parsed when first read: a
    simulated venue reads a book only when an order meets it, and a day of books costs
    their decode, not twenty numbers parsed per frame."""

    __slots__ = ("symbol", "ts", "_read", "_levels")

    def __init__(self, symbol: str, ts: float, read: Callable[[], tuple[Levels, Levels]]):
        self.symbol = symbol
        self.ts = ts
        self._read = read
        self._levels: tuple[Levels, Levels] | None = None

    @classmethod
    def of(cls, symbol: str, asks: Levels, bids: Levels, ts: float) -> Depth:
        """A book already parsed."""
        return cls(symbol, ts, lambda: (asks, bids))

    @property
    def asks(self) -> Levels:
        return self._book()[0]

    @property
    def bids(self) -> Levels:
        return self._book()[1]

    def _book(self) -> tuple[Levels, Levels]:
        if self._levels is None:
            self._levels = self._read()
        return self._levels

    def __repr__(self) -> str:
        return f"Depth({self.symbol!r}, asks={self.asks}, bids={self.bids}, ts={self.ts})"


@dataclass(frozen=True, slots=True)
class SessionChange:
    """A market-operation change from ``0s`` field 215, by code and readable name."""

    code: str
    name: str
    ts: float


@dataclass(frozen=True, slots=True)
class Execution:
    """An order event from the broker (Kiwoom ``00``): accepted, filled, cancelled..."""

    broker_order_no: str
    symbol: str
    side: Side | None
    status: str  # "accepted" | "filled" | "modified" | "cancelled" | "rejected"
    order_qty: int
    order_price: int
    fill_qty: int
    fill_price: int
    remaining_qty: int
    ts: float
    original_order_no: str = ""
    commission: int = 0
    tax: int = 0


@dataclass(frozen=True, slots=True)
class BalanceUpdate:
    """A holding changed (Kiwoom ``04``)."""

    symbol: str
    qty: int
    avg_price: int
    sellable_qty: int
    ts: float


Event = ViEvent | SessionChange | Depth | Execution | BalanceUpdate

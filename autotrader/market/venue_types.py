"""The values the matching model trades in: its settings, the prints it reads, the orders
it holds and the outcomes it reports (docs/paper-fills.md)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from autotrader.market.phases import Phase
from autotrader.model.orders import OrderType, Side


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """``queue_ahead``: shares ahead of a resting order at its limit (None: only a trade
    through the limit fills it)."""

    queue_ahead: int | None = 0


# Prints and outcomes are made on every order and fill and never changed afterwards;
# not frozen, as a frozen dataclass's init costs a microsecond more.
@dataclass(slots=True)
class Print:
    """One ``0B`` trade: price, size, the quote after it, its time and the base price."""

    price: int
    size: int
    ask: int
    bid: int
    ts: float
    base: int = 0


@dataclass(slots=True)
class Filled:
    key: object
    qty: int
    price: int
    ts: float


@dataclass(slots=True)
class Cancelled:
    """The venue ended (the rest of) an order: IOC/FOK remainder, or expiry."""

    key: object
    qty: int
    ts: float
    reason: str


Outcome = Filled | Cancelled
Steps = Generator[Outcome, None, int]  # yields outcomes, returns the print's size left


@dataclass(slots=True)
class Working:
    """An order inside the venue; ``limit`` 0 means it prices as a market order."""

    key: object
    symbol: str
    side: Side
    order_type: OrderType
    qty: int  # remaining
    limit: int = 0
    condition: int = 0
    phase: Phase = Phase.CLOSED
    day: int = 0
    triggered: bool = True
    ahead: int | None = 0  # shares ahead at the limit; None: fills only through it
    auction_end: float = 0.0  # > 0: waits for the single price of an auction ending then
    closing: bool = False  # the auction it waits for is the closing one
    seen: float = 0.0  # the last time it met the tape
    market: bool = False
    fixed_price: int = 0  # 61 / 81: the closing price they trade at

"""The seam between the engine and an execution venue.

Dry-run is not a flag: it is the paper broker substituted for the Kiwoom broker. The
engine commits an order's intent to the journal, then calls ``submit``; whatever happens
next comes back as a ``BrokerEvent`` through the callback given to ``attach``. ``submit``
never blocks on the network: a live broker schedules the request on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from autotrader.model import BalanceUpdate, Execution, Fill, OrderRequest


# Broker events are messages: made once, read once, never changed. Not frozen: an order
# makes two or three, and a frozen dataclass's init costs a microsecond more.
@dataclass(slots=True)
class OrderAccepted:
    order_id: int
    broker_order_no: str
    ts: float


@dataclass(slots=True)
class OrderRejected:
    order_id: int
    reason: str
    return_code: int | None
    ts: float


@dataclass(slots=True)
class OrderOutcomeUnknown:
    """The request may have reached the broker: hold the rule and reconcile."""

    order_id: int
    reason: str
    ts: float


@dataclass(slots=True)
class OrderFilled:
    fill: Fill


@dataclass(slots=True)
class OrderCancelled:
    order_id: int
    cancelled_qty: int
    ts: float
    reason: str = ""  # why the venue cancelled it (IOC remainder, expiry); '' when asked to


@dataclass(slots=True)
class OrderModified:
    order_id: int
    qty: int
    price: int
    ts: float
    broker_order_no: str = ""


BrokerEvent = (
    OrderAccepted
    | OrderRejected
    | OrderOutcomeUnknown
    | OrderFilled
    | OrderCancelled
    | OrderModified
    | Execution  # a raw 00 event the broker could not match to one of our orders
    | BalanceUpdate
)
Emit = Callable[[BrokerEvent], None]


class Broker(Protocol):
    """What the engine needs from an execution venue."""

    name: str
    wants_ticks: bool  # the paper broker fills from the feed; live brokers ignore ticks

    def attach(self, emit: Emit) -> None:
        """Give the broker the callback its events go to."""

    def submit(self, order: OrderRequest) -> None:
        """Hand over a new, modify or cancel order whose intent is already journaled."""

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        """See a trade tick (only called when ``wants_ticks``)."""

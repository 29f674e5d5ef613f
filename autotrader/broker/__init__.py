"""Execution clients: the paper simulator (dry-run) and Kiwoom (live), one protocol."""

from autotrader.broker.base import (
    Broker,
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderModified,
    OrderOutcomeUnknown,
    OrderRejected,
)

__all__ = [
    "Broker",
    "BrokerEvent",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFilled",
    "OrderModified",
    "OrderOutcomeUnknown",
    "OrderRejected",
]

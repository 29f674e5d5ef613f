"""Value types shared by every stage: orders, fills and the events that flow back."""

from autotrader.model.events import (
    BalanceUpdate,
    Depth,
    Event,
    Execution,
    SessionChange,
    ViEvent,
)
from autotrader.model.orders import (
    Exchange,
    Fill,
    Loan,
    OrderAction,
    OrderRequest,
    OrderState,
    OrderType,
    Side,
)

__all__ = [
    "BalanceUpdate",
    "Depth",
    "Event",
    "Exchange",
    "Execution",
    "Fill",
    "Loan",
    "OrderAction",
    "OrderRequest",
    "OrderState",
    "OrderType",
    "SessionChange",
    "Side",
    "ViEvent",
]

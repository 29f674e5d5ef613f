"""Pre-trade checks: pure functions from an order and what we know to a reason or None.

Each check looks at one thing and says, in words a user understands, why an order must
not leave. ``None`` means pass. Checks never do I/O; the guard runs them and turns an
exception inside one into a rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autotrader.model import OrderRequest, Side

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """The limits in force for one strategy (global configuration, then its overrides)."""

    max_order_value: int = 10_000_000  # KRW per order
    max_position_qty: int = 1_000  # shares per symbol
    trading_start: int = 9 * 3600  # seconds since midnight, Asia/Seoul
    trading_end: int = 15 * 3600 + 20 * 60


@dataclass(frozen=True, slots=True)
class CheckInput:
    """What a check may look at."""

    order: OrderRequest
    state: SymbolState
    limits: RiskLimits
    pending_buy_qty: int  # shares in working buy orders for this symbol
    pending_sell_qty: int


Check = Callable[[CheckInput], str | None]


def reference_price(order: OrderRequest, state: SymbolState) -> int:
    """The price an order's value is judged at: its limit, else the side's best quote."""
    if order.price:
        return order.price
    if order.side is Side.BUY:
        return state.ask or state.price
    return state.bid or state.price


def max_order_value(x: CheckInput) -> str | None:
    value = x.order.qty * reference_price(x.order, x.state)
    if value > x.limits.max_order_value:
        return f"order value {value:,} KRW exceeds max_order_value {x.limits.max_order_value:,} KRW"
    return None


def max_position_qty(x: CheckInput) -> str | None:
    if x.order.side is not Side.BUY:
        return None
    after = x.state.pos_qty + x.pending_buy_qty + x.order.qty
    if after > x.limits.max_position_qty:
        return (
            f"position would reach {after:,} shares (held {x.state.pos_qty:,}, "
            f"working {x.pending_buy_qty:,}, this {x.order.qty:,}), "
            f"over max_position_qty {x.limits.max_position_qty:,}"
        )
    return None


def trading_hours(x: CheckInput) -> str | None:
    sod = x.state.market.sod
    if not x.limits.trading_start <= sod < x.limits.trading_end:
        return (
            f"{_hms(sod)} is outside trading hours "
            f"{_hms(x.limits.trading_start)}-{_hms(x.limits.trading_end)}"
        )
    return None


def sellable_qty(x: CheckInput) -> str | None:
    if x.order.side is not Side.SELL:
        return None
    free = x.state.pos_qty - x.pending_sell_qty
    if x.order.qty > free:
        return f"sell of {x.order.qty:,} shares exceeds the {free:,} held and not already offered"
    return None


def _hms(sod: int) -> str:
    return f"{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}"


DEFAULT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("trading_hours", trading_hours),
    ("max_order_value", max_order_value),
    ("max_position_qty", max_position_qty),
    ("sellable_qty", sellable_qty),
)

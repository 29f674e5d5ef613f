"""KRX and Nextrade market rules: the tick-size grid, price limits, sessions, fees."""

from autotrader.market.fees import Fees
from autotrader.market.sessions import SESSION_CODES, session_name
from autotrader.market.ticks import (
    daily_limits,
    is_on_grid,
    round_to_tick,
    shift_ticks,
    tick_size,
)

__all__ = [
    "SESSION_CODES",
    "Fees",
    "daily_limits",
    "is_on_grid",
    "round_to_tick",
    "session_name",
    "shift_ticks",
    "tick_size",
]

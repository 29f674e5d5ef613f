"""The price grid and daily limits of any tradable symbol: stock rules, or gold's.

Stocks follow ``ticks.py`` (the KRX tick bands, +-30%); the gold spot products follow
``gold.py`` (10 won a gram at every price, +-10%). Code that turns an expression into an
order price, or judges one, asks here with the symbol so both kinds stay on their grid.
"""

from __future__ import annotations

from typing import Literal

from autotrader.market.gold import GOLD_TICK, gold_limits, gold_on_grid, is_gold
from autotrader.market.ticks import daily_limits, is_on_grid, round_to_tick, shift_ticks, tick_size


def on_grid(symbol: str, price: int) -> bool:
    return gold_on_grid(price) if is_gold(symbol) else is_on_grid(price)


def round_price(symbol: str, price: int, direction: Literal["down", "up", "nearest"]) -> int:
    if not is_gold(symbol):
        return round_to_tick(price, direction)
    low = price - price % GOLD_TICK
    if low == price or direction == "down":
        return low
    if direction == "up":
        return low + GOLD_TICK
    return low + GOLD_TICK if price - low >= GOLD_TICK - (price - low) else low


def shift_price(symbol: str, price: int, n: int) -> int:
    """``n`` ticks up (n > 0) or down from an on-grid ``price``."""
    if is_gold(symbol):
        return max(0, price + n * GOLD_TICK)
    return shift_ticks(price, n)


def limits(symbol: str, base: int) -> tuple[int, int]:
    """(lower, upper) daily limits around ``base``."""
    return gold_limits(base) if is_gold(symbol) else daily_limits(base)


def tick_up(symbol: str, price: int) -> int:
    """The step from ``price`` to the next price up on ``symbol``'s grid."""
    return GOLD_TICK if is_gold(symbol) else tick_size(price)


def tick_down(symbol: str, price: int) -> int:
    """The step from ``price`` to the next price down on ``symbol``'s grid."""
    return GOLD_TICK if is_gold(symbol) else tick_size(price - 1)

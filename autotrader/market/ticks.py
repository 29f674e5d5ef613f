"""The KRX tick-size grid (stocks, since 2023) and the +-30% daily price limits."""

from __future__ import annotations

import functools
import math
from typing import Literal

# (upper bound exclusive, tick) — under 2,000: 1; to 5,000: 5; ... above 500,000: 1,000.
_BANDS: tuple[tuple[float, int], ...] = (
    (2_000, 1),
    (5_000, 5),
    (20_000, 10),
    (50_000, 50),
    (200_000, 100),
    (500_000, 500),
    (math.inf, 1_000),
)
ETF_TICK = 5


def tick_size(price: int, *, etf: bool = False) -> int:
    """The tick that applies at ``price`` (the band the price lies in)."""
    if etf:
        return ETF_TICK
    for upper, tick in _BANDS:
        if price < upper:
            return tick
    return 1_000  # pragma: no cover - math.inf catches everything


def is_on_grid(price: int, *, etf: bool = False) -> bool:
    return price > 0 and price % tick_size(price, etf=etf) == 0


def round_to_tick(
    price: int, direction: Literal["down", "up", "nearest"] = "down", *, etf: bool = False
) -> int:
    """Round ``price`` onto the grid; 'down' for buys you must not overpay on."""
    tick = tick_size(price, etf=etf)
    low = price - price % tick
    if low == price:
        return price
    high = low + tick
    # Crossing a band boundary upward can land on a coarser grid; the boundary itself
    # is always on both grids, so ``high`` stays valid.
    if direction == "down":
        return low
    if direction == "up":
        return high
    return high if price - low >= high - price else low


def shift_ticks(price: int, n: int, *, etf: bool = False) -> int:
    """Move ``n`` ticks up (n > 0) or down from an on-grid ``price``, band by band."""
    p = price
    if n > 0:
        for _ in range(n):
            p += tick_size(p, etf=etf)
    else:
        for _ in range(-n):
            # the tick below p is the tick of the band that p - 1 lies in
            p -= tick_size(p - 1, etf=etf) if p > 1 else 0
    return p


@functools.lru_cache(maxsize=4096)  # a stock's base is fixed for the day: read per order
def daily_limits(base_price: int, *, etf: bool = False) -> tuple[int, int]:
    """(lower, upper) limit: base +-30%, each rounded toward the base to its own tick."""
    upper_raw = base_price * 13 // 10
    lower_raw = -(-base_price * 7 // 10)  # ceil
    upper = round_to_tick(upper_raw, "down", etf=etf)
    lower = round_to_tick(lower_raw, "up", etf=etf)
    return lower, upper

"""Market values beyond the trade tick: the day's price limits and the order book.

``PriceLimits`` comes from Kiwoom ``0g`` (주식종목정보): the exchange's own upper and
lower limit and base price, exact where an estimate from a tick's change would not be
(a base reset, a new listing, special limits). ``OrderBook`` is the ten-level book of
``0D`` (주식호가잔량) as plain numbers, best level first, for whoever must walk it (the
paper matching model, a report); conditions read the same values without building it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PriceLimits:
    """Today's limits of one stock, in KRW, as the exchange published them."""

    upper: int
    lower: int
    base: int


@dataclass(frozen=True, slots=True)
class OrderBook:
    """One stock's book: (price, quantity) per level, best first; totals over all levels."""

    asks: tuple[tuple[int, int], ...]
    bids: tuple[tuple[int, int], ...]
    total_ask_qty: int
    total_bid_qty: int
    hhmmss: str = ""  # the book's time (0D field 21), '' when absent

    @property
    def best_ask(self) -> int:
        return self.asks[0][0] if self.asks else 0

    @property
    def best_bid(self) -> int:
        return self.bids[0][0] if self.bids else 0

    def ask_qty_within(self, limit: int) -> int:
        """Shares offered at ``limit`` or below (what a buy limit could take at once)."""
        return sum(q for p, q in self.asks if p <= limit)

    def bid_qty_within(self, limit: int) -> int:
        """Shares bid at ``limit`` or above (what a sell limit could take at once)."""
        return sum(q for p, q in self.bids if p >= limit)

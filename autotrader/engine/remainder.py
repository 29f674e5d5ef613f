"""Carry out each rule's ``remainder`` policy for the orders it placed.

A rule may say that the unfilled rest of its orders is cancelled after a while, or
re-priced to the touch a few times and then cancelled (``rules/remainder.py``). The
deadlines wait in a heap; the engine looks at it when its clock moves past the earliest
one (one float compare per clock change), never per tick.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

from autotrader.market.grid import round_price, shift_price
from autotrader.model import OrderRequest, Side
from autotrader.rules.remainder import CancelAfter, Remainder, RepriceAfter


@dataclass(frozen=True, slots=True)
class Due:
    """What to do now with one working order."""

    order_id: int
    action: str  # "cancel" | "reprice"
    policy: CancelAfter | RepriceAfter
    tries: int  # re-prices done so far


class RemainderWatch:
    """Deadlines for the unfilled rest of the orders placed by rules with a policy."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, CancelAfter | RepriceAfter]] = []
        self.next_due = math.inf
        self.on_sooner: Callable[[float], None] | None = None  # told each new deadline

    def add(self, order_id: int, policy: Remainder, now: float, tries: int = 0) -> None:
        if isinstance(policy, CancelAfter):
            after = policy.cancel_after
        elif isinstance(policy, RepriceAfter):
            after = policy.reprice_after
        else:
            return  # "keep"
        heapq.heappush(self._heap, (now + after, order_id, tries, policy))
        self.next_due = self._heap[0][0]
        if self.on_sooner is not None:
            self.on_sooner(self.next_due)

    def due(self, now: float) -> list[Due]:
        """Every deadline that has passed, oldest first."""
        out: list[Due] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, order_id, tries, policy = heapq.heappop(heap)
            reprice = isinstance(policy, RepriceAfter) and tries < policy.max
            out.append(Due(order_id, "reprice" if reprice else "cancel", policy, tries))
        self.next_due = heap[0][0] if heap else math.inf
        return out


def touch_price(order: OrderRequest, ask: int, bid: int, ticks: int) -> int:
    """The near side's best quote, ``ticks`` further toward the market, on the grid."""
    sym = order.symbol  # the symbol's grid: stock bands or gold's 10 won
    if order.side is Side.BUY:
        base = ask or bid
        return shift_price(sym, round_price(sym, base, "down"), ticks) if base else 0
    base = bid or ask
    return shift_price(sym, round_price(sym, base, "up"), -ticks) if base else 0

"""What the fake knows of the market besides the account: ``0D`` books and the credit list.

Kept apart from the TR handlers (``quotes.py``, ``credit_tr.py``) so the server state in
``rest.RestContext`` can hold them without an import cycle.

The book of a stock is the last ``0D`` (주식호가잔량) frame pushed for it: fields 41-50 ask
prices, 61-70 their quantities, 51-60 bid prices, 71-80 theirs, 121/125 the totals, 21
the time (the guide's ``0D`` table). A stock without a ``0D`` yet gets a synthetic book
around its last ``0B`` quote: ten levels one tick apart with ``synthetic_qty`` shares
each, so a client asking before the first ``0D`` still gets a usable answer.

``Programs`` keeps the latest ``0w`` (program trading by stock) pushed for each stock, which
``ka90004`` lists.

``CreditList(None)`` makes every stock the fake knows eligible at grade A, so runs that
do not care about credit keep working; a mapping gives the exact list (code -> grade).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autotrader.fake_kiwoom.replay import to_int
from autotrader.market.gold import is_gold
from autotrader.market.ticks import shift_ticks, tick_size

LEVELS = 10
ASK_PRICE, ASK_QTY, BID_PRICE, BID_QTY = 41, 61, 51, 71  # 0D: level n is base + n - 1
TOTAL_ASK, TOTAL_BID, BOOK_TIME = "121", "125", "21"


@dataclass(slots=True)
class Depth:
    """One side-by-side book: (price, quantity) per level, best first."""

    asks: list[tuple[int, int]] = field(default_factory=list)
    bids: list[tuple[int, int]] = field(default_factory=list)
    tm: str = ""
    total_ask: int = 0
    total_bid: int = 0


class Depths:
    """The latest ``0D`` book of every stock the tape or a test pushed one for."""

    def __init__(self, synthetic_qty: int = 1_000) -> None:
        self.books: dict[str, Depth] = {}
        self.synthetic_qty = synthetic_qty

    def on_0d(self, item: str, values: dict[str, Any]) -> None:
        """Record a ``0D`` entry's values (absolute prices; empty levels dropped)."""
        asks = _levels(values, ASK_PRICE, ASK_QTY)
        bids = _levels(values, BID_PRICE, BID_QTY)
        total_ask = to_int(values.get(TOTAL_ASK)) or sum(q for _, q in asks)
        total_bid = to_int(values.get(TOTAL_BID)) or sum(q for _, q in bids)
        tm = str(values.get(BOOK_TIME) or "")
        self.books[item] = Depth(asks, bids, tm, total_ask, total_bid)

    def book(self, item: str, *, last: int, ask: int, bid: int, now: str) -> Depth:
        """The recorded book, else ten synthetic levels around the last quote."""
        if item in self.books:
            return self.books[item]
        if not last and not ask and not bid:
            return Depth(tm=now)
        best_ask = ask or shift_ticks(last, 1)
        best_bid = bid or (last if last < best_ask else shift_ticks(best_ask, -1))
        qty = self.synthetic_qty
        asks = [(shift_ticks(best_ask, i), qty) for i in range(LEVELS)]
        bids = [(p, qty) for p in _down(best_bid) if p > 0]
        return Depth(asks, bids, now, qty * len(asks), qty * len(bids))


class CreditList:
    """Which stocks the broker lends on, and at which grade (A-E)."""

    def __init__(self, grades: Mapping[str, str] | None = None) -> None:
        self.grades = None if grades is None else {c: g.upper() for c, g in grades.items()}

    def grade(self, stk_cd: str, known: Mapping[str, int]) -> str:
        """The stock's grade, or '' when no credit loan is available for it."""
        if self.grades is None:
            return "A" if stk_cd in known and not is_gold(stk_cd) else ""
        return self.grades.get(stk_cd, "")

    def eligible(self, known: Mapping[str, int]) -> list[tuple[str, str]]:
        if self.grades is None:
            return [(c, "A") for c in sorted(known) if not is_gold(c)]
        return sorted(self.grades.items())


def _levels(values: dict[str, Any], price_fid: int, qty_fid: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in range(LEVELS):
        price = to_int(values.get(str(price_fid + n)))
        if price > 0:
            out.append((price, to_int(values.get(str(qty_fid + n)))))
    return out


def _down(best_bid: int) -> list[int]:
    prices, p = [], best_bid
    for _ in range(LEVELS):
        prices.append(p)
        p -= tick_size(p - 1) if p > 1 else p
    return prices


class Programs:
    """The latest ``0w`` values per stock, as pushed (for ``ka90004``)."""

    def __init__(self) -> None:
        self.latest: dict[str, dict[str, Any]] = {}

    def on_0w(self, item: str, values: dict[str, Any]) -> None:
        self.latest[item] = values

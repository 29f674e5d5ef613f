"""Sample the tape's prices into the journal, so reports can mark positions to market.

The journal has fills and positions, but not the prices between fills: without them an
equity curve jumps from fill to fill and a drawdown while holding is invisible. Every
``interval`` clock seconds each symbol that traded since its last mark gets one row
(its last trade price). The engine calls ``sample`` from its once-per-clock-second
watch, so the tick path pays nothing; fills need no mark (the fill price is one).
"""

from __future__ import annotations

from collections.abc import Mapping

from autotrader.engine.state import SymbolState
from autotrader.journal.writer import Journal

MARK_INTERVAL = 30.0  # clock seconds between marks of one symbol


class MarkSampler:
    """Writes a symbol's last price at most once per ``interval``, only if it traded."""

    def __init__(
        self, states: Mapping[str, SymbolState], journal: Journal, interval: float = MARK_INTERVAL
    ) -> None:
        self.states = states
        self.journal = journal
        self.interval = interval
        self.due = 0.0
        self._marked: dict[str, float] = {}  # symbol -> tick time of its last mark

    def sample(self, now: float, *, force: bool = False) -> None:
        if now < self.due and not force:
            return
        self.due = now + self.interval
        for st in self.states.values():
            if st.ticks and st.price and st.ts != self._marked.get(st.symbol):
                self._marked[st.symbol] = st.ts
                self.journal.mark(now, st.symbol, st.price)

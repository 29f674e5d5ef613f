"""Sample the tape's prices into the journal, so reports can mark positions to market.

The journal has fills and positions, but not the prices between fills: without them an
equity curve jumps from fill to fill and a drawdown while holding is invisible. The
engine calls ``sample`` from its once-per-clock-second watch, so the tick path pays
nothing. Every ``interval`` clock seconds one row holds the last price of each *held*
symbol (the engine's fills say which) that traded since its last mark (what equity and
drawdown need); every ``full_interval`` the row covers every symbol that traded (the
report's price lines).
One row per sample, not per symbol, and few symbols most of the time: a row per
symbol every 30 s cost the 300-symbol benchmark a third of its speed.
"""

from __future__ import annotations

from collections.abc import Mapping

from autotrader.engine.state import SymbolState
from autotrader.journal.writer import Journal

MARK_INTERVAL = 30.0  # clock seconds between marks of held symbols
FULL_INTERVAL = 300.0  # clock seconds between marks of every symbol that traded


class MarkSampler:
    """Writes the last prices of symbols that traded since their previous mark."""

    def __init__(
        self,
        states: Mapping[str, SymbolState],
        journal: Journal,
        interval: float = MARK_INTERVAL,
        full_interval: float = FULL_INTERVAL,
    ) -> None:
        self.states = states
        self.journal = journal
        self.interval = interval
        self.full_interval = full_interval
        self.due = 0.0
        self.full_due = 0.0
        self._seen: dict[str, int] = {}  # symbol -> its tick count at its last mark
        # symbols with a position (told by the engine's fills), in the order they came
        self._held: dict[str, None] = {}

    def track(self, symbol: str) -> None:
        """A fill moved ``symbol``'s position: mark it on the held schedule from now on."""
        self._held[symbol] = None

    def sample(self, now: float, *, force: bool = False) -> None:
        if now < self.due and not force:
            return
        self.due = now + self.interval
        full = force or now >= self.full_due
        if full:
            self.full_due = now + self.full_interval
        states, seen = self.states, self._seen
        last = seen.get
        prices: dict[str, int] = {}
        held: dict[str, None] = {}  # still held: the next samples' symbols
        # One pass: a symbol's tick count moves with every trade, so compare it, not its
        # price. A full sample covers every symbol (and picks up positions that came
        # without a fill here, a live run's opening account); the others the held ones.
        for sym in states if full else self._held:
            st = states.get(sym)
            if st is None:
                continue  # dropped from the universe since
            ticks = st.ticks
            if ticks != last(sym, 0) and st.price:
                prices[sym] = st.price
                seen[sym] = ticks
            if st.pos_qty:
                held[sym] = None
        self._held = held
        if prices:
            self.journal.marks(now, prices)

"""The universe: the one owner of which symbols a strategy trades, as condition searches move.

A strategy's universe is its fixed ``symbols`` plus the stocks its condition searches
(조건검색) admit. The broker (live) or the tape (replay) tells, through neutral events:
the list of saved conditions (names resolve to seqs), each condition's matching stocks
when its realtime search starts (a snapshot, again after every reconnect), and hits as
stocks enter (``I``) or leave (``D``). Both paths come through the same feed decoder,
so a replay applies them exactly as the live run did.

Admission. A stock matching any of the conditions is admitted while the universe has
room: at most ``max_symbols`` stocks at once, and no more than the websocket can
register (``capacity``). Admitted, it gets a state, its rules and its realtime
registrations (``on_subscribe``). Over the cap it waits, in arrival order, and is
admitted when a place frees while it still matches.

Leaving. A stock that no condition matches any more gets no new entries: a buy its
rules decide is journaled as ``outside_universe`` and not sent (``may_enter``). Its
position keeps its exits (sell rules still run on its ticks). Once it is flat with no
working order, its registrations are dropped (``on_unsubscribe``) and its state parked
(kept, should it come back). Fixed symbols are never dropped.

Rules on ``on: condition`` run for hits, not for a search's first initial list (its
stocks were already there; live, rules are not enabled yet at that point, and a replay
does the same); a later list (after a reconnect) runs them for what changed in the gap.

At a live restart, the stocks the strategy's earlier runs bought and did not sell come
back as leaving ones (``hold``): their exits run; a list that has them admits them.

Every hit and snapshot entry is journaled with what it did (``condition_hits``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from autotrader.errors import UnknownConditionError
from autotrader.journal.writer import Journal
from autotrader.model import ConditionEvent, ConditionHit, ConditionList, ConditionSnapshot
from autotrader.rules.schema import UniverseSpec

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

log = logging.getLogger(__name__)

# Engine callbacks: make (or revive) a symbol's state with its rules; park it; run the
# 'on: condition' rules of one condition for one symbol.
AddState = Callable[[str], "SymbolState"]
DropState = Callable[[str], None]
RunRules = Callable[[str, str, bool, "SymbolState"], None]  # ref, name, entered, state
Subscribe = Callable[[list[str]], None]


class Universe:
    """Which symbols are in, which wait, which are leaving; see the module docstring."""

    def __init__(
        self,
        spec: UniverseSpec | None,
        fixed: Iterable[str],
        journal: Journal,
        clock: Callable[[], float],
        *,
        add_state: AddState,
        drop_state: DropState,
        run_rules: RunRules,
        is_flat: Callable[[str], bool],
    ) -> None:
        self.spec = spec
        self.refs: tuple[str, ...] = tuple(spec.condition) if spec else ()
        self.fixed = frozenset(fixed)
        self.journal = journal
        self.clock = clock
        self._add_state = add_state
        self._drop_state = drop_state
        self._run_rules = run_rules
        self._is_flat = is_flat
        self.capacity = spec.max_symbols if spec else 0  # the websocket may lower it
        self.listed: dict[str, str] = {}  # seq -> name, from the broker's list
        self.seq_ref: dict[str, str] = {}  # seq -> the strategy's reference (name or seq)
        self.missing: list[str] = []  # references the last list did not have
        self.members: dict[str, set[str]] = {}  # seq -> stocks matching it now
        self.admitted: dict[str, None] = {}  # condition stocks in the universe, in order
        self.waiting: dict[str, None] = {}  # matching, over the cap, in arrival order
        self.leaving: set[str] = set()  # left every condition, position or orders open
        self.started: set[str] = set()  # seqs whose first initial list has come
        self.on_subscribe: Subscribe | None = None  # live: REG the stocks' realtime types
        self.on_unsubscribe: Subscribe | None = None  # live: REMOVE them
        self.stats: dict[str, int] = {"hits": 0, "admitted": 0, "dropped": 0, "over_cap": 0}

    # -- what others ask ---------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self.refs)

    @property
    def cap(self) -> int:
        return min(self.spec.max_symbols, self.capacity) if self.spec else 0

    def seqs(self) -> list[str]:
        """The seqs to search, once the list resolved the strategy's references."""
        return list(self.seq_ref)

    def may_enter(self, symbol: str) -> bool:
        """Whether a new entry (buy) may be placed on ``symbol`` now."""
        return not self.active or symbol in self.fixed or symbol in self.admitted

    def run_stats(self) -> dict[str, dict[str, int]]:
        """For a run's stats: hits, admissions, drops, refusals over the cap (if a universe)."""
        return {"universe": dict(self.stats)} if self.active else {}

    def hold(self, symbols: Iterable[str], ts: float) -> None:
        """Stocks an earlier run of this strategy bought and may still hold (a restart):
        registered with their rules as leaving ones, so their exits run; a search's list
        that has them admits them again, and flat they are let go."""
        if not self.active:
            return
        for symbol in symbols:
            if symbol in self.fixed or symbol in self.admitted or symbol in self.leaving:
                continue
            self._add_state(symbol)
            self.leaving.add(symbol)
            if self.on_subscribe is not None:
                self.on_subscribe([symbol])
            self._journal(ts, "", symbol, False, "restart", "held_from_earlier_run")

    def refused(self, symbols: Iterable[str], ts: float, why: str) -> None:
        """The websocket refused to register admitted stocks (too many items): they wait
        again, and the cap shrinks to what is registered, so no more are tried."""
        for symbol in symbols:
            if symbol not in self.admitted:
                continue
            del self.admitted[symbol]
            if self._is_flat(symbol):
                self._drop_state(symbol)
                self.waiting[symbol] = None
            else:
                self.leaving.add(symbol)  # held: its exits still run on what arrives
            self._journal(ts, "", symbol, True, "registration", f"refused: {why}"[:200])
        self.capacity = min(self.capacity, len(self.admitted) + len(self.leaving))

    # -- events ------------------------------------------------------------------------

    def on_event(self, ev: ConditionEvent) -> None:
        """Apply one condition event. A name the first list lacks raises
        ``UnknownConditionError`` (the run cannot start); later, it is journaled."""
        if not self.active:
            return
        if isinstance(ev, ConditionList):
            self._on_list(ev, strict=not self.listed)
        elif isinstance(ev, ConditionSnapshot):
            self._on_snapshot(ev)
        else:
            self._on_hit(ev)

    def _on_list(self, ev: ConditionList, strict: bool) -> None:
        self.listed = dict(ev.conditions)
        by_name = {name: seq for seq, name in ev.conditions}
        resolved: dict[str, str] = {}
        missing: list[str] = []
        for ref in self.refs:
            seq = by_name.get(ref) or (ref if ref in self.listed else None)
            if seq is None:
                missing.append(ref)
            else:
                resolved[seq] = ref
        self.seq_ref, self.missing = resolved, missing
        if missing:
            error = UnknownConditionError(missing, ev.conditions)
            if strict:
                raise error
            self.journal.error(ev.ts, "condition", str(error))
            log.error("universe: %s", error)

    def _name(self, seq: str) -> str:
        return self.listed.get(seq, seq)

    def _on_snapshot(self, ev: ConditionSnapshot) -> None:
        if ev.seq not in self.seq_ref:
            self._journal(ev.ts, ev.seq, "", True, "list", "not_searched")
            return
        old = self.members.get(ev.seq, set())
        new = set(ev.symbols)
        self.members[ev.seq] = new
        # The first list is where the search starts: its stocks were there, nothing
        # entered, so 'on: condition' rules wait for hits. A later list (a reconnect)
        # tells what entered and left during the gap: those rules run.
        rules = ev.seq in self.started
        self.started.add(ev.seq)
        for symbol in ev.symbols:
            if symbol not in old:
                self._entered(ev.seq, symbol, ev.ts, "list", rules=rules)
        for symbol in sorted(old - new):  # left while we were not listening
            self._left(ev.seq, symbol, ev.ts, "list")

    def _on_hit(self, ev: ConditionHit) -> None:
        self.stats["hits"] += 1
        if ev.seq not in self.seq_ref:
            self._journal(ev.ts, ev.seq, ev.symbol, ev.entered, "realtime", "not_searched")
            return
        members = self.members.setdefault(ev.seq, set())
        if ev.entered == (ev.symbol in members):
            self._journal(ev.ts, ev.seq, ev.symbol, ev.entered, "realtime", "repeated")
            return
        if ev.entered:
            members.add(ev.symbol)
            self._entered(ev.seq, ev.symbol, ev.ts, "realtime")
        else:
            members.discard(ev.symbol)
            self._left(ev.seq, ev.symbol, ev.ts, "realtime")

    # -- admission -----------------------------------------------------------------------

    def _entered(
        self, seq: str, symbol: str, ts: float, source: str, *, rules: bool = True
    ) -> None:
        if symbol in self.fixed or symbol in self.admitted:
            outcome = "in"
        elif symbol in self.leaving:
            self.leaving.discard(symbol)
            self.admitted[symbol] = None
            outcome = "readmitted"
        elif len(self.admitted) + len(self.leaving) < self.cap:
            self._admit(symbol)
            outcome = "admitted"
        else:
            self.waiting[symbol] = None
            self.stats["over_cap"] += 1
            outcome = f"over_cap ({self.cap})"
        self._journal(ts, seq, symbol, True, source, outcome)
        if rules and not outcome.startswith("over_cap"):
            self._rules(seq, symbol, True)

    def _left(self, seq: str, symbol: str, ts: float, source: str) -> None:
        if symbol in self.fixed or self._others(seq, symbol):
            self._journal(ts, seq, symbol, False, source, "in")
            self._rules(seq, symbol, False)
            return
        if symbol in self.waiting:
            del self.waiting[symbol]
            self._journal(ts, seq, symbol, False, source, "no_longer_waiting")
            return
        if symbol not in self.admitted:
            self._journal(ts, seq, symbol, False, source, "not_in")
            return
        del self.admitted[symbol]
        self.leaving.add(symbol)
        self._rules(seq, symbol, False)  # a leave rule may still sell
        dropped = self._drop_if_flat(symbol)
        self._journal(ts, seq, symbol, False, source, "dropped" if dropped else "left_held")
        self._fill_places()

    def _others(self, seq: str, symbol: str) -> bool:
        return any(symbol in m for s, m in self.members.items() if s != seq)

    def _admit(self, symbol: str) -> None:
        self.admitted[symbol] = None
        self.stats["admitted"] += 1
        self._add_state(symbol)
        if self.on_subscribe is not None:
            self.on_subscribe([symbol])

    def _drop_if_flat(self, symbol: str) -> bool:
        if symbol not in self.leaving or not self._is_flat(symbol):
            return False
        self.leaving.discard(symbol)
        self.stats["dropped"] += 1
        self._drop_state(symbol)
        if self.on_unsubscribe is not None:
            self.on_unsubscribe([symbol])
        return True

    def _fill_places(self) -> None:
        while self.waiting and len(self.admitted) + len(self.leaving) < self.cap:
            symbol = next(iter(self.waiting))
            del self.waiting[symbol]
            self._admit(symbol)
            seq = next((s for s, m in self.members.items() if symbol in m), "")
            self._journal(self.clock(), seq, symbol, True, "waiting", "admitted")
            self._rules(seq, symbol, True)

    def settle(self) -> None:
        """After an order or a fill: drop leaving stocks now flat, admit waiting ones."""
        if not self.leaving:
            return
        dropped = [s for s in sorted(self.leaving) if self._drop_if_flat(s)]
        for symbol in dropped:
            self._journal(self.clock(), "", symbol, False, "flat", "dropped")
        if dropped:
            self._fill_places()

    def _rules(self, seq: str, symbol: str, entered: bool) -> None:
        ref = self.seq_ref.get(seq)
        if ref is not None:
            self._run_rules(ref, self._name(seq), entered, self._state(symbol))

    def _state(self, symbol: str) -> SymbolState:
        return self._add_state(symbol)  # the live state (the engine returns it if present)

    def _journal(
        self, ts: float, seq: str, symbol: str, entered: bool, source: str, outcome: str
    ) -> None:
        self.journal.condition_hit(
            ts, seq, self._name(seq) if seq else "", symbol, entered, source, outcome
        )

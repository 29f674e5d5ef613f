"""Rules on rare events (VI, session, own orders, times, start, stop) and rule controls.

Tick rules run inside the fused per-symbol evaluators; every other trigger comes here.
Such a rule runs for one symbol (the VI's, the order's) or, for market-wide events
(session, times, start, stop), for each of its symbols in file order; each run checks
the rule's controls and its own compiled condition on that symbol's state.

Controls: ``cooldown`` blocks a rule on one symbol for a while after it fires;
``once_per_symbol`` until the next midnight (Asia/Seoul); ``max_per_day`` blocks the
whole rule until midnight once it has fired that many times today.

While ``on: order`` and ``on: vi`` rules run, ``MarketState.event`` holds the triggering
event for their ``event.*`` names. VI events keep each symbol's VI state; a release with
no trigger seen (the run started during the auction) is still a release.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from autotrader.clock import DAY, SEOUL_OFFSET, seconds_of_day
from autotrader.compile.plan import CompiledRule, Plan
from autotrader.compile.schedule import TIME_TRIGGERS
from autotrader.engine.ledger import tag_of
from autotrader.engine.scheduler import Scheduler
from autotrader.engine.trigger_event import TriggerEvent, order_event, vi_event
from autotrader.model import Fill, OrderRequest, ViEvent

if TYPE_CHECKING:
    from autotrader.engine.state import MarketState, SymbolState

# The engine's rule firing: rule, symbol state, clock, event name.
Fire = Callable[[CompiledRule, "SymbolState", float, str], None]
RuleFailed = Callable[[CompiledRule, "SymbolState", str, Exception], None]

MAX_ORDER_DEPTH = 3  # order-event rules placing orders that trigger order-event rules...
# A VI auction lasts at least two minutes, so two releases of one symbol closer than this
# are one release seen twice (under the bare code and the _AL item, or resent).
VI_RELEASE_REPEAT = 60.0


def next_midnight(now: float) -> float:
    """Epoch seconds of the next 00:00 Asia/Seoul after ``now``."""
    return (math.floor((now + SEOUL_OFFSET) / DAY) + 1) * DAY - SEOUL_OFFSET


class Controls:
    """Cooldown, once per symbol per day and max fires per day, for every trigger kind."""

    def __init__(self) -> None:
        self.until: dict[tuple[int, str], float] = {}  # (rule order, symbol) -> blocked until
        self.rule_until: dict[int, float] = {}  # rule order -> blocked until (max_per_day)
        self.day_fires: dict[int, tuple[int, int]] = {}  # rule order -> (day, fires that day)
        self.tick_slots: dict[tuple[int, str], tuple[list[float], int]] = {}

    def register(self, rule: CompiledRule, symbol: str, slots: list[float], i: int) -> None:
        """A tick evaluator's blocked-until slot for (rule, symbol), kept in step."""
        self.tick_slots[(rule.order, symbol)] = (slots, i)
        slots[i] = self.blocked_until(rule, symbol)

    def blocked_until(self, rule: CompiledRule, symbol: str) -> float:
        return max(self.until.get((rule.order, symbol), 0.0), self.rule_until.get(rule.order, 0.0))

    def ready(self, rule: CompiledRule, symbol: str, now: float) -> bool:
        return not rule.has_controls or self.blocked_until(rule, symbol) <= now

    def after_fire(self, rule: CompiledRule, symbol: str, now: float) -> float:
        """Record a fire; returns until when the rule is blocked on this symbol."""
        if not rule.has_controls:
            return 0.0
        midnight = next_midnight(now)
        until = now + rule.cooldown if rule.cooldown else 0.0
        if rule.once_per_symbol:
            until = max(until, midnight)
        self.until[(rule.order, symbol)] = until
        if rule.max_per_day:
            day = int((now + SEOUL_OFFSET) // DAY)
            seen, fires = self.day_fires.get(rule.order, (day, 0))
            fires = fires + 1 if seen == day else 1
            self.day_fires[rule.order] = (day, fires)
            if fires >= rule.max_per_day:
                self.rule_until[rule.order] = midnight
                for (order, _sym), (slots, i) in self.tick_slots.items():
                    if order == rule.order:
                        slots[i] = max(slots[i], midnight)
        return self.blocked_until(rule, symbol)


class Triggers:
    """Dispatches the engine's rare events to the rules waiting for them."""

    def __init__(
        self,
        plan: Plan,
        market: MarketState,
        states: Mapping[str, SymbolState],
        controls: Controls,
        fire: Fire,
        rule_failed: RuleFailed,
    ) -> None:
        self.market = market
        self.states = states
        self.controls = controls
        self.fire = fire
        self.rule_failed = rule_failed  # a condition raised: journaled, held per policy
        self.stats: dict[str, int] = {}
        by_kind = plan.triggered
        self.vi = by_kind.get("vi", ())
        self.session = by_kind.get("session", ())
        self.order = by_kind.get("order", ())
        self.start_rules = by_kind.get("start", ())
        self.stop_rules = by_kind.get("stop", ())
        timed = [r for k in sorted(TIME_TRIGGERS) for r in by_kind.get(k, ())]
        self.scheduler = Scheduler(sorted(timed, key=lambda r: r.order), self._on_time)
        self.depth = 0
        self.vi_released: dict[str, float] = {}  # symbol -> time of its last VI release

    def run(self, rule: CompiledRule, st: SymbolState, event: str) -> None:
        """Run one rule on one symbol: controls, condition, then fire."""
        now = self.market.now
        if st.symbol not in rule.symbols or not self._ready(rule, st, now):
            return
        try:
            fires = rule.condition(st)
        except Exception as exc:  # journaled; held per the strategy's on_rule_error
            self.rule_failed(rule, st, event, exc)
            return
        if fires:
            self.controls.after_fire(rule, st.symbol, now)
            self.fire(rule, st, now, event)

    def _ready(self, rule: CompiledRule, st: SymbolState, now: float) -> bool:
        return self.market.account_loaded and self.controls.ready(rule, st.symbol, now)

    def run_all(self, rules: tuple[CompiledRule, ...], event: str) -> None:
        """Market-wide events: each rule, in file order, over each of its symbols."""
        states = self.states
        for rule in rules:
            for symbol in rule.symbols:
                st = states.get(symbol)
                if st is not None:
                    self.run(rule, st, event)

    def on_vi(self, ev: ViEvent, st: SymbolState) -> None:
        """A VI event for one symbol: update its VI state; if new, run the VI rules."""
        if not self.apply_vi(ev, st):
            return
        rules = [r for r in self.vi if r.on.vi is not None and r.on.vi.matches(
            ev.released, ev.kind, ev.direction)]  # fmt: skip
        if not rules:
            return
        market = self.market
        outer, market.event = market.event, vi_event(ev)
        try:
            for rule in rules:
                self.run(rule, st, "vi:" + ("released" if ev.released else "triggered"))
        finally:
            market.event = outer

    def apply_vi(self, ev: ViEvent, st: SymbolState) -> bool:
        """Apply a VI event to the symbol's state; False when it was already applied."""
        if not ev.released:
            if st.vi_active:
                return False  # the same trigger under another item
            st.vi_active, st.vi_kind, st.vi_since = True, ev.kind, ev.ts
            st.vi_direction, st.vi_price = ev.direction, ev.trigger_price
            return True
        if not st.vi_active:
            last = self.vi_released.get(st.symbol)
            if last is not None and abs(ev.ts - last) < VI_RELEASE_REPEAT:
                return False  # already released
            # No trigger seen (the run started during the auction): the release tells
            # what the VI was; it started at the latest now.
            st.vi_kind, st.vi_since = ev.kind, ev.ts
            st.vi_direction, st.vi_price = ev.direction, ev.trigger_price or st.vi_price
        st.vi_active = False
        self.vi_released[st.symbol] = ev.ts
        return True

    def on_session(self, name: str) -> None:
        rules = tuple(r for r in self.session if r.on.session and name in r.on.session)
        if not rules:
            return
        market = self.market  # the risk guard reads which session event runs
        outer, market.event = market.event, TriggerEvent(session=name)
        try:
            self.run_all(rules, "session:" + name)
        finally:
            market.event = outer

    def on_order(self, order: OrderRequest, event: str, fill: Fill | None = None) -> None:
        """An own order's event: accepted, filled, partially_filled, cancelled, rejected."""
        if not self.order or order.side is None:
            return
        st = self.states.get(order.symbol)
        if st is None:
            return
        if self.depth >= MAX_ORDER_DEPTH:
            stats = self.stats
            stats["order_trigger_depth"] = stats.get("order_trigger_depth", 0) + 1
            return
        tag = tag_of(order)
        rules = [
            r
            for r in self.order
            if r.on.order and event in r.on.order and (r.on.tag is None or r.on.tag == tag)
        ]
        if not rules:
            return
        market = self.market
        outer, market.event = market.event, order_event(order, event, tag, fill)
        self.depth += 1
        try:
            for rule in rules:
                self.run(rule, st, "order:" + event)
        finally:
            self.depth -= 1
            market.event = outer

    def _on_time(self, rule: CompiledRule, at: float) -> None:
        """One occurrence of a time rule, run with the clock at its exact fire time."""
        market = self.market
        market.now, market.sod = at, seconds_of_day(at)
        self.run_all((rule,), rule.trigger)

"""The swap of a hot reload: the new plan takes the engine over, the state stays.

The order ledger (working orders, positions) is not touched. Rules are matched by name:
one that stays keeps its controls (cooldown, once-per-symbol flag, fires today; re-keyed
to its new place in the file), its last fire times and its time rule's next fire time.
Rolling values and indicators are kept per (symbol, value): a window some rule of the new
version still reads keeps its data; a new one starts empty. Each symbol's fused
evaluator is re-bound. ``engine/reload.py`` says when this runs and what comes before.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from autotrader.clock import SEOUL
from autotrader.compile.plan import Plan
from autotrader.engine.reload_diff import RuleDiff
from autotrader.engine.rolling import Rolling, make_updater
from autotrader.engine.rule_errors import RuleErrors
from autotrader.engine.scheduler import Scheduler, _epoch
from autotrader.engine.state import SymbolState
from autotrader.engine.triggers import Controls, Triggers
from autotrader.risk.book import TradingLevel

if TYPE_CHECKING:
    from autotrader.compile.plan import CompiledRule
    from autotrader.engine.actions import Actions
    from autotrader.engine.ledger import Ledger
    from autotrader.engine.state import MarketState
    from autotrader.journal.writer import Journal
    from autotrader.model import OrderRequest
    from autotrader.risk.checks import RiskLimits


class Engine(Protocol):
    """What a reload reads and replaces in the engine (``engine/engine.py``; a protocol,
    so this module does not import the engine that imports it)."""

    plan: Plan
    journal: Journal
    market: MarketState
    ledger: Ledger
    states: dict[str, SymbolState]
    actions: Actions
    limits: RiskLimits
    controls: Controls
    triggers: Triggers
    stats: dict[str, int]
    rule_errors: RuleErrors
    failed_rules: dict[str, str]
    _next_due: float

    def place(self, order: OrderRequest, st: SymbolState) -> bool: ...
    def set_level(self, level: TradingLevel, reason: str) -> None: ...
    def enable_rules(self) -> None: ...
    def hold_rules(self) -> None: ...
    def wake_by(self, ts: float) -> None: ...
    def _fire(self, rule: CompiledRule, st: SymbolState, now: float, event: str) -> None: ...
    def _rule_failed(
        self, rule: CompiledRule | None, st: SymbolState, event: str, exc: Exception
    ) -> None: ...


def swap(engine: Engine, plan: Plan, diff: RuleDiff) -> None:
    """Put ``plan`` in ``engine``'s place, carrying the state of the rules that stay."""
    old = engine.plan
    old_by_name = {r.name: r for r in old.rules}
    moved: dict[int, int] = {}  # old rule order -> new rule order, for the rules that stay
    for rule in plan.rules:
        before = old_by_name.get(rule.name)
        if before is not None:
            moved[before.order] = rule.order
            rule.last_fired.update(before.last_fired)
            rule.fires = before.fires
    engine.controls = _carry_controls(engine.controls, moved)
    for symbol in plan.by_symbol:  # the strategy's symbols and every rule's
        if symbol not in engine.states:
            engine.states[symbol] = SymbolState(symbol, engine.market)
    _carry_rolling(engine, plan)
    old_triggers = engine.triggers
    triggers = Triggers(
        plan, engine.market, engine.states, engine.controls, engine._fire, engine._rule_failed
    )
    triggers.stats = engine.stats
    triggers.vi_released = old_triggers.vi_released
    _carry_schedule(old_triggers.scheduler, triggers.scheduler, engine.market.now)
    engine.triggers = triggers
    engine.ledger.on_event = triggers.on_order
    engine._next_due = triggers.scheduler.next_due
    engine.wake_by(engine._next_due)
    if plan.strategy.on_rule_error != old.strategy.on_rule_error:
        fresh = RuleErrors(plan.strategy.on_rule_error)
        fresh.counts, fresh.holds = engine.rule_errors.counts, engine.rule_errors.holds
        engine.rule_errors = fresh
    for name in diff.changed + diff.removed:  # a changed rule may be the fix: released
        engine.failed_rules.pop(name, None)
        engine.rule_errors.holds.pop(name, None)
    engine.plan = plan
    if engine.market.account_loaded:
        engine.enable_rules()  # each symbol's new fused evaluator, controls re-registered
    else:
        engine.hold_rules()


def _carry_controls(old: Controls, moved: dict[int, int]) -> Controls:
    new = Controls()
    new.until = {(moved[o], s): t for (o, s), t in old.until.items() if o in moved}
    new.rule_until = {moved[o]: t for o, t in old.rule_until.items() if o in moved}
    new.day_fires = {moved[o]: v for o, v in old.day_fires.items() if o in moved}
    return new


def _carry_rolling(engine: Engine, plan: Plan) -> None:
    """Each symbol's rolling values of the new plan; a value both read keeps its window."""
    for symbol, st in engine.states.items():
        keys = plan.rolling_by_symbol.get(symbol) or ()
        before = st.rolling
        if not keys:
            st.rolling, st.roll = None, []
            continue
        rolling = Rolling(len(plan.rolling), {k: plan.rolling[k] for k in keys})
        if isinstance(before, Rolling):
            kept = dict(before.updaters)
            updaters = []
            for key, slot in rolling.keys.items():
                old_slot = before.keys.get(key)
                if old_slot is not None and old_slot in kept:
                    updaters.append((slot, kept[old_slot]))
                    rolling.values[slot] = before.values[old_slot]
                else:
                    updaters.append((slot, make_updater(key)))
            rolling.updaters = updaters
            rolling.day_end = before.day_end
        st.rolling, st.roll = rolling, rolling.values


def _carry_schedule(old: Scheduler, new: Scheduler, now: float) -> None:
    """Time rules that stay keep their next fire time; new ones start from now."""
    if not old.started:
        return  # the first clock reading sets every fire time up
    due = {job.rule.name: (job.rule.on, job.due) for job in old.jobs}
    new.started = True
    at = datetime.fromtimestamp(now, tz=SEOUL)
    for job in new.jobs:
        kept = due.get(job.rule.name)
        if kept is not None and kept[0] == job.rule.on:
            job.due = kept[1]
        else:
            job.due = _epoch(job.trigger.get_next_fire_time(None, at))
    new._refresh()

"""The engine: evaluates compiled rules on each event and drives orders to the broker.

Flow for one trade tick: the feed decoder has already written the tick into the
symbol's state; the paper broker (if any) matches its working orders against it first;
then the symbol's rules run in file order (an order they place meets this tick's quote,
docs/paper-fills.md). A rule that fires
turns each action into an order, which goes to the risk guard, then to the journal
(intent committed), and only then to the broker. Broker events come back through
``on_broker_event`` and update orders, positions and the journal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from autotrader.broker.base import (
    Broker,
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderModified,
    OrderOutcomeUnknown,
    OrderRejected,
)
from autotrader.clock import DAY, SEOUL_OFFSET
from autotrader.compile.plan import UNIVERSE, CompiledRule, Plan
from autotrader.engine.actions import Actions, Decide
from autotrader.engine.killswitch import KillSwitch, halt_path
from autotrader.engine.ledger import Ledger, projected
from autotrader.engine.marks import MarkSampler
from autotrader.engine.noop import blocked_reason
from autotrader.engine.orders import snapshot
from autotrader.engine.positions import apply_fill
from autotrader.engine.protect import Protector, is_protective
from autotrader.engine.reload import Reloads
from autotrader.engine.rolling import Rolling
from autotrader.engine.rule_errors import RuleErrors, event_excerpt
from autotrader.engine.state import MarketState, SymbolState
from autotrader.engine.triggers import Controls, Triggers
from autotrader.engine.universe import Universe
from autotrader.errors import JournalError
from autotrader.journal.writer import Journal
from autotrader.market.matching import Print
from autotrader.model import (
    BalanceUpdate,
    ConditionEvent,
    Depth,
    Execution,
    Fill,
    OrderRequest,
    OrderState,
    SessionChange,
    Side,
    ViEvent,
)
from autotrader.risk.book import RiskBook, TradingLevel
from autotrader.risk.checks import CheckInput, RiskLimits, base_price, reference_price
from autotrader.risk.guard import RiskGuard

log = logging.getLogger(__name__)

DEFAULT_PAPER_CASH = 100_000_000  # KRW a paper run starts with unless configured
LOSS_CHECK_INTERVAL = 5.0  # clock seconds between marks of open positions to the market
HELD_NOTE_INTERVAL = 60.0  # a held rule's firings: one decision row a minute per symbol
_UNMATCHED = (Execution, BalanceUpdate)  # account events the broker could not place


class Engine:
    """One strategy's evaluator, state and order book, over one broker and journal."""

    def __init__(
        self,
        plan: Plan,
        broker: Broker,
        journal: Journal,
        *,
        limits: RiskLimits | None = None,
        guard: RiskGuard | None = None,
        book: RiskBook | None = None,
        killswitch: KillSwitch | None = None,
    ) -> None:
        self.plan = plan
        self.broker = broker
        self.journal = journal
        self.limits = limits or RiskLimits()
        self.guard = guard or RiskGuard()
        self.book = book or RiskBook(cash=DEFAULT_PAPER_CASH)
        self.killswitch = killswitch or KillSwitch(halt_path(journal.path))
        self._watch_at = 0.0
        self._loss_at = 0.0
        self.market = MarketState()
        self.states: dict[str, SymbolState] = {
            s: SymbolState(s, self.market) for s in plan.by_symbol if s != UNIVERSE
        }
        self.parked: dict[str, SymbolState] = {}  # states of stocks the universe dropped
        self.ledger = Ledger(journal, self.book, self.states)  # every working order
        self.stats: dict[str, int] = {
            "fired": 0,
            "orders": 0,
            "rejected": 0,
            "fills": 0,
            "vi_events": 0,
            "sessions": 0,
            "zero_qty": 0,
        }
        self.on_order_event: Callable[[OrderRequest], None] | None = None
        self.held_rules: set[str] = set()  # rules with an order in doubt: they place nothing
        self.failed_rules: dict[str, str] = {}  # rule -> the error that holds it (on_error.py)
        self._held_noted: dict[tuple[str, str], float] = {}  # (rule, symbol) -> next note
        self.rule_errors = RuleErrors(plan.strategy.on_rule_error)
        self.refusal = ""  # why place() refused its last order (decisions keep it)
        self.actions = Actions(
            journal, self.ledger, self.states, self.stats, plan.strategy.strategy,
            lambda order, st, decide: self.place(order, st, decide),  # late-bound: tests trace it
            lambda: self.refusal,
        )  # fmt: skip
        self.remainders = self.actions.remainders
        self.remainders.on_sooner = self.wake_by
        self.controls = Controls()
        self.marks = MarkSampler(self.states, journal)
        for rst in self.states.values():
            self._roll(rst)
        self.triggers = Triggers(
            plan, self.market, self.states, self.controls, self._fire, self._rule_failed
        )
        self.universe = Universe(  # which symbols are in, as condition searches move
            plan.strategy.universe,
            plan.symbols,
            journal,
            lambda: self.market.now,
            add_state=self.add_symbol,
            drop_state=self.park_symbol,
            run_rules=self.triggers.on_condition,
            is_flat=lambda sym: (st := self.states.get(sym)) is None or st.flat,
        )
        self.actions.may_enter = self.universe.may_enter
        self.triggers.stats = self.stats
        self.triggers.held_back = self.held_back
        self.ledger.on_change = self._order_changed
        self.ledger.on_event = self._order_event
        self.protector = Protector(
            plan.rules, self.ledger, journal, self.book, self.states, plan.strategy.strategy,
            lambda order, st: self.place(order, st),
        )  # fmt: skip
        self._next_due = self.triggers.scheduler.next_due  # first time rule due
        self.enable_rules()
        self.reloads = Reloads(self)  # hot reload: request file, replay schedule, versions
        self._paper_ticks = broker.on_tick if broker.wants_ticks else None
        # the paper venue's VI state and 0D books
        self._venue_events: Callable[[Any], None] | None = getattr(broker, "on_market", None)
        bind_market = getattr(broker, "bind_market", None)
        if bind_market is not None:
            bind_market(self._last_print)
        broker.attach(self.on_broker_event)

    # -- clock ---------------------------------------------------------------------------
    def set_time(self, ts: float) -> None:
        """Move the clock. Most readings fall in the clock second of the last one with
        nothing due (no time rule, remainder or watch): one compare and the time. The
        others go through ``_wake``, which also moves ``time`` (whole seconds)."""
        market = self.market
        if ts < market.quiet_until:
            market.now = ts
            return
        self._wake(ts)

    def _wake(self, ts: float) -> None:
        if ts >= self._next_due:  # a time rule is due
            self.triggers.scheduler.run_due(ts)  # each at its own time, before ``ts``
            self._next_due = self.triggers.scheduler.next_due
        market = self.market
        market.now = ts
        second = int(ts + SEOUL_OFFSET)
        market.sod = second % DAY  # seconds_of_day, inlined
        remainders = self.remainders
        if ts >= remainders.next_due:  # an order's remainder policy is due
            self.actions.settle_remainders(ts)
        if ts >= self._watch_at:  # at most once per clock second, never per tick
            reload_due, after = self.reloads.next_due, ts + 1.0
            self._watch_at = after if after <= reload_due else reload_due
            self.watch()
        # Until the next clock second starts (a microsecond early: float sums), or
        # something falls due, a reading changes nothing but the time. (The earliest of
        # the four, as min() would pick it; compares cost less than its call, once a
        # clock second.)
        quiet = second + 1 - SEOUL_OFFSET - 1e-6
        due = self._next_due
        if due < quiet:
            quiet = due
        due = remainders.next_due
        if due < quiet:
            quiet = due
        due = self._watch_at
        if due < quiet:
            quiet = due
        market.quiet_until = quiet

    def wake_by(self, ts: float) -> None:
        """Something falls due at ``ts`` (a time rule, a remainder, a reload): the clock
        looks at it then, not after the current clock second."""
        if ts < self.market.quiet_until:
            self.market.quiet_until = ts

    def watch(self, *, force: bool = False) -> None:
        """Apply the kill switch file if it changed; trip the daily loss limit if reached;
        do a reload that is due (a safe point: no rule is running)."""
        now = self.market.now
        self.marks.sample(now)
        reloads = self.reloads
        reloads.poll(now)
        if reloads.next_due < self._watch_at:
            self._watch_at = reloads.next_due
        self.wake_by(self._watch_at)
        command = self.killswitch.poll(force=force)
        if command is not None:
            self.set_level(command.level, command.reason or "kill switch file")
        if force or self.market.now >= self._loss_at:  # fills check it too, at once
            self._loss_at = self.market.now + LOSS_CHECK_INTERVAL
            self._check_loss()

    def set_level(self, level: TradingLevel, reason: str) -> None:
        """Move the kill switch; at ``halted`` every open order is cancelled."""
        book = self.book
        if level is book.level and reason == book.level_reason:
            return
        book.level, book.level_reason = level, reason
        self.journal.error(self.market.now, "killswitch", f"{level.value}: {reason}")
        if level is TradingLevel.HALTED:
            self.protector.halted(self.market.now)  # says so: the stops go too
            self.cancel_open(reason)

    def _check_loss(self) -> None:
        limit = self.limits.daily_loss_limit
        if self.book.level is not TradingLevel.ACTIVE or self.book.day_pnl() > -limit:
            return
        level = TradingLevel.REDUCING if self.limits.exits_after_loss_limit else TradingLevel.HALTED
        reason = f"daily loss limit: day P&L {self.book.day_pnl():,} KRW <= -{limit:,} KRW"
        self.set_level(level, reason)
        self.cancel_open(reason)
        self.killswitch.set(level, reason)

    def cancel_open(self, reason: str) -> None:
        """Ask the broker to cancel every working new order (once each); at ``reducing``
        protective orders stay resting (they only take risk away)."""
        now = self.market.now
        keep = self.book.level is not TradingLevel.HALTED
        for order in self.ledger.new_orders():
            if order.order_id in self.ledger.halting or (keep and is_protective(order)):
                continue
            cancel = self.actions.change_whole(order, "cancel", "kill-switch", now)
            self.journal.commit_intent(cancel, now, reason)
            self.ledger.forced(cancel, now)  # a cancel only takes risk away: no review
            self.broker.submit(cancel)

    def start(self) -> None:
        """Run the 'on: start' rules; a replay calls it once the day's clock is set."""
        self.triggers.run_all(self.triggers.start_rules, "start")

    def stop(self) -> None:
        """Run the 'on: stop' rules: at the end of a replay, or before a live shutdown."""
        self.triggers.run_all(self.triggers.stop_rules, "stop")
        self.marks.sample(self.market.now, force=True)  # the last prices, for reports

    # -- market events -------------------------------------------------------------------
    def on_trade(self, st: SymbolState) -> None:
        """Hot path: one trade tick for a subscribed symbol."""
        if st.mark_qty:  # a held symbol: move the book's mark-to-market, O(1)
            self.book.held_value += (st.price - st.mark) * st.mark_qty
            st.mark = st.price
        if st.open_orders and self._paper_ticks is not None:
            self._paper_ticks(st.symbol, st.price, st.ask, st.bid, st.ts)
        if st.pos_qty and self.protector.guards:
            self.protector.on_trade(st, self.market.now)
        evaluate = st.evaluate
        if evaluate is not None:
            try:  # free unless something raises
                evaluate(st, self.market.now, st.cooldowns, st.fire)
            except JournalError:
                raise  # fail closed: place() has halted trading; the run must see it
            except Exception as exc:
                self._conditions_failed(st, exc)

    def _conditions_failed(self, st: SymbolState, exc: Exception) -> None:
        """A tick's fused evaluation raised at some rule's condition: record the rules
        whose conditions raise, and run the rules after the first of them one by one,
        so one broken rule never silences the rules below it."""
        now = self.market.now
        first_error: int | None = None
        for i, rule in enumerate(self.plan.by_symbol.get(st.symbol) or ()):
            try:
                fires = rule.condition(st)
            except Exception as raised:
                first_error = i if first_error is None else first_error
                if rule.name not in self.failed_rules:
                    self._rule_failed(rule, st, "0B", raised)
                continue
            if first_error is not None and fires and st.cooldowns[i] <= now:
                st.fire(i)
        if first_error is None:  # not a condition: the rolling update or the engine
            self._rule_failed(None, st, "0B", exc)

    def hold_rules(self) -> None:
        """No rule fires until ``enable_rules``: a live run starts so, until the account is
        read, and ends so. Unbinding the evaluators keeps the tick path free of the check."""
        self.market.account_loaded = False
        for st in self.states.values():
            st.evaluate = None

    def enable_rules(self) -> None:
        self.market.account_loaded = True
        for st in self.states.values():
            self._bind_rules(st)

    def _bind_rules(self, st: SymbolState) -> None:
        """Give a symbol its fused evaluator and the callback for rules that fire."""
        key = self.plan.key_of(st.symbol)
        rules = self.plan.by_symbol.get(key) or ()
        if key not in self.plan.evaluators:
            return
        cooldowns = [0.0] * len(rules)  # per rule: blocked until (cooldown, daily limits)
        noted = [False] * len(rules)  # per rule: its held-back firing is journaled
        for i, rule in enumerate(rules):
            if rule.has_controls:
                self.controls.register(rule, st.symbol, cooldowns, i)

        def fire(i: int) -> None:
            now = self.market.now
            if i < 0:  # the condition holds, the controls hold it back
                noted[~i] = True
                self.held_back(rules[~i], st, now, "0B")
                return
            rule = rules[i]
            if rule.has_controls:
                cooldowns[i] = self.controls.after_fire(rule, st.symbol, now)
                noted[i] = False
            self._fire(rule, st, now, "0B")

        st.evaluate = self.plan.evaluators[key]
        st.cooldowns = cooldowns
        st.noted = noted
        st.fire = fire

    def _last_print(self, symbol: str) -> Print | None:
        """The item's latest print, for a simulated venue: the book an order meets."""
        st = self.states.get(symbol)
        if st is None or not st.price:
            return None
        return Print(st.price, abs(st.volume), st.ask, st.bid, st.ts, base_price(st))

    @property
    def on_depth(self) -> Callable[[Depth], None] | None:
        """Where ``0D`` books go: the paper venue's size at each price, or nowhere."""
        return self._venue_events

    def _roll(self, st: SymbolState) -> None:
        keys = self.plan.rolling_by_symbol.get(self.plan.key_of(st.symbol))
        if keys:
            rolling = self.plan.rolling
            st.rolling = Rolling(len(rolling), {k: rolling[k] for k in keys})
            st.roll = st.rolling.values

    # -- the universe (engine/universe.py owns which symbols are in) ---------------------
    def on_condition(self, ev: ConditionEvent) -> None:
        """A condition search's list, snapshot or hit, from the feed decoder."""
        self.universe.on_event(ev)

    def add_symbol(self, symbol: str) -> SymbolState:
        """The symbol's state, made (or revived) with its rules when the universe admits it."""
        st = self.states.get(symbol)
        if st is not None:
            return st
        st = self.parked.pop(symbol, None) or SymbolState(symbol, self.market)
        if st.rolling is None:
            self._roll(st)
        self.states[symbol] = st
        if self.market.account_loaded:
            self._bind_rules(st)
        return st

    def park_symbol(self, symbol: str) -> None:
        """The universe dropped a flat symbol: no ticks reach it until it is admitted again."""
        st = self.states.pop(symbol, None)
        if st is not None:
            st.evaluate = None
            self.parked[symbol] = st

    def on_vi(self, ev: ViEvent) -> None:
        self.stats["vi_events"] += 1
        if self._venue_events is not None:  # before the rules: their orders meet the auction
            self._venue_events(ev)
        # The same VI can arrive under the bare code and the _AL item: apply idempotently.
        for key in (ev.symbol, ev.symbol.split("_")[0]):
            st = self.states.get(key)
            if st is not None:
                self.triggers.on_vi(ev, st)  # VI state, then the rules if the event is new

    def on_session(self, ev: SessionChange) -> None:
        self.stats["sessions"] += 1
        if ev.name.startswith("nxt_"):  # Nextrade's sessions do not end KRX's
            changed = ev.name != self.market.nxt_session
            self.market.nxt_session = ev.name
        else:
            changed = ev.code != self.market.session_code
            self.market.session = ev.name
            self.market.session_code = ev.code
        if changed:
            self.triggers.on_session(ev.name)

    # -- rules to orders ----------------------------------------------------------------
    def held_back(self, rule: CompiledRule, st: SymbolState, now: float, event: str) -> None:
        """A rule whose condition holds but whose cooldown or daily limit holds it back:
        journaled once per window (the first such firing), with the reason."""
        outcome, reason = blocked_reason(self.controls, rule, st.symbol, now)
        self.journal.decision(now, rule.name, st.symbol, event, {**snapshot(st),
                              "reason": reason}, outcome, None)  # fmt: skip

    def _fire(self, rule: CompiledRule, st: SymbolState, now: float, event: str) -> None:
        if rule.name in self.held_rules or (
            rule.name in self.failed_rules and self._still_failed(rule.name, now)
        ):
            self.stats["held"] = self.stats.get("held", 0) + 1
            self._note_held(rule, st, now, event)
            return
        rule.last_fired[st.symbol] = now
        rule.fires += 1
        self.stats["fired"] += 1
        try:  # free in CPython 3.11 unless something raises
            for action in rule.actions:  # in order; each step sees the previous ones' orders
                self.actions.run(rule, action, st, now, event)
        except JournalError:
            raise  # fail closed: place() has halted trading; the run must see it
        except Exception as exc:
            self._rule_failed(rule, st, event, exc)

    def _note_held(self, rule: CompiledRule, st: SymbolState, now: float, event: str) -> None:
        """A held rule's firing, journaled at most once a minute per rule and symbol."""
        key = (rule.name, st.symbol)
        if now < self._held_noted.get(key, 0.0):
            return
        self._held_noted[key] = now + HELD_NOTE_INTERVAL
        if rule.name in self.held_rules:
            reason = "held: an order of this rule is in doubt until the account is reconciled"
        else:
            reason = f"held after an error: {self.failed_rules.get(rule.name, '?')}"
        values = {**snapshot(st), "reason": reason}
        self.journal.decision(now, rule.name, st.symbol, event, values, "held", None)

    def _still_failed(self, name: str, now: float) -> bool:
        if self.rule_errors.held(name, now):
            return True
        del self.failed_rules[name]  # a hold from an earlier day has lapsed
        return False

    def _rule_failed(
        self, rule: CompiledRule | None, st: SymbolState, event: str, exc: Exception
    ) -> None:
        """A rule's condition or action raised: journal it with the event, go on; hold the
        rule when the strategy's ``on_rule_error`` policy says so (rules/on_error.py)."""
        name = rule.name if rule is not None else "?"
        what = f"{type(exc).__name__}: {str(exc)[:200]}"
        now = self.market.now
        self.stats["rule_errors"] = self.stats.get("rule_errors", 0) + 1
        hold = rule is not None and self.rule_errors.record(name, now)
        if hold:
            self.failed_rules[name] = what
            self.stats["rules_held"] = self.stats.get("rules_held", 0) + 1
        outcome = "rule held for the day" if hold else "event skipped"
        log.error("rule %s on %s (%s) raised %s; %s", name, st.symbol, event, what, outcome)
        self.journal.error(
            now,
            "rule",
            f"rule {name} on {st.symbol} ({event_excerpt(st, event)}) raised {what}; {outcome}",
        )

    def place(self, order: OrderRequest, st: SymbolState, decide: Decide | None = None) -> bool:
        """Risk guard, then journal intent, then broker. Returns whether it was sent.

        ``decide(sent)`` journals the decision that placed the order once the guard has
        judged it: before the intent, so the two commit in one transaction."""
        now = self.market.now
        ledger = self.ledger
        target = ledger.modify_target(order)  # a modify is judged as the order it leaves
        checked: CheckInput | None = None
        if target is None:
            subject = order
            checked = self._checked(order, st, now)
            verdict = self.guard.review(checked)
        else:
            subject = projected(order, target)
            with ledger.set_aside(target, st):
                verdict = self.guard.review(self._checked(subject, st, now))
        if verdict.by_name is not None:  # approved: one 'passed' row, names joined once
            self.journal.risk_passed(now, order.order_id, verdict.by_name, verdict.joined)
        else:
            self.journal.risk_outcome(now, order.order_id, verdict.passed, verdict.failures)
        if not verdict.approved:
            order.state = OrderState.REJECTED
            self.stats["rejected"] += 1
            self.refusal = "risk: " + verdict.reason
            if decide is not None:
                decide(False)
            self.journal.rejected_order(order, now, self.refusal)
            self.triggers.on_order(order, "rejected")
            return False
        if decide is not None:
            decide(True)
        try:
            self.journal.commit_intent(order, now)  # durable before the broker sees it
        except JournalError as exc:  # fail closed: no intent, no order, no more trading
            self.book.level = TradingLevel.HALTED
            self.book.level_reason = f"journal failure: {exc}"
            raise
        # the price the checks valued the order at (read once), a modify's at its own
        ref = checked.reference() if checked is not None else reference_price(order, st)
        ledger.opened(order, st, ref, now, subject if target else None)
        self.stats["orders"] += 1
        self.broker.submit(order)
        return True

    def _checked(self, subject: OrderRequest, st: SymbolState, now: float) -> CheckInput:
        """What the guard reviews ``subject`` on."""
        pending = self.ledger.pending  # the ledger's pending_qty, read directly
        symbol = subject.symbol
        return CheckInput(
            subject,  # order, state, limits, pending buy and sell, book, now
            st,
            self.limits,
            pending.get((symbol, Side.BUY), 0),
            pending.get((symbol, Side.SELL), 0),
            self.book,
            now,
        )

    # -- broker events ------------------------------------------------------------------
    def on_broker_event(self, ev: BrokerEvent) -> None:
        self._on_broker_event(ev)
        if self.actions.flattener.active:  # a flatten sells the shares a cancel freed
            self.actions.flattener.follow(self.market.now)

    def _on_broker_event(self, ev: BrokerEvent) -> None:
        if isinstance(ev, OrderFilled):
            self._on_fill(ev.fill)
            return
        if isinstance(ev, _UNMATCHED):
            self.journal.error(self.market.now, "broker", f"unmatched {type(ev).__name__}: {ev}")
            return
        ledger = self.ledger
        order = ledger.get(ev.order_id)
        if order is None:
            self.journal.error(self.market.now, "broker", f"event for unknown order: {ev}")
        elif isinstance(ev, OrderAccepted):
            ledger.accepted(order, ev.broker_order_no, ev.ts)
        elif isinstance(ev, OrderRejected):
            ledger.rejected(order, ev.ts, ev.reason)
        elif isinstance(ev, OrderCancelled):
            ledger.cancelled(order, ev.cancelled_qty, ev.ts, ev.reason)
        elif isinstance(ev, OrderModified):
            ledger.modified(order, ev.qty, ev.price, ev.broker_order_no, ev.ts)
        elif isinstance(ev, OrderOutcomeUnknown):
            ledger.unknown(order, ev.ts, ev.reason)

    def _order_event(self, order: OrderRequest, event: str, fill: Fill | None) -> None:
        if self.protector.guards:
            self.protector.on_order_event(order, event)
        if self.triggers.order:  # 'on: order' rules (asked here: twice an order)
            self.triggers.on_order(order, event, fill)

    def _order_changed(self, order: OrderRequest) -> None:
        if self.universe.leaving:  # a leaving symbol whose last order ended is dropped
            self.universe.settle()
        if self.on_order_event is not None:
            self.on_order_event(order)

    def _on_fill(self, fill: Fill) -> None:
        ledger, journal, book = self.ledger, self.journal, self.book
        order = ledger.working.get(fill.order_id)  # ledger.get
        journal.fill(fill)
        self.stats["fills"] += 1
        st = self.states.get(fill.symbol)
        if st is not None:
            realized = st.realized
            apply_fill(st, fill)
            book.realized += st.realized - realized
            journal.position(
                fill.ts, st.symbol, st.pos_qty, st.pos_avg, st.realized, st.unrealized, "fill"
            )
            self.marks.track(st.symbol)  # held: marked every 30 s for the reports
        book.filled(fill, st)
        if order is None:
            journal.error(fill.ts, "broker", f"fill for unknown order {fill.order_id}")
            return
        ledger.filled(order, fill)
        if st is not None and (self.protector.specs or self.protector.guards):
            self.protector.on_fill(order, fill, st)
        self.universe.settle()
        self._check_loss()

    def snapshot(self) -> dict[str, Any]:
        return {"stats": dict(self.stats)}

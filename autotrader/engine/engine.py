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
from contextlib import nullcontext
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
from autotrader.clock import seconds_of_day
from autotrader.compile.plan import CompiledAction, CompiledRule, Plan
from autotrader.engine.book import OrderBook
from autotrader.engine.killswitch import KillSwitch, halt_path
from autotrader.engine.modify import MODIFIES, projected, rereserve, set_aside
from autotrader.engine.orders import build_change, build_order
from autotrader.engine.remainder import RemainderWatch, touch_price
from autotrader.engine.rolling import Rolling
from autotrader.engine.state import MarketState, SymbolState
from autotrader.engine.triggers import Controls, Triggers
from autotrader.errors import JournalError
from autotrader.journal.writer import Journal
from autotrader.market.matching import Print
from autotrader.model import (
    BalanceUpdate,
    Depth,
    Execution,
    Fill,
    OrderAction,
    OrderRequest,
    OrderState,
    OrderType,
    SessionChange,
    Side,
    ViEvent,
)
from autotrader.risk.book import RiskBook, TradingLevel
from autotrader.risk.checks import CheckInput, RiskLimits, base_price, reference_price
from autotrader.risk.guard import RiskGuard
from autotrader.rules.remainder import RepriceAfter

log = logging.getLogger(__name__)

DEFAULT_PAPER_CASH = 100_000_000  # KRW a paper run starts with unless configured
LOSS_CHECK_INTERVAL = 5.0  # clock seconds between marks of open positions to the market


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
        self._cancelling: set[int] = set()
        self.market = MarketState()
        self.states: dict[str, SymbolState] = {
            s: SymbolState(s, self.market) for s in plan.by_symbol
        }
        self.orders: dict[int, OrderRequest] = {}
        self.by_broker_no: dict[str, int] = {}
        self.pending_qty: dict[tuple[str, Side], int] = {}
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
        self.failed_rules: dict[str, str] = {}  # rule -> the error it raised: held for the run
        self._changes: dict[int, list[OrderRequest]] = {}  # target id -> accepted modify/cancel
        self._strategy = plan.strategy.strategy
        self.open_book = OrderBook()  # the rules' own working orders, by symbol and tag
        self.remainders = RemainderWatch()  # rules' remainder policies, by deadline
        self.controls = Controls()
        for sym, keys in plan.rolling_by_symbol.items():
            rst = self.states.get(sym)
            if rst is not None:
                rst.rolling = Rolling(len(plan.rolling), {k: plan.rolling[k] for k in keys})
                rst.roll = rst.rolling.values
        self.triggers = Triggers(self)
        self._next_due = self.triggers.scheduler.next_due  # first time rule due
        self.enable_rules()
        self._paper_ticks = broker.on_tick if broker.wants_ticks else None
        # the paper venue's VI state and 0D books
        self._venue_events: Callable[[Any], None] | None = getattr(broker, "on_market", None)
        bind_market = getattr(broker, "bind_market", None)
        if bind_market is not None:
            bind_market(self._last_print)
        broker.attach(self.on_broker_event)

    # -- clock ---------------------------------------------------------------------------
    def set_time(self, ts: float) -> None:
        self.market.now = ts
        self.market.sod = seconds_of_day(ts)
        if ts >= self._next_due:  # a time rule is due: one float compare per clock change
            self.triggers.scheduler.run_due(ts)
            self._next_due = self.triggers.scheduler.next_due
        if ts >= self.remainders.next_due:  # an order's remainder policy is due
            self._settle_remainders(ts)
        if ts >= self._watch_at:  # at most once per clock second, never per tick
            self._watch_at = ts + 1.0
            self.watch()

    def watch(self, *, force: bool = False) -> None:
        """Apply the kill switch file if it changed; trip the daily loss limit if reached."""
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
        """Ask the broker to cancel every working new order (once each)."""
        now = self.market.now
        for order in list(self.orders.values()):
            if order.side is None or order.state.is_final or order.order_id in self._cancelling:
                continue
            self._cancelling.add(order.order_id)
            cancel = self._change_request(order, "cancel", "kill-switch", now)
            self.orders[cancel.order_id] = cancel
            self.journal.commit_intent(cancel, now, reason)
            cancel.state = OrderState.SENT
            self.journal.order_state(cancel, now)
            self.broker.submit(cancel)

    def _settle_remainders(self, now: float) -> None:
        """Cancel or re-price the unfilled rest of orders whose rule asked for it."""
        for due in self.remainders.due(now):
            order = self.orders.get(due.order_id)
            st = self.states.get(order.symbol) if order is not None else None
            if order is None or st is None or order.state.is_final or order.remaining <= 0:
                continue
            if due.order_id in self.open_book.cancelling:
                continue
            if due.action == "reprice" and order.order_type is OrderType.LIMIT:
                assert isinstance(due.policy, RepriceAfter)
                price = touch_price(order, st.ask, st.bid, due.policy.ticks)
                if price and price != order.price:
                    self._remainder_request(order, "modify", price, st, now)
                self.remainders.add(order.order_id, due.policy, now, due.tries + 1)
                continue
            self.open_book.cancelling.add(order.order_id)
            if not self._remainder_request(order, "cancel", 0, st, now):
                self.open_book.cancelling.discard(order.order_id)

    def _remainder_request(
        self, order: OrderRequest, kind: str, price: int, st: SymbolState, now: float
    ) -> bool:
        request = self._change_request(order, kind, order.rule, now, price)
        values = {"order": order.order_id, "remaining": order.remaining, "price": price}
        outcome = "reprice" if kind == "modify" else kind
        self.journal.decision(
            now, order.rule, order.symbol, "remainder", values, outcome, request.order_id
        )
        return self.place(request, st)

    def _change_request(
        self, target: OrderRequest, kind: str, rule: str, now: float, price: int = 0
    ) -> OrderRequest:
        """A cancel or modify ("cancel" | "modify") of ``target``'s whole remainder; a
        credit order is changed with the credit variant of the request."""
        credit = target.action in (OrderAction.CREDIT_BUY, OrderAction.CREDIT_SELL)
        if kind == "cancel":
            action = OrderAction.CREDIT_CANCEL if credit else OrderAction.CANCEL
        else:
            action = OrderAction.CREDIT_MODIFY if credit else OrderAction.MODIFY
        return OrderRequest(
            order_id=self.journal.next_order_id(),
            action=action,
            symbol=target.symbol,
            qty=0,  # the whole remainder
            order_type=OrderType.LIMIT if price else OrderType.MARKET,
            price=price,
            exchange=target.exchange,
            rule=rule,
            strategy=self._strategy,
            created_at=now,
            target_id=target.order_id,
        )

    def start(self) -> None:
        """Run the 'on: start' rules; a replay calls it once the day's clock is set."""
        self.triggers.run_all(self.triggers.start_rules, "start")

    def stop(self) -> None:
        """Run the 'on: stop' rules: at the end of a replay, or before a live shutdown."""
        self.triggers.run_all(self.triggers.stop_rules, "stop")

    # -- market events -------------------------------------------------------------------
    def on_trade(self, st: SymbolState) -> None:
        """Hot path: one trade tick for a subscribed symbol."""
        if st.mark_qty:  # a held symbol: move the book's mark-to-market, O(1)
            self.book.held_value += (st.price - st.mark) * st.mark_qty
            st.mark = st.price
        if st.open_orders and self._paper_ticks is not None:
            self._paper_ticks(st.symbol, st.price, st.ask, st.bid, st.ts)
        evaluate = st.evaluate
        if evaluate is not None:
            evaluate(st, self.market.now, st.cooldowns, st.fire)

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
        rules = self.plan.by_symbol.get(st.symbol) or ()
        if st.symbol not in self.plan.evaluators:
            return
        cooldowns = [0.0] * len(rules)  # per rule: blocked until (cooldown, daily limits)
        for i, rule in enumerate(rules):
            if rule.has_controls:
                self.controls.register(rule, st.symbol, cooldowns, i)

        def fire(i: int) -> None:
            rule = rules[i]
            now = self.market.now
            if rule.has_controls:
                cooldowns[i] = self.controls.after_fire(rule, st.symbol, now)
            self._fire(rule, st, now, "0B")

        st.evaluate = self.plan.evaluators[st.symbol]
        st.cooldowns = cooldowns
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
    def _fire(self, rule: CompiledRule, st: SymbolState, now: float, event: str) -> None:
        if rule.name in self.held_rules or rule.name in self.failed_rules:
            self.stats["held"] = self.stats.get("held", 0) + 1
            return
        rule.last_fired[st.symbol] = now
        rule.fires += 1
        self.stats["fired"] += 1
        try:  # free in CPython 3.11 unless something raises
            for action in rule.actions:  # in order; each step sees the previous ones' orders
                if action.spec.action.is_new:
                    self._new_order(rule, action, st, now, event)
                else:
                    self._change_orders(rule, action, st, now, event)
        except JournalError:
            raise  # fail closed: place() has halted trading; the run must see it
        except Exception as exc:
            self._rule_failed(rule, st, event, exc)

    def _rule_failed(self, rule: CompiledRule, st: SymbolState, event: str, exc: Exception) -> None:
        """A bug while a rule fired (engine, broker): journal it, hold the rule, go on.

        The rule places nothing more this run (fail closed); the feed is not blamed."""
        what = f"{type(exc).__name__}: {exc}"
        self.failed_rules[rule.name] = what
        self.stats["rule_errors"] = self.stats.get("rule_errors", 0) + 1
        log.error("rule %s on %s (%s) raised %s; rule held", rule.name, st.symbol, event, what)
        self.journal.error(
            self.market.now,
            "rule",
            f"rule {rule.name} on {st.symbol} ({event}) raised {what}; rule held for this run",
        )

    def _new_order(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        order = build_order(
            action,
            st,
            order_id=self.journal.next_order_id(),
            rule=rule.name,
            strategy=self._strategy,
            now=now,
            pending_sell=self.pending_qty.get((st.symbol, Side.SELL), 0),
        )
        values = _snapshot(st)
        if order is None:
            self.stats["zero_qty"] += 1
            self.journal.decision(now, rule.name, st.symbol, event, values, "no_quantity", None)
            return
        self.journal.decision(now, rule.name, st.symbol, event, values, "order", order.order_id)
        if self.place(order, st) and rule.remainder != "keep":
            self.remainders.add(order.order_id, rule.remainder, now)

    def _change_orders(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        """Modify or cancel the addressed working orders; each request goes through place()."""
        spec = action.spec.target
        credit = action.spec.kind.startswith("credit_")
        tag = spec.tag or rule.name
        targets = self.open_book.targets(st.symbol, tag, spec.which, credit=credit)
        values = _snapshot(st)
        if not targets:
            self.journal.decision(now, rule.name, st.symbol, event, values, "no_target", None)
            return
        for target in targets:
            request = build_change(
                action,
                target,
                st,
                order_id=self.journal.next_order_id(),
                rule=rule.name,
                strategy=self._strategy,
                now=now,
            )
            if request is None:
                self.journal.decision(now, rule.name, st.symbol, event, values, "no_price", None)
                continue
            self.journal.decision(
                now, rule.name, st.symbol, event, values, "order", request.order_id
            )
            cancel = action.spec.kind in ("cancel", "credit_cancel")
            if cancel:
                self.open_book.cancelling.add(target.order_id)
            if not self.place(request, st) and cancel:
                self.open_book.cancelling.discard(target.order_id)

    def place(self, order: OrderRequest, st: SymbolState) -> bool:
        """Risk guard, then journal intent, then broker. Returns whether it was sent."""
        now = self.market.now
        side = order.side
        target_id = order.target_id if order.action in MODIFIES else None
        target = self.orders.get(target_id) if target_id is not None else None
        if target is not None and (target.state.is_final or target.side is None):
            target = None
        subject = projected(order, target) if target is not None else order
        with set_aside(target, self.book, self.pending_qty, st) if target else nullcontext():
            verdict = self.guard.review(
                CheckInput(
                    order=subject,
                    state=st,
                    limits=self.limits,
                    pending_buy_qty=self.pending_qty.get((order.symbol, Side.BUY), 0),
                    pending_sell_qty=self.pending_qty.get((order.symbol, Side.SELL), 0),
                    book=self.book,
                    now=now,
                )
            )
        self.journal.risk_verdict(now, order.order_id, verdict.results)
        if not verdict.approved:
            order.state = OrderState.REJECTED
            self.stats["rejected"] += 1
            self.journal.rejected_order(order, now, "risk: " + verdict.reason)
            self.triggers.on_order(order, "rejected")
            return False
        try:
            self.journal.commit_intent(order, now)  # durable before the broker sees it
        except JournalError as exc:  # fail closed: no intent, no order, no more trading
            self.book.level = TradingLevel.HALTED
            self.book.level_reason = f"journal failure: {exc}"
            raise
        self.orders[order.order_id] = order
        self.book.approved(order, reference_price(order, st), now)
        if target is not None:
            rereserve(target, subject, self.book)
        if side is not None:
            key = (order.symbol, side)
            self.pending_qty[key] = self.pending_qty.get(key, 0) + order.qty
            st.open_orders += 1
        self.open_book.add(order, st)
        self.stats["orders"] += 1
        order.state = OrderState.SENT
        self.journal.order_state(order, now)
        self.broker.submit(order)
        return True

    # -- broker events ------------------------------------------------------------------
    def on_broker_event(self, ev: BrokerEvent) -> None:
        if isinstance(ev, OrderFilled):
            self._on_fill(ev.fill)
            return
        if isinstance(ev, Execution | BalanceUpdate):
            self.journal.error(self.market.now, "broker", f"unmatched {type(ev).__name__}: {ev}")
            return
        order = self.orders.get(ev.order_id)
        if order is None:
            self.journal.error(self.market.now, "broker", f"event for unknown order: {ev}")
            return
        if isinstance(ev, OrderAccepted):
            order.broker_order_no = ev.broker_order_no
            self.by_broker_no[ev.broker_order_no] = order.order_id
            self._transition(order, OrderState.ACCEPTED, ev.ts)
            if order.target_id is not None:  # a modify/cancel: done when its target shows it
                self._changes.setdefault(order.target_id, []).append(order)
                target = self.orders.get(order.target_id)
                if target is not None and target.state.is_final:  # its event came first
                    self._settle_changes(target, ev.ts)
        elif isinstance(ev, OrderRejected):
            self._close(order, OrderState.REJECTED, ev.ts, ev.reason)
        elif isinstance(ev, OrderCancelled):
            if 0 < ev.cancelled_qty < order.remaining and not order.state.is_final:
                self._cancel_part(order, ev.cancelled_qty, ev.ts)  # the rest keeps working
            else:
                why = f"{ev.cancelled_qty} cancelled" + (f": {ev.reason}" if ev.reason else "")
                self._close(order, OrderState.CANCELLED, ev.ts, why)
        elif isinstance(ev, OrderModified):
            side = order.side
            if side is not None:  # the working quantity changed: keep pending in step
                key = (order.symbol, side)
                pending = self.pending_qty.get(key, 0) + ev.qty - order.qty
                self.pending_qty[key] = max(pending, 0)
            order.qty, order.price = ev.qty, ev.price
            self.journal.order_state(order, ev.ts, f"modified to {ev.qty}@{ev.price}")
            if order.order_id in self._changes:
                self._settle_changes(order, ev.ts, modified=True)
        elif isinstance(ev, OrderOutcomeUnknown):
            self._transition(order, OrderState.UNKNOWN, ev.ts, ev.reason)

    def _transition(
        self, order: OrderRequest, state: OrderState, ts: float, detail: str = ""
    ) -> None:
        order.state = state
        self.journal.order_state(order, ts, detail)
        if self.on_order_event is not None:
            self.on_order_event(order)
        if state is OrderState.ACCEPTED:
            self.triggers.on_order(order, "accepted")

    def _close(self, order: OrderRequest, state: OrderState, ts: float, reason: str) -> None:
        side = order.side
        if side is not None and not order.state.is_final:
            key = (order.symbol, side)
            self.pending_qty[key] = max(self.pending_qty.get(key, 0) - order.remaining, 0)
            st = self.states.get(order.symbol)
            if st is not None:
                st.open_orders = max(st.open_orders - 1, 0)
            self.book.closed(order, order.remaining)
        order.state = state
        self.journal.order_state(order, ts, reason, reason=reason)
        if self.on_order_event is not None:
            self.on_order_event(order)
        self.open_book.remove(order, self.states.get(order.symbol))
        if order.order_id in self._changes:
            self._settle_changes(order, ts)
        self.triggers.on_order(order, state.value)

    def _cancel_part(self, order: OrderRequest, qty: int, ts: float) -> None:
        """Part of a working order's remainder was cancelled (kt10003 ``cncl_qty`` below
        the remainder): it keeps working, ``qty`` shares smaller."""
        side = order.side
        if side is not None:
            key = (order.symbol, side)
            self.pending_qty[key] = max(self.pending_qty.get(key, 0) - qty, 0)
            self.book.release(order.order_id, qty)
        order.qty -= qty
        self.journal.order_state(order, ts, f"{qty} cancelled, {order.remaining} working")
        if self.on_order_event is not None:
            self.on_order_event(order)
        self.open_book.cancelling.discard(order.order_id)  # its rest may be addressed again
        if order.order_id in self._changes:
            self._settle_changes(order, ts, cancelled=True)

    def _settle_changes(
        self, target: OrderRequest, ts: float, *, modified: bool = False, cancelled: bool = False
    ) -> None:
        """Close the accepted modify/cancel requests addressed to ``target``.

        A request row goes sent -> accepted (Kiwoom numbered it) -> ``done`` once its
        effect shows on the target (modified; cancelled, in part or whole), or ->
        ``rejected`` when the target ended first (filled, or cancelled under a waiting
        modify). A refusal of the request itself arrives as OrderRejected for the request."""
        waiting = self._changes.get(target.order_id, [])
        for req in list(waiting):
            is_modify = req.action in (OrderAction.MODIFY, OrderAction.CREDIT_MODIFY)
            if req.state.is_final:
                waiting.remove(req)
            elif modified:
                if is_modify:  # one modify event answers one request, the oldest
                    waiting.remove(req)
                    self._end_change(req, OrderState.DONE, ts, "target modified")
                    break
            elif cancelled:
                if not is_modify:  # one partial cancel answers one request, the oldest
                    waiting.remove(req)
                    self._end_change(req, OrderState.DONE, ts, "target partly cancelled")
                    break
            elif not is_modify and target.state is OrderState.CANCELLED:
                waiting.remove(req)
                self._end_change(req, OrderState.DONE, ts, "target cancelled")
            else:
                waiting.remove(req)
                why = f"target order {target.order_id} ended ({target.state.value}) first"
                self._end_change(req, OrderState.REJECTED, ts, why)
        if not waiting or target.state.is_final:
            self._changes.pop(target.order_id, None)

    def _end_change(self, req: OrderRequest, state: OrderState, ts: float, why: str) -> None:
        req.state = state
        self.journal.order_state(req, ts, why, reason=why if state is OrderState.REJECTED else "")
        if self.on_order_event is not None:
            self.on_order_event(req)

    def _on_fill(self, fill: Fill) -> None:
        order = self.orders.get(fill.order_id)
        self.journal.fill(fill)
        self.stats["fills"] += 1
        st = self.states.get(fill.symbol)
        if st is not None:
            realized = st.realized
            _apply_fill(st, fill)
            self.book.realized += st.realized - realized
            self.journal.position(
                fill.ts, st.symbol, st.pos_qty, st.pos_avg, st.realized, st.unrealized, "fill"
            )
        self.book.filled(fill, st)
        if order is None:
            self.journal.error(fill.ts, "broker", f"fill for unknown order {fill.order_id}")
            return
        order.filled_qty += fill.qty
        key = (order.symbol, fill.side)
        self.pending_qty[key] = max(self.pending_qty.get(key, 0) - fill.qty, 0)
        if order.filled_qty >= order.qty:
            if st is not None:
                st.open_orders = max(st.open_orders - 1, 0)
            self.book.closed(order, 0)
            order.state = OrderState.FILLED
            self.journal.order_state(order, fill.ts, f"{fill.qty}@{fill.price}")
        else:
            order.state = OrderState.PARTIALLY_FILLED
            self.journal.order_state(order, fill.ts, f"{fill.qty}@{fill.price}")
        if self.on_order_event is not None:
            self.on_order_event(order)
        if order.state is OrderState.FILLED:
            self.open_book.remove(order, st)
            if order.order_id in self._changes:
                self._settle_changes(order, fill.ts)
        self.triggers.on_order(order, order.state.value, fill)
        self._check_loss()

    def snapshot(self) -> dict[str, Any]:
        return {"stats": dict(self.stats)}


def _apply_fill(st: SymbolState, fill: Fill) -> None:
    """Average-cost position accounting; realized P&L is after commission and tax."""
    fees = fill.commission + fill.tax
    if fill.side is Side.BUY:
        total = st.pos_avg * st.pos_qty + fill.price * fill.qty
        st.pos_qty += fill.qty
        st.pos_avg = total // st.pos_qty if st.pos_qty else 0
        st.realized -= fees
    else:
        qty = min(fill.qty, st.pos_qty)
        st.realized += (fill.price - st.pos_avg) * qty - fees
        st.pos_qty -= qty
        if st.pos_qty == 0:
            st.pos_avg = 0


def _snapshot(st: SymbolState) -> dict[str, Any]:
    return {
        "price": st.price,
        "ask": st.ask,
        "bid": st.bid,
        "volume": st.volume,
        "change_rate": round(st.change_rate, 6),
        "position_qty": st.pos_qty,
        "position_avg": st.pos_avg,
        "vi_active": st.vi_active,
    }

"""A fired rule's actions, and rules' remainder policies, as order requests for ``place``.

Each step journals the decision (what the rule saw, and the order it led to or why none:
``noop.py`` words the reason) and hands its request to the engine's ``place`` (risk
guard, intent, broker). A new order with a remainder policy gets its deadline; a
``modify``/``cancel`` step addresses working orders as the ledger knows them (the rule's
own, or by its ``scope`` and ``side``); a ``flatten`` step is ``flatten.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from autotrader.compile.plan import CompiledAction, CompiledRule
from autotrader.engine.flatten import Flattener
from autotrader.engine.ledger import Ledger
from autotrader.engine.noop import no_order
from autotrader.engine.orders import build_change, build_order, change_whole, snapshot
from autotrader.engine.remainder import RemainderWatch, touch_price
from autotrader.engine.state import SymbolState
from autotrader.journal.writer import Journal
from autotrader.model import OrderRequest, OrderType, Side
from autotrader.rules.remainder import RepriceAfter

Decide = Callable[[bool], None]  # journals the decision once the guard judged (sent?)
Place = Callable[[OrderRequest, SymbolState, Decide | None], bool]
ENTRY_KINDS = frozenset({"buy", "credit_buy"})  # what a stock outside the universe may not do


class Actions:
    """Turns rules' decisions into requests; ``place`` decides whether they leave."""

    def __init__(
        self,
        journal: Journal,
        ledger: Ledger,
        states: Mapping[str, SymbolState],
        stats: dict[str, int],
        strategy: str,
        place: Place,
        refusal: Callable[[], str] = lambda: "",
    ) -> None:
        self.journal = journal
        self.ledger = ledger
        self.states = states
        self.stats = stats
        self.strategy = strategy
        self.place = place
        self.refusal = refusal  # why place() refused its last order
        self.remainders = RemainderWatch()  # rules' remainder policies, by deadline
        # The universe's word on new entries (engine/universe.py): a stock that left its
        # condition searches gets no new buy; its exits go on.
        self.may_enter: Callable[[str], bool] = lambda symbol: True
        self.flattener = Flattener(journal, ledger, states, strategy, place, refusal)

    def run(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        """One step of a fired rule."""
        if action.spec.is_flatten:
            self.flattener.fire(rule, action, st, now, event)
        elif action.spec.action.is_new:
            self.new_order(rule, action, st, now, event)
        else:
            self.change_orders(rule, action, st, now, event)

    def new_order(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        journal = self.journal
        if action.spec.kind in ENTRY_KINDS and not self.may_enter(st.symbol):
            self.stats["outside_universe"] = self.stats.get("outside_universe", 0) + 1
            values = snapshot(st)
            values["reason"] = f"{st.symbol} left the strategy's condition searches: no new entry"
            journal.decision(now, rule.name, st.symbol, event, values, "outside_universe", None)
            return
        order = build_order(
            action,
            st,
            order_id=journal.next_order_id(),
            rule=rule.name,
            strategy=self.strategy,
            now=now,
            pending_sell=self.ledger.pending_qty(st.symbol, Side.SELL),
        )
        values = snapshot(st)
        if order is None:
            self.stats["zero_qty"] += 1
            outcome, values["reason"] = no_order(action, st, self.ledger)
            journal.decision(now, rule.name, st.symbol, event, values, outcome, None)
            return
        decide = self._decider(now, rule.name, st.symbol, event, values, order)
        sent = self.place(order, st, decide)
        if sent and rule.remainder != "keep":
            self.remainders.add(order.order_id, rule.remainder, now)

    def change_orders(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        """Modify or cancel the addressed working orders; each request goes through place()."""
        spec = action.spec.target
        credit = action.spec.kind.startswith("credit_")
        every = spec.scope == "symbol"
        tag = "" if every else spec.tag or rule.name
        side = Side(spec.side) if spec.side else None
        targets = self.ledger.targets(
            st.symbol, tag, spec.which, credit=credit, side=side, every=every
        )
        values = snapshot(st)
        journal = self.journal
        if not targets:
            whose = "of the strategy" if every else f"tagged '{tag}'"
            kind = f"{'credit ' if credit else ''}{spec.side + ' ' if spec.side else ''}order"
            values["reason"] = f"no working {kind} {whose} in {st.symbol} to {action.spec.kind}"
            journal.decision(now, rule.name, st.symbol, event, values, "no_target", None)
            return
        for target in targets:
            request = build_change(
                action,
                target,
                st,
                order_id=journal.next_order_id(),
                rule=rule.name,
                strategy=self.strategy,
                now=now,
            )
            if request is None:
                text = action.price.text if action.price else ""
                values["reason"] = f"price '{text}' is not positive: order #{target.order_id} kept"
                journal.decision(now, rule.name, st.symbol, event, values, "no_price", None)
                continue
            self.place(
                request, st, self._decider(now, rule.name, st.symbol, event, values, request)
            )

    def _decider(
        self,
        now: float,
        rule: str,
        symbol: str,
        event: str,
        values: dict[str, Any],
        order: OrderRequest,
    ) -> Decide:
        """The decision that sends ``order``, journaled when the guard has judged it."""

        def decide(sent: bool) -> None:
            row = dict(values)
            if not sent:
                row["reason"] = self.refusal()
            outcome = "order" if sent else "refused"
            self.journal.decision(now, rule, symbol, event, row, outcome, order.order_id)

        return decide

    def change_whole(
        self, target: OrderRequest, kind: str, rule: str, now: float, price: int = 0
    ) -> OrderRequest:
        """A cancel or modify of ``target``'s whole remainder (kill switch, remainders)."""
        order_id = self.journal.next_order_id()
        return change_whole(target, kind, order_id, rule, self.strategy, now, price)

    def settle_remainders(self, now: float) -> None:
        """Cancel or re-price the unfilled rest of orders whose rule asked for it."""
        remainders = self.remainders
        for due in remainders.due(now):
            order = self.ledger.get(due.order_id)
            st = self.states.get(order.symbol) if order is not None else None
            if order is None or st is None or order.remaining <= 0:
                continue
            if due.order_id in self.ledger.cancelling:
                continue
            if due.action == "reprice" and order.order_type is OrderType.LIMIT:
                assert isinstance(due.policy, RepriceAfter)
                price = touch_price(order, st.ask, st.bid, due.policy.ticks)
                if price and price != order.price:
                    self._remainder_request(order, "modify", price, st, now)
                remainders.add(order.order_id, due.policy, now, due.tries + 1)
                continue
            self._remainder_request(order, "cancel", 0, st, now)

    def _remainder_request(
        self, order: OrderRequest, kind: str, price: int, st: SymbolState, now: float
    ) -> bool:
        request = self.change_whole(order, kind, order.rule, now, price)
        values = {"order": order.order_id, "remaining": order.remaining, "price": price}
        outcome = "reprice" if kind == "modify" else kind
        self.journal.decision(
            now, order.rule, order.symbol, "remainder", values, outcome, request.order_id
        )
        return self.place(request, st, None)

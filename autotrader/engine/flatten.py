"""``flatten``: cancel the strategy's working sells of a symbol, then sell every held share.

The stop-loss step. A resting take-profit already offers the shares, so a plain sell of
the shares not yet offered sends nothing; a sell of the whole position next to it would
offer the shares twice. A flatten does it in the order the exchange needs:

1. it asks to cancel every working sell of the strategy in the symbol that rests at a
   price (cash and credit; a working market-type sell is already selling at the market
   and is left to fill: cancelling it would only delay the exit);
2. it sells at once the shares held and not offered by any working sell (usually none);
3. as each cancel is confirmed (or the cancelled order fills instead), it sells the
   shares that became free: held minus what working sells still offer.

So the shares offered never exceed the shares held: the order ledger stays the only
owner of what is working and pending, and the flatten only asks it. The firing is one
decision (outcome ``flatten``); the later sells that top it up are journaled as its
continuation (event ``flatten``, like the ``remainder`` rows). While a flatten waits for
its cancels, another flatten of the symbol is a decision ``flatten_in_progress``.

A working sell that is not numbered yet cannot be cancelled: the flatten waits for its
acceptance and cancels it then. A cancel the broker refuses is not sent again; the
flatten ends once nothing it cancels is still in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autotrader.engine.ledger import TAG, Ledger
from autotrader.engine.noop import hms, offered_by
from autotrader.engine.orders import change_whole, new_order, order_prices, snapshot
from autotrader.model import OrderAction, OrderRequest, Side
from autotrader.risk.checks import LEDGER_SIZED

if TYPE_CHECKING:
    from collections.abc import Mapping

    from autotrader.compile.plan import CompiledAction, CompiledRule
    from autotrader.engine.state import SymbolState
    from autotrader.journal.writer import Journal

Place = Callable[[OrderRequest, "SymbolState", "Callable[[bool], None] | None"], bool]
EVENT = "flatten"  # the event of the decision rows that continue a flatten


@dataclass(slots=True, eq=False)
class Flatten:
    """One flatten of one symbol, until nothing it cancels is still in flight."""

    rule: str
    action: CompiledAction
    symbol: str
    started: float
    targets: list[int]  # the working sells when it fired: each is cancelled once
    asked: dict[int, int] = field(default_factory=dict)  # target -> its cancel request
    sells: list[int] = field(default_factory=list)  # the sells it placed


class Flattener:
    """The flattens in progress, by symbol; moved on by every broker event."""

    def __init__(
        self,
        journal: Journal,
        ledger: Ledger,
        states: Mapping[str, SymbolState],
        strategy: str,
        place: Place,
        refusal: Callable[[], str],
    ) -> None:
        self.journal = journal
        self.ledger = ledger
        self.states = states
        self.strategy = strategy
        self.place = place
        self.refusal = refusal  # why the last order place() refused was refused
        self.active: dict[str, Flatten] = {}
        self._following = False  # a cancel confirmed inside follow(): the outer call sells

    # -- the firing ----------------------------------------------------------------------
    def fire(
        self, rule: CompiledRule, action: CompiledAction, st: SymbolState, now: float, event: str
    ) -> None:
        values = snapshot(st)
        symbol = st.symbol
        busy = self.active.get(symbol)
        if busy is not None:
            flying = [c for c in busy.asked.values() if self.ledger.get(c) is not None]
            values["reason"] = (
                f"the flatten by {busy.rule} at {hms(busy.started)} still waits for "
                f"{len(flying)} cancel(s) to be confirmed"
            )
            self.journal.decision(
                now, rule.name, symbol, event, values, "flatten_in_progress", None
            )
            return
        ledger = self.ledger
        held, offered = st.pos_qty, ledger.pending_qty(symbol, Side.SELL)
        working = [o for o in ledger.by_symbol.get(symbol, ()) if o.side is Side.SELL]
        sells = [o for o in working if o.order_type.needs_price]  # market sells stay
        outcome = ""
        if held <= 0 and not sells:
            outcome, values["reason"] = "nothing_held", "no shares held: nothing to flatten"
        elif not sells and offered >= held:
            outcome = "already_offered"
            values["reason"] = (
                f"all {held:,} shares already offered at market by {offered_by(ledger, symbol)}"
            )
        if outcome:
            self.journal.decision(now, rule.name, symbol, event, values, outcome, None)
            return
        who = offered_by(ledger, symbol) if offered else ""
        flat = Flatten(rule.name, action, symbol, now, [o.order_id for o in sells])
        self._cancel_targets(flat, st, now)  # first the cancels...
        sold, refused = self._top_up(flat, st, now, continuation=False)  # ...then the sell
        first = flat.sells[0] if flat.sells else next(iter(flat.asked.values()), None)
        waiting = self._waiting(flat)
        values.update(
            held=held,
            offered=offered,
            cancel=list(flat.asked),
            sold=sold,
            reason=self._summary(flat, held, offered, who, sold, refused, waiting),
        )
        if first is not None or waiting:
            outcome = "flatten"
        else:  # nothing cancelled, nothing sold: the sell's price, or the guard
            outcome = "no_price" if refused.startswith("price") else "refused"
        self.journal.decision(now, rule.name, symbol, event, values, outcome, first)
        if waiting:
            self.active[symbol] = flat

    @staticmethod
    def _summary(
        flat: Flatten, held: int, offered: int, who: str, sold: int, refused: str, waiting: bool
    ) -> str:
        """'held 10, 10 offered by tp #2: cancel 1, sell the rest as the cancels are
        confirmed'."""
        parts = [f"held {held:,}"]
        if offered:
            parts.append(f"{offered:,} offered by {who}: cancel {len(flat.asked)}")
        if sold:
            parts.append(f"sell {sold:,} now")
        if waiting:
            parts.append("sell the rest as the cancels are confirmed")
        if refused:
            parts.append(f"sell refused ({refused})")
        return ", ".join(parts)

    # -- following broker events ---------------------------------------------------------
    def follow(self, now: float) -> None:
        """After a broker event: cancel sells numbered since, sell freed shares, and end
        the flattens that wait for nothing more."""
        if self._following:
            return
        self._following = True
        try:
            for symbol, flat in list(self.active.items()):
                st = self.states.get(symbol)
                if st is not None:
                    self._cancel_targets(flat, st, now)
                    self._top_up(flat, st, now, continuation=True)
                if st is None or not self._waiting(flat):
                    del self.active[symbol]
        finally:
            self._following = False

    def _cancel_targets(self, flat: Flatten, st: SymbolState, now: float) -> None:
        """Cancel each target once, when it has a number and no cancel is in flight."""
        ledger = self.ledger
        for tid in flat.targets:
            target = ledger.get(tid)
            if (
                target is None
                or tid in flat.asked
                or _cancel_in_flight(ledger, tid)
                or not target.broker_order_no
            ):
                continue
            cancel = change_whole(
                target, "cancel", self.journal.next_order_id(), flat.rule, self.strategy, now
            )
            flat.asked[tid] = cancel.order_id
            self.place(cancel, st, None)

    def _waiting(self, flat: Flatten) -> bool:
        """Whether a target is still working with a cancel in flight, or not yet numbered
        (it is cancelled once accepted)."""
        ledger = self.ledger
        for tid in flat.targets:
            target = ledger.get(tid)
            if target is None:
                continue  # ended: filled or cancelled
            if _cancel_in_flight(ledger, tid) or not target.broker_order_no:
                return True
        return False

    def _top_up(
        self, flat: Flatten, st: SymbolState, now: float, *, continuation: bool
    ) -> tuple[int, str]:
        """Sell the shares held and offered by no working sell; (shares sent, refusal)."""
        free = st.pos_qty - self.ledger.pending_qty(st.symbol, Side.SELL)
        if free <= 0:
            return 0, ""
        order = self._sell(flat, st, free, now)
        values: dict[str, Any] = snapshot(st)
        if order is None:
            text = flat.action.price.text if flat.action.price else ""
            reason = f"price '{text}' is not positive"
            if continuation:
                values["reason"] = reason
                self.journal.decision(now, flat.rule, st.symbol, EVENT, values, "no_price", None)
            return 0, reason

        def decide(sent: bool) -> None:
            if not continuation:
                return  # the flatten's own decision row says what it did
            refused = "" if sent else self.refusal()
            values["reason"] = f"{free:,} shares freed since the flatten at {hms(flat.started)}" + (
                f": refused ({refused})" if refused else ""
            )
            outcome = "order" if sent else "refused"
            self.journal.decision(now, flat.rule, st.symbol, EVENT, values, outcome, order.order_id)

        sent = self.place(order, st, decide)
        refused = "" if sent else self.refusal()
        if sent:
            flat.sells.append(order.order_id)
        return (free if sent else 0), refused

    def _sell(self, flat: Flatten, st: SymbolState, qty: int, now: float) -> OrderRequest | None:
        action = flat.action
        spec = action.spec.flatten
        assert spec is not None
        prices = order_prices(action, spec.order_type, Side.SELL, st)
        if prices is None:
            return None
        tags = {TAG: action.tag, LEDGER_SIZED: "flatten"}  # not a duplicate of its parts
        return new_order(
            OrderAction.SELL, st, qty, spec.order_type, prices,
            order_id=self.journal.next_order_id(), rule=flat.rule, strategy=self.strategy,
            now=now, tags=tags,
        )  # fmt: skip


def _cancel_in_flight(ledger: Ledger, order_id: int) -> bool:
    """A rule's, a remainder policy's or the kill switch's cancel already addresses it."""
    return order_id in ledger.cancelling or order_id in ledger.halting

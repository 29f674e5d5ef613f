"""Protective orders that rest at the venue: a rule's ``protect: {stop, take_profit, trail}``.

Why at the venue: a stop kept only in this process protects nothing while the process,
the machine or the network is down. After each fill of an entry rule with ``protect``,
a stop-limit sell (Kiwoom ``trde_tp`` 28) for the filled quantity rests at the broker:
condition price = the stop level, limit ``limit_ticks`` below it.

Choices, stated:

- **One stop per fill.** Kiwoom's modify (kt10002) moves part or all of an order's
  remainder to a new price; it cannot add shares. A partial entry fill therefore gets its
  own stop at its own fill price's level, and the position's stops together cover it.
- **The emulated OCO holds one leg at a time.** Kiwoom locks the shares a working sell
  offers (the fake refuses a sell beyond them, as Kiwoom does), so a stop and a
  take-profit cannot both rest for the same shares, and a position is never offered
  beyond what it holds. The stops rest; when a print reaches the take-profit level the
  stops are cancelled and, once they are gone, a limit sell at the take-profit level
  takes their place. If the take-profit leg fills (even partly) the stops stay
  cancelled for those shares; if the print falls back to the stop level first, the
  take-profit is cancelled and the stops rest again. Every step is a decision row
  (event ``protect``) in the journal, beside the orders' own rows.
- **Trail** raises the stops' condition and limit with a modify (``mdfy_cond_uv``), never
  lowers them, at most once per ``TRAIL_PACE`` seconds per symbol and only by whole ticks,
  so a fast tape cannot spend the order-rate budget.
- **Self-healing.** A held position whose protection is missing (a stop refused, a
  take-profit cancelled, a ``resume`` after ``halt``) is re-armed, at most once per
  ``REARM_PACE`` seconds. Nothing is placed while the kill switch is at ``halted``.

Every order goes through the engine's ``place`` (risk guard, journal intent, broker); the
ledger stays the one owner of working orders: this module keeps only which of them are
protective, and the levels.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from autotrader.compile.plan import CompiledPrice, CompiledRule
from autotrader.engine.ledger import CANCELS, TAG, Ledger
from autotrader.engine.orders import new_order, resolve_price
from autotrader.engine.state import SymbolState
from autotrader.journal.writer import Journal
from autotrader.market.ticks import round_to_tick, shift_ticks
from autotrader.model import Fill, OrderAction, OrderRequest, OrderState, OrderType, Side
from autotrader.risk.book import ANSWERS, RiskBook, TradingLevel
from autotrader.rules.protect import Distance, ProtectSpec

PROTECT = "protect"  # the tag key: "stop" | "take_profit"
STOP, TAKE_PROFIT = "stop", "take_profit"
RELEASED = "released"  # a rule cancelled the protection: nothing rests until the next entry
TRAIL_PACE = 1.0  # clock seconds between trailing modifies of one symbol's stops
REARM_PACE = 5.0  # clock seconds between attempts to restore missing protection

Place = Callable[[OrderRequest, SymbolState], bool]


def is_protective(order: OrderRequest) -> bool:
    return PROTECT in order.tags


def below(price: int, d: Distance) -> int:
    """The level ``d`` below ``price``, on the grid (rounded down: never tighter)."""
    if d.unit == "ticks":
        return shift_ticks(round_to_tick(price, "down"), -int(d.value))
    return round_to_tick(math.floor(price * (1 - d.value / 100)), "down")


def above(price: int, d: Distance) -> int:
    if d.unit == "ticks":
        return shift_ticks(round_to_tick(price, "up"), int(d.value))
    return round_to_tick(math.ceil(price * (1 + d.value / 100)), "up")


@dataclass(slots=True)
class Guard:
    """One protected position: its rule's settings, levels and protective orders."""

    rule: str
    spec: ProtectSpec
    prices: Mapping[str, CompiledPrice] = field(default_factory=dict)  # written as prices
    high: int = 0  # highest print since the first protected fill
    target: int = 0  # take-profit level (0: none)
    floor: int = 0  # the highest stop level so far: a stop never goes below it
    leg: str = STOP  # which leg rests: STOP, TAKE_PROFIT, "swap" (stops leaving), RELEASED
    released: set[int] = field(default_factory=set)  # protective orders a rule cancels
    orders: set[int] = field(default_factory=set)  # working protective order ids
    levels: dict[int, int] = field(default_factory=dict)  # stop id -> its condition price
    trail_at: float = 0.0
    rearm_at: float = 0.0


class Protector:
    """Keeps each protected position's stop (or take-profit) resting at the venue."""

    def __init__(
        self,
        rules: Iterable[CompiledRule],
        ledger: Ledger,
        journal: Journal,
        book: RiskBook,
        states: Mapping[str, SymbolState],
        strategy: str,
        place: Place,
    ) -> None:
        rules = list(rules)
        self.specs = {r.name: r.protect for r in rules if r.protect is not None}
        self.prices = {r.name: r.protect_prices for r in rules if r.protect is not None}
        self.ledger = ledger
        self.journal = journal
        self.book = book
        self.states = states
        self.strategy = strategy
        self.place = place
        self.guards: dict[str, Guard] = {}  # symbol -> its protected position

    # -- events from the engine -----------------------------------------------------------
    def on_fill(self, order: OrderRequest | None, fill: Fill, st: SymbolState) -> None:
        """After the ledger and the position took the fill."""
        if order is None:
            return
        guard = self.guards.get(fill.symbol)
        if is_protective(order):
            if guard is not None:
                self._note(guard, st, f"{order.tags[PROTECT]} filled {fill.qty}@{fill.price}")
                if not st.pos_qty:
                    self._flat(guard, st)
            return
        spec = self.specs.get(order.rule)
        if fill.side is Side.SELL:
            if guard is not None and not st.pos_qty:
                self._flat(guard, st)
            return
        if spec is None or order.action is not OrderAction.BUY:
            return
        if guard is None:
            guard = self.guards[fill.symbol] = Guard(
                order.rule, spec, self.prices.get(order.rule, {}), high=fill.price
            )
        if guard.leg == RELEASED:
            guard.leg = STOP
        guard.high = max(guard.high, fill.price)
        if spec.take_profit is not None:
            guard.target = self._target(guard, st, fill.price)
        level = self._stop_level(guard, fill.price, st)
        if level:
            guard.floor = max(guard.floor, level)
            why = f"entry fill {fill.qty}@{fill.price} of order {order.order_id}"
            self._stop(guard, st, fill.qty, max(level, guard.floor), why, order.filled_qty)

    def on_order_event(self, order: OrderRequest, event: str) -> None:
        """Any order's event: a protective order's end, or a cancel from outside."""
        guard = self.guards.get(order.symbol)
        if guard is None:
            return
        if order.state.is_final and order.order_id in guard.orders:
            self._ended(guard, order)
            return
        outside = event == "accepted" and order.action in CANCELS and not is_protective(order)
        target = order.target_id
        if outside and target in guard.orders and self.book.level is not TradingLevel.HALTED:
            guard.released.add(target or 0)  # a rule's cancel, not the kill switch

    def _ended(self, guard: Guard, order: OrderRequest) -> None:
        """A protective order left the working set (filled, cancelled, rejected)."""
        guard.orders.discard(order.order_id)
        guard.levels.pop(order.order_id, None)
        released = order.order_id in guard.released
        guard.released.discard(order.order_id)
        st = self.states.get(order.symbol)
        if st is None:
            return
        if released and order.state is OrderState.CANCELLED:
            guard.leg = RELEASED  # a rule (or the user) took the protection away: respect it
            self._note(guard, st, f"{order.tags.get(PROTECT)} {order.order_id} cancelled "
                       "by a rule: protection released until the next entry fill")  # fmt: skip
            return
        if guard.leg == "swap" and not self._stops(guard):
            guard.leg = TAKE_PROFIT
            self._take_profit(guard, st)
        elif order.tags.get(PROTECT) == TAKE_PROFIT and guard.leg == TAKE_PROFIT:
            guard.leg = STOP  # the take-profit is gone: the stops come back (_rearm)
            self._rearm(guard, st, st.market.now)

    def on_trade(self, st: SymbolState, now: float) -> None:
        """A print of a protected symbol: trail, swap legs, restore missing protection."""
        guard = self.guards.get(st.symbol)
        if guard is None:
            return
        if not st.pos_qty:
            if not self._working(guard):
                del self.guards[st.symbol]
            return
        price = st.price
        if price > guard.high:
            guard.high = price
        if guard.leg == STOP:
            if guard.target and price >= guard.target:
                self._swap(guard, st, now)
                return
            if guard.spec.trail is not None and now >= guard.trail_at:
                self._trail(guard, st, now)
        elif guard.leg == TAKE_PROFIT and guard.floor and price <= guard.floor:
            self._back_to_stop(guard, st, now)
        if now >= guard.rearm_at:
            self._rearm(guard, st, now)

    def halted(self, now: float) -> int:
        """``halt`` cancels every working order: say how many of them were protective."""
        count = sum(len(self._working(g)) for g in self.guards.values())
        if count:
            self.journal.error(
                now,
                "killswitch",
                f"halt: cancelling {count} protective order(s) resting at the venue; "
                "the positions are unprotected until 'autotrader resume'",
            )
        return count

    def relink(self, resumed: Iterable[OrderRequest], conn: sqlite3.Connection) -> int:
        """At a live start: the open orders an earlier run left (``resumed``, tracked again
        by recovery) that were protective become so again, with their levels, so trailing,
        the take-profit swap and halt treat them as before. Found by the ``protect``
        decision rows (the journal keeps no tags). Returns how many were relinked."""
        by_id = {o.order_id: o for o in resumed if o.side is Side.SELL}
        if not self.specs:
            return 0
        rows = conn.execute(
            "SELECT d.order_id, d.values_json, o.state, o.symbol, o.rule FROM decisions d "
            "JOIN orders o ON o.id = d.order_id WHERE d.event = 'protect' "
            "AND d.outcome = 'order' AND o.strategy = ? ORDER BY d.id",
            (self.strategy,),
        ).fetchall()
        legs: dict[int, str] = {}
        levels: dict[int, int] = {}
        last: dict[str, tuple[str, int]] = {}  # symbol -> the rule and stop level last used
        for order_id, values_json, state, symbol, rule in rows:
            try:
                values = json.loads(values_json)
                leg, level, target = (
                    values.get("leg"),
                    int(values.get("level") or 0),
                    values.get("target"),
                )
            except (ValueError, TypeError, AttributeError):
                continue
            if leg == STOP and level and state not in ("rejected", "pending"):
                last[symbol] = (rule, level)
            if target is None and order_id in by_id and leg in (STOP, TAKE_PROFIT):
                legs[order_id] = leg
                levels[order_id] = level
            elif target in by_id and state == "done" and level:  # a trail that took effect
                levels[target] = max(levels.get(target, 0), level)
        count = 0
        for order_id, leg in legs.items():
            order = by_id[order_id]
            spec = self.specs.get(order.rule)
            st = self.states.get(order.symbol)
            if spec is None or st is None:
                continue  # the rule lost its protect: the order stays an ordinary one
            order.tags.update({TAG: PROTECT, PROTECT: leg})
            guard = self.guards.get(order.symbol)
            if guard is None:
                guard = self.guards[order.symbol] = Guard(order.rule, spec, self.prices[order.rule])
            guard.orders.add(order_id)
            if leg == STOP:
                order.condition_price = levels[order_id]
                guard.levels[order_id] = levels[order_id]
                guard.floor = max(guard.floor, levels[order_id])
            else:
                guard.leg, guard.target = TAKE_PROFIT, order.price
            count += 1
        for symbol, (rule, level) in last.items():
            st, spec = self.states.get(symbol), self.specs.get(rule)
            if symbol in self.guards or st is None or spec is None or st.pos_qty <= 0:
                continue
            # held, protected before, nothing resting now (the day's stops expired, or the
            # process died between the fill and the stop): re-armed on the first print
            self.guards[symbol] = Guard(rule, spec, self.prices[rule], floor=level)
        for symbol, guard in self.guards.items():
            if guard.leg == STOP and guard.spec.take_profit is not None:
                st = self.states.get(symbol)
                if st is not None and st.pos_avg:
                    guard.target = self._target(guard, st, st.pos_avg)
        return count

    # -- the moves ----------------------------------------------------------------------------
    def _stop_level(self, guard: Guard, price: int, st: SymbolState) -> int:
        """The stop for a fill at ``price``: its distance below it, or the expression on
        the state the fill left; the trail's level if higher."""
        spec = guard.spec
        levels = []
        if isinstance(spec.stop, Distance):
            levels.append(below(price, spec.stop))
        elif spec.stop is not None:
            levels.append(self._level(guard, "stop", st))
        if spec.trail is not None:
            levels.append(below(guard.high, spec.trail))
        return max((lv for lv in levels if lv > 0), default=0)

    def _level(self, guard: Guard, key: str, st: SymbolState) -> int:
        """A level written as a price expression, on the grid (0: none right now)."""
        price = guard.prices.get(key)
        return resolve_price(price, Side.SELL, st) if price is not None else 0

    def _target(self, guard: Guard, st: SymbolState, fill_price: int) -> int:
        spec = guard.spec.take_profit
        if isinstance(spec, Distance):
            return above(st.pos_avg or fill_price, spec)
        return self._level(guard, "take_profit", st) if spec is not None else 0

    def _stop(
        self, guard: Guard, st: SymbolState, qty: int, level: int, why: str, answers: int = 0
    ) -> None:
        """A stop-limit sell of ``qty`` at ``level``; ``answers``: the entry's filled
        quantity after the fill it protects (so two fills' stops are not duplicates)."""
        if self.book.level is TradingLevel.HALTED:
            self._note(guard, st, f"no stop for {qty}: halted ({why})")
            return
        limit = shift_ticks(level, -guard.spec.limit_ticks) if guard.spec.limit_ticks else level
        order = self._sell(guard, st, qty, OrderType.STOP_LIMIT, limit, STOP, level)
        order.tags[ANSWERS] = f"{why} ({answers})"
        self._send(guard, st, order, f"stop {qty} at {level} (limit {limit}): {why}")

    def _take_profit(self, guard: Guard, st: SymbolState) -> None:
        free = st.pos_qty - self.ledger.pending_qty(st.symbol, Side.SELL)
        if free <= 0 or self.book.level is TradingLevel.HALTED:
            return
        order = self._sell(guard, st, free, OrderType.LIMIT, guard.target, TAKE_PROFIT, 0)
        self._send(guard, st, order, f"take-profit {free} at {guard.target}")

    def _swap(self, guard: Guard, st: SymbolState, now: float) -> None:
        """A print reached the take-profit: the stops leave, then the take-profit rests."""
        guard.leg = "swap"
        stops = self._stops(guard)
        self._note(guard, st, f"take-profit level {guard.target} reached at {st.price}")
        if not stops:
            guard.leg = TAKE_PROFIT
            self._take_profit(guard, st)
            return
        for stop in stops:
            self._cancel(guard, st, stop, "take-profit reached")

    def _back_to_stop(self, guard: Guard, st: SymbolState, now: float) -> None:
        """The print fell to the stop level while the take-profit rests: cancel it; its end
        brings the stops back."""
        working = [o for o in self._working(guard) if o.tags.get(PROTECT) == TAKE_PROFIT]
        if not working:
            guard.leg = STOP
            return
        for order in working:
            if order.order_id not in self.ledger.cancelling:
                self._cancel(guard, st, order, f"print {st.price} at the stop level {guard.floor}")

    def _trail(self, guard: Guard, st: SymbolState, now: float) -> None:
        """Raise every stop below the trailing level to it: modify, never down."""
        spec = guard.spec
        assert spec.trail is not None
        level = guard.floor = max(guard.floor, below(guard.high, spec.trail))
        stops = [s for s in self._stops(guard) if guard.levels.get(s.order_id, 0) < level]
        if not stops:
            return
        guard.trail_at = now + TRAIL_PACE
        limit = shift_ticks(level, -spec.limit_ticks) if spec.limit_ticks else level
        for stop in stops:
            if self._changing(stop):
                continue
            request = OrderRequest(
                order_id=self.journal.next_order_id(),
                action=OrderAction.MODIFY,
                symbol=stop.symbol,
                qty=0,  # the whole remainder
                order_type=stop.order_type,
                price=limit,
                condition_price=level,
                exchange=stop.exchange,
                rule=guard.rule,
                strategy=self.strategy,
                created_at=now,
                target_id=stop.order_id,
                tags={TAG: PROTECT, PROTECT: STOP},
            )
            what = f"trail: stop {stop.order_id} up to {level} (limit {limit}), high {guard.high}"
            if self._decide(guard, st, request, what):
                guard.levels[stop.order_id] = level

    def _rearm(self, guard: Guard, st: SymbolState, now: float) -> None:
        """Shares held and not offered, with the stop leg due: a stop for them."""
        guard.rearm_at = now + REARM_PACE
        if guard.leg != STOP or self.book.level is TradingLevel.HALTED:
            return
        free = st.pos_qty - self.ledger.pending_qty(st.symbol, Side.SELL)
        if free <= 0:
            return
        level = max(guard.floor, self._stop_level(guard, st.pos_avg or st.price, st))
        if level <= 0:
            return
        guard.floor = level
        self._stop(guard, st, free, level, "re-armed: shares held without protection")

    def _flat(self, guard: Guard, st: SymbolState) -> None:
        """Nothing left to protect: whatever protective order still rests goes."""
        for order in self._working(guard):
            if order.order_id not in self.ledger.cancelling:
                self._cancel(guard, st, order, "position flat")
        if not self._working(guard):
            self.guards.pop(st.symbol, None)

    # -- helpers -------------------------------------------------------------------------------
    def _sell(
        self,
        guard: Guard,
        st: SymbolState,
        qty: int,
        order_type: OrderType,
        price: int,
        leg: str,
        condition: int,
    ) -> OrderRequest:
        return new_order(
            OrderAction.SELL, st, qty, order_type, (price, condition),
            order_id=self.journal.next_order_id(), rule=guard.rule, strategy=self.strategy,
            now=st.market.now, tags={TAG: PROTECT, PROTECT: leg},
        )  # fmt: skip

    def _cancel(self, guard: Guard, st: SymbolState, target: OrderRequest, why: str) -> None:
        request = OrderRequest(
            order_id=self.journal.next_order_id(),
            action=OrderAction.CANCEL,
            symbol=target.symbol,
            qty=0,
            order_type=OrderType.MARKET,
            exchange=target.exchange,
            rule=guard.rule,
            strategy=self.strategy,
            created_at=st.market.now,
            target_id=target.order_id,
            tags={TAG: PROTECT, PROTECT: target.tags.get(PROTECT, STOP)},
        )
        self._decide(guard, st, request, f"cancel {target.tags.get(PROTECT)} "
                     f"{target.order_id}: {why}")  # fmt: skip

    def _send(self, guard: Guard, st: SymbolState, order: OrderRequest, what: str) -> bool:
        guard.orders.add(order.order_id)  # before: the venue may end it inside place()
        if order.condition_price:
            guard.levels[order.order_id] = order.condition_price
        sent = self._decide(guard, st, order, what)
        if not sent:
            guard.orders.discard(order.order_id)
            guard.levels.pop(order.order_id, None)
        return sent

    def _decide(self, guard: Guard, st: SymbolState, order: OrderRequest, what: str) -> bool:
        values: dict[str, object] = {
            "what": what,
            "price": st.price,
            "position_qty": st.pos_qty,
            "high": guard.high,
            # what a restart relinks by (relink): the leg, its level, the order it changes
            "leg": order.tags.get(PROTECT, ""),
            "level": order.condition_price or order.price,
            "target": order.target_id,
        }
        self.journal.decision(st.market.now, guard.rule, st.symbol, PROTECT, values, "order",
                              order.order_id)  # fmt: skip
        return self.place(order, st)

    def _note(self, guard: Guard, st: SymbolState, what: str) -> None:
        values = {"what": what, "price": st.price, "position_qty": st.pos_qty}
        self.journal.decision(st.market.now, guard.rule, st.symbol, PROTECT, values, "note", None)

    def _working(self, guard: Guard) -> list[OrderRequest]:
        working = self.ledger.working
        return [working[i] for i in sorted(guard.orders) if i in working]

    def _stops(self, guard: Guard) -> list[OrderRequest]:
        return [o for o in self._working(guard) if o.tags.get(PROTECT) == STOP]

    def _changing(self, order: OrderRequest) -> bool:
        """A modify or cancel of ``order`` is in flight: do not stack another on it."""
        if order.order_id in self.ledger.cancelling:
            return True
        return order.order_id in self.ledger.requests  # a request addresses it

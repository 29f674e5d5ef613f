"""Restart recovery: what an earlier live run left unfinished, settled against Kiwoom.

On start in live mode, before any rule may fire, every order an earlier live run of the
same strategy on the same Kiwoom domain left in a non-final state (pending, sent,
accepted, partially filled, unknown) is resolved against the broker's answers: open
orders (ka10075), fills (ka10076), the day's order history (kt00007) and the balance
(kt00018), with the gold account's (kt50075, kt50031, kt50020) when the run trades gold
(``KiwoomBroker``'s account queries). The decision is pure (``resolve``: journal rows +
broker answers -> ``RecoveryPlan``); ``apply`` journals it.

* An order with a Kiwoom number (or matched to one by the reconciliation rule of
  ``broker/kiwoom/reconcile.py``, claimed numbers excluded) that is **still working** is
  tracked again under its own journal row (``RecoveryPlan.working``); one **no longer
  working** ends ``filled`` or ``cancelled``. Modifies that moved it to new numbers are
  followed link by link (a modify's number points back through ``orig_ord_no``), to the
  newest number, even when the process died before it heard any of their answers: the
  numbers in between neither work nor filled, so only kt00007 lists them. Either way
  the fills Kiwoom reports beyond those the journal holds are journaled once, as fills
  of that row (ka10076 reports an order's average price, so a recovered fill's price is
  the one that makes the order's total value right).
* A ``pending`` intent (the process died between the intent and the request) is never
  sent: found at Kiwoom after all, it is handled as above; not found, it ends
  ``rejected: not sent before a restart``. A ``sent``/``unknown`` row not found ends
  ``rejected`` too (the request never reached Kiwoom); an accepted row found nowhere had
  no fill and is not working: ``cancelled``.
* A modify/cancel request ends ``done`` when its effect shows on its target (a modify:
  a link of its target's chain it can be matched to, in sending order and by price),
  else ``rejected``.
* Positions: the broker's balance is the truth the engine starts from. The journal's own
  view is the last ``recovery`` position snapshot of the symbol (written by every start)
  plus the fills journaled since; a symbol where the two differ is a problem.
* Rows from an earlier trading day cannot be checked (Kiwoom's lists cover today): they
  are closed and reported.

Every problem becomes an error row (source ``recovery``) and a log line, and the strategy
is halted through the persisted kill switch file until the user runs ``autotrader
resume``. The caller applies the halt to the engine once the websocket is up (a halt
cancels open orders, whose confirmations come through it).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from autotrader.broker.kiwoom.account import FillRow, OpenOrder, OrderRow
from autotrader.broker.kiwoom.broker import AccountSnapshot, KiwoomBroker
from autotrader.broker.kiwoom.reconcile import Candidate, candidates, match
from autotrader.clock import day_start, to_seoul
from autotrader.errors import BrokerError
from autotrader.journal.queries import (
    journaled_fills,
    journaled_numbers,
    order_from_row,
    order_numbers_since,
    position_baseline,
    unfinished_orders,
)
from autotrader.journal.writer import Journal
from autotrader.market import Fees
from autotrader.model import OrderAction, OrderRequest, OrderState, Side

log = logging.getLogger(__name__)

SNAPSHOT_REASON = "recovery"  # position snapshots every start writes: the next baseline
NOT_SENT = "not sent before a restart"
_MODIFIES = frozenset({OrderAction.MODIFY, OrderAction.CREDIT_MODIFY})


@dataclass(frozen=True, slots=True)
class JournalOrder:
    """An unfinished journal row, with the fills the journal holds for it."""

    order: OrderRequest
    fills_qty: int = 0
    fills_value: int = 0  # sum of qty * price
    numbers: frozenset[str] = frozenset()  # earlier Kiwoom numbers (fills', modifies')


@dataclass(frozen=True, slots=True)
class BrokerView:
    """What Kiwoom says now: open orders (asked first), fills, holdings per symbol, and
    the day's order history (every number, with the one a modify or cancel changed)."""

    open_orders: Sequence[OpenOrder]
    fills: Sequence[FillRow]
    holdings: Mapping[str, int]
    history: Sequence[OrderRow] = ()


@dataclass(frozen=True, slots=True)
class Links:
    """The modify links of the day's order numbers, from every list that shows them."""

    before: Mapping[str, str]  # a modify's number -> the number it changed
    after: Mapping[str, str]  # a number -> the (newest) modify that changed it
    price: Mapping[str, int]  # a modify's number -> its price, where a list says
    cancels: frozenset[str]  # numbers a cancel addressed


def links(by_no: Mapping[str, Candidate], history: Iterable[OrderRow]) -> Links:
    """Join ka10075/ka10076 (a listed modify's ``orig_ord_no``) and kt00007 (every
    modify, listed or not). A cancel's number is no link: the order keeps its own."""
    before: dict[str, str] = {}
    price: dict[str, int] = {}
    cancels: set[str] = set()
    for c in by_no.values():
        if c.original_order_no.strip("0"):
            before[c.order_no] = c.original_order_no
            price[c.order_no] = c.price
    for r in history:
        if r.refused:
            continue  # refused by Kiwoom: no link
        if r.kind == "cancel" and r.original_order_no:
            cancels.add(r.original_order_no)
        elif r.kind == "modify" and r.original_order_no:
            before.setdefault(r.order_no, r.original_order_no)
            price.setdefault(r.order_no, r.price)
    after: dict[str, str] = {}
    for number in sorted(before, key=_number_key):
        after[before[number]] = number
    return Links(before, after, price, frozenset(cancels))


def _number_key(number: str) -> tuple[int, str]:
    digits = number.lstrip("0")
    return (len(digits), digits)


@dataclass(frozen=True, slots=True)
class MissingFill:
    order_id: int
    symbol: str
    side: Side
    qty: int
    price: int
    broker_order_no: str


@dataclass(frozen=True, slots=True)
class Resolved:
    """The end of one journal order's doubt: its new state and why."""

    order_id: int
    state: OrderState
    detail: str
    broker_order_no: str = ""
    filled_qty: int = 0
    working: OpenOrder | None = None  # still working at Kiwoom: tracked again
    modified: bool = False  # a modify moved its remainder to a new number
    hops: tuple[str, ...] = ()  # the numbers modifies gave it beyond its row's, oldest first
    chain: tuple[str, ...] = ()  # every number it has had, oldest first


@dataclass(frozen=True, slots=True)
class PositionCheck:
    symbol: str
    broker_qty: int
    journal_qty: int | None  # None: no baseline yet (first recovering run)

    @property
    def agrees(self) -> bool:
        return self.journal_qty is None or self.journal_qty == self.broker_qty


@dataclass
class RecoveryPlan:
    resolved: list[Resolved] = field(default_factory=list)
    fills: list[MissingFill] = field(default_factory=list)
    positions: list[PositionCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsure_numbers: set[str] = field(default_factory=set)  # ambiguous candidates: not adopted

    @property
    def position_mismatches(self) -> list[PositionCheck]:
        return [p for p in self.positions if not p.agrees]


# -- the pure decision ----------------------------------------------------------------------


def resolve(
    orders: Sequence[JournalOrder],
    view: BrokerView,
    *,
    today_start: float,
    claimed: Iterable[str] = (),
    expected: Mapping[str, int] | None = None,
    symbols: Iterable[str] = (),
) -> RecoveryPlan:
    """Decide what became of each unfinished order and whether positions agree.

    ``claimed``: Kiwoom numbers today's journal rows already carry (never matched to a
    number-less row); ``expected``: the journal's position per symbol before recovery
    (symbols without a baseline absent); ``symbols``: the plan's, always snapshotted.
    """
    plan = RecoveryPlan()
    by_no = {c.order_no: c for c in candidates(view.open_orders, view.fills)}
    working = {o.order_no: o for o in view.open_orders if o.remaining > 0}
    chained = links(by_no, view.history)
    taken = set(claimed)
    new = [j for j in orders if j.order.action.is_new]
    changes = [j for j in orders if not j.order.action.is_new]
    outcomes: dict[int, Resolved] = {}

    def settle(j: JournalOrder, number: str) -> None:
        chain = _chain(number, chained)
        # numbers Kiwoom no longer lists (no fill, not open) break the walk back: the
        # journal knows the ones its fills and modifies carried
        counted = [n for n in sorted(j.numbers) if n not in chain] + chain
        taken.update(counted)
        filled, value = 0, 0
        for n in counted:
            c = by_no.get(n)
            if c is not None:
                filled += c.filled_qty
                value += c.filled_qty * c.fill_price
        hops = tuple(chain[chain.index(number) + 1 :])
        outcome = _settled(j, chain, filled, working.get(chain[-1]), hops)
        outcomes[j.order.order_id] = outcome
        plan.resolved.append(outcome)
        missed = filled - j.fills_qty
        order = j.order
        if missed > 0 and order.side is not None:
            price = (value - j.fills_value) // missed if j.fills_qty else 0
            if price <= 0:  # the journal's prices disagree with the average: use it
                price = value // filled
            plan.fills.append(
                MissingFill(order.order_id, order.symbol, order.side, missed, price, chain[-1])
            )
        elif missed < 0:
            plan.problems.append(
                f"order {order.order_id} ({order.symbol}): the journal holds {j.fills_qty} "
                f"filled shares, Kiwoom reports {filled} for {chain[-1]}"
            )

    doubtful: list[JournalOrder] = []
    for j in new:
        order = j.order
        if order.created_at < today_start:
            outcomes[order.order_id] = _earlier_day(j, plan)
            continue
        if order.broker_order_no:
            settle(j, order.broker_order_no)
        else:
            doubtful.append(j)
    pool = [c for n, c in by_no.items() if n not in taken]
    found = match([j.order for j in doubtful], pool, claimed=taken)
    numbers = {r.order_id: r.broker_order_no for r in found if r.outcome == "accepted"}
    unsure = {r.order_id: r for r in found if r.outcome == "ambiguous"}
    for j in doubtful:
        number = numbers.get(j.order.order_id)
        if number:
            settle(j, number)
            continue
        if (r := unsure.get(j.order.order_id)) is not None:  # never guessed: left in doubt
            plan.problems.append(f"order {j.order.order_id}: {r.detail}")
            plan.unsure_numbers.update(r.candidates)
            outcome = Resolved(j.order.order_id, OrderState.UNKNOWN, r.detail)
            outcomes[j.order.order_id] = outcome
            plan.resolved.append(outcome)
            continue
        reason = NOT_SENT if j.order.state is OrderState.PENDING else (
            f"left {j.order.state.value}; not found at Kiwoom after a restart"
        )  # fmt: skip
        outcome = Resolved(j.order.order_id, OrderState.REJECTED, reason)
        outcomes[j.order.order_id] = outcome
        plan.resolved.append(outcome)
    hop_of = _modify_hops([j.order for j in changes], outcomes, chained)
    for j in changes:
        plan.resolved.append(_change_outcome(j, outcomes, today_start, chained, hop_of))
    _check_positions(plan, view, expected or {}, symbols)
    return plan


def _chain(number: str, chained: Links) -> list[str]:
    """Every number the order has had, oldest first: the ones before ``number`` (a row
    carries the latest number a modify gave it, and fills stay listed under the number
    they happened on) and those later modifies moved its remainder to, link by link."""
    chain = [number]
    while (before := chained.before.get(chain[0])) is not None and before not in chain:
        chain.insert(0, before)
    while (nxt := chained.after.get(chain[-1])) is not None and nxt not in chain:
        chain.append(nxt)
    return chain


def _settled(
    j: JournalOrder,
    chain: list[str],
    filled: int,
    open_now: OpenOrder | None,
    hops: tuple[str, ...],
) -> Resolved:
    """``hops``: the numbers modifies moved it to past the number its row carries."""
    order, number = j.order, chain[-1]
    modified = bool(hops)
    moved = f", modified to {number}" if modified else ""
    if open_now is not None:
        state = OrderState.PARTIALLY_FILLED if filled else OrderState.ACCEPTED
        detail = f"still working at Kiwoom ({chain[0]}{moved}) at restart"
        return Resolved(
            order.order_id, state, detail, number, filled, open_now, modified, hops, tuple(chain)
        )
    if filled >= order.qty > 0:
        detail = f"filled at Kiwoom ({chain[0]}{moved}) before a restart"
        state = OrderState.FILLED
        return Resolved(
            order.order_id, state, detail, number, filled, None, modified, hops, tuple(chain)
        )
    # not working any more (a fill-less one may appear in neither list): the rest was
    # cancelled, by a cancel of ours, by the exchange (IOC/FOK, the close) or refused
    rest = max(order.qty - filled, 0)
    detail = f"{rest} cancelled: no longer working at Kiwoom ({chain[0]}{moved}) at restart"
    state = OrderState.CANCELLED
    return Resolved(
        order.order_id, state, detail, number, filled, None, modified, hops, tuple(chain)
    )


def _earlier_day(j: JournalOrder, plan: RecoveryPlan) -> Resolved:
    order = j.order
    state = OrderState.CANCELLED if order.broker_order_no else OrderState.REJECTED
    detail = (
        f"left {order.state.value} on an earlier trading day; Kiwoom's lists cover today "
        "only: closed without checking"
    )
    plan.problems.append(f"order {order.order_id} ({order.symbol}): {detail}")
    outcome = Resolved(order.order_id, state, detail, order.broker_order_no, j.fills_qty)
    plan.resolved.append(outcome)
    return outcome


def _change_outcome(
    j: JournalOrder,
    outcomes: Mapping[int, Resolved],
    today_start: float,
    chained: Links,
    hop_of: Mapping[int, str],
) -> Resolved:
    """A modify is done when one of its target's hops is its own (``_modify_hops``); a
    cancel when its target ended, or when kt00007 lists a cancel of one of its numbers."""
    order = j.order
    target = outcomes.get(order.target_id) if order.target_id is not None else None
    if target is not None:
        done = "effect seen at Kiwoom at restart"
        if order.action in _MODIFIES:
            if hop := hop_of.get(order.order_id, ""):
                return Resolved(order.order_id, OrderState.DONE, done, hop)
        elif target.state in (OrderState.CANCELLED, OrderState.FILLED) or any(
            n in chained.cancels for n in target.chain
        ):
            return Resolved(order.order_id, OrderState.DONE, done)
    if order.state is OrderState.PENDING:
        return Resolved(order.order_id, OrderState.REJECTED, NOT_SENT)
    why = "no effect seen at Kiwoom at restart"
    if order.created_at < today_start:
        why = "left on an earlier trading day; closed without checking"
    return Resolved(order.order_id, OrderState.REJECTED, why)


def _modify_hops(
    changes: Sequence[OrderRequest], outcomes: Mapping[int, Resolved], chained: Links
) -> dict[int, str]:
    """Modify request id -> the hop of its target's chain that is its own.

    Per target, each hop goes to one request: first to the request whose number the
    journal has, then to one at the hop's price (Kiwoom lists it), then, in sending
    order, to the oldest request left (a list without the price cannot tell them apart).
    A request left over had no effect."""
    result: dict[int, str] = {}
    modifies = sorted(
        (o for o in changes if o.action in _MODIFIES and o.target_id in outcomes),
        key=lambda o: o.order_id,
    )
    free: dict[int, list[str]] = {}
    for o in modifies:
        assert o.target_id is not None
        free.setdefault(o.target_id, list(outcomes[o.target_id].hops))

    def take(o: OrderRequest, hop: str) -> None:
        assert o.target_id is not None
        free[o.target_id].remove(hop)
        result[o.order_id] = hop

    for o in modifies:
        if o.broker_order_no and o.broker_order_no in free[o.target_id or 0]:
            take(o, o.broker_order_no)
    for o in modifies:
        if o.order_id not in result and not o.broker_order_no and o.order_type.needs_price:
            same = [h for h in free[o.target_id or 0] if chained.price.get(h) == o.price]
            if same:
                take(o, same[0])
    for o in modifies:
        hops = free[o.target_id or 0]
        if o.order_id not in result and not o.broker_order_no and hops:
            take(o, hops[0])
    return result


def _check_positions(
    plan: RecoveryPlan, view: BrokerView, expected: Mapping[str, int], symbols: Iterable[str]
) -> None:
    journal = dict(expected)
    for f in plan.fills:
        if f.symbol in journal:
            journal[f.symbol] += f.qty if f.side is Side.BUY else -f.qty
    for symbol in sorted(set(symbols) | set(journal)):
        check = PositionCheck(symbol, view.holdings.get(symbol, 0), journal.get(symbol))
        plan.positions.append(check)
        if not check.agrees:
            plan.problems.append(
                f"position {symbol}: Kiwoom holds {check.broker_qty} shares, the journal's "
                f"fills give {check.journal_qty}"
            )


# -- the journal side -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecoveryInputs:
    orders: list[JournalOrder]
    claimed: set[str]
    expected: dict[str, int]


def load_inputs(
    conn: sqlite3.Connection, *, strategy: str, broker: str, run_id: int, today_start: float
) -> RecoveryInputs:
    """The unfinished orders of earlier live runs (strategy, broker), their journaled
    fills, today's claimed Kiwoom numbers and the journal's positions."""
    orders: list[JournalOrder] = []
    rows = unfinished_orders(conn, strategy=strategy, broker=broker, before_run=run_id)
    ids = [int(r["id"]) for r in rows]
    fills = journaled_fills(conn, ids)
    numbers = journaled_numbers(conn, ids)
    for r in rows:
        order = order_from_row(r)
        if order is None:
            log.error("recovery: order row %s cannot be read: %r", r.get("id"), r)
            continue
        qty, value = fills.get(order.order_id, (0, 0))
        known = frozenset(numbers.get(order.order_id, ()))
        orders.append(JournalOrder(order, qty, value, known))
    claimed = set(order_numbers_since(conn, today_start))
    expected = position_baseline(conn, strategy=strategy, broker=broker, before_run=run_id)
    return RecoveryInputs(orders, claimed, expected)


@dataclass
class Recovery:
    """What ``apply`` did: orders to track again (by Kiwoom number), and the problems."""

    plan: RecoveryPlan
    working: dict[str, OrderRequest] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)  # Kiwoom numbers journal rows hold

    @property
    def problems(self) -> list[str]:
        return self.plan.problems

    @property
    def halt_reason(self) -> str:
        n = len(self.problems)
        return (
            f"restart recovery found {n} problem{'s' if n != 1 else ''} "
            f"({self.problems[0]}{'; ...' if n > 1 else ''}): see the journal's errors, "
            "then run 'autotrader resume'"
        )


def apply(
    plan: RecoveryPlan,
    inputs: RecoveryInputs,
    journal: Journal,
    *,
    fees: Fees,
    now: float,
    avg_prices: Mapping[str, int] | None = None,
) -> Recovery:
    """Journal the plan: missing fills, final states, position snapshots, problems.

    Orders still working are returned (state and fills updated, not yet journaled as
    resumed): the runner tracks them again under their own rows.
    """
    by_id = {j.order.order_id: j.order for j in inputs.orders}
    numbers = {r.broker_order_no for r in plan.resolved if r.broker_order_no}
    result = Recovery(plan, claimed=inputs.claimed | numbers | plan.unsure_numbers)
    for f in plan.fills:
        fill = fees.fill(f.order_id, f.symbol, f.side, f.qty, f.price, now, f.broker_order_no)
        journal.fill(fill)
        log.warning(
            "recovery: order %d: %d %s filled at Kiwoom while we were down, journaled",
            f.order_id, f.qty, f.symbol,
        )  # fmt: skip
    for r in plan.resolved:
        order = by_id.get(r.order_id)
        if order is None:
            continue
        order.filled_qty = max(order.filled_qty, r.filled_qty)
        if r.broker_order_no:
            order.broker_order_no = r.broker_order_no
        if r.working is not None:
            order.state = r.state
            result.working[r.working.order_no] = order
            continue
        order.state = r.state
        reason = r.detail if r.state in (OrderState.REJECTED, OrderState.CANCELLED) else ""
        journal.order_state(order, now, f"recovery: {r.detail}", reason=reason)
        log.info("recovery: order %d -> %s (%s)", order.order_id, r.state.value, r.detail)
    # The run's opening position: Kiwoom's balance less the fills this run journals, so
    # the next start's baseline (snapshot + this run's fills onward) counts each once.
    recovered: dict[str, int] = {}
    for f in plan.fills:
        recovered[f.symbol] = recovered.get(f.symbol, 0) + (f.qty if f.side is Side.BUY else -f.qty)
    prices = avg_prices or {}
    for p in plan.positions:
        opening = p.broker_qty - recovered.get(p.symbol, 0)
        journal.position(now, p.symbol, opening, prices.get(p.symbol, 0), 0, 0, SNAPSHOT_REASON)
    for problem in plan.problems:
        journal.error(now, "recovery", problem)
        log.error("recovery: %s", problem)
    journal.flush()
    return result


__all__ = [
    "BrokerView",
    "JournalOrder",
    "Links",
    "MissingFill",
    "PositionCheck",
    "Recovery",
    "RecoveryInputs",
    "RecoveryPlan",
    "Resolved",
    "apply",
    "links",
    "load_inputs",
    "recover_account",
    "resolve",
]


async def recover_account(
    broker: KiwoomBroker,
    journal: Journal,
    *,
    strategy: str,
    broker_name: str,
    symbols: Iterable[str],
    fees: Fees,
    now: float,
) -> tuple[AccountSnapshot, Recovery]:
    """Ask Kiwoom (balance, open orders, cash, then fills and the day's order history),
    resolve, journal.

    Open orders are asked before fills, so an order missing from the first answer has all
    its fills in the second. Positions that disagree are asked once more before they
    count as a problem: a fill between the balance and the fills answers is not one.
    """
    today = day_start(to_seoul(now).date())
    inputs = load_inputs(
        journal.conn, strategy=strategy, broker=broker_name, run_id=journal.run_id,
        today_start=today,
    )  # fmt: skip
    wanted = list(symbols)
    # Only a modify or cancel whose answer the journal lacks can have moved an order past
    # the numbers the journal knows: then the day's history is needed to follow it.
    changes = [j for j in inputs.orders if not j.order.action.is_new]
    for attempt in range(2):
        snapshot = await broker.load_account()
        fills = await broker.fills()
        history: list[OrderRow] = []
        unavailable = ""
        if changes:
            try:
                history = await broker.order_history(to_seoul(now).strftime("%Y%m%d"))
            except BrokerError as exc:
                unavailable = f"{exc}"
        holdings: dict[str, int] = {}
        for h in snapshot.balance.holdings:
            holdings[h.symbol] = holdings.get(h.symbol, 0) + h.qty
        view = BrokerView(snapshot.open_orders, fills, holdings, history)
        plan = resolve(
            inputs.orders, view, today_start=today, claimed=inputs.claimed,
            expected=inputs.expected, symbols=wanted,
        )  # fmt: skip
        if unavailable:  # never guessed: the chains may be incomplete, so halt and say so
            plan.problems.append(
                f"the day's order history (kt00007) could not be read ({unavailable}): "
                f"{len(changes)} modify/cancel request(s) in doubt may have moved orders "
                "to numbers recovery cannot follow"
            )
        if not plan.position_mismatches or attempt:
            break
        log.info("recovery: positions disagree; asking Kiwoom once more")
    avg = {h.symbol: h.avg_price for h in snapshot.balance.holdings}
    return snapshot, apply(plan, inputs, journal, fees=fees, now=now, avg_prices=avg)

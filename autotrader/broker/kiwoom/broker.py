"""``KiwoomBroker``: the Broker protocol over Kiwoom's REST orders and ``00`` events.

``submit`` schedules the request and returns at once. Its answer becomes OrderAccepted
(with Kiwoom's order number), OrderRejected (a definite refusal, with its code) or
OrderOutcomeUnknown (the request may have reached Kiwoom: never resent, reconciled
instead). ``00`` executions are mapped back to our orders through the order numbers.
Executions for a number we do not know wait: while an order request is still in flight
(Kiwoom can report the fill before the order request returns), and while an order is in
doubt (they may be its own: ``reconcile`` replays them once it has matched it). Only an
execution no order of ours can claim is emitted raw, and the engine journals it.

After a websocket gap or a stall ``catch_up`` asks ka10075 (open orders), then ka10076
(fills), then kt00018 (holdings), each with its gold account twin (kt50075, kt50031,
kt50020) when the run trades gold (``open_orders``, ``fills``, ``balance``: every
account query of the broker and of restart recovery goes through them): fills we missed
are emitted; an order of ours no longer open is modified (a new number points back to
it, ``orig_ord_no``) or closed (its unfilled rest was cancelled, by us or by the
exchange); holdings that changed are passed on as
``BalanceUpdate``. ``resync_soon`` runs the same in the background when a fill names no
order of ours, a modify/cancel finds nothing left, or a ``04`` disagrees.

Orders in doubt are resolved by ``reconcile.py`` (keys, order-number order, time only
with a measured clock offset); an ambiguous one stays in doubt and ``halt_symbol`` refuses
new orders in its symbol. A refusal no retry can fix (keys, production/mock mismatch)
sets ``fatal`` and ``failed``, which stop the run.

Fills carry commission and tax computed with ``Fees`` from the fill's value: the ``00``
fields 938/939 are *today's* totals, not this fill's.

The broker keeps its own book: a copy of each order it was handed, moved only by what
Kiwoom says (numbers, modifies, fills, cancels, refusals). It never writes the engine's
order objects; the engine's ledger learns everything from the events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from autotrader.broker.base import (
    BrokerEvent,
    Emit,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderModified,
    OrderOutcomeUnknown,
    OrderRejected,
)
from autotrader.broker.kiwoom.account import (
    AccountQueries,
    Balance,
    Deposit,
    FillRow,
    OpenOrder,
    OrderRow,
)
from autotrader.broker.kiwoom.credit import CreditQueries
from autotrader.broker.kiwoom.gold import GoldAccount
from autotrader.broker.kiwoom.orders import api_id_for, build_order_body, parse_order_answer
from autotrader.broker.kiwoom.pacer import Priority
from autotrader.broker.kiwoom.program import ProgramQueries
from autotrader.broker.kiwoom.quotes import QuoteQueries
from autotrader.broker.kiwoom.realtime import RealtimeClient
from autotrader.broker.kiwoom.reconcile import (
    Candidate,
    Resolution,
    candidates,
    clock_offset,
    history_candidates,
    match,
)
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.clock import to_seoul
from autotrader.crashpoint import crash_point
from autotrader.errors import (
    BrokerError,
    CredentialsRejectedError,
    OrderNotFoundError,
    OutcomeUnknownError,
)
from autotrader.market import Fees
from autotrader.market.gold import is_gold
from autotrader.model import (
    BalanceUpdate,
    Execution,
    OrderAction,
    OrderRequest,
    OrderState,
    Side,
)

log = logging.getLogger(__name__)

_CANCELS = frozenset({OrderAction.CANCEL, OrderAction.CREDIT_CANCEL})
# A modify/cancel refused because its target has nothing left: it filled or went away.
_NOTHING_LEFT = ("가능수량이 없", "nothing left", "already filled")
_MODIFIES = frozenset({OrderAction.MODIFY, OrderAction.CREDIT_MODIFY})


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """What ``load_account`` returns at start-up: holdings, today's open orders, cash."""

    balance: Balance
    open_orders: list[OpenOrder] = field(default_factory=list)
    deposit: Deposit | None = None  # kt00001: orderable cash for the risk book


class KiwoomBroker:
    """Live execution on Kiwoom; pair it with ``realtime()`` for ``00``/``04`` events."""

    name = "kiwoom"
    wants_ticks = False

    def __init__(
        self,
        settings: KiwoomSettings,
        *,
        rest: KiwoomRest | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        fees: Fees | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.rest = rest or KiwoomRest(settings, transport=transport, clock=clock)
        self.rest.on_fatal = self.stop_run  # keys or domain refused on any call
        self.account = AccountQueries(self.rest, on_numbers=self._saw_all)
        self.credit = CreditQueries(self.rest, clock)  # kt20017/kt20016 (credit.py)
        self.quotes = QuoteQueries(self.rest)  # ka10004 snapshots (quotes.py)
        self.programs = ProgramQueries(self.rest)  # ka90004 (program.py)
        self.gold = GoldAccount(self.rest)  # kt50020/kt50075 (gold.py)
        # Whether the gold account (kt50020/kt50075/kt50031) is asked with the stock one
        # by every account query (open_orders, fills, balance): set by the runner when
        # gold codes are subscribed, and by the first gold order submitted.
        self.trades_gold = False
        self._fees = fees or Fees()
        self._clock = clock
        self._emit: Emit | None = None
        self._orders: dict[int, OrderRequest] = {}  # the broker's own copies, by our id
        self._by_order_no: dict[str, int] = {}
        self._filled: dict[int, int] = {}
        self._filled_no: dict[str, int] = {}  # filled shares per Kiwoom order number
        self._fill_marks: dict[str, set[int]] = {}  # cumulative fills seen per number (00)
        self._caught_up: dict[str, int] = {}  # filled per number as ka10076 last said
        # Every number a working order of ours has had (its own, each modify's), oldest
        # first: ka10076 rows name the number that filled, never the order it came from.
        self._numbers: dict[int, list[str]] = {}
        self._owner: dict[str, int] = {}  # Kiwoom number -> the new order it belongs to
        self._modify_no: dict[str, OrderRequest] = {}  # a modify's number -> its request
        self._doubt: set[int] = set()  # orders whose request outcome is unknown
        # The highest Kiwoom number seen so far, and per order the one seen before its
        # request left: Kiwoom numbers in acceptance order, so an order in doubt can only
        # be a later number (reconcile.py).
        self._highest_no = ""
        self._floors: dict[int, str] = {}
        self._sent_at: dict[int, float] = {}  # order id -> our clock when its request left
        self._orphans: list[Execution] = []  # 00 events held while an order is in doubt
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._held: list[Execution] = []
        # A refusal no retry can fix (keys refused, production/mock mismatch) stops the
        # run: the runner waits on ``failed`` and raises ``fatal``.
        self.fatal: BrokerError | None = None
        self._resync: asyncio.Task[None] | None = None
        self._balances: dict[str, int] = {}  # holdings as Kiwoom last told us (04, kt00018)
        self.failed = asyncio.Event()
        # Symbols where a reconciliation found more than one possible match: no new order
        # or modify goes out in them until the operator looks (never guess).
        self.halted_symbols: dict[str, str] = {}
        # (order id, api-id, class, seconds) each time an order waited for the request
        # budget (pacer.py); the live runner journals it.
        self.on_budget_wait: Callable[[int, str, str, float], None] | None = None

    # -- Broker protocol -----------------------------------------------------------

    def attach(self, emit: Emit) -> None:
        self._emit = emit

    def submit(self, order: OrderRequest) -> None:
        """Schedule the request; the outcome comes back through ``emit``."""
        crash_point("before-send")  # tests only: see autotrader/crashpoint.py
        crash_point(f"before-send:{order.action.value}")  # the same, for one action
        self._orders[order.order_id] = _copy(order)
        # a gold order lives in the gold account: every account query asks it from now on
        self.trades_gold = self.trades_gold or is_gold(order.symbol)
        self._floors[order.order_id] = self._highest_no
        # The moment the request leaves, on our clock: what the venue's order time is
        # compared with (created_at is the rule's instant, earlier for a clock rule whose
        # occurrence the clock passed between two readings).
        self._sent_at[order.order_id] = self._clock()
        self._in_flight += 1
        task = asyncio.get_running_loop().create_task(self._submit(order))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        """Live fills come from Kiwoom, not from ticks."""

    # -- realtime wiring -------------------------------------------------------------

    def realtime(
        self,
        on_market: Callable[[dict[str, Any]], None],
        *,
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        on_frame: Callable[[str], None] | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> RealtimeClient:
        """A websocket client whose ``00``/``04`` events feed this broker.

        After a reconnect it calls ``on_reconnected`` (default: ``catch_up``).
        """
        return RealtimeClient(
            self.settings.websocket_url,
            self.rest.tokens,
            on_execution=self.on_execution,
            on_balance=self.on_balance,
            on_market=on_market,
            on_reconnected=on_reconnected or self.catch_up,
            on_frame=on_frame,
            on_event=on_event,
            silence_timeout=self.settings.ws_silence_timeout,
            stall_pings=self.settings.ws_stall_pings,
            stall_min=self.settings.ws_stall_min,
            login_timeout=self.settings.ws_login_timeout,
            group_size=self.settings.ws_group_size,
            clock=self._clock,
        )

    def on_balance(self, update: BalanceUpdate) -> None:
        self._balances[update.symbol] = update.qty
        self._send(update)

    def on_execution(self, execution: Execution) -> None:
        """Map a ``00`` event to our order's event, hold it, or pass it on raw."""
        self._saw(execution.broker_order_no)
        order_id = self._by_order_no.get(execution.broker_order_no)
        if order_id is None and self._in_flight:
            # Maybe the answer still in flight numbers it: a modify/cancel's own event must
            # follow its request's acceptance, not reach the target through 904 first.
            self._held.append(execution)
            return
        order_id = order_id if order_id is not None else self._order_for(execution)
        if order_id is None:
            if self._doubt:  # maybe the order in doubt: reconcile() replays it
                self._orphans.append(execution)
            else:
                self._send(execution)
                if execution.status == "filled":  # a fill no order claims: ask Kiwoom
                    self.resync_soon(f"fill on unknown order number {execution.broker_order_no}")
            return
        self._apply(order_id, execution)

    # -- submit ------------------------------------------------------------------------

    async def _submit(self, order: OrderRequest) -> None:
        try:
            await self._send_order(order)
        finally:
            self._in_flight -= 1
            self._release_held()

    async def _send_order(self, order: OrderRequest) -> None:
        api_id = api_id_for(order.action, order.symbol)
        if order.exchange.value not in self.settings.exchanges:
            self._reject(
                order, f"{self.settings.domain} domain does not trade {order.exchange}", None
            )
            return
        halt = self.halted_symbols.get(order.symbol)
        if halt is not None and order.action not in _CANCELS:
            self._reject(order, f"new orders in {order.symbol} halted: {halt}", None)
            return
        original = ""
        target: OrderRequest | None = None
        if not order.action.is_new:
            target = self._orders.get(order.target_id) if order.target_id is not None else None
            original = target.broker_order_no if target else ""
            if not original:
                self._reject(order, "target order has no Kiwoom order number", None)
                return
        try:
            body = build_order_body(order, original_order_no=original)
            priority = priority_of(order, target.side if target else None)

            def waited(seconds: float) -> None:
                if self.on_budget_wait is not None:
                    self.on_budget_wait(order.order_id, api_id, priority.name.lower(), seconds)

            reply = await self.rest.call(api_id, body, priority=priority, on_wait=waited)
            crash_point("after-send")  # tests only: Kiwoom answered, nobody read it
            crash_point(f"after-send:{order.action.value}")  # the same, for one action
            answer = parse_order_answer(reply, api_id)
        except OutcomeUnknownError as exc:
            log.warning("order %d: outcome unknown: %s", order.order_id, exc)
            self._unknown(order.order_id, _described(exc))
            return
        except BrokerError as exc:
            self._reject(order, _described(exc), exc.return_code)
            if isinstance(exc, CredentialsRejectedError):
                self.stop_run(exc)
            elif isinstance(exc, OrderNotFoundError) or any(
                hint in exc.message for hint in _NOTHING_LEFT
            ):
                self.resync_soon(f"order {order.order_id}: its target is filled or gone")
            return
        except Exception as exc:
            # An unexpected failure may have happened after the request left.
            log.exception("order %d: unexpected failure", order.order_id)
            self._unknown(order.order_id, type(exc).__name__)
            return
        self._accept(order.order_id, answer.order_no)

    def resync_soon(self, why: str) -> None:
        """Run ``catch_up`` (open orders, fills, holdings) in the background, once at a
        time: something said our picture of the account may be wrong."""
        if self._resync is not None and not self._resync.done():
            return
        log.warning("kiwoom: resync: %s", why)
        self._resync = asyncio.get_running_loop().create_task(self._run_resync())
        self._tasks.add(self._resync)
        self._resync.add_done_callback(self._tasks.discard)

    async def _run_resync(self) -> None:
        try:
            await self.catch_up()
        except BrokerError as exc:  # the next trigger tries again
            log.warning("kiwoom: resync failed (%s)", exc)

    def stop_run(self, error: BrokerError) -> None:
        """Ask the runner to stop at once: a refusal that no retry can fix."""
        if self.fatal is None:
            log.error("kiwoom: stopping the run: %s", error)
            self.fatal = error
        self.failed.set()

    def halt_symbol(self, symbol: str, reason: str) -> None:
        """Refuse new orders and modifies in ``symbol`` (cancels still go out)."""
        if symbol not in self.halted_symbols:
            log.error("kiwoom: new orders in %s halted: %s", symbol, reason)
            self.halted_symbols[symbol] = reason

    def _saw_all(self, numbers: Iterable[str]) -> None:
        for number in numbers:
            self._saw(number)

    def _saw(self, order_no: str) -> None:
        if order_no.isdigit() and (not self._highest_no or int(order_no) > int(self._highest_no)):
            self._highest_no = order_no

    def _accept(self, order_id: int, order_no: str) -> None:
        self._saw(order_no)
        order = self._orders.get(order_id)
        if order is not None:
            order.broker_order_no = order_no
            order.state = OrderState.ACCEPTED
            if order.action.is_new:
                self._own(order_id, order_no)
            elif order.action in _MODIFIES and order.target_id is not None:
                self._own(order.target_id, order_no)  # the remainder moves to this number
                self._modify_no[order_no] = order
        self._by_order_no[order_no] = order_id
        self._send(OrderAccepted(order_id, order_no, self._clock()))

    def _unknown(self, order_id: int, reason: str) -> None:
        self._doubt.add(order_id)
        self._send(OrderOutcomeUnknown(order_id, reason, self._clock()))

    def _reject(self, order: OrderRequest, reason: str, code: int | None) -> None:
        log.info("order %d rejected: %s", order.order_id, reason)
        self._refused(order.order_id, reason, code, self._clock())

    def _refused(self, order_id: int, reason: str, code: int | None, ts: float) -> None:
        order = self._orders.get(order_id)
        if order is not None:
            order.state = OrderState.REJECTED
        self._send(OrderRejected(order_id, reason, code, ts))

    def _cancelled(self, order_id: int, qty: int, ts: float) -> None:
        """``qty`` shares of the order were cancelled: all of its rest, or part of it."""
        order = self._orders.get(order_id)
        if order is not None:
            if 0 < qty < order.qty - self._filled.get(order_id, 0):
                order.qty -= qty
            else:
                order.state = OrderState.CANCELLED
        self._send(OrderCancelled(order_id, qty, ts))

    def _changed(self, order_id: int, qty: int, price: int, ts: float, order_no: str) -> None:
        order = self._orders.get(order_id)
        if order is not None:
            order.qty, order.price = qty, price
        self._send(OrderModified(order_id, qty, price, ts, order_no))

    def _release_held(self) -> None:
        if self._in_flight:
            return
        held, self._held = self._held, []
        for execution in held:
            self.on_execution(execution)

    # -- executions --------------------------------------------------------------------

    def _order_for(self, execution: Execution) -> int | None:
        order_id = self._by_order_no.get(execution.broker_order_no)
        if order_id is None and execution.status in ("modified", "cancelled"):
            order_id = self._by_order_no.get(execution.original_order_no)
        return order_id

    def _apply(self, order_id: int, e: Execution) -> None:
        order = self._orders.get(order_id)
        if order is None:
            self._send(e)
            return
        # A modify/cancel request's own events concern the order it targets.
        if order.action in _MODIFIES or order.action in _CANCELS:
            target_id = order.target_id if order.target_id is not None else order_id
            if e.status == "modified":
                self._modified(target_id, e)
            elif e.status == "cancelled":
                self._cancelled(target_id, e.order_qty, e.ts)
            elif e.status == "rejected":
                self._refused(order_id, "refused by the exchange", None, e.ts)
            elif e.status == "filled" and order.action in _MODIFIES:
                # A fill on the modify's new number before its confirmation: the modify
                # took effect (as its request asked); the fill is the target's.
                target = self._orders.get(target_id)
                if target is None or target.side is None:
                    self._send(e)
                    return
                if target.broker_order_no != e.broker_order_no:
                    self._modified_unseen(target_id, e.broker_order_no, e.ts)
                self._fill(target, e)
            return
        if e.status == "filled":
            self._fill(order, e)
        elif e.status == "cancelled":
            remaining = order.qty - self._filled.get(order_id, 0)
            self._cancelled(order_id, max(0, remaining), e.ts)
        elif e.status == "rejected":
            self._refused(order_id, "refused by the exchange", None, e.ts)
        elif e.status == "modified":
            self._modified(order_id, e)

    def _modified(self, order_id: int, e: Execution) -> None:
        """900 of a modify's confirmation is the quantity moved to the new number; our
        order keeps its filled shares: its quantity is those plus the moved ones."""
        order = self._orders.get(order_id)
        if order is not None and e.broker_order_no and order.broker_order_no == e.broker_order_no:
            return  # already applied (a fill or a resync showed the new number first)
        self._renumber(order_id, e.broker_order_no)
        qty = self._filled.get(order_id, 0) + e.order_qty
        self._changed(order_id, qty, e.order_price, e.ts, e.broker_order_no)

    def _own(self, order_id: int, order_no: str) -> None:
        numbers = self._numbers.setdefault(order_id, [])
        if order_no not in numbers:
            numbers.append(order_no)
        self._owner[order_no] = order_id

    def _renumber(self, order_id: int, order_no: str) -> None:
        """A modify moves the remainder to a new Kiwoom number: fills follow it, and the
        next modify or cancel must name it."""
        if not order_no:
            return
        self._by_order_no[order_no] = order_id
        self._own(order_id, order_no)
        order = self._orders.get(order_id)
        if order is not None:
            order.broker_order_no = order_no

    def _fill(self, order: OrderRequest, e: Execution) -> None:
        side = e.side or order.side
        if side is None or e.fill_qty <= 0:
            self._send(e)
            return
        # 900 - 902 is the cumulative fill of this order *number* (a modify renumbers):
        # each value names one fill, so a repeat is a duplicate whatever order the frames
        # came in (a reordered earlier fill has a smaller, unseen value: it counts).
        number = e.broker_order_no
        before = self._filled_no.get(number, 0)
        cumulative = e.order_qty - e.remaining_qty if e.order_qty > 0 else None
        seen = self._fill_marks.setdefault(number, set())
        if cumulative is not None and cumulative > 0:
            if cumulative in seen or cumulative <= self._caught_up.get(number, 0):
                log.info("order %d: duplicate fill event ignored", order.order_id)
                return
            seen.add(cumulative)
        self._filled_no[number] = before + e.fill_qty
        self._filled_order(order, side, e.fill_qty, e.fill_price, e.ts, e.broker_order_no)

    def _filled_order(
        self, order: OrderRequest, side: Side, qty: int, price: int, ts: float, order_no: str
    ) -> None:
        filled = self._filled.get(order.order_id, 0) + qty
        self._filled[order.order_id] = filled
        if filled >= order.qty:
            order.state = OrderState.FILLED
        fill = self._fees.fill(order.order_id, order.symbol, side, qty, price, ts, order_no)
        self._send(OrderFilled(fill))

    def _send(self, event: BrokerEvent) -> None:
        if self._emit is None:
            log.warning("event dropped: broker not attached")
            return
        self._emit(event)

    # -- account, reconciliation, shutdown ---------------------------------------------

    async def open_orders(self) -> list[OpenOrder]:
        """Every open order of the run's accounts: ka10075, plus kt50075 when the run
        trades gold (gold lives in its own account, which ka10075 leaves out)."""
        rows = await self.account.open_orders()
        if self.trades_gold:
            rows = [*rows, *await self.gold.open_orders(self._today())]
        return rows

    async def fills(self) -> list[FillRow]:
        """Today's orders with fills in the run's accounts: ka10076, plus kt50031 when
        the run trades gold."""
        rows = await self.account.fills()
        if self.trades_gold:
            rows = [*rows, *await self.gold.fills(self._today())]
        return rows

    async def order_history(self, day: str) -> list[OrderRow]:
        """Every order number of ``day`` in the run's accounts: kt00007, plus kt50031's
        full list when the run trades gold (a gold modify's or cancel's number)."""
        rows = await self.account.order_history(day)
        if self.trades_gold:
            rows = [*rows, *await self.gold.order_history(day)]
        return rows

    async def balance(self) -> Balance:
        """Holdings of the run's accounts: kt00018, plus kt50020 when the run trades gold."""
        balance = await self.account.balance()
        if self.trades_gold:
            balance = replace(balance, holdings=[*balance.holdings, *await self.gold.holdings()])
        return balance

    async def load_account(self) -> AccountSnapshot:
        """Holdings, open orders and orderable cash, for the engine to start from what
        is true."""
        balance = await self.balance()
        open_orders = await self.open_orders()
        try:
            deposit: Deposit | None = await self.account.deposit()
        except BrokerError as exc:  # no cash figure: the risk book holds 0, buys fail closed
            log.warning("kt00001 failed (%s): orderable cash unknown, buys will be refused", exc)
            deposit = None
        return AccountSnapshot(balance, open_orders, deposit)

    async def reconcile(self, orders_in_doubt: Iterable[OrderRequest]) -> list[Resolution]:
        """Resolve unknown-outcome orders against ka10075/ka10076 (rule: reconcile.py).

        Accepted ones are adopted: their order number is mapped so later ``00`` events
        reach them, and OrderAccepted is emitted.
        """
        in_doubt = list(orders_in_doubt)
        if not in_doubt:
            return []
        open_orders, fills = await self.open_orders(), await self.fills()
        found = candidates(open_orders, fills)
        targets = {
            o.order_id: o.broker_order_no for o in self._orders.values() if o.broker_order_no
        }
        offset = self._clock_offset(found)
        news = [o for o in in_doubt if o.action.is_new]
        changes = [o for o in in_doubt if not o.action.is_new]
        resolutions = match(
            news,
            found,
            claimed=self._by_order_no,
            floors=self._floors,
            offset=offset,
            sent_at=self._sent_at,
        )
        if changes:  # their own numbers: kt00007 lists them, the other lists may not
            history = await self._day_history({c.order_no for c in found})
            resolutions += match(
                changes,
                found + history,
                claimed=self._by_order_no,
                target_order_nos=targets,
                floors=self._floors,
                offset=offset,
                sent_at=self._sent_at,
            )
        for r in resolutions:
            if r.outcome == "ambiguous":  # stays in doubt; never guessed
                order = next(o for o in in_doubt if o.order_id == r.order_id)
                self.halt_symbol(order.symbol, f"order {r.order_id} in doubt: {r.detail}")
                continue
            self._doubt.discard(r.order_id)
            if r.outcome == "accepted":
                self._orders.setdefault(
                    r.order_id, _copy(next(o for o in in_doubt if o.order_id == r.order_id))
                )
                self._accept(r.order_id, r.broker_order_no)
        self._replay_orphans()
        return resolutions

    async def _day_history(self, known: set[str]) -> list[Candidate]:
        """kt00007's modify/cancel numbers; none (the other lists only) if it fails."""
        try:
            rows = await self.order_history(self._today())
        except BrokerError as exc:
            log.warning("reconcile: the day's order history (kt00007) failed: %s", exc)
            return []
        return history_candidates(rows, known)

    def _clock_offset(self, found: list[Candidate]) -> float | None:
        # Our new orders whose first number we know: our send time against the venue's.
        times = {c.order_no: c.time for c in found}
        samples = [
            (self._sent_at.get(order_id, order.created_at), times[numbers[0]])
            for order_id, numbers in self._numbers.items()
            if (order := self._orders.get(order_id)) is not None
            and order.action.is_new
            and numbers
            and numbers[0] in times
            and order.tags.get("origin") not in ("adopted", "resumed")
        ]
        return clock_offset(samples)

    def _today(self) -> str:
        return to_seoul(self._clock()).strftime("%Y%m%d")

    def settle_doubt(self, order_id: int) -> None:
        """The order is no longer in doubt (resolved elsewhere): release held events."""
        self._doubt.discard(order_id)
        self._replay_orphans()

    def _replay_orphans(self) -> None:
        # Matched ones reach their order now; the rest wait while doubt remains, else go raw.
        orphans, self._orphans = self._orphans, []
        for execution in orphans:
            self.on_execution(execution)

    async def catch_up(self) -> None:
        """After a websocket gap: what ka10075 and ka10076 know and the ``00`` feed hid.

        Open orders are asked first, fills second: an order none of whose numbers is in
        the first answer had stopped working before the second was asked, so its fills are
        all in it, and its unfilled rest was cancelled (by a cancel of ours, or by the
        exchange: IOC/FOK remainders, the close). Rows are matched to our orders under
        every number an order has had: a modify's new number may be the only one its
        fills are listed under (ka10076 rows carry no original number), or the one still
        open. An open row whose original number is an order's current one was modified
        by a request we never saw answered. Orders numbered after the first question are
        left alone.
        """
        live = {
            o.order_id
            for o in self._orders.values()
            if o.side is not None and o.broker_order_no and not o.state.is_final
        }
        open_rows = await self.open_orders()
        fill_rows = await self.fills()
        ts = self._clock()
        still_open: set[int] = set()
        for row in open_rows:
            order_id = self._owner.get(row.order_no)
            if order_id is None and row.original_order_no:
                order_id = self._owner.get(row.original_order_no)  # modified in the gap
            if order_id not in live:
                continue
            assert order_id is not None
            still_open.add(order_id)
            if self._is_newer(order_id, row.order_no):
                self._renumber(order_id, row.order_no)
                before = sum(  # filled under its earlier numbers: they stay the order's
                    f.fill_qty
                    for f in fill_rows
                    if f.order_no != row.order_no and self._owner.get(f.order_no) == order_id
                )
                qty = max(before, self._filled.get(order_id, 0)) + row.qty
                self._changed(order_id, qty, row.price, ts, row.order_no)
        for f in sorted(fill_rows, key=lambda f: int(f.order_no) if f.order_no.isdigit() else 0):
            order_id = self._owner.get(f.order_no)
            if order_id is None and f.original_order_no.strip("0"):
                order_id = self._owner.get(f.original_order_no)  # a modify's number: follow it
            if order_id in live and self._is_newer(order_id, f.order_no):
                assert order_id is not None
                self._modified_unseen(order_id, f.order_no, ts, f)
            self._missed_fill(f.order_no, f.fill_qty, f.fill_price, ts)
        for order_id in live - still_open:
            order = self._orders[order_id]
            if order.state.is_final or order_id in self._doubt:
                continue
            remaining = max(order.qty - self._filled.get(order_id, 0), 0)
            log.info("order %d: no longer open at Kiwoom; %d cancelled", order_id, remaining)
            self._cancelled(order_id, remaining, ts)
        await self._resync_balance()

    async def _resync_balance(self) -> None:
        """The last part of a resync: Kiwoom's holdings of every symbol we traded, as
        ``BalanceUpdate`` events (a ``04`` may have been lost too), for the runner to
        compare with the engine's positions."""
        symbols = {o.symbol for o in self._orders.values()}
        if not symbols:
            return
        try:
            balance = await self.balance()
        except BrokerError as exc:  # the next resync asks again
            log.warning("resync: kt00018 failed (%s); holdings not compared", exc)
            return
        ts = self._clock()
        held: dict[str, tuple[int, int, int]] = {}
        for h in balance.holdings:
            qty, cost, sellable = held.get(h.symbol, (0, 0, 0))
            held[h.symbol] = (qty + h.qty, cost + h.qty * h.avg_price, sellable + h.sellable_qty)
        for symbol in sorted(symbols):
            qty, cost, sellable = held.get(symbol, (0, 0, 0))
            if self._balances.get(symbol, 0 if symbol not in held else -1) == qty:
                continue  # what Kiwoom last said (or nothing, and nothing held): no news
            self._balances[symbol] = qty
            self._send(BalanceUpdate(symbol, qty, cost // qty if qty else 0, sellable, ts))

    def _is_newer(self, order_id: int, order_no: str) -> bool:
        """Whether ``order_no`` is not yet the order's current number (a modify's later
        number, or one never seen: a modify made in the gap)."""
        order = self._orders[order_id]
        if order_no == order.broker_order_no:
            return False
        numbers = self._numbers.get(order_id, [])
        if order_no not in numbers or order.broker_order_no not in numbers:
            return True
        return numbers.index(order_no) > numbers.index(order.broker_order_no)

    def _modified_unseen(
        self, order_id: int, order_no: str, ts: float, row: FillRow | None = None
    ) -> None:
        """A modify of ours took effect but its ``00`` was lost in the gap: apply it (as
        its request asked, else as Kiwoom's row shows) before the fills under its number."""
        request = self._modify_no.get(order_no)
        order = self._orders[order_id]
        self._renumber(order_id, order_no)
        qty, price = order.qty, order.price
        if request is None and row is not None and row.order_qty > 0:
            qty = self._filled.get(order_id, 0) + row.order_qty
            price = row.order_price or price
        if request is not None:
            if request.qty:
                qty = self._filled.get(order_id, 0) + request.qty
            price = request.price or price
        self._changed(order_id, qty, price, ts, order_no)

    def _missed_fill(self, number: str, filled: int, price: int, ts: float) -> None:
        order_id = self._owner.get(number)
        order = self._orders.get(order_id) if order_id is not None else None
        if order is None or order.side is None:
            return
        missed = filled - self._filled_no.get(number, 0)
        if missed <= 0 or price <= 0:
            return
        self._filled_no[number] = filled
        # a late 00 for a fill counted here must not count again
        self._caught_up[number] = max(self._caught_up.get(number, 0), filled)
        self._filled_order(order, order.side, missed, price, ts, number)

    def adopt(self, order: OrderRequest) -> None:
        """Track an order Kiwoom already has (found open at start-up) so its ``00`` events
        map to it; ``order.broker_order_no`` must be set."""
        self._orders[order.order_id] = _copy(order)
        self._by_order_no[order.broker_order_no] = order.order_id
        self._own(order.order_id, order.broker_order_no)
        self._filled[order.order_id] = order.filled_qty
        self._filled_no[order.broker_order_no] = order.filled_qty
        self._caught_up[order.broker_order_no] = order.filled_qty
        self._saw(order.broker_order_no)

    @property
    def in_flight(self) -> int:
        """Order requests sent and not yet answered."""
        return self._in_flight

    async def drain(self, grace: float = 10.0) -> None:
        """Wait (at most ``grace`` seconds) for the answers of in-flight order requests."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)

    async def close(self, grace: float = 10.0) -> None:
        """Let in-flight orders finish (cancelling one would lose its outcome), then revoke."""
        await self.drain(grace)
        await self.rest.tokens.revoke()
        await self.rest.aclose()


def _copy(order: OrderRequest) -> OrderRequest:
    """The broker's own record of an order: the engine's object is the ledger's."""
    return replace(order, tags=dict(order.tags))


def priority_of(order: OrderRequest, target_side: Side | None = None) -> Priority:
    """The pacer's class: cancels, then exits (sells, and modifies of sells), then other
    modifies, then entries."""
    if order.action in _CANCELS:
        return Priority.CANCEL
    side = order.action.side or target_side
    if side is Side.SELL:
        return Priority.EXIT
    return Priority.MODIFY if order.action in _MODIFIES else Priority.ENTRY


def _described(exc: BrokerError) -> str:
    """The error and Kiwoom's raw answer, as the journal keeps them."""
    raw = exc.raw_answer
    return f"{exc} ({raw})" if raw else str(exc)

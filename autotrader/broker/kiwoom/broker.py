"""``KiwoomBroker``: the Broker protocol over Kiwoom's REST orders and ``00`` events.

``submit`` schedules the request and returns at once. Its answer becomes OrderAccepted
(with Kiwoom's order number), OrderRejected (a definite refusal, with its code) or
OrderOutcomeUnknown (the request may have reached Kiwoom: never resent, reconciled
instead). ``00`` executions are mapped back to our orders through the order numbers.
Executions for a number we do not know wait: while an order request is still in flight
(Kiwoom can report the fill before the order request returns), and while an order is in
doubt (they may be its own: ``reconcile`` replays them once it has matched it). Only an
execution no order of ours can claim is emitted raw, and the engine journals it.

After a websocket gap ``catch_up`` asks ka10075 (open orders), then ka10076 (fills): fills
we missed are emitted; an order of ours no longer open is modified (a new number points
back to it) or closed (its unfilled rest was cancelled, by us or by the exchange).

Fills carry commission and tax computed with ``Fees`` from the fill's value: the ``00``
fields 938/939 are *today's* totals, not this fill's.
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
from autotrader.broker.kiwoom.account import AccountQueries, Balance, Deposit, OpenOrder
from autotrader.broker.kiwoom.credit import CreditQueries
from autotrader.broker.kiwoom.gold import GoldAccount
from autotrader.broker.kiwoom.orders import api_id_for, build_order_body, parse_order_answer
from autotrader.broker.kiwoom.program import ProgramQueries
from autotrader.broker.kiwoom.quotes import QuoteQueries
from autotrader.broker.kiwoom.realtime import RealtimeClient
from autotrader.broker.kiwoom.reconcile import Resolution, candidates, match
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.clock import to_seoul
from autotrader.engine.crashpoint import crash_point
from autotrader.errors import BrokerError, OutcomeUnknownError
from autotrader.market import Fees
from autotrader.market.gold import is_gold
from autotrader.model import BalanceUpdate, Execution, Fill, OrderAction, OrderRequest, Side

log = logging.getLogger(__name__)

_CANCELS = frozenset({OrderAction.CANCEL, OrderAction.CREDIT_CANCEL})
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
        self.account = AccountQueries(self.rest)
        self.credit = CreditQueries(self.rest, clock)  # kt20017/kt20016 (credit.py)
        self.quotes = QuoteQueries(self.rest)  # ka10004 snapshots (quotes.py)
        self.programs = ProgramQueries(self.rest)  # ka90004 (program.py)
        self.gold = GoldAccount(self.rest)  # kt50020/kt50075 (gold.py)
        self.trades_gold = False  # set by the runner: gold codes are subscribed
        self._fees = fees or Fees()
        self._clock = clock
        self._emit: Emit | None = None
        self._orders: dict[int, OrderRequest] = {}
        self._by_order_no: dict[str, int] = {}
        self._filled: dict[int, int] = {}
        self._filled_no: dict[str, int] = {}  # filled shares per Kiwoom order number
        # Every number a working order of ours has had (its own, each modify's), oldest
        # first: ka10076 rows name the number that filled, never the order it came from.
        self._numbers: dict[int, list[str]] = {}
        self._owner: dict[str, int] = {}  # Kiwoom number -> the new order it belongs to
        self._modify_no: dict[str, OrderRequest] = {}  # a modify's number -> its request
        self._doubt: set[int] = set()  # orders whose request outcome is unknown
        self._orphans: list[Execution] = []  # 00 events held while an order is in doubt
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._held: list[Execution] = []

    # -- Broker protocol -----------------------------------------------------------

    def attach(self, emit: Emit) -> None:
        self._emit = emit

    def submit(self, order: OrderRequest) -> None:
        """Schedule the request; the outcome comes back through ``emit``."""
        crash_point("before-send")  # tests only: see autotrader/engine/crashpoint.py
        self._orders[order.order_id] = order
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
            silence_timeout=self.settings.ws_silence_timeout,
            login_timeout=self.settings.ws_login_timeout,
            clock=self._clock,
        )

    def on_balance(self, update: BalanceUpdate) -> None:
        self._send(update)

    def on_execution(self, execution: Execution) -> None:
        """Map a ``00`` event to our order's event, hold it, or pass it on raw."""
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
        original = ""
        if not order.action.is_new:
            target = self._orders.get(order.target_id) if order.target_id is not None else None
            original = target.broker_order_no if target else ""
            if not original:
                self._reject(order, "target order has no Kiwoom order number", None)
                return
        try:
            body = build_order_body(order, original_order_no=original)
            reply = await self.rest.call(api_id, body)
            crash_point("after-send")  # tests only: Kiwoom answered, nobody read it
            answer = parse_order_answer(reply, api_id)
        except OutcomeUnknownError as exc:
            log.warning("order %d: outcome unknown: %s", order.order_id, exc)
            self._unknown(order.order_id, str(exc))
            return
        except BrokerError as exc:
            self._reject(order, str(exc), exc.return_code)
            return
        except Exception as exc:
            # An unexpected failure may have happened after the request left.
            log.exception("order %d: unexpected failure", order.order_id)
            self._unknown(order.order_id, type(exc).__name__)
            return
        self._accept(order.order_id, answer.order_no)

    def _accept(self, order_id: int, order_no: str) -> None:
        order = self._orders.get(order_id)
        if order is not None:
            order.broker_order_no = order_no
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
        self._send(OrderRejected(order.order_id, reason, code, self._clock()))

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
                self._send(OrderCancelled(target_id, e.order_qty, e.ts))
            elif e.status == "rejected":
                self._send(OrderRejected(order_id, "refused by the exchange", None, e.ts))
            return
        if e.status == "filled":
            self._fill(order, e)
        elif e.status == "cancelled":
            remaining = order.qty - self._filled.get(order_id, 0)
            self._send(OrderCancelled(order_id, max(0, remaining), e.ts))
        elif e.status == "rejected":
            self._send(OrderRejected(order_id, "refused by the exchange", None, e.ts))
        elif e.status == "modified":
            self._modified(order_id, e)

    def _modified(self, order_id: int, e: Execution) -> None:
        """900 of a modify's confirmation is the quantity moved to the new number; our
        order keeps its filled shares: its quantity is those plus the moved ones."""
        self._renumber(order_id, e.broker_order_no)
        qty = self._filled.get(order_id, 0) + e.order_qty
        self._send(OrderModified(order_id, qty, e.order_price, e.ts, e.broker_order_no))

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
        # 900 - 902 is the cumulative fill of this order *number* (a modify renumbers)
        number = e.broker_order_no
        before = self._filled_no.get(number, 0)
        cumulative = e.order_qty - e.remaining_qty if e.order_qty > 0 else None
        if cumulative is not None and 0 < cumulative <= before:
            log.info("order %d: duplicate fill event ignored", order.order_id)
            return
        self._filled_no[number] = before + e.fill_qty
        self._filled[order.order_id] = self._filled.get(order.order_id, 0) + e.fill_qty
        self._send(
            OrderFilled(
                self._make_fill(
                    order.order_id,
                    order.symbol,
                    side,
                    e.fill_qty,
                    e.fill_price,
                    e.ts,
                    e.broker_order_no,
                )
            )
        )

    def _make_fill(
        self, order_id: int, symbol: str, side: Side, qty: int, price: int, ts: float, order_no: str
    ) -> Fill:
        value = qty * price
        tax = self._fees.sell_tax(value) if side is Side.SELL else 0
        return Fill(
            order_id, symbol, side, qty, price, self._fees.commission(value), tax, ts, order_no
        )

    def _send(self, event: BrokerEvent) -> None:
        if self._emit is None:
            log.warning("event dropped: broker not attached")
            return
        self._emit(event)

    # -- account, reconciliation, shutdown ---------------------------------------------

    async def load_account(self) -> AccountSnapshot:
        """Holdings, open orders and orderable cash, for the engine to start from what
        is true."""
        balance = await self.account.balance()
        open_orders = await self.account.open_orders()
        if self.trades_gold:  # gold lives in its own account: kt50020 and kt50075
            gold = await self.gold.holdings()
            balance = replace(balance, holdings=[*balance.holdings, *gold])
            open_orders = [*open_orders, *await self.gold.open_orders(self._today())]
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
        open_orders, fills = await self.account.open_orders(), await self.account.fills()
        if any(is_gold(o.symbol) for o in in_doubt):  # gold's own account: kt50075, kt50031
            day = self._today()
            open_orders = [*open_orders, *await self.gold.open_orders(day)]
            fills = [*fills, *await self.gold.fills(day)]
        found = candidates(open_orders, fills)
        targets = {
            o.order_id: o.broker_order_no for o in self._orders.values() if o.broker_order_no
        }
        resolutions = match(in_doubt, found, claimed=self._by_order_no, target_order_nos=targets)
        for r in resolutions:
            self._doubt.discard(r.order_id)
            if r.outcome == "accepted":
                self._orders.setdefault(
                    r.order_id, next(o for o in in_doubt if o.order_id == r.order_id)
                )
                self._accept(r.order_id, r.broker_order_no)
        self._replay_orphans()
        return resolutions

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
        open_rows = await self.account.open_orders()
        fill_rows = await self.account.fills()
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
                self._send(OrderModified(order_id, qty, row.price, ts, row.order_no))
        for f in fill_rows:
            order_id = self._owner.get(f.order_no)
            if order_id in live and self._is_newer(order_id, f.order_no):
                assert order_id is not None
                self._modified_unseen(order_id, f.order_no, ts)
            self._missed_fill(f.order_no, f.fill_qty, f.fill_price, ts)
        for order_id in live - still_open:
            order = self._orders[order_id]
            if order.state.is_final or order_id in self._doubt:
                continue
            remaining = max(order.qty - self._filled.get(order_id, 0), 0)
            log.info("order %d: no longer open at Kiwoom; %d cancelled", order_id, remaining)
            self._send(OrderCancelled(order_id, remaining, ts))

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

    def _modified_unseen(self, order_id: int, order_no: str, ts: float) -> None:
        """A modify of ours took effect but its ``00`` was lost in the gap: apply it (as
        its request asked) before the fills listed under its number."""
        request = self._modify_no.get(order_no)
        order = self._orders[order_id]
        self._renumber(order_id, order_no)
        qty, price = order.qty, order.price
        if request is not None:
            if request.qty:
                qty = self._filled.get(order_id, 0) + request.qty
            price = request.price or price
        self._send(OrderModified(order_id, qty, price, ts, order_no))

    def _missed_fill(self, number: str, filled: int, price: int, ts: float) -> None:
        order_id = self._owner.get(number)
        order = self._orders.get(order_id) if order_id is not None else None
        if order is None or order.side is None:
            return
        missed = filled - self._filled_no.get(number, 0)
        if missed <= 0 or price <= 0:
            return
        self._filled_no[number] = filled
        self._filled[order.order_id] = self._filled.get(order.order_id, 0) + missed
        fill = self._make_fill(order.order_id, order.symbol, order.side, missed, price, ts, number)
        self._send(OrderFilled(fill))

    def adopt(self, order: OrderRequest) -> None:
        """Track an order Kiwoom already has (found open at start-up) so its ``00`` events
        map to it; ``order.broker_order_no`` must be set."""
        self._orders[order.order_id] = order
        self._by_order_no[order.broker_order_no] = order.order_id
        self._own(order.order_id, order.broker_order_no)
        self._filled[order.order_id] = order.filled_qty
        self._filled_no[order.broker_order_no] = order.filled_qty

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

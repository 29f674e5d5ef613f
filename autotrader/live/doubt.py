"""Orders whose request outcome is unknown: held, reconciled, never resent.

A request that timed out or lost its connection may or may not have reached Kiwoom. The
order stays UNKNOWN in the ledger and the journal, and its rule is held (it places
nothing) while any of its orders is in doubt. ``delay`` seconds after each doubt began
(a late acceptance must have had time to show), ``KiwoomBroker.reconcile`` matches the
orders against ka10075/ka10076: found, the order is adopted (ACCEPTED, then ``catch_up``
brings the fills it missed); not found, it is closed as rejected. A failed query is
retried after ``retry`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from autotrader.broker.base import BrokerEvent, OrderOutcomeUnknown, OrderRejected
from autotrader.broker.kiwoom.broker import KiwoomBroker
from autotrader.engine.engine import Engine
from autotrader.errors import BrokerError
from autotrader.journal.writer import Journal
from autotrader.model import OrderRequest

log = logging.getLogger(__name__)

NOT_FOUND = "outcome unknown; not found at Kiwoom after reconciliation"


class Doubts:
    """The orders in doubt of a live run, and the task that reconciles them."""

    def __init__(
        self,
        engine: Engine,
        broker: KiwoomBroker,
        journal: Journal,
        delay: float,
        retry: float,
        drain_grace: float,
        *,
        reject: Callable[[BrokerEvent], None],
        notify: Callable[[], None],
        clock: Callable[[], float],
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.journal = journal
        self.delay = delay
        self.retry = retry
        self.drain_grace = drain_grace
        self.reject = reject  # the runner's broker-event path: engine, journal flush
        self.notify = notify
        self.clock = clock
        self.in_doubt: dict[int, OrderRequest] = {}
        self._since: dict[int, float] = {}  # loop time each doubt began
        self._ambiguous: set[int] = set()  # in doubt, matched more than one way (journaled)
        self._task: asyncio.Task[None] | None = None

    def doubt(self, ev: OrderOutcomeUnknown) -> None:
        """An order's outcome became unknown: hold its rule, reconcile it later."""
        order = self.engine.ledger.get(ev.order_id)
        if order is None:
            return
        self.in_doubt[order.order_id] = order
        self._since[order.order_id] = asyncio.get_running_loop().time()
        held = f"; rule {order.rule} held" if order.rule else ""
        if order.rule:
            self.engine.held_rules.add(order.rule)
        self.journal.error(
            ev.ts, "live", f"order {order.order_id} outcome unknown ({ev.reason}){held}"
        )
        log.warning("live: order %d outcome unknown; reconciling", order.order_id)
        self._schedule()

    def resolved(self, order_id: int) -> None:
        """The order was accepted or rejected after all: its rule may place again."""
        order = self.in_doubt.pop(order_id, None)
        if order is None:
            return
        self._since.pop(order_id, None)
        self.broker.settle_doubt(order_id)
        if order.rule and not any(o.rule == order.rule for o in self.in_doubt.values()):
            self.engine.held_rules.discard(order.rule)

    def reschedule(self) -> None:
        """After a websocket gap: orders still in doubt are reconciled again."""
        if self.in_doubt:
            self._schedule()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def _schedule(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._reconcile())

    async def _reconcile(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.delay
        while self.in_doubt:
            # Each order waits ``delay`` after its doubt began: a late acceptance must show
            # before "not found" may be concluded.
            due = min(self._since.get(i, 0.0) for i in self.in_doubt) + delay
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if self.broker.in_flight:
                # An answer may still settle some of them: wait for it first.
                await self.broker.drain(self.drain_grace)
            now = loop.time()
            ready = [o for i, o in self.in_doubt.items() if self._since.get(i, 0.0) + delay <= now]
            try:
                resolutions = await self.broker.reconcile(ready)
            except BrokerError as exc:
                log.warning("live: reconciliation failed (%s); retrying", exc)
                await asyncio.sleep(self.retry)
                continue
            for r in resolutions:
                if r.outcome == "ambiguous" and r.order_id in self.in_doubt:
                    # Never guessed: stays in doubt, its symbol halted (by the broker); asked
                    # again later, in case the candidates settle.
                    self._since[r.order_id] = loop.time() + self.retry
                    if r.order_id not in self._ambiguous:
                        self._ambiguous.add(r.order_id)
                        self.journal.error(self.clock(), "reconcile", r.detail)
                if r.outcome == "not_found" and r.order_id in self.in_doubt:
                    # The request never reached Kiwoom: close it (engine, journal, hold).
                    self.reject(OrderRejected(r.order_id, NOT_FOUND, None, self.clock()))
            try:
                await self.broker.catch_up()  # fills of the orders just adopted
            except BrokerError as exc:
                log.warning("live: fills query after reconciliation failed (%s)", exc)
            self.journal.flush()
            self.notify()

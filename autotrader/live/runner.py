"""The live runner: one strategy trading on Kiwoom, from the websocket to the journal.

Start-up, each step before the next, so no rule can fire on a wrong picture of the account:

1. the journal run (mode ``live``; the configuration journaled without secrets);
2. the engine, with its rules held (``Engine.hold_rules``);
3. the account (kt00018, ka10075, kt00001, ka10076) and restart recovery
   (``live/recovery.py``): orders earlier runs left unfinished are settled against
   Kiwoom (missing fills journaled once, a pending intent never sent, positions compared;
   a problem halts the strategy until ``autotrader resume``); holdings become positions,
   the orderable cash goes to the risk book, today's open orders are tracked by the
   engine's order ledger (``live/account.py``): an order an earlier run journaled
   resumes its own row; any other is adopted as a new row;
4. the websocket: LOGIN, then REG for the plan's symbols and the account's ``00``/``04``;
5. a universe's condition searches (``live/conditions.py``): the saved conditions listed
   (an unknown name stops the run here, with the names Kiwoom has), each realtime search
   started and its initial list taken, page by page, so the admitted stocks get their
   states and registrations;
6. rules enabled, a hot reload a kill -9 cut short finished, then the ``on: start`` rules
   run; from then on a task answers ``autotrader reload`` requests (``engine/reload.py``).

Then events flow on one event loop. Market frames are stamped with the wall clock and go
to the same ``FrameDecoder`` the replay uses (frame times never move the clock); a task
also reads the wall clock every ``clock_interval`` seconds, so time rules (``at``,
``cron``, ``every``), the kill switch file and the daily loss check run on time when no
tick arrives. ``00`` and ``04`` go to ``KiwoomBroker``, whose BrokerEvents come back here
and go to the engine; the journal is flushed after each one, so a fill is durable as soon
as it is known. A ``04`` is journaled as a position snapshot (reason ``kiwoom 04``) and
compared with the engine's position; one still different ``balance_grace`` seconds later
(a ``04`` may overtake its ``00``) is journaled as an error. Raw frames are journaled when
the journal was opened with ``raw_frames``. The kill switch persists: a daily-loss halt
survives a restart.

An order whose request outcome is unknown (timeout, dropped connection) is never resent:
it is UNKNOWN in the journal, its rule is held (``Engine.held_rules``), and after
``reconcile_delay`` seconds ``KiwoomBroker.reconcile`` matches it against ka10075/ka10076
(``live/doubt.py``): found, it is adopted (ACCEPTED, then ``catch_up`` brings the fills
it missed); not found, it is closed as rejected. After a websocket reconnect
``catch_up`` queries fills to cover the gap and any order still in doubt is reconciled
again.

Shutdown (``stop()``, Ctrl-C, SIGTERM): the ``on: stop`` rules run, rules are held,
in-flight order answers awaited, the websocket closed, the token revoked, the journal
flushed and the run closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from autotrader.broker.base import (
    BrokerEvent,
    OrderAccepted,
    OrderOutcomeUnknown,
    OrderRejected,
)
from autotrader.broker.kiwoom import AccountSnapshot, KiwoomBroker, KiwoomSettings
from autotrader.clock import day_start, to_seoul
from autotrader.compile.plan import Plan
from autotrader.crashpoint import crash_point
from autotrader.engine.engine import Engine
from autotrader.engine.killswitch import KillSwitch, halt_path
from autotrader.engine.reload import prepare
from autotrader.engine.reload_files import read_request, request_path
from autotrader.engine.replay import reads_changed
from autotrader.errors import BrokerError
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.feed.orderbook import quote_values
from autotrader.feed.recorder import TapeRecorder
from autotrader.journal.skips import SkipLog
from autotrader.journal.writer import Journal
from autotrader.live.account import load_account
from autotrader.live.conditions import LiveConditions
from autotrader.live.doubt import Doubts
from autotrader.live.recovery import Recovery, recover_account
from autotrader.market import Fees
from autotrader.market.gold import is_gold
from autotrader.model import (
    BalanceUpdate,
    OrderRequest,
    OrderState,
)
from autotrader.risk.book import RiskBook, TradingLevel
from autotrader.risk.checks import RiskLimits
from autotrader.rules.schema import RiskSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """Timings of the live runner, in seconds."""

    reconcile_delay: float = 3.0  # after an unknown outcome, before matching (late acceptances)
    reconcile_retry: float = 5.0  # after a failed reconciliation query
    flush_interval: float = 1.0  # buffered decisions and checks reach the journal this often
    heartbeat_interval: float = 5.0  # a status row (autotrader status) at most this often
    ready_timeout: float = 30.0  # websocket logged in and registered, at start-up
    drain_grace: float = 10.0  # in-flight order answers awaited at shutdown
    clock_interval: float = 0.2  # the wall clock reaches the engine this often without ticks
    balance_grace: float = 2.0  # a 04 differing from the engine's position, before an error
    max_seconds: float | None = None  # stop by itself after this long (demos, tests)
    settle_grace: float = 2.0  # at shutdown: accepted modify/cancel requests' 00 awaited
    record: TapeRecorder | None = None  # also write the feed to day tapes (run --record)
    quote_snapshot: bool = True  # ka10004 per symbol at start: quotes before the first tick
    watch_strategy: bool = False  # reload on each save of the strategy file (run --watch)
    reload_interval: float = 1.0  # between two looks for an 'autotrader reload' request


@dataclass(frozen=True, slots=True)
class LiveResult:
    run_id: int
    stats: dict[str, Any]


class LiveRunner:
    """Runs ``plan`` on Kiwoom until ``stop()``; build it inside the event loop."""

    def __init__(
        self,
        plan: Plan,
        settings: KiwoomSettings,
        journal: Journal,
        *,
        limits: RiskLimits | None = None,
        fees: Fees | None = None,
        config_json: str = "{}",
        clock: Callable[[], float] = time.time,
        options: LiveOptions | None = None,
        limits_for: Callable[[RiskSpec], RiskLimits] | None = None,
    ) -> None:
        self.plan = plan
        self.settings = settings
        self.journal = journal
        self.clock = clock
        self.options = options or LiveOptions()
        self.fees = fees or Fees()
        self.config_json = _public_config(config_json, settings)
        self.broker = KiwoomBroker(settings, fees=fees, clock=clock)
        self.engine = Engine(
            plan,
            self.broker,
            journal,
            limits=limits,
            book=RiskBook(cash=0, fees=fees or Fees()),  # the account's cash, once loaded
            killswitch=KillSwitch(halt_path(journal.path), persist=True),
        )
        self.engine.hold_rules()
        self.broker.attach(self._on_broker_event)  # the engine, then a journal flush
        self.broker.on_budget_wait = self._on_budget_wait  # broker/kiwoom/pacer.py
        engine = self.engine
        self.decoder = FrameDecoder(
            engine.states,
            engine.market,
            day_start(to_seoul(clock()).date()),
            engine.on_trade,
            engine.on_vi,
            engine.on_session,
            engine.set_time,
            wall_clock=True,
            on_condition=engine.on_condition,
            reads=engine.plan.reads_of,
        )
        self.realtime = self.broker.realtime(
            self._on_market,
            on_reconnected=self._on_reconnected,
            on_frame=self._on_raw_frame if journal.raw_frames or self.options.record else None,
            on_event=lambda text: journal.error(clock(), "websocket", text),  # stalls...
        )
        self.realtime.subscribe(engine.states)
        self.conditions = LiveConditions(  # the universe's condition searches
            engine.universe,
            self.realtime,
            self.decoder,
            journal,
            clock,
            max_items=settings.ws_max_items,
            record=self.options.record,
            strategy=plan.strategy.strategy,
            broker_name=f"kiwoom-{settings.domain}",
        )
        reloads = engine.reloads  # hot reload (engine/reload.py); the channel opens at start
        reloads.crash = crash_point  # tests only: a kill -9 mid-reload (crashpoint.py)
        reloads.fixed_symbols = True  # the websocket registers symbols at log-in
        reloads.limits_for = limits_for  # a new version's risk section, with the config's
        reloads.listeners["decoder"] = lambda plan: reads_changed(self.decoder, plan)
        self.doubts = Doubts(
            self.engine,
            self.broker,
            journal,
            self.options.reconcile_delay,
            self.options.reconcile_retry,
            self.options.drain_grace,
            reject=self._on_broker_event,
            notify=self._notify,
            clock=clock,
        )
        skips = SkipLog(journal, clock)  # garbled frames: journaled, skipped, counted
        self.decoder.counters.listener = self.realtime.stats.listener = skips
        self.broker.trades_gold = any(is_gold(s) for s in engine.states)  # kt50020/kt50075
        if any(name.startswith("book.") for name in plan.names):
            self.realtime.symbol_types += ("0D",)  # order-book names: subscribe the book
        if any(name.startswith("program.") for name in plan.names):
            self.realtime.symbol_types += ("0w",)  # program-trading names: subscribe 0w
        self.balances: dict[str, BalanceUpdate] = {}  # latest 04 per symbol
        self.adopted: list[OrderRequest] = []
        self.resumed: list[OrderRequest] = []  # open orders an earlier run had journaled
        self.recovery: Recovery | None = None  # what restart recovery found (live/recovery.py)
        self.started = False  # 'on: start' rules ran; 'on: stop' rules run at shutdown
        self._balance_checks: dict[str, asyncio.TimerHandle] = {}
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._waiters: list[asyncio.Future[None]] = []
        self._heartbeat_due = 0.0

    # -- lifecycle -----------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the run to end; ``run`` then shuts down cleanly and returns."""
        self._stop.set()

    async def run(self) -> LiveResult:
        """Start (see the module docstring), trade until ``stop()``, then shut down."""
        self.journal.start_run(
            strategy=self.plan.strategy.strategy,
            strategy_path=self.plan.source,
            strategy_sha256=self.plan.sha256,
            mode="live",
            broker=f"kiwoom-{self.settings.domain}",
            tape="",
            config_json=self.config_json,
        )
        self.engine.reloads.record_start()  # version 1 of the strategy
        self.decoder.stamp(self.clock())
        ws: asyncio.Task[None] | None = None
        background: list[asyncio.Task[None]] = []
        try:
            self.conditions.hold_earlier_positions()  # a universe's stocks still held
            snapshot, self.recovery = await recover_account(
                self.broker,
                self.journal,
                strategy=self.plan.strategy.strategy,
                broker_name=f"kiwoom-{self.settings.domain}",
                symbols=self.engine.states,
                fees=self.fees,
                now=self.clock(),
            )
            if self.recovery.problems:  # the file first: a crash from here on stays halted
                self.engine.killswitch.set(TradingLevel.HALTED, self.recovery.halt_reason)
            self.load_account(snapshot)
            await self._load_credit_answers()
            if self.options.quote_snapshot:
                await self._load_quote_snapshots()
            if any(name.startswith("program.") for name in self.plan.names):
                await self._load_program_trading()
            ws = asyncio.create_task(self.realtime.run(), name="kiwoom-websocket")
            await self._until_ready(ws)
            await self.conditions.start()  # an unknown condition name stops the run here
            if self.recovery.problems:  # cancels of open orders confirm through the socket
                log.error("live: HALTED: %s", self.recovery.halt_reason)
                self.engine.set_level(TradingLevel.HALTED, self.recovery.halt_reason)
            self.engine.enable_rules()
            self.engine.reloads.finish_interrupted()  # a reload a kill -9 cut short
            self.started = True
            self.stamp()
            self.engine.start()  # 'on: start' rules, on the account as loaded
            self.heartbeat()  # 'autotrader status' sees the run as soon as it trades
            self.journal.flush()
            self.ready.set()
            self._notify()
            log.info("live: %s trading on Kiwoom %s", self.plan.strategy.strategy, self.domain)
            background += [
                asyncio.create_task(self._flush_every(self.options.flush_interval)),
                asyncio.create_task(self._clock_every(self.options.clock_interval)),
                asyncio.create_task(self._answer_reloads(self.options.reload_interval)),
            ]
            if self.options.watch_strategy:  # off by default: reloads are asked for
                from autotrader.live.watch_strategy import watch_strategy

                request = request_path(self.journal.path)
                watcher = watch_strategy(Path(self.plan.source), request)
                background.append(asyncio.create_task(watcher, name="strategy-watch"))
            stopping = asyncio.create_task(self._stop.wait())
            failed = asyncio.create_task(self.broker.failed.wait())  # keys/domain refused
            waits: set[asyncio.Future[Any]] = {ws, stopping, failed}
            try:
                await asyncio.wait(
                    waits, timeout=self.options.max_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                stopping.cancel()
                failed.cancel()
            if self.broker.fatal is not None:
                self.journal.error(self.clock(), "kiwoom", f"run stopped: {self.broker.fatal}")
                raise self.broker.fatal
            if ws.done():
                ws.result()  # a fatal websocket error (key refused, logged in elsewhere)
                raise BrokerError(None, "websocket client ended", api_id="websocket")
        finally:
            for task in background:
                task.cancel()
            await self._shutdown(ws)
        return LiveResult(self.journal.run_id, self.stats())

    def stamp(self) -> float:
        """Read the wall clock into the engine (it never moves backwards); the reading."""
        self.decoder.stamp(self.clock())
        return self.engine.market.now

    @property
    def domain(self) -> str:
        return self.settings.domain

    async def _until_ready(self, ws: asyncio.Task[None]) -> None:
        ready = asyncio.create_task(self.realtime.wait_ready())
        try:
            done, _ = await asyncio.wait(
                {ws, ready}, timeout=self.options.ready_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
        if ws in done:
            ws.result()
            raise BrokerError(
                None, "websocket client ended before it was ready", api_id="websocket"
            )
        if ready not in done:
            raise BrokerError(
                None,
                f"websocket not logged in and registered within {self.options.ready_timeout}s",
                api_id="websocket",
            )

    async def _shutdown(self, ws: asyncio.Task[None] | None) -> None:
        if self.options.record is not None:
            self.options.record.close()
        with contextlib.suppress(Exception):  # the last status row; never skips the shutdown
            self.heartbeat(force=True)
        for handle in self._balance_checks.values():
            handle.cancel()
        if self.started:
            self.started = False
            try:
                self.stamp()
                self.engine.stop()  # 'on: stop' rules, while the broker still answers
            except Exception as exc:  # a failure here must not skip the rest of shutdown
                log.exception("live: 'on: stop' rules failed")
                self.journal.error(self.clock(), "live", f"on: stop failed: {exc!r}")
        self.engine.hold_rules()
        await self.conditions.close()
        await self.doubts.close()
        try:
            await self.broker.drain(self.options.drain_grace)
            await self._settle_changes(self.options.settle_grace)
            await self.realtime.close()
            if ws is not None:
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
                    await asyncio.wait_for(ws, 5.0)
            await self.broker.close(grace=0)
        finally:
            for order in self.doubts.in_doubt.values():
                self.journal.error(
                    self.clock(), "live", f"order {order.order_id} still unknown at shutdown"
                )
            self.journal.end_run(self.stats())
            self._notify()

    async def _settle_changes(self, grace: float) -> None:
        # A modify/cancel answered over REST (a stop rule's, say) shows on its target
        # through 00: wait a little for it, so the journal does not end half-way.
        def settled() -> bool:
            return not any(
                o.target_id is not None and o.state is OrderState.ACCEPTED
                for o in self.engine.ledger.working.values()
            )

        with contextlib.suppress(TimeoutError):
            await self.wait_until(settled, grace)

    def stats(self) -> dict[str, Any]:
        c = self.decoder.counters
        return {
            **self.engine.stats,
            "frames": c.frames,
            "trades": sum(st.ticks for st in self.engine.states.values()),
            "malformed": c.malformed + self.realtime.stats.total,
            "sessions": self.realtime.sessions,
            "adopted_orders": len(self.adopted),
            "resumed_orders": len(self.resumed),
            "unknown_orders": len(self.doubts.in_doubt),
            "recovery_problems": len(self.recovery.problems) if self.recovery else 0,
            # the interrupted run this one continues (journal/runs.py), settled by recovery
            "continues": self.journal.continues.run_id if self.journal.continues else None,
            **self.engine.universe.run_stats(),
        }

    # -- start-up ------------------------------------------------------------------------

    async def _load_quote_snapshots(self) -> None:
        """ka10004 for every symbol, fed as a book: ``ask``, ``bid`` and ``book.*`` have
        values before the first tick (``price`` stays 0 until a trade: no trade, no price).
        A failure costs only the head start."""
        try:
            entries = await self.broker.quotes.snapshots(self.engine.states)
        except BrokerError as exc:
            log.warning("ka10004 failed (%s): quotes wait for the first tick", exc)
            return
        self.decoder.feed({"trnm": "REAL", "data": entries})
        for entry in entries:
            st = self.engine.states.get(entry["item"])
            if st is not None and not st.ticks:
                st.values = quote_values(st.depth)

    async def _load_program_trading(self) -> None:
        """ka90004 for today, fed as 0w reports: ``program.*`` names start from the day's
        figures so far, not from 0. A failure costs only the head start."""
        today = to_seoul(self.clock()).strftime("%Y%m%d")
        try:
            entries = await self.broker.programs.day(today)
        except BrokerError as exc:
            log.warning("ka90004 failed (%s): program figures wait for the first 0w", exc)
            return
        mine = [e for e in entries if e["item"] in self.engine.states]
        self.decoder.feed({"trnm": "REAL", "data": mine})

    async def _load_credit_answers(self) -> None:
        """Ask kt20017 for every stock a ``credit_buy`` rule may buy, before any rule runs.

        The answers go to the risk book (risk/credit.py); a stock left without one (the
        query failed) has its credit buys refused, never assumed eligible.
        """
        symbols = {
            s for r in self.plan.rules for s in r.symbols
            if any(a.spec.kind == "credit_buy" for a in r.actions)
        }  # fmt: skip
        answers = {}
        try:
            answers = await self.broker.credit.loans(symbols)
        except BrokerError as exc:
            log.warning("kt20017 failed (%s): credit buys will be refused", exc)
        self.engine.book.credit.record(answers)

    def load_account(self, snapshot: AccountSnapshot) -> None:
        """Positions, cash and open orders from the account (``live/account.py``)."""
        loaded = load_account(
            self.engine,
            self.broker,
            snapshot,
            self.recovery,
            strategy=self.plan.strategy.strategy,
            now=self.clock(),
        )
        self.adopted, self.resumed = loaded.adopted, loaded.resumed
        relinked = self.engine.protector.relink(self.resumed, self.journal.conn)
        if relinked:
            log.info("live: %d protective order(s) resting at Kiwoom relinked", relinked)

    # -- events --------------------------------------------------------------------------

    def _on_market(self, frame: dict[str, Any]) -> None:
        self.stamp()
        self.decoder.feed(frame)
        self._notify()

    def _on_raw_frame(self, raw: str) -> None:
        if self.journal.raw_frames:
            self.journal.frame(self.clock(), raw)
        if self.options.record is not None:
            self.options.record.on_frame(raw, self.clock())

    def _on_broker_event(self, ev: BrokerEvent) -> None:
        try:
            self.stamp()
            if isinstance(ev, BalanceUpdate):
                self._on_balance(ev)
                return
            self.engine.on_broker_event(ev)
            if isinstance(ev, OrderOutcomeUnknown):
                self.doubts.doubt(ev)
            elif isinstance(ev, OrderAccepted | OrderRejected):
                self.doubts.resolved(ev.order_id)
            self.journal.flush()
            crash_point(f"after-{type(ev).__name__}")  # tests only: see crashpoint.py
        except Exception as exc:
            # Never lose the event silently: journal what failed, keep the run going.
            log.exception("live: broker event handling failed")
            self.journal.error(self.clock(), "live", f"{type(exc).__name__} on {ev!r}")
            self.journal.flush()
        finally:
            self._notify()

    def _on_budget_wait(self, order_id: int, api_id: str, kind: str, seconds: float) -> None:
        """An order waited for the request budget: journaled, for reports."""
        self.journal.budget_wait(self.clock(), order_id, api_id, kind, seconds)

    def _on_balance(self, ev: BalanceUpdate) -> None:
        """Positions come from fills; a 04 is Kiwoom's view: journaled, and compared."""
        self.balances[ev.symbol] = ev
        self.journal.position(ev.ts, ev.symbol, ev.qty, ev.avg_price, 0, 0, "kiwoom 04")
        if self._balance_differs(ev.symbol) and ev.symbol not in self._balance_checks:
            loop = asyncio.get_running_loop()
            self._balance_checks[ev.symbol] = loop.call_later(
                self.options.balance_grace, self._check_balance, ev.symbol
            )

    def _balance_differs(self, symbol: str) -> bool:
        ev = self.balances.get(symbol)
        st = self.engine.states.get(symbol)
        return ev is not None and st is not None and ev.qty != st.pos_qty

    def _check_balance(self, symbol: str) -> None:
        self._balance_checks.pop(symbol, None)
        if not self._balance_differs(symbol):
            return
        ev, st = self.balances[symbol], self.engine.states[symbol]
        detail = (
            f"balance mismatch on {symbol}: Kiwoom 04 says {ev.qty} shares "
            f"(avg {ev.avg_price:,}), the engine holds {st.pos_qty} (avg {st.pos_avg:,})"
        )
        log.error("live: %s", detail)
        self.journal.error(self.clock(), "balance", detail)
        self.journal.flush()
        self.broker.resync_soon(f"04 disagrees on {symbol}")  # a fill may have been missed
        self._notify()

    async def _on_reconnected(self) -> None:
        tape = self.options.record
        if tape is not None:
            tape.mark_gap(tape.last_received, self.clock(), "reconnect")
        await self.broker.catch_up()
        await self.conditions.restart()  # the searches again; the universe reconciled
        self.doubts.reschedule()
        self.journal.flush()
        self._notify()

    # -- background ----------------------------------------------------------------------

    async def _flush_every(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.heartbeat()
            self.journal.flush()
            if self.options.record is not None:
                self.options.record.tick()  # a gzip member a second (feed/recorder.py)

    def heartbeat(self, *, force: bool = False) -> None:
        """A status row for 'autotrader status' and the journal follower (other processes):
        connection, last trade frame, kill-switch level, day P&L, positions."""
        now = self.clock()
        if now < self._heartbeat_due and not force:
            return
        self._heartbeat_due = now + self.options.heartbeat_interval
        e = self.engine
        last = max((st.ts for st in e.states.values() if st.ticks), default=0.0)
        held = {s: [st.pos_qty, st.pos_avg, st.price] for s, st in e.states.items() if st.pos_qty}
        detail = {"day_pnl": e.book.day_pnl(), "reason": e.book.level_reason,
                  "sessions": self.realtime.sessions, "positions": held}  # fmt: skip
        if e.universe.active:  # condition search: how many stocks are in, waiting, leaving
            u = e.universe
            detail["universe"] = [len(u.admitted), len(u.waiting), len(u.leaving)]
        self.journal.heartbeat(now, self.realtime.connected, last, e.book.level.value, detail)

    async def _clock_every(self, interval: float) -> None:
        """The wall clock into the engine between ticks: time rules, kill switch, loss."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.stamp()
            except Exception as exc:  # journaled; the clock keeps going
                log.exception("live: clock step failed")
                self.journal.error(self.clock(), "live", f"clock step failed: {exc!r}")
            self._notify()

    async def _answer_reloads(self, interval: float) -> None:
        """``autotrader reload``: the request's file is prepared (read, validated, compiled)
        in a worker thread while events go on; the swap then runs here, between two events
        (``engine/reload.py``). A request left by a kill -9 is answered at once."""
        request = request_path(self.journal.path)
        reloads = self.engine.reloads
        while True:
            try:
                req = read_request(request)
                if req is not None:
                    base = self.engine.plan.strategy  # the diff is computed off the loop too
                    target = None if req.error else reloads.target(req)
                    prepared = await asyncio.to_thread(prepare, target, base) if target else None
                    self.stamp()
                    reloads.answer(request, req, prepared)
                    self.journal.flush()
            except Exception as exc:  # journaled; the request is looked at again
                log.exception("live: reload failed")
                self.journal.error(self.clock(), "reload", f"reload failed: {exc!r}")
            self._notify()
            await asyncio.sleep(interval)

    # -- waiting (tests, health checks) --------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Return once ``predicate()`` holds, re-checked after every event; bounded."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(within):
            while not predicate():
                fut: asyncio.Future[None] = loop.create_future()
                self._waiters.append(fut)
                await fut


def run_live(runner_factory: Callable[[], LiveRunner]) -> LiveResult:
    """Run a live session on a new event loop; SIGINT and SIGTERM stop it gracefully."""

    async def main() -> LiveResult:
        runner = runner_factory()
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, runner.stop)
                installed.append(sig)
        try:
            return await runner.run()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    return asyncio.run(main())


def _public_config(config_json: str, settings: KiwoomSettings) -> str:
    """The run's configuration as journaled: the app's, and Kiwoom's without secrets."""
    try:
        app = orjson.loads(config_json)
    except orjson.JSONDecodeError:
        app = {}
    kiwoom = settings.model_dump(mode="json", exclude={"appkey", "secretkey"})
    return orjson.dumps({"app": app, "kiwoom": kiwoom}).decode()

"""One fault profile, in process: a fake Kiwoom and a live runner on it, the day pushed
through at top speed, the fault injected mid-order, then the journal judged.

Times: ``detect_s`` runs from the moment the fault struck to its first symptom on the
trader's side (``Profile.detected``); ``recover_s`` to the first moment after that at
which the websocket is logged in again, no order is in doubt or in flight, and the
engine's positions equal the fake's holdings. A monitor task polls every 5 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.compile.plan import Plan
from autotrader.drill.clock import DrillClock
from autotrader.drill.profiles import Profile
from autotrader.drill.rehearsal import WAIT, Rehearsal
from autotrader.drill.result import ProfileResult, fresh_journal
from autotrader.drill.tape import TimedFrame
from autotrader.drill.verdict import judge
from autotrader.errors import AutotraderError
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.journal import Journal
from autotrader.live.runner import LiveOptions, LiveResult, LiveRunner
from autotrader.market import Fees
from autotrader.model import OrderState
from autotrader.risk.checks import RiskLimits

log = logging.getLogger(__name__)

APPKEY = "DRILL-APPKEY-0123456789abcdefghijklmnopqrstuv"
SECRETKEY = "DRILL-SECRETKEY-0123456789abcdefghijklmnop"
START_CASH = 100_000_000
# The fake's PINGs every 0.2 s make a stall show within 1.5 s (the client's floor).
FAKE_OPTIONS: dict[str, Any] = {"ping_interval": 0.2, "ping_timeout": 2.0}
SETTINGS: dict[str, Any] = {
    "connect_timeout": 2.0,
    "read_timeout": 2.0,
    "order_timeout": 0.5,
    "ws_login_timeout": 2.0,
    "ws_silence_timeout": 3.0,
    "ws_stall_min": 1.5,
    "backoff_base": 0.05,
    "backoff_cap": 0.2,
    "query_rate": 50.0,
    "query_burst": 10,
    "order_rate": 50.0,
    "order_burst": 10,
}
OPTIONS = LiveOptions(
    reconcile_delay=0.3,
    flush_interval=0.05,
    ready_timeout=WAIT,
    drain_grace=2.0,
    clock_interval=0.01,
    balance_grace=0.2,
    settle_grace=0.5,
)


def settings_for(fake: FakeKiwoom, **overrides: Any) -> KiwoomSettings:
    values: dict[str, Any] = {
        "appkey": APPKEY,
        "secretkey": SECRETKEY,
        "rest_url": fake.rest_url,
        "ws_url": fake.ws_url,
        "account": fake.account,
    }
    return KiwoomSettings(**(values | SETTINGS | overrides))


class Monitor:
    """Times the fault: when it struck, its first symptom, the recovery after it."""

    def __init__(self, r: Rehearsal, profile: Profile) -> None:
        self.r = r
        self.profile = profile
        self.struck: float | None = None
        self.detected: float | None = None
        self.recovered: float | None = None

    def strike(self) -> None:
        if self.struck is None:
            self.struck = time.monotonic()
            self.r.probe = self.r.probed()

    async def run(self) -> None:
        r, p = self.r, self.profile
        while True:
            now = time.monotonic()
            if any(o.state is OrderState.UNKNOWN for o in r.runner.doubts.in_doubt.values()):
                r.doubted = True
            if self.struck is None and p.fired is not None and p.fired(r):
                self.strike()
            if self.struck is not None and self.recovered is None:
                if self.detected is None and p.detected is not None and p.detected(r, r.probe):
                    self.detected = now
                waiting = p.detected is not None and self.detected is None
                extra = p.recovered is None or p.recovered(r, r.probe)
                if not waiting and not p.stops_run and extra and r.settled():
                    self.recovered = now
            await asyncio.sleep(0.005)

    def times(self) -> tuple[float | None, float | None]:
        if self.struck is None:
            return None, None
        detect = None if self.detected is None else round(self.detected - self.struck, 3)
        recover = None if self.recovered is None else round(self.recovered - self.struck, 3)
        return detect, recover


async def run_profile(
    profile: Profile,
    plan: Plan,
    frames: list[TimedFrame],
    folder: Path,
    *,
    limits: RiskLimits | None = None,
    fees: Fees | None = None,
    holdings: dict[str, tuple[int, int]] | None = None,
) -> ProfileResult:
    """Rehearse ``plan`` under ``profile``; the journal is ``folder / "journal.db"``.
    ``holdings``: the account's shares at start, symbol -> (qty, average price)."""
    holdings = holdings or {}
    started = time.monotonic()
    result = ProfileResult(profile.name, profile.what)
    journal_path = fresh_journal(folder)
    result.journal = str(journal_path)
    clock = DrillClock(frames[0].ts - 1.0)
    options = FAKE_OPTIONS | profile.fake
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, cash=START_CASH, holdings=holdings, clock=clock,
        **options,
    ) as fake:  # fmt: skip
        if profile.arm is not None:
            profile.arm(fake)
        journal = Journal(journal_path)
        runner = LiveRunner(
            plan, settings_for(fake), journal, limits=limits, fees=fees,
            config_json='{"drill": "' + profile.name + '"}', clock=clock, options=OPTIONS,
        )  # fmt: skip
        task = asyncio.create_task(runner.run())
        r = Rehearsal(fake, runner, task, iter(frames), clock)
        monitor = Monitor(r, profile)
        watcher = asyncio.create_task(monitor.run())
        try:
            await _ready(runner, task)
            await _play(r, profile, monitor)
            await fake.faults.release_held()
            await r.until(r.settled, within=8.0)
            await asyncio.sleep(0.2)  # late events (a duplicated 00's twin) land
        except AutotraderError as exc:
            result.stopped = str(exc)
        finally:
            watcher.cancel()
            runner.stop()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(WAIT * 2):
                    await task
            journal.close()
        if task.done() and not task.cancelled() and task.exception() is not None:
            result.stopped = f"{type(task.exception()).__name__}: {task.exception()}"
        engine = {s: st.pos_qty for s, st in runner.engine.states.items()}
        verdict = judge(fake, journal_path, {s: q for s, (q, _) in holdings.items()}, engine)
    result.detect_s, result.recover_s = monitor.times()
    result.orders, result.fills, result.journal_fills = (
        verdict.orders, verdict.fills, verdict.journal_fills,
    )  # fmt: skip
    result.duplicates, result.lost = verdict.duplicates, verdict.lost
    result.problems = verdict.problems
    if result.stopped and not profile.stops_run:
        result.problems.append(f"run stopped: {result.stopped}")
    result.consistent = not result.problems
    result.seconds = round(time.monotonic() - started, 2)
    return result


async def _ready(runner: LiveRunner, task: asyncio.Task[LiveResult]) -> None:
    ready = asyncio.create_task(runner.ready.wait())
    try:
        async with asyncio.timeout(WAIT):
            await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if task.done():
        task.result()


async def _play(r: Rehearsal, profile: Profile, monitor: Monitor) -> None:
    """The whole day; the profile's act once the fake has booked an order."""
    if profile.when == "start" and profile.fired is None and profile.arm is not None:
        monitor.strike()
    acted = profile.act is None
    while not r.task.done():
        if not acted and profile.when == "order" and r.fake.orders:
            acted = True
            monitor.strike()
            assert profile.act is not None
            await profile.act(r)
            continue  # the run may have stopped (r10001): push nothing more then
        if not await r.push():
            break
        if r.pushed % 25 == 0:
            await asyncio.sleep(0)  # let the runner read what was sent

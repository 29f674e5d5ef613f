"""The kill -9 profile: the live runner in a child process, SIGKILLed mid-order, restarted.

The child (``drill/child.py``) dies by ``AUTOTRADER_CRASH_AT=after-send``: Kiwoom has
booked its first order and nobody has read the answer. While it is down the day goes on
(fills it cannot see); then it is restarted on the same journal, its restart recovery
settles the order against the fake, and the rest of the day is pushed. ``recover_s`` is
the time from the kill to the restarted runner's ready (account recovered, rules on).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from autotrader.drill.clock import DrillClock
from autotrader.drill.profiles import STALL_FRAMES, Profile
from autotrader.drill.rehearsal import IN_FLIGHT_WAIT
from autotrader.drill.result import ProfileResult, fresh_journal
from autotrader.drill.session import APPKEY, FAKE_OPTIONS, SECRETKEY, SETTINGS, START_CASH
from autotrader.drill.tape import TimedFrame
from autotrader.drill.verdict import judge
from autotrader.fake_kiwoom import FakeKiwoom

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # a child's start-up: imports, token, account, login
_WAITING = ("pending", "sent")  # order states before Kiwoom's answer


class Child:
    """One child run: its facts (stdout JSON lines) collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.facts: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            with contextlib.suppress(ValueError):
                self.facts.append(json.loads(line))
                self._changed.set()
        self._changed.set()

    def in_flight(self) -> bool:
        """An order the child sent has no answer yet (no state past 'sent')."""
        sent = {f["placed"] for f in self.facts if "placed" in f and f.get("sent")}
        answered = {f["order"] for f in self.facts if "order" in f and f["state"] not in _WAITING}
        return bool(sent - answered)

    async def answered(self, within: float) -> None:
        """Until no order of the child is in flight, or ``within`` seconds."""
        deadline = time.monotonic() + within
        while self.in_flight() and self.proc.returncode is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._changed.clear()  # set by the reader on every new fact
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def fact(self, key: str, within: float = WAIT) -> dict[str, Any] | None:
        async with asyncio.timeout(within):
            while True:
                found = next((f for f in self.facts if key in f), None)
                if found is not None or self._reader.done():
                    return found
                self._changed.clear()
                await self._changed.wait()


@contextlib.asynccontextmanager
async def child(
    fake: FakeKiwoom, strategy: Path, folder: Path, run: int, crash_at: str | None
) -> AsyncIterator[Child]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIWOOM_", "AUTOTRADER_"))}
    env |= {
        "KIWOOM_APPKEY": APPKEY,
        "KIWOOM_SECRETKEY": SECRETKEY,
        "KIWOOM_REST_URL": fake.rest_url,
        "KIWOOM_WS_URL": fake.ws_url,
        "KIWOOM_ACCOUNT": fake.account,
        "KIWOOM_DOMAIN": "mock",
        "AUTOTRADER_DRILL_CLOCK": str(folder / "clock.bin"),
        "AUTOTRADER_DRILL_SETTINGS": json.dumps(SETTINGS | {"order_timeout": 1.0}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if crash_at:
        env["AUTOTRADER_CRASH_AT"] = crash_at
    with (folder / f"child-{run}.log").open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "autotrader.drill.child", _absolute(strategy),
            str(folder / "journal.db"), cwd=folder, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=err,
        )  # fmt: skip
    c = Child(proc)
    try:
        yield c
    finally:
        if proc.returncode is None:
            proc.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 5.0)
        c._reader.cancel()


def _absolute(path: Path) -> str:
    return str(path.resolve())  # the child runs in the profile's folder


async def run_crash_profile(
    profile: Profile,
    strategy: Path,
    frames: list[TimedFrame],
    folder: Path,
    holdings: dict[str, tuple[int, int]] | None = None,
) -> ProfileResult:
    """Rehearse the strategy at ``strategy`` under kill -9; see the module docstring."""
    holdings = holdings or {}
    started = time.monotonic()
    result = ProfileResult(profile.name, profile.what)
    journal = fresh_journal(folder)
    result.journal = str(journal)
    clock = DrillClock(frames[0].ts - 1.0, share=folder / "clock.bin")
    rest = iter(frames)
    positions: dict[str, int] | None = None
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, cash=START_CASH, holdings=holdings, clock=clock,
        **FAKE_OPTIONS,
    ) as fake:  # fmt: skip

        async def push(n: int | None) -> None:
            for i, tf in enumerate(rest, 1):
                await first.answered(IN_FLIGHT_WAIT)  # market time waits (rehearsal.py)
                clock.reach(tf.ts)
                await fake.push_frame(tf.frame)
                if n is not None and i >= n:
                    return
                if i % 25 == 0:
                    await asyncio.sleep(0.002)  # the child reads what was sent
                if first.proc.returncode is not None and n is None:
                    return

        async with child(fake, strategy, folder, 1, "after-send") as first:
            if await first.fact("ready") is None:
                result.stopped = f"the runner did not start: see {folder / 'child-1.log'}"
            else:
                await push(None)  # until the child dies (or the day ends)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first.proc.wait(), 5.0)
        killed = first.proc.returncode == -signal.SIGKILL
        if not result.stopped and not killed:
            result.stopped = "no order left during the day: the kill never happened"
        if killed:
            t_kill = time.monotonic()
            await push(STALL_FRAMES)  # the day goes on while the runner is down
            async with child(fake, strategy, folder, 2, None) as second:
                ready = await second.fact("ready")
                if ready is None:
                    result.stopped = f"the restart failed: see {folder / 'child-2.log'}"
                else:
                    result.recover_s = round(time.monotonic() - t_kill, 3)
                    first = second
                    await push(None)
                    await asyncio.sleep(0.5)
                    second.proc.send_signal(signal.SIGTERM)
                    stopped = await second.fact("stopped")
                    positions = stopped["positions"] if stopped else None
        verdict = judge(fake, journal, {s: q for s, (q, _) in holdings.items()}, positions)
    result.orders, result.fills, result.journal_fills = (
        verdict.orders, verdict.fills, verdict.journal_fills,
    )  # fmt: skip
    result.duplicates, result.lost = verdict.duplicates, verdict.lost
    result.problems = verdict.problems
    if result.stopped and killed:
        result.problems.append(result.stopped)
    result.consistent = not result.problems and (positions is not None or not killed)
    result.seconds = round(time.monotonic() - started, 2)
    return result

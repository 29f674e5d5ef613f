"""Crash tests: a live engine in a subprocess is SIGKILLed at each step of an order's life
against a fake Kiwoom in this process, then restarted; the journal, the engine's
positions and the fake's book must agree, and the fake must never get a second order.

The subprocess is ``tests/recovery/driver.py`` (the live runner as ``autotrader run
--live --yes`` builds it, on the fake's clock); ``AUTOTRADER_CRASH_AT`` names the step at
which it kills itself (``autotrader/crashpoint.py``). Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autotrader.engine.killswitch import halt_path, read_command
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import Holding, Kind
from autotrader.live.recovery import NOT_SENT
from autotrader.risk.book import TradingLevel
from tests.integration.live_support import APPKEY, MORNING, SECRETKEY, tick

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("driver.py")
WAIT = 10.0  # per subprocess step: start-up (imports, login) takes about a second
SYM = "000660"
HEAD = """\
strategy: crash-test
symbols: ["000660"]
risk:
  max_order_value: 50_000_000
  trading_hours: ["09:00", "15:20"]
rules:
"""
STRATEGY = (
    HEAD
    + """\
  - name: buy-once
    symbols: ["000660"]
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {qty: 2, type: limit, price: 200000}
"""
)
# A resting buy tagged ``entry``, once: what the modify and cancel crash tests act on.
BID_LOW = """\
  - name: bid-low
    symbols: ["000660"]
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {qty: 2, type: limit, price: 199000, tag: entry}
"""
RESTING = tick(SYM, 200_500, ask=200_500, bid=200_000)  # fires the rule; does not cross
CROSSING = tick(SYM, 200_000, ask=200_000, bid=199_500)  # fills the resting buy


@dataclass
class EngineProcess:
    proc: asyncio.subprocess.Process
    log: Path

    async def fact(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next stdout fact ``wanted`` accepts (earlier ones are skipped)."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(WAIT):
            while line := await self.proc.stdout.readline():
                fact = json.loads(line)
                if wanted(fact):
                    return fact
        raise AssertionError(f"engine ended first; stderr:\n{self.log.read_text()[-3000:]}")

    async def ready(self) -> dict[str, Any]:
        return await self.fact(lambda f: "ready" in f)

    async def died(self) -> int:
        async with asyncio.timeout(WAIT):
            return await self.proc.wait()

    async def stop(self) -> dict[str, Any]:
        self.proc.send_signal(signal.SIGTERM)
        stopped = await self.fact(lambda f: "stopped" in f)
        assert await self.died() == 0
        return stopped


@dataclass
class Rig:
    fake: FakeKiwoom
    tmp: Path
    offset: float
    runs: int = 0

    @contextlib.asynccontextmanager
    async def engine(self, crash_at: str | None = None) -> AsyncIterator[EngineProcess]:
        self.runs += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIWOOM_")}
        env |= {
            "KIWOOM_APPKEY": APPKEY,
            "KIWOOM_SECRETKEY": SECRETKEY,
            "KIWOOM_REST_URL": self.fake.rest_url,
            "KIWOOM_WS_URL": self.fake.ws_url,
            "KIWOOM_ACCOUNT": self.fake.account,
            "KIWOOM_DOMAIN": "mock",
            "CRASHTEST_CLOCK_OFFSET": repr(self.offset),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("AUTOTRADER_CRASH_AT", None)
        if crash_at:
            env["AUTOTRADER_CRASH_AT"] = crash_at
        log = self.tmp / f"engine-{self.runs}.log"
        with log.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(DRIVER), str(self.tmp / "crash-test.yaml"),
                str(self.tmp / "journal.db"), cwd=self.tmp, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=err,
            )  # fmt: skip
        try:
            yield EngineProcess(proc, log)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    async def push(self, frame: dict[str, Any]) -> None:
        async with asyncio.timeout(WAIT):
            await self.fake.push_frame(frame)

    def new_orders(self) -> list[str]:
        return [o.ord_no for o in self.fake.orders if o.kind is Kind.NEW]

    def journal(self, sql: str) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.tmp / "journal.db")
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()

    def journal_position(self) -> int:
        (row,) = self.journal(
            "SELECT COALESCE(SUM(CASE side WHEN 'buy' THEN qty ELSE -qty END), 0) FROM fills "
            f"WHERE symbol = '{SYM}'"  # noqa: S608 - a constant
        )
        return int(row[0])

    def assert_agree(self, positions: dict[str, int]) -> None:
        """Journal fills, the engine's position and the fake's holding are one number,
        and every order the fake got is one journal row's."""
        held = self.fake.holdings[SYM].qty if SYM in self.fake.holdings else 0
        assert self.journal_position() == positions[SYM] == held
        numbers = [r[0] for r in self.journal("SELECT broker_order_no FROM orders")]
        for number in self.new_orders():
            assert numbers.count(number) == 1, (number, numbers)


@contextlib.asynccontextmanager
async def crash_rig(tmp_path: Path, strategy: str) -> AsyncIterator[Rig]:
    """The fake Kiwoom on a trading morning's clock, and ``strategy`` in ``tmp_path``."""
    offset = MORNING - time.time()
    (tmp_path / "crash-test.yaml").write_text(strategy, encoding="utf-8")
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, holdings={"005930": (10, 58_000)},
        clock=lambda: time.time() + offset, max_fill_qty=1,
    ) as fake:  # fmt: skip
        yield Rig(fake, tmp_path, offset)


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with crash_rig(tmp_path, STRATEGY) as r:
        yield r


@pytest.mark.anyio
async def test_killed_between_intent_and_send_the_intent_is_never_sent(rig: Rig) -> None:
    """The pending row ends 'not sent before a restart'; the fake got nothing from it, and
    the rule's next order after the restart is the only one the fake ever sees."""
    async with rig.engine("before-send") as engine:
        await engine.ready()
        await rig.push(RESTING)
        assert await engine.died() == -signal.SIGKILL
    assert rig.fake.orders == []
    assert rig.journal("SELECT id, state FROM orders") == [(1, "pending")]
    async with rig.engine() as engine:
        await engine.ready()
        assert rig.journal("SELECT state, reason FROM orders") == [("rejected", NOT_SENT)]
        await rig.push(RESTING)
        await engine.fact(lambda f: f.get("order") == 2 and f["state"] == "accepted")
        stopped = await engine.stop()
    assert len(rig.new_orders()) == 1
    assert rig.journal("SELECT id, state FROM orders") == [(1, "rejected"), (2, "accepted")]
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_killed_after_send_before_the_answer_the_order_resumes_its_row(rig: Rig) -> None:
    """Kiwoom booked it, the engine never read the answer: the restart finds it by the
    reconciliation rule, tracks it under row 1 (no new order), and its fill lands there."""
    async with rig.engine("after-send") as engine:
        await engine.ready()
        await rig.push(RESTING)
        assert await engine.died() == -signal.SIGKILL
    (number,) = rig.new_orders()
    async with rig.engine() as engine:
        await engine.ready()
        assert rig.journal("SELECT id, state, broker_order_no FROM orders") == [
            (1, "accepted", number)
        ]
        await rig.push(RESTING)  # open_orders == 1: the rule stays quiet
        await rig.push(CROSSING)
        await rig.push(CROSSING)
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "filled")
        stopped = await engine.stop()
    assert rig.new_orders() == [number]
    assert rig.journal("SELECT qty FROM fills") == [(1,), (1,)]
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_killed_after_the_answer_a_fill_made_while_down_is_journaled_once(
    rig: Rig,
) -> None:
    """Accepted and journaled, then killed; both shares fill while the engine is down. The
    restart journals them under row 1, filled; a second restart adds nothing."""
    async with rig.engine("after-OrderAccepted") as engine:
        await engine.ready()
        await rig.push(RESTING)
        assert await engine.died() == -signal.SIGKILL
    assert rig.journal("SELECT state FROM orders") == [("accepted",)]
    await rig.push(CROSSING)
    await rig.push(CROSSING)
    assert rig.fake.holdings[SYM].qty == 2
    async with rig.engine() as engine:
        ready = await engine.ready()
        assert rig.journal("SELECT state, filled_qty FROM orders") == [("filled", 2)]
        stopped = await engine.stop()
    assert ready["positions"][SYM] == 2 and ready["level"] == "active"
    async with rig.engine() as engine:
        await engine.ready()
        stopped = await engine.stop()
    assert rig.journal("SELECT qty, price FROM fills") == [(2, 200_000)]  # one row, once
    assert rig.journal("SELECT COUNT(*) FROM errors WHERE source = 'recovery'") == [(0,)]
    assert len(rig.new_orders()) == 1
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_killed_after_a_partial_fill_the_rest_is_recovered_not_doubled(rig: Rig) -> None:
    """One share filled and journaled, then killed; the other fills while down. The
    restart journals only the missing share and the order ends filled."""
    async with rig.engine("after-OrderFilled") as engine:
        await engine.ready()
        await rig.push(RESTING)
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        await rig.push(CROSSING)
        assert await engine.died() == -signal.SIGKILL
    assert rig.journal("SELECT state, filled_qty FROM orders") == [("partially_filled", 1)]
    await rig.push(CROSSING)
    async with rig.engine() as engine:
        ready = await engine.ready()
        assert rig.journal("SELECT state FROM orders") == [("filled",)]
        stopped = await engine.stop()
    assert ready["positions"][SYM] == 2
    assert rig.journal("SELECT qty FROM fills ORDER BY id") == [(1,), (1,)]
    assert len(rig.new_orders()) == 1
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_killed_while_an_answer_was_lost_the_order_is_matched_not_resent(
    rig: Rig,
) -> None:
    """The answer never came (timeout: unknown), then killed before reconciling: the
    restart matches the booked order to row 1; the fake still has one order."""
    rig.fake.faults.fail_next_order(after_accept=True, mode="timeout")
    async with rig.engine("after-OrderOutcomeUnknown") as engine:
        await engine.ready()
        await rig.push(RESTING)
        assert await engine.died() == -signal.SIGKILL
    (number,) = rig.new_orders()
    assert rig.journal("SELECT state, broker_order_no FROM orders") == [("unknown", "")]
    async with rig.engine() as engine:
        await engine.ready()
        assert rig.journal("SELECT state, broker_order_no FROM orders") == [("accepted", number)]
        await rig.push(RESTING)
        stopped = await engine.stop()
    assert rig.new_orders() == [number]
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_a_position_nobody_journaled_halts_the_restart_until_resume(rig: Rig) -> None:
    """Shares changed at Kiwoom while down (not through our orders): the restart reports
    it (error row, halt file) and the risk guard refuses the rule's order."""
    strategy = rig.tmp / "crash-test.yaml"
    strategy.write_text(STRATEGY.replace("position.qty == 0", "position.qty < 10"), "utf-8")
    async with rig.engine() as engine:
        await engine.ready()
        await engine.stop()
    rig.fake.holdings[SYM] = Holding(SYM, 3, 200_000)  # bought elsewhere, e.g. by hand
    async with rig.engine() as engine:
        ready = await engine.ready()
        assert ready["level"] == "halted"
        await rig.push(RESTING)
        placed = await engine.fact(lambda f: "placed" in f)
        assert (placed["sent"], placed["state"]) == (False, "rejected")
        await engine.stop()
    command = read_command(halt_path(rig.tmp / "journal.db"))
    assert command is not None and command.level is TradingLevel.HALTED
    assert "autotrader resume" in command.reason
    (error,) = rig.journal("SELECT detail FROM errors WHERE source = 'recovery'")
    assert SYM in error[0] and "holds 3" in error[0] and "give 0" in error[0]
    assert rig.fake.orders == []

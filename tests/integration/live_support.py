"""Helpers for live-mode tests: the fake Kiwoom, a live runner on it, ticks, journal rows.

Time: one clock for the fake and the runner, anchored on a trading morning (2026-11-20
10:00 KST) and advancing with the monotonic clock, so trading hours, order times and the
reconciliation's time window all agree. Every wait is bounded (``WAIT``).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.clock import SEOUL
from autotrader.compile import compile_strategy
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.journal import Journal
from autotrader.live.runner import LiveOptions, LiveResult, LiveRunner
from autotrader.market import Fees
from autotrader.model import OrderRequest, OrderState
from autotrader.risk.checks import RiskLimits
from autotrader.rules import load_strategy
from tests.harness import SeenOrders

WAIT = 5.0
APPKEY = "APPKEY-live-test-0123456789abcdefghijklmnop"
SECRETKEY = "SECRETKEY-live-test-0123456789abcdefghijkl"
MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp()
FEES = Fees(commission_ppm=150, sell_tax_ppm=2000)

HEADER = """\
strategy: live-test
symbols: ["005930", "000660"]
risk:
  max_order_value: 50_000_000
  max_position_qty: 1_000
  trading_hours: ["09:00", "15:20"]
rules:
"""


class MorningClock:
    """Epoch seconds: 10:00 KST on a trading day plus the real time elapsed since creation."""

    def __init__(self, start: float = MORNING) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def __call__(self) -> float:
        return self.start + (time.monotonic() - self.t0)


class ManualClock:
    """Epoch seconds that move only when the test says so (``advance``)."""

    def __init__(self, start: float = MORNING) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def tick(
    item: str, price: int, *, ask: int = 0, bid: int = 0, volume: int = 1_000
) -> dict[str, Any]:
    """A ``0B`` REAL frame as Kiwoom sends it (signed string values); ``volume`` is the
    print's size, which caps what the venue fills on it."""
    values = {"20": "100000", "10": f"+{price}", "27": f"+{ask or price}", "28": f"+{bid or price}"}
    values |= {"15": f"+{volume}", "13": "100", "11": "0", "12": "0.00"}
    entry = {"type": "0B", "name": "주식체결", "item": item, "values": values}
    return {"trnm": "REAL", "data": [entry]}


def settings_for(fake: FakeKiwoom, **overrides: Any) -> KiwoomSettings:
    values: dict[str, Any] = {
        "appkey": APPKEY,
        "secretkey": SECRETKEY,
        "rest_url": fake.rest_url,
        "ws_url": fake.ws_url,
        "account": fake.account,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "order_timeout": 0.5,
        "ws_login_timeout": 2.0,
        "ws_silence_timeout": 5.0,
        "backoff_base": 0.05,
        "backoff_cap": 0.2,
        "query_rate": 50.0,
        "query_burst": 10,
        "order_rate": 50.0,
        "order_burst": 10,
    }
    values |= overrides
    return KiwoomSettings(**values)


@dataclass
class Live:
    fake: FakeKiwoom
    runner: LiveRunner
    journal_path: Path
    task: asyncio.Task[LiveResult]

    async def until(self, predicate: Any, within: float = WAIT) -> None:
        await self.runner.wait_until(predicate, within)

    async def push(self, frame: dict[str, Any]) -> None:
        async with asyncio.timeout(WAIT):
            await self.fake.push_frame(frame)

    seen: SeenOrders

    def order(self, order_id: int) -> OrderRequest:
        return {o.order_id: o for o in self.seen.all()}[order_id]

    def orders(self) -> list[OrderRequest]:
        """Every order of the run, working or ended, oldest first."""
        return self.seen.all()

    async def stop(self) -> LiveResult:
        self.runner.stop()
        async with asyncio.timeout(WAIT * 2):
            return await self.task


@contextlib.asynccontextmanager
async def live_run(
    tmp_path: Path,
    rules: str,
    *,
    fake_options: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    options: LiveOptions | None = None,
    before_start: Any = None,
    clock: Any = None,
    limits: RiskLimits | None = None,
    fake: FakeKiwoom | None = None,
    raw_frames: bool = False,
    header: str = HEADER,
) -> AsyncIterator[Live]:
    """A fake Kiwoom (or ``fake``, left running) and a live runner on it, started and
    ready; stopped on exit. The journal is ``tmp_path / "journal.db"``."""
    clock = clock or (fake.clock if fake is not None else MorningClock())
    kw: dict[str, Any] = {"appkey": APPKEY, "secretkey": SECRETKEY, "fees": FEES}
    kw |= {"holdings": {"005930": (10, 58_000)}, "clock": clock}
    kw |= fake_options or {}
    plan = compile_strategy(load_strategy(_write_strategy(tmp_path, rules, header)))
    journal_path = tmp_path / "journal.db"
    async with contextlib.AsyncExitStack() as stack:
        if fake is None:
            fake = await stack.enter_async_context(FakeKiwoom(**kw))
        if before_start is not None:
            before_start(fake)
        journal = Journal(journal_path, raw_frames=raw_frames)
        runner = LiveRunner(
            plan,
            settings_for(fake, **(settings or {})),
            journal,
            limits=limits,
            fees=FEES,
            config_json='{"journal": "journal.db"}',
            clock=clock,
            options=options or fast_options(),
        )
        seen = SeenOrders(runner.engine)
        task = asyncio.create_task(runner.run())
        live = Live(fake, runner, journal_path, task, seen)
        try:
            ready = asyncio.create_task(runner.ready.wait())
            async with asyncio.timeout(WAIT):
                await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()
            yield live
        finally:
            if not task.done():
                runner.stop()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(WAIT * 2):
                    await task
            journal.close()


def fast_options(**overrides: Any) -> LiveOptions:
    """Live timings for tests: short delays, a fast clock step."""
    values: dict[str, Any] = {
        "reconcile_delay": 0.3,
        "flush_interval": 0.05,
        "ready_timeout": WAIT,
        "drain_grace": 2.0,
        "clock_interval": 0.01,
        "balance_grace": 0.2,
    }
    return LiveOptions(**(values | overrides))


def _write_strategy(folder: Path, rules: str, header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    strategy = folder / "live-test.yaml"
    strategy.write_text(header + rules, encoding="utf-8")
    return strategy


def rows(path: Path, sql: str, *args: Any) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, args))
    finally:
        conn.close()


def dump_journal(path: Path) -> str:
    """Every row of every table, as text."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        lines = []
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - our tables
                lines.append(f"{table}: {row!r}")
        return "\n".join(lines)
    finally:
        conn.close()


# A rule several tests use: buy 3 shares of 000660 at market whenever none are held.
BUY_WHILE_FLAT = """\
  - name: buy-while-flat
    symbols: ["000660"]
    when: position.qty == 0
    do:
      - buy: {qty: 3, type: market}
"""


def accepted(live: Live) -> bool:
    """Some order of the run is accepted and working."""
    return any(o.state is OrderState.ACCEPTED for o in live.orders())


def placed(live: Live) -> bool:
    """Some order of the run was taken by the venue: working, or already filled on arrival
    (a market order fills at once against the quote it meets)."""
    taken = (OrderState.ACCEPTED, OrderState.PARTIALLY_FILLED, OrderState.FILLED)
    return any(o.state in taken for o in live.orders())

"""A live runner in a child process, for the kill -9 profile (and the crash tests).

    python -m autotrader.drill.child STRATEGY JOURNAL

Runs ``STRATEGY`` live as ``autotrader run --live --yes`` does, with credentials and URLs
from ``KIWOOM_*``. The clock: ``AUTOTRADER_DRILL_CLOCK`` names the file a ``DrillClock``
shares (``drill/clock.py``), else ``CRASHTEST_CLOCK_OFFSET`` seconds shift the wall clock.
``AUTOTRADER_CRASH_AT`` names the step to die at (``autotrader/crashpoint.py``). One JSON
line per fact on stdout: ``{"ready": ...}`` once rules are enabled, ``{"placed": ...}``
per order the engine tried to place (``sent`` false: the risk guard refused it),
``{"order": ...}`` per order event, ``{"stopped": ...}`` at the end; SIGTERM stops the
run cleanly.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.compile import compile_strategy
from autotrader.config import AppConfig
from autotrader.drill.clock import SharedClock
from autotrader.journal import Journal
from autotrader.live.runner import LiveOptions, LiveRunner
from autotrader.model import OrderRequest
from autotrader.rules import load_strategy

CLOCK_ENV = "AUTOTRADER_DRILL_CLOCK"
OPTIONS = LiveOptions(
    reconcile_delay=0.3, flush_interval=0.05, clock_interval=0.02, drain_grace=2.0
)


def emit(**fact: Any) -> None:
    sys.stdout.write(json.dumps(fact) + "\n")
    sys.stdout.flush()


def positions(runner: LiveRunner) -> dict[str, int]:
    return {s: st.pos_qty for s, st in runner.engine.states.items()}


def child_clock() -> Callable[[], float]:
    shared = os.environ.get(CLOCK_ENV)
    if shared:
        return SharedClock(Path(shared))
    offset = float(os.environ.get("CRASHTEST_CLOCK_OFFSET", "0"))
    return lambda: time.time() + offset


async def main(
    strategy: Path,
    journal_path: Path,
    *,
    settings: dict[str, Any] | None = None,
) -> None:
    clock = child_clock()
    loaded = load_strategy(strategy)
    cfg = AppConfig()  # the defaults, tightened by the strategy's own risk section
    journal = Journal(journal_path)
    runner = LiveRunner(
        compile_strategy(loaded),
        KiwoomSettings.load(env_file=None, **(settings or {"order_timeout": 1.0})),
        journal,
        limits=cfg.limits_for(loaded.spec.risk),
        fees=cfg.fee_model(),
        clock=clock,
        options=OPTIONS,
    )

    def on_order(order: OrderRequest) -> None:
        emit(order=order.order_id, state=order.state.value, number=order.broker_order_no)

    runner.engine.on_order_event = on_order
    place = runner.engine.place

    def traced_place(order: OrderRequest, st: Any, decide: Any = None) -> bool:
        sent = place(order, st, decide)
        emit(placed=order.order_id, sent=sent, state=order.state.value)
        return sent

    runner.engine.place = traced_place  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, runner.stop)
    task = asyncio.create_task(runner.run())
    ready = asyncio.create_task(runner.ready.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if runner.ready.is_set():
        emit(ready=True, positions=positions(runner), level=runner.engine.book.level.value)
    try:
        result = await task
    finally:
        ready.cancel()
        journal.close()
    emit(stopped=True, positions=positions(runner), stats=result.stats)


if __name__ == "__main__":
    drill = json.loads(os.environ.get("AUTOTRADER_DRILL_SETTINGS", "null"))
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), settings=drill))

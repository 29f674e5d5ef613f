"""Replay a tape through the engine: the dry-run path, the test harness and the benchmark.

The tape's own times drive the clock, so a replayed day fires rules and time checks at
the moments it did live. Frames are decoded once with orjson and handed to the same
decoder the live websocket feeds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from autotrader.broker.base import Broker
from autotrader.clock import day_start
from autotrader.compile.plan import Plan
from autotrader.engine.engine import Engine
from autotrader.feed.kiwoom import FeedCounters, FrameDecoder
from autotrader.feed.tape import open_tape
from autotrader.journal.writer import Journal
from autotrader.risk.checks import RiskLimits


@dataclass(frozen=True)
class RunResult:
    run_id: int
    engine: Engine
    counters: FeedCounters
    seconds: float


def make_decoder(engine: Engine, day0: float) -> FrameDecoder:
    return FrameDecoder(
        engine.states,
        engine.market,
        day0,
        engine.on_trade,
        engine.on_vi,
        engine.on_session,
        engine.set_time,
        on_condition=engine.on_condition,
    )


def replay(
    plan: Plan,
    tape: str | Path,
    broker: Broker,
    journal: Journal,
    *,
    limits: RiskLimits | None = None,
    config_json: str = "{}",
) -> RunResult:
    """Run ``plan`` over every frame of ``tape`` and journal the run."""
    header, lines = open_tape(tape)
    engine = Engine(plan, broker, journal, limits=limits)
    day0 = day_start(header.date)
    engine.set_time(day0)
    journal.start_run(
        strategy=plan.strategy.strategy,
        strategy_path=plan.source,
        strategy_sha256=plan.sha256,
        mode="dry-run",
        broker=broker.name,
        tape=str(tape),
        config_json=config_json,
    )
    decoder = make_decoder(engine, day0)
    engine.start()  # 'on: start' rules
    started = time.perf_counter()
    feed_frames(decoder, lines)
    elapsed = time.perf_counter() - started
    engine.stop()  # 'on: stop' rules, at the tape's last moment
    journal.end_run(_stats(engine, decoder.counters, elapsed))
    return RunResult(journal.run_id, engine, decoder.counters, elapsed)


def feed_frames(decoder: FrameDecoder, lines: Any) -> None:
    """The replay loop: decode once, dispatch; a line that is not JSON is counted."""
    loads = orjson.loads
    feed = decoder.feed
    counters = decoder.counters
    for line in lines:
        try:
            frame = loads(line)
        except orjson.JSONDecodeError:
            counters.frames += 1
            counters.malformed += 1
            continue
        feed(frame)


def _stats(engine: Engine, c: FeedCounters, seconds: float) -> dict[str, Any]:
    return {
        **engine.stats,
        "frames": c.frames,
        "trades": sum(st.ticks for st in engine.states.values()),
        "unsubscribed": c.unsubscribed,
        "malformed": c.malformed,
        "control": c.control,
        "skipped_types": c.skipped_types,
        "seconds": round(seconds, 3),
    }

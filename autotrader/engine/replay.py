"""Replay a tape through the engine: the dry-run path, the test harness and the benchmark.

The tape's own times drive the clock, so a replayed day fires rules and time checks at
the moments it did live: every frame of every type and symbol moves the clock (a line's
receive time ``rt`` to the millisecond when the tape has one, else the frame's
exchange time), and clock rules fire at their exact times between frames
(``engine/scheduler.py``). Frames are decoded once with orjson and handed to the same
decoder the live websocket feeds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from autotrader.broker.base import Broker
from autotrader.clock import day_start
from autotrader.compile.plan import Plan
from autotrader.engine.engine import Engine
from autotrader.feed.kiwoom import FeedCounters, FrameDecoder
from autotrader.feed.lines import BadLines, feed_numbered
from autotrader.feed.tape import numbered_frames, open_tape
from autotrader.journal.skips import SkipLog
from autotrader.journal.writer import Journal
from autotrader.risk.book import RiskBook
from autotrader.risk.checks import RiskLimits
from autotrader.safetext import escape


@dataclass(frozen=True)
class RunResult:
    run_id: int
    engine: Engine
    counters: FeedCounters
    seconds: float
    silent: tuple[str, ...] = ()  # the strategy's symbols the tape had no trade for
    empty_universe: bool = False  # its condition searches admitted no stock all run


def make_decoder(engine: Engine, day0: float) -> FrameDecoder:
    decoder = FrameDecoder(
        engine.states,
        engine.market,
        day0,
        engine.on_trade,
        engine.on_vi,
        engine.on_session,
        engine.set_time,
        on_condition=engine.on_condition,
        reads=engine.plan.reads_of,
    )
    decoder.on_depth = engine.on_depth  # None unless the broker simulates the venue
    engine.reloads.listeners["decoder"] = lambda plan: reads_changed(decoder, plan)
    return decoder


def reads_changed(decoder: FrameDecoder, plan: Plan) -> None:
    """After a reload: check the fields the new rules read on every tick."""
    decoder.reads = plan.reads_of


def replay(
    plan: Plan,
    tape: str | Path,
    broker: Broker,
    journal: Journal,
    *,
    limits: RiskLimits | None = None,
    config_json: str = "{}",
    bad_lines: BadLines = "skip",
    book: RiskBook | None = None,
    holdings: Mapping[str, tuple[int, int]] | None = None,
    on_engine: Callable[[Engine], None] | None = None,
) -> RunResult:
    """Run ``plan`` over every frame of ``tape`` and journal the run.

    A bad line is skipped (journaled with its line number) or refused, as ``bad_lines``
    says. ``book`` carries the paper cash and the fees the risk checks use; ``holdings``
    (symbol -> (shares, average cost)) are the positions the run starts with.
    """
    header, _ = open_tape(tape)
    engine = Engine(plan, broker, journal, limits=limits, book=book)
    if on_engine is not None:
        on_engine(engine)  # e.g. scheduled reloads (``run --reload-at``)
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
    engine.reloads.record_start()  # version 1 of the strategy (engine/reload.py)
    hold(engine, holdings or {}, day0)
    decoder = make_decoder(engine, day0)
    engine.start()  # 'on: start' rules
    started = time.perf_counter()
    feed_tape(decoder, tape, journal, engine, bad_lines)
    end_of_tape(engine)
    elapsed = time.perf_counter() - started
    engine.stop()  # 'on: stop' rules, at the tape's last moment
    silent = silent_symbols(engine)
    if silent:
        journal.error(
            engine.market.now,
            "feed",
            f"no trade in the tape for {', '.join(silent)}: their tick rules never ran",
        )
    empty = empty_universe(engine)
    journal.end_run(_stats(engine, decoder.counters, elapsed))
    return RunResult(journal.run_id, engine, decoder.counters, elapsed, silent, empty)


def silent_symbols(engine: Engine) -> tuple[str, ...]:
    """The strategy's symbols without a single trade in the run (a typo, another day)."""
    return tuple(
        s for s in engine.plan.symbols if s in engine.states and not engine.states[s].ticks
    )


def empty_universe(engine: Engine) -> bool:
    """A strategy trading a condition search's stocks whose searches admitted none all
    run (a tape without the search's answers, or no stock matched): journaled, since
    its rules never ran."""
    universe = engine.universe
    if not universe.active or universe.stats["admitted"]:
        return False
    engine.journal.error(
        engine.market.now,
        "feed",
        "no stock entered the universe: its condition searches admitted none, so the "
        "rules never ran (a tape without the searches' answers?)",
    )
    return True


def feed_tape(
    decoder: FrameDecoder,
    tape: str | os.PathLike[str],
    journal: Journal,
    engine: Engine,
    bad_lines: BadLines,
    wrap: Callable[[Iterator[tuple[int, bytes]]], Iterator[tuple[int, bytes]]] | None = None,
) -> None:
    """Feed every frame of one day's ``tape``; a bad line is journaled with its line
    number and skipped, or refused, as ``bad_lines`` says."""
    skips = SkipLog(journal, lambda: engine.market.now)
    numbered = numbered_frames(tape)
    with batched_intents(journal, engine.broker):
        feed_numbered(
            decoder,
            wrap(numbered) if wrap is not None else numbered,
            where=os.fspath(tape),
            bad_lines=bad_lines,
            on_skip=lambda n, why, line: skips(
                f"line {n}: {why}", escape(line[:240].decode(errors="replace"))[:120]
            ),
        )


@contextmanager
def batched_intents(journal: Journal, broker: Broker) -> Iterator[None]:
    """While a tape is fed to the in-process paper broker, order intents are journaled
    with the batches (every 512 rows, and when the tape ends) instead of one SQLite
    commit each. The rule "committed before the request leaves the process" holds
    trivially: no request leaves it. The paper broker's orders live in this process's
    memory only, so a crash that loses the last batch loses those orders with it, and
    the run (never ended in the journal) is replayed from its tape. Any other broker
    keeps the synchronous commit before each send."""
    if broker.name != "paper":
        yield
        return
    journal.batched_intents = True
    try:
        yield
    finally:
        journal.batched_intents = False
    journal.flush()  # the tape's intents are committed before anything else runs


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


def hold(engine: Engine, holdings: Mapping[str, tuple[int, int]], ts: float) -> None:
    """Start with these positions (a paper account's holdings), journaled as snapshots."""
    for symbol, (qty, avg_price) in holdings.items():
        st = engine.states.get(symbol)
        if st is None:
            continue  # no rule trades it: nothing reads its position
        st.pos_qty, st.pos_avg = qty, avg_price
        engine.book.track(st)
        engine.journal.position(ts, symbol, qty, avg_price, 0, 0, "paper holdings")


def end_of_tape(engine: Engine) -> None:
    """Fire the clock rules due at the tape's last instant, after its last frames."""
    scheduler = engine.triggers.scheduler
    now = engine.market.now
    if scheduler.next_due <= now:
        scheduler.run_due(now, inclusive=True)
        engine.set_time(now)


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
        **engine.universe.run_stats(),
    }

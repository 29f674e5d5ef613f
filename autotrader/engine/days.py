"""Replay many days as one run: ``autotrader run STRATEGY --tape 'data/*.jsonl.gz'``.

The days go through one engine in date order, so positions, cash and working state
carry over exactly as a strategy left them. Between two days (``start_day``):

- working orders expire (KRX day orders do not survive the close): each is cancelled
  through the broker, journaled like any cancel;
- finished orders are dropped from memory (the journal has them: memory stays flat
  however many days run);
- what is "daily" starts again: the risk book's realized P&L of the day, a halt set by
  the daily loss limit (not one from the kill switch file), the session, VI states, and
  the time rules' next fire times, recomputed from the new day's midnight so a rule due
  on a holiday does not fire late on the next session. Rule controls (max per day, once
  per symbol) and rolling values already reset on the first tick after midnight.

Each tape's day must be a KRX session (``market/calendar.py``); sessions missing from
the set of tapes are reported, not invented. Equity (cash plus held shares marked at the
last trade, less the fees and tax of selling them) is sampled at every day's end for the
sweep's metrics.
"""

from __future__ import annotations

import datetime
import glob
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autotrader.broker.base import Broker
from autotrader.clock import day_start
from autotrader.compile.plan import Plan
from autotrader.engine.engine import Engine
from autotrader.engine.replay import (
    RunResult,
    _stats,
    empty_universe,
    end_of_tape,
    feed_tape,
    hold,
    make_decoder,
    replay,
    silent_symbols,
)
from autotrader.errors import TapeError
from autotrader.feed.kiwoom import FeedCounters
from autotrader.feed.lines import BadLines
from autotrader.feed.tape import TapeHeader, open_tape
from autotrader.journal.writer import Journal
from autotrader.market.calendar import KrxCalendar
from autotrader.risk.book import RiskBook, TradingLevel
from autotrader.risk.checks import RiskLimits

LOSS_LIMIT_PREFIX = "daily loss limit"
EXPIRED = "day ended: working orders expire at the close"


@dataclass(frozen=True, slots=True)
class DayTape:
    path: Path
    header: TapeHeader


@dataclass
class DaysResult:
    """A multi-day run: what ``RunResult`` says, plus the days and their equity."""

    run_id: int
    engine: Engine
    counters: FeedCounters
    seconds: float
    days: list[datetime.date] = field(default_factory=list)
    equity: list[int] = field(default_factory=list)  # KRW at each day's end
    missing: list[datetime.date] = field(default_factory=list)  # sessions without a tape
    start_equity: int = 0
    silent: tuple[str, ...] = ()  # the strategy's symbols no day had a trade for
    empty_universe: bool = False  # its condition searches admitted no stock on any day


class Progress:
    """What a progress display is told; the default tells nobody."""

    every = 20_000  # frames between two rate reports

    def start(self, days: int) -> None: ...
    def day(self, index: int, day: datetime.date) -> None: ...
    def frames(self, n: int, per_second: float) -> None: ...
    def done(self) -> None: ...


def expand_tapes(pattern: str | os.PathLike[str]) -> list[Path]:
    """A file, a directory (its ``*.jsonl*``), or a glob pattern -> files, by name."""
    text = os.fspath(pattern)
    p = Path(text)
    if p.is_dir():
        found = sorted(p.glob("*.jsonl*"))
    elif glob.has_magic(text):
        found = sorted(Path(f) for f in glob.glob(text))
    else:
        return [p]
    if not found:
        raise TapeError(f"{text}: no tape matches")
    return found


def order_days(paths: list[Path], calendar: KrxCalendar | None) -> list[DayTape]:
    """Headers read, days sorted; two tapes of one day or a non-session day is an error."""
    tapes = []
    for path in paths:
        header, _ = open_tape(path)  # the frames' generator is never started: nothing open
        tapes.append(DayTape(path, header))
    tapes.sort(key=lambda t: t.header.date)
    for a, b in zip(tapes, tapes[1:], strict=False):
        if a.header.date == b.header.date:
            raise TapeError(f"{a.path} and {b.path} are both tapes of {a.header.date}")
    if calendar is not None:
        for t in tapes:
            if not calendar.is_session(t.header.date):
                raise TapeError(f"{t.path}: {t.header.date} is not a KRX trading day")
    return tapes


def equity(engine: Engine) -> int:
    """Cash plus held shares at their last trade, less the fees and tax of selling."""
    book = engine.book
    return book.cash + book.held_cost + book.unrealized()


def start_day(engine: Engine, day0: float) -> None:
    """Between two days of one run: expire orders, reset what is daily (module docstring)."""
    engine.cancel_open(EXPIRED)
    _forget_finished(engine)
    book = engine.book
    book.realized = 0
    if book.level is not TradingLevel.ACTIVE and book.level_reason.startswith(LOSS_LIMIT_PREFIX):
        engine.set_level(TradingLevel.ACTIVE, "new trading day: daily loss limit reset")
    market = engine.market
    market.session = market.session_code = ""
    for st in engine.states.values():
        st.vi_active = False
        st.vi_kind = st.vi_direction = ""
        st.vi_since = 0.0
    scheduler = engine.triggers.scheduler
    if scheduler.jobs:  # fire times from the new day's first clock reading, none missed
        scheduler.started = False
        scheduler.next_due = -math.inf
        engine._next_due = -math.inf  # the engine's cached copy of next_due
        engine.wake_by(-math.inf)
    engine.set_time(day0)


def _forget_finished(engine: Engine) -> None:
    """Daily rate windows start at zero; finished orders already left the ledger (the
    journal keeps them), so a run of many days holds one day's orders, not all of them."""
    engine.book.last_sent.clear()  # duplicates are judged within a window of seconds
    for times in engine.book.sent_by_symbol.values():
        times.clear()  # per-minute rates: a new day starts at zero


def _counting(
    lines: Iterator[tuple[int, bytes]], progress: Progress
) -> Iterator[tuple[int, bytes]]:
    n, every = 0, progress.every
    started = time.perf_counter()
    for line in lines:
        n += 1
        if n % every == 0:
            progress.frames(every, every / max(time.perf_counter() - started, 1e-9))
            started = time.perf_counter()
        yield line
    progress.frames(n % every, 0.0)


def replay_days(
    plan: Plan,
    tapes: list[Path],
    broker: Broker,
    journal: Journal,
    *,
    limits: RiskLimits | None = None,
    config_json: str = "{}",
    calendar: KrxCalendar | None = None,
    progress: Progress | None = None,
    cash: int | None = None,
    on_engine: Callable[[Engine], None] | None = None,
    bad_lines: BadLines = "skip",
    book: RiskBook | None = None,
    holdings: Mapping[str, tuple[int, int]] | None = None,
) -> DaysResult:
    """Run ``plan`` over every day of ``tapes`` in date order, as one journaled run."""
    days = order_days(tapes, calendar)
    if not days:
        raise TapeError("no tape to replay")
    first, last = days[0].header.date, days[-1].header.date
    have = {t.header.date for t in days}
    missing = [d for d in calendar.sessions(first, last) if d not in have] if calendar else []
    engine = Engine(plan, broker, journal, limits=limits, book=book)
    if cash is not None:
        engine.book.cash = cash
    if on_engine is not None:
        on_engine(engine)
    journal.start_run(
        strategy=plan.strategy.strategy,
        strategy_path=plan.source,
        strategy_sha256=plan.sha256,
        mode="dry-run",
        broker=broker.name,
        tape=f"{days[0].path} .. {days[-1].path} ({len(days)} days)",
        config_json=config_json,
    )
    engine.reloads.record_start()  # version 1 of the strategy (engine/reload.py)
    counters = FeedCounters()
    result = DaysResult(0, engine, counters, 0.0, missing=missing, start_equity=equity(engine))
    show = progress or Progress()
    show.start(len(days))
    started = time.perf_counter()
    for index, tape in enumerate(days):
        show.day(index, tape.header.date)
        day0 = day_start(tape.header.date)
        if index == 0:
            engine.set_time(day0)
            hold(engine, holdings or {}, day0)
            engine.start()  # 'on: start' rules, once for the run
        else:
            start_day(engine, day0)
        decoder = make_decoder(engine, day0)
        wrap = (lambda lines: _counting(lines, show)) if progress is not None else None
        feed_tape(decoder, tape.path, journal, engine, bad_lines, wrap)
        end_of_tape(engine)
        _add(counters, decoder.counters)
        result.days.append(tape.header.date)
        result.equity.append(equity(engine))
    engine.stop()  # 'on: stop' rules, at the last tape's last moment
    show.done()
    result.silent = silent_symbols(engine)
    if result.silent:
        journal.error(
            engine.market.now,
            "feed",
            f"no trade on any day for {', '.join(result.silent)}: their tick rules never ran",
        )
    result.empty_universe = empty_universe(engine)
    result.seconds = time.perf_counter() - started
    stats = _stats(engine, counters, result.seconds) | {"days": len(days)}
    if missing:
        stats["missing_days"] = [d.isoformat() for d in missing]
    journal.end_run(stats)
    result.run_id = journal.run_id
    return result


def _add(total: FeedCounters, day: FeedCounters) -> None:
    total.frames += day.frames
    total.unsubscribed += day.unsubscribed
    total.control += day.control
    total.malformed += day.malformed
    for kind, n in day.skipped_types.items():
        total.skipped_types[kind] = total.skipped_types.get(kind, 0) + n
    total.last_error = day.last_error or total.last_error


def replay_tapes(
    plan: Plan,
    tape: str | os.PathLike[str],
    broker: Broker,
    journal: Journal,
    *,
    limits: RiskLimits | None = None,
    config_json: str = "{}",
    calendar: KrxCalendar | None = None,
    progress: Progress | None = None,
    bad_lines: BadLines = "skip",
    book: RiskBook | None = None,
    holdings: Mapping[str, tuple[int, int]] | None = None,
    on_engine: Callable[[Engine], None] | None = None,
) -> RunResult | DaysResult:
    """One tape: the single-day replay; a glob or directory of several: ``replay_days``."""
    paths = expand_tapes(tape)
    if len(paths) == 1:
        return replay(
            plan,
            paths[0],
            broker,
            journal,
            limits=limits,
            config_json=config_json,
            bad_lines=bad_lines,
            book=book,
            holdings=holdings,
            on_engine=on_engine,
        )
    return replay_days(
        plan,
        paths,
        broker,
        journal,
        limits=limits,
        config_json=config_json,
        calendar=calendar or KrxCalendar(),
        progress=progress,
        bad_lines=bad_lines,
        book=book,
        holdings=holdings,
        on_engine=on_engine,
    )

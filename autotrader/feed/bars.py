"""Bars to tapes: each bar becomes a few synthetic ``0B`` ticks along a fixed path.

A bar says where the price opened, how far it went each way and where it closed, not in
what order. The path (docs/tape-format.md, "Days made from bars"):

- a rising or flat bar (close >= open) goes open -> low -> high -> close; a falling bar
  goes open -> high -> low -> close (the extreme against the close comes first);
- the four points are spread evenly over the bar: at its start, a third, two thirds
  and its last second (a one-minute bar at :00, :19, :39, :59; a daily bar at 09:00:00,
  11:10:00, 13:20:00 and 15:30:00); a bar of one trade (``span`` 0) is one tick;
- the volume is split evenly across the points, the remainder going to the last ones;
  a point left with no volume is dropped (no trade without volume), and a bar with no
  volume makes no tick;
- each tick is buyer-initiated when the price rose from the previous point, seller-
  initiated when it fell, as before when unchanged; the best ask and bid are the price
  and one tick below (buyer) or the price and one tick above (seller), as in ``synth``.

Change rates are against the base price: the previous day's close from the same input,
else the day's first open (the header's ``base_prices`` says which). The tape header's
``source`` is ``"bars"`` and ``bars`` names their kind (``1m``, ``1d``, ``10t``...), so a
replay, ``tape info`` and a report can say that the day was made from bars.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from autotrader.feed.tape import TAPE_VERSION, TapeHeader, TapeWriter
from autotrader.market.ticks import tick_size
from autotrader.model.bars import Bar

PATH_NAME = "open-extreme-extreme-close"
SESSION_FRAMES = (("0", 8 * 3600 + 40 * 60), ("3", 9 * 3600), ("2", 15 * 3600 + 20 * 60))
CLOSE_FRAME = ("4", 15 * 3600 + 30 * 60)


@dataclass(frozen=True, slots=True)
class PathTick:
    offset: int  # seconds after the bar's start
    price: int
    volume: int  # > 0
    buyer: bool


def bar_path(bar: Bar) -> list[PathTick]:
    """The synthetic ticks of one bar (see the module docstring)."""
    if bar.volume <= 0:
        return []
    rising = bar.close >= bar.open
    if bar.span <= 0:
        return [PathTick(0, bar.close, bar.volume, rising)]
    points = (
        [bar.open, bar.low, bar.high, bar.close]
        if rising
        else [bar.open, bar.high, bar.low, bar.close]
    )
    last = max(bar.span - 1, 0)
    offsets = [0, last // 3, 2 * last // 3, last]
    share, rest = divmod(bar.volume, 4)
    volumes = [share + (1 if i >= 4 - rest else 0) for i in range(4)]
    out: list[PathTick] = []
    previous, buyer = bar.open, rising
    for offset, price, volume in zip(offsets, points, volumes, strict=True):
        if price != previous:
            buyer = price > previous
        previous = price
        if volume > 0:
            out.append(PathTick(offset, price, volume, buyer))
    return out


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"


def _signed(p: int, base: int) -> str:
    return f"+{p}" if p > base else f"-{p}" if p < base else str(p)


class _Running:
    """A symbol's day so far: open, high, low, cumulative volume."""

    __slots__ = ("base", "open", "high", "low", "cum")

    def __init__(self, base: int) -> None:
        self.base = base
        self.open = self.high = self.low = 0
        self.cum = 0

    def entry(self, symbol: str, t: int, tick: PathTick) -> dict[str, Any]:
        p, base = tick.price, self.base
        if not self.cum:
            self.open = self.high = self.low = p
        self.high, self.low = max(self.high, p), min(self.low, p)
        self.cum += tick.volume
        ask, bid = (p, p - tick_size(p - 1)) if tick.buyer else (p + tick_size(p), p)
        diff = p - base
        rate = f"{diff * 100 / base:+.2f}" if base else "0.00"
        values = {
            "20": _hms(t),
            "10": _signed(p, base),
            "11": f"{diff:+d}" if diff else "0",
            "12": "0.00" if rate in ("+0.00", "-0.00") else rate,
            "27": _signed(ask, base),
            "28": _signed(bid, base),
            "15": f"+{tick.volume}" if tick.buyer else f"-{tick.volume}",
            "13": str(self.cum),
            "16": _signed(self.open, base),
            "17": _signed(self.high, base),
            "18": _signed(self.low, base),
            "290": "2",
            "9081": "KRX",
        }
        return {"type": "0B", "name": "주식체결", "item": symbol, "values": values}


def _session(code: str, t: int) -> bytes:
    values = {"215": code, "20": _hms(t), "214": "000000"}
    entry = {"type": "0s", "name": "장시작시간", "item": "", "values": values}
    return orjson.dumps({"trnm": "REAL", "data": [entry]})


def day_frames(bars: Iterable[Bar], bases: dict[str, int]) -> Iterator[bytes]:
    """One day's frames in time order: session notices and every bar's ticks."""
    events: list[tuple[int, int, int, str, PathTick]] = []
    order: dict[str, int] = {}
    for bar in bars:
        rank = order.setdefault(bar.symbol, len(order))
        for tick in bar_path(bar):
            events.append((bar.start + tick.offset, rank, len(events), bar.symbol, tick))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    running = {s: _Running(bases.get(s, 0)) for s in order}
    sessions = [*SESSION_FRAMES, CLOSE_FRAME]
    for t, _rank, _seq, symbol, tick in events:
        while (
            sessions and sessions[0][1] <= t and (sessions[0] != CLOSE_FRAME or t > sessions[0][1])
        ):
            yield _session(*sessions.pop(0))
        yield orjson.dumps({"trnm": "REAL", "data": [running[symbol].entry(symbol, t, tick)]})
    for code, t in sessions:
        yield _session(code, t)


def bar_kind(span: int) -> str:
    """``1m``, ``30m``, ``1d``, ``tick``: the header's name for bars of ``span`` seconds."""
    if span <= 0:
        return "tick"
    if span >= 6 * 3600:
        return "1d"
    return f"{span // 60}m" if span % 60 == 0 else f"{span}s"


def write_bar_tapes(
    bars: Iterable[Bar],
    directory: str | os.PathLike[str],
    *,
    prefix: str = "",
    kind: str | None = None,
    origin: str = "",
) -> list[Path]:
    """One tape per day of ``bars`` (any order); returns the files, in date order."""
    by_day: dict[datetime.date, list[Bar]] = defaultdict(list)
    for bar in bars:
        by_day[bar.day].append(bar)
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    closes: dict[str, int] = {}
    written: list[Path] = []
    for day in sorted(by_day):
        day_bars = sorted(by_day[day], key=lambda b: (b.start, b.symbol))
        bases: dict[str, int] = {}
        base_from: dict[str, str] = {}
        for bar in day_bars:
            if bar.symbol not in bases:
                prev = closes.get(bar.symbol)
                bases[bar.symbol] = prev or bar.open
                base_from[bar.symbol] = "previous close" if prev else "first open"
        symbols = tuple(dict.fromkeys(b.symbol for b in day_bars))
        spans = {b.span for b in day_bars}
        extra: dict[str, Any] = {
            "source": "bars",
            "bars": kind or (bar_kind(spans.pop()) if len(spans) == 1 else "mixed"),
            "path": PATH_NAME,
            "base_prices": bases,
            "base_from": base_from,
        }
        if origin:
            extra["origin"] = origin
        path = out_dir / f"{prefix}{day:%Y%m%d}.jsonl.gz"
        with TapeWriter(path, TapeHeader(TAPE_VERSION, day, symbols=symbols, extra=extra)) as w:
            for frame in day_frames(day_bars, bases):
                w.write_frame(frame)
        for bar in day_bars:
            closes[bar.symbol] = bar.close
        written.append(path)
    return written

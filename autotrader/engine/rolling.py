"""Rolling values per symbol (VWAP, moving averages, window highs and lows...), kept in O(1).

Only the values some rule reads are kept, and only for the symbols of those rules: the
plan lists them as keys like ``("sma", ((20, ""),))`` (20 ticks) or ``("sma", ((300,
"s"),))`` (5 minutes), each with a slot in the symbol's ``roll`` list, which conditions
read directly (``s.roll[3]``). The symbol's fused evaluator calls ``Rolling.update`` once
per trade tick, before the rules. Windows over N ticks are ring buffers; windows over
time are deques trimmed from the left; window highs and lows are monotonic deques, so
every update is amortized O(1) and allocates nothing beyond a deque append.

Every value starts afresh on a new trading day: the first tick after midnight (Asia/
Seoul, by the tick's own time, so a replay of several days and a live run across
midnight behave alike) resets them all, so no window spans the overnight gap.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Protocol

from autotrader.clock import DAY, SEOUL_OFFSET, seconds_of_day
from autotrader.engine.indicators import INDICATORS, make_indicator

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

RollKey = tuple[str, tuple[tuple[float | int, str], ...]]


class Updater(Protocol):
    def push(self, price: int, vol: int, ts: float) -> float: ...


class _Ring:
    """The last ``n`` values of a series, with their sum."""

    __slots__ = ("buf", "i", "count", "total", "n")

    def __init__(self, n: int) -> None:
        self.n = n
        self.buf = [0] * n
        self.i = 0
        self.count = 0
        self.total = 0

    def add(self, value: int) -> int:
        """Push ``value``; returns the value that fell out (0 while filling)."""
        i = self.i
        old = self.buf[i]
        self.buf[i] = value
        self.i = i + 1 if i + 1 < self.n else 0
        if self.count < self.n:
            self.count += 1
            old = 0
        self.total += value - old
        return old

    def oldest(self) -> int:
        return self.buf[self.i] if self.count == self.n else self.buf[0]


class SmaTicks:
    __slots__ = ("ring",)

    def __init__(self, n: int) -> None:
        self.ring = _Ring(n)

    def push(self, price: int, vol: int, ts: float) -> float:
        r = self.ring
        r.add(price)
        return r.total / r.count


class VolumeTicks:
    __slots__ = ("ring",)

    def __init__(self, n: int) -> None:
        self.ring = _Ring(n)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.ring.add(vol)
        return self.ring.total


class VwapTicks:
    __slots__ = ("pv", "v")

    def __init__(self, n: int) -> None:
        self.pv = _Ring(n)
        self.v = _Ring(n)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.pv.add(price * vol)
        self.v.add(vol)
        return self.pv.total / self.v.total if self.v.total else price


class ChangeTicks:
    """Price now vs the price N ticks ago (or the first tick, until N have passed)."""

    __slots__ = ("ring",)

    def __init__(self, n: int) -> None:
        self.ring = _Ring(n + 1)

    def push(self, price: int, vol: int, ts: float) -> float:
        r = self.ring
        r.add(price)
        base = r.oldest()
        return price / base - 1.0 if base else 0.0


class ExtremeTicks:
    """Highest (``sign`` 1) or lowest (-1) price of the last N ticks: a monotonic deque."""

    __slots__ = ("n", "seq", "idx", "vals", "sign")

    def __init__(self, n: int, sign: int) -> None:
        self.n = n
        self.sign = sign
        self.seq = 0
        self.idx: deque[int] = deque()
        self.vals: deque[int] = deque()

    def push(self, price: int, vol: int, ts: float) -> float:
        self.seq += 1
        key = price * self.sign
        vals, idx = self.vals, self.idx
        while vals and vals[-1] * self.sign <= key:
            vals.pop()
            idx.pop()
        vals.append(price)
        idx.append(self.seq)
        while idx[0] <= self.seq - self.n:
            idx.popleft()
            vals.popleft()
        return vals[0]


class _TimeWindow:
    """Values of the last ``window`` seconds with their sum; trimmed on every push."""

    __slots__ = ("window", "ts", "vals", "total")

    def __init__(self, window: float) -> None:
        self.window = window
        self.ts: deque[float] = deque()
        self.vals: deque[int] = deque()
        self.total = 0

    def add(self, value: int, ts: float) -> None:
        self.ts.append(ts)
        self.vals.append(value)
        self.total += value
        cutoff = ts - self.window
        times, vals = self.ts, self.vals
        while times[0] <= cutoff:
            times.popleft()
            self.total -= vals.popleft()


class SmaTime:
    __slots__ = ("w",)

    def __init__(self, window: float) -> None:
        self.w = _TimeWindow(window)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.w.add(price, ts)
        return self.w.total / len(self.w.vals)


class VolumeTime:
    __slots__ = ("w",)

    def __init__(self, window: float) -> None:
        self.w = _TimeWindow(window)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.w.add(vol, ts)
        return self.w.total


class VwapTime:
    __slots__ = ("pv", "v")

    def __init__(self, window: float) -> None:
        self.pv = _TimeWindow(window)
        self.v = _TimeWindow(window)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.pv.add(price * vol, ts)
        self.v.add(vol, ts)
        return self.pv.total / self.v.total if self.v.total else price


class ChangeTime:
    """Price now vs the first trade inside the window."""

    __slots__ = ("w",)

    def __init__(self, window: float) -> None:
        self.w = _TimeWindow(window)

    def push(self, price: int, vol: int, ts: float) -> float:
        self.w.add(price, ts)
        base = self.w.vals[0]
        return price / base - 1.0 if base else 0.0


class ExtremeTime:
    __slots__ = ("window", "ts", "vals", "sign")

    def __init__(self, window: float, sign: int) -> None:
        self.window = window
        self.sign = sign
        self.ts: deque[float] = deque()
        self.vals: deque[int] = deque()

    def push(self, price: int, vol: int, ts: float) -> float:
        key = price * self.sign
        vals, times = self.vals, self.ts
        while vals and vals[-1] * self.sign <= key:
            vals.pop()
            times.pop()
        vals.append(price)
        times.append(ts)
        cutoff = ts - self.window
        while times[0] <= cutoff:
            times.popleft()
            vals.popleft()
        return vals[0]


class VwapDay:
    __slots__ = ("pv", "v")

    def __init__(self) -> None:
        self.pv = 0
        self.v = 0

    def push(self, price: int, vol: int, ts: float) -> float:
        self.pv += price * vol
        self.v += vol
        return self.pv / self.v if self.v else price


class RangeExtreme:
    """High (``sign`` 1) or low (-1) of the trades between two times of day; 0 before."""

    __slots__ = ("start", "end", "sign", "value")

    def __init__(self, start: int, end: int, sign: int) -> None:
        self.start, self.end, self.sign = start, end, sign
        self.value = 0

    def push(self, price: int, vol: int, ts: float) -> float:
        if self.start <= seconds_of_day(ts) < self.end and (
            not self.value or price * self.sign > self.value * self.sign
        ):
            self.value = price
        return self.value


def make_updater(key: RollKey) -> Updater:
    """A fresh updater for one rolling value (keys come from the type-checked AST)."""
    name, args = key
    if name in INDICATORS:
        return make_indicator(name, args)
    if name == "vwap" and not args:
        return VwapDay()
    if name in ("range_high", "range_low"):
        start, end = (int(a[0]) for a in args)
        return RangeExtreme(start, end, 1 if name == "range_high" else -1)
    ((size, unit),) = args
    if unit == "":
        return _by_ticks(name, int(size))
    return _by_time(name, float(size))


def _by_ticks(name: str, n: int) -> Updater:
    if name == "sma":
        return SmaTicks(n)
    if name == "vwap":
        return VwapTicks(n)
    if name == "volume_sum":
        return VolumeTicks(n)
    if name == "change":
        return ChangeTicks(n)
    if name in ("high_of", "low_of"):
        return ExtremeTicks(n, 1 if name == "high_of" else -1)
    raise ValueError(f"no rolling value named {name!r}")


def _by_time(name: str, window: float) -> Updater:
    if name == "sma":
        return SmaTime(window)
    if name == "vwap":
        return VwapTime(window)
    if name == "volume_sum":
        return VolumeTime(window)
    if name == "change":
        return ChangeTime(window)
    if name in ("high_of", "low_of"):
        return ExtremeTime(window, 1 if name == "high_of" else -1)
    raise ValueError(f"no rolling value named {name!r}")


class Rolling:
    """One symbol's rolling values: ``values[slot]`` is what conditions read."""

    __slots__ = ("values", "updaters", "keys", "day_end")

    def __init__(self, size: int, keys: dict[RollKey, int]) -> None:
        self.values: list[float] = [0.0] * size
        self.keys = dict(keys)
        self.updaters = [(slot, make_updater(key)) for key, slot in keys.items()]
        self.day_end = -math.inf  # set by the first tick: the next midnight after it

    def new_day(self, ts: float) -> None:
        """Start every value afresh for the trading day of ``ts``."""
        self.updaters = [(slot, make_updater(key)) for key, slot in self.keys.items()]
        for slot in self.keys.values():
            self.values[slot] = 0.0
        self.day_end = (math.floor((ts + SEOUL_OFFSET) / DAY) + 1) * DAY - SEOUL_OFFSET

    def update(self, st: SymbolState) -> None:
        ts = st.ts
        if ts >= self.day_end:  # one compare per tick; true once a day
            self.new_day(ts)
        price = st.price
        vol = st.volume
        if vol < 0:
            vol = -vol
        values = self.values
        for slot, updater in self.updaters:
            values[slot] = updater.push(price, vol, ts)

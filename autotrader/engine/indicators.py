"""Technical indicators over ticks or time bars, kept incrementally in O(1) per trade.

``ema``, ``rsi``, ``bb_upper`` / ``bb_lower`` and ``atr`` follow the definitions of talipp
(the tests compare every value with it): EMA seeded with the SMA of its first N values,
then ``ema += 2/(N+1) * (x - ema)``; RSI and ATR with Wilder's smoothing seeded by a
simple average; Bollinger bands as SMA(N) plus or minus k population standard
deviations of the last N values; ATR's true range ``max(high-low, |high-prev close|,
|low-prev close|)``.

Warm-up: until an indicator has its N values (N+1 prices for RSI), it is NaN, and every
comparison with NaN is false, so ``rsi(14) < 30`` cannot fire on half a window.

Over ticks every trade is one value (for ATR a trade is a bar whose high, low and
close are its price). Over time bars (``ema(20, 1m)``) trades are grouped into bars
aligned to the clock (Asia/Seoul: a 1m bar runs from hh:mm:00 to hh:mm:59.999); a bar is
added when the first trade of a later bar arrives, so the value reads completed bars
only and changes once per bar. A bar with no trade does not exist (as on a chart).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autotrader.clock import SEOUL_OFFSET

NAN = math.nan


class Ema:
    __slots__ = ("n", "alpha", "count", "total", "value")

    def __init__(self, n: int) -> None:
        self.n = n
        self.alpha = 2.0 / (n + 1)
        self.count = 0
        self.total = 0.0
        self.value = NAN

    def add(self, x: float) -> float:
        if self.count >= self.n:
            self.value += self.alpha * (x - self.value)
            return self.value
        self.count += 1
        self.total += x
        if self.count == self.n:
            self.value = self.total / self.n
        return self.value


class Rsi:
    """0-100; 100 when nothing was lost over the window."""

    __slots__ = ("n", "prev", "count", "gain", "loss", "value")

    def __init__(self, n: int) -> None:
        self.n = n
        self.prev = NAN
        self.count = 0  # changes seen, up to n
        self.gain = 0.0
        self.loss = 0.0
        self.value = NAN

    def add(self, x: float) -> float:
        prev, self.prev = self.prev, x
        if prev != prev:  # the first price: no change yet
            return NAN
        change = x - prev
        up, down = (change, 0.0) if change > 0 else (0.0, -change)
        n = self.n
        if self.count < n:
            self.count += 1
            self.gain += up
            self.loss += down
            if self.count < n:
                return NAN
            self.gain /= n
            self.loss /= n
        else:
            self.gain = (self.gain * (n - 1) + up) / n
            self.loss = (self.loss * (n - 1) + down) / n
        self.value = 100.0 if self.loss == 0 else 100.0 - 100.0 / (1.0 + self.gain / self.loss)
        return self.value


class Bollinger:
    """The upper (``sign`` 1) or lower (-1) band: SMA(n) +- k population std devs."""

    __slots__ = ("n", "k", "sign", "buf", "i", "count", "total", "squares")

    def __init__(self, n: int, k: float, sign: int) -> None:
        self.n, self.k, self.sign = n, k, sign
        self.buf = [0.0] * n
        self.i = 0
        self.count = 0
        self.total = 0.0
        self.squares = 0.0

    def add(self, x: float) -> float:
        n = self.n
        old = self.buf[self.i]
        self.buf[self.i] = x
        self.i = self.i + 1 if self.i + 1 < n else 0
        if self.count < n:
            self.count += 1
            old = 0.0
        self.total += x - old
        self.squares += x * x - old * old
        if self.count < n:
            return NAN
        mean = self.total / n
        var = self.squares / n - mean * mean
        return mean + self.sign * self.k * math.sqrt(var if var > 0 else 0.0)


class Atr:
    __slots__ = ("n", "close", "count", "total", "value")

    def __init__(self, n: int) -> None:
        self.n = n
        self.close = NAN
        self.count = 0
        self.total = 0.0
        self.value = NAN

    def add_bar(self, high: float, low: float, close: float) -> float:
        prev, self.close = self.close, close
        tr = high - low
        if prev == prev:  # not NaN: a previous close exists
            tr = max(tr, abs(high - prev), abs(low - prev))
        n = self.n
        if self.count >= n:
            self.value = (self.value * (n - 1) + tr) / n
            return self.value
        self.count += 1
        self.total += tr
        if self.count == n:
            self.value = self.total / n
        return self.value

    def add(self, x: float) -> float:
        return self.add_bar(x, x, x)


Core = Ema | Rsi | Bollinger | Atr


class OnTicks:
    """One indicator fed every trade's price."""

    __slots__ = ("add",)

    def __init__(self, core: Core) -> None:
        self.add: Callable[[float], float] = core.add

    def push(self, price: int, vol: int, ts: float) -> float:
        return self.add(price)


class OnBars:
    """One indicator fed completed time bars of ``seconds`` (see the module docstring)."""

    __slots__ = ("seconds", "core", "bar", "high", "low", "close", "value")

    def __init__(self, core: Core, seconds: float) -> None:
        self.seconds = seconds
        self.core = core
        self.bar = -1  # index of the bar being built (since the epoch, Seoul-aligned)
        self.high = self.low = self.close = 0
        self.value = NAN

    def push(self, price: int, vol: int, ts: float) -> float:
        bar = int((ts + SEOUL_OFFSET) // self.seconds)
        if bar != self.bar:
            if self.bar >= 0:  # the previous bar is complete
                core = self.core
                if isinstance(core, Atr):
                    self.value = core.add_bar(self.high, self.low, self.close)
                else:
                    self.value = core.add(self.close)
            self.bar = bar
            self.high = self.low = self.close = price
            return self.value
        if price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        self.close = price
        return self.value


INDICATORS = frozenset({"ema", "rsi", "bb_upper", "bb_lower", "atr"})


def make_indicator(name: str, args: tuple[tuple[float | int, str], ...]) -> OnTicks | OnBars:
    """``("ema", ((20, ""),))`` over ticks; ``("ema", ((20, ""), (60, "s")))`` over 1m bars;
    Bollinger takes its multiplier second: ``("bb_upper", ((20, ""), (2, "")))``."""
    n = int(args[0][0])
    rest = args[1:]
    core: Core
    if name in ("bb_upper", "bb_lower"):
        k = float(rest[0][0]) if rest and rest[0][1] == "" else 2.0
        rest = rest[1:] if rest and rest[0][1] == "" else rest
        core = Bollinger(n, k, 1 if name == "bb_upper" else -1)
    elif name == "ema":
        core = Ema(n)
    elif name == "rsi":
        core = Rsi(n)
    elif name == "atr":
        core = Atr(n)
    else:
        raise ValueError(f"no indicator named {name!r}")
    if rest:
        return OnBars(core, float(rest[0][0]))
    return OnTicks(core)

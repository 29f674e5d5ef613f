"""Indicators (EMA, RSI, Bollinger, ATR) over ticks and time bars, against talipp."""

from __future__ import annotations

import math
import random

import pytest
from talipp.indicators import ATR, BB, EMA, RSI
from talipp.ohlcv import OHLCV

from autotrader.clock import SEOUL_OFFSET
from autotrader.engine.indicators import make_indicator
from autotrader.engine.rolling import make_updater


def prices(seed: int, n: int = 400) -> list[int]:
    rng = random.Random(seed)
    p, out = 70_000, []
    for _ in range(n):
        p = max(1_000, p + rng.choice((-200, -100, 0, 0, 100, 200, 300)))
        out.append(p)
    return out


def reference(name: str, n: int, k: float = 2.0) -> tuple[object, object]:
    if name == "ema":
        return EMA(n), lambda v: v
    if name == "rsi":
        return RSI(n), lambda v: v
    if name == "atr":
        return ATR(n), lambda v: v
    return BB(n, k), (lambda v: v.ub) if name == "bb_upper" else (lambda v: v.lb)


def same(ours: float, theirs: float | None) -> bool:
    if theirs is None:
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-6)


@pytest.mark.parametrize("name", ["ema", "rsi", "atr", "bb_upper", "bb_lower"])
@pytest.mark.parametrize(("n", "seed"), [(3, 0), (5, 1), (14, 2), (20, 3)])
def test_over_ticks_every_value_matches_talipp(name: str, n: int, seed: int) -> None:
    """One value per trade, NaN exactly while talipp has none (the warm-up)."""
    args: tuple[tuple[float | int, str], ...] = ((n, ""),)
    if name.startswith("bb"):
        args += ((2.5, ""),)
    ours = make_updater((name, args))
    theirs, pick = reference(name, n, 2.5)
    for i, p in enumerate(prices(seed)):
        value = ours.push(p, 10, 1000.0 + i)
        theirs.add(OHLCV(p, p, p, p) if name == "atr" else p)  # type: ignore[attr-defined]
        out = theirs[-1]  # type: ignore[index]
        assert same(value, None if out is None else pick(out)), (i, value, out)  # type: ignore[operator]


@pytest.mark.parametrize("name", ["ema", "rsi", "atr", "bb_upper"])
def test_over_time_bars_values_use_completed_bars_only(name: str) -> None:
    """ema(5, 1m): trades grouped into Seoul-aligned minutes; a bar counts once the first
    trade of a later minute arrives; talipp fed the same bars' (high, low, close)."""
    n = 5
    ours = make_indicator(name, ((n, ""), (60, "s")))
    theirs, pick = reference(name, n)
    rng = random.Random(9)
    day0 = 1_795_100_000 - (1_795_100_000 + SEOUL_OFFSET) % 86_400  # a Seoul midnight
    t = day0 + 9 * 3600.0
    bar: list[int] = []
    for p in prices(4, 600):
        t += rng.choice((0.5, 3.0, 20.0, 95.0))  # some minutes have no trade at all
        minute = int((t + SEOUL_OFFSET) // 60)
        if bar and minute != bar[0]:
            h, lo, c = max(bar[1:]), min(bar[1:]), bar[-1]
            theirs.add(OHLCV(c, h, lo, c) if name == "atr" else c)  # type: ignore[attr-defined]
            bar = []
        if not bar:
            bar = [minute]
        bar.append(p)
        value = ours.push(p, 10, t)
        out = theirs[-1] if len(theirs) else None  # type: ignore[arg-type, index]
        assert same(value, None if out is None else pick(out))  # type: ignore[operator]


def test_bollinger_multiplier_defaults_to_two() -> None:
    """bb_upper(20) is bb_upper(20, 2)."""
    a = make_updater(("bb_upper", ((3, ""),)))
    b = make_updater(("bb_upper", ((3, ""), (2, ""))))
    values = [(a.push(p, 1, 0.0), b.push(p, 1, 0.0)) for p in (100, 110, 90, 130)]
    assert all(same(x, y) or (math.isnan(x) and math.isnan(y)) for x, y in values)
    assert not math.isnan(values[-1][0])


def test_rsi_is_100_when_nothing_was_lost() -> None:
    """No loss over the window: RSI 100 (talipp divides by zero there)."""
    rsi = make_updater(("rsi", ((3, ""),)))
    values = [rsi.push(p, 1, 0.0) for p in (100, 101, 101, 102, 103)]
    assert [math.isnan(v) for v in values[:3]] == [True, True, True]
    assert values[3:] == [100.0, 100.0]

"""Rolling values start afresh on each trading day: two days replayed, or a run over midnight."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from autotrader.clock import DAY, day_start
from autotrader.compile.conditions import RollKey, rolling_keys
from autotrader.engine.replay import make_decoder
from autotrader.engine.rolling import Rolling
from autotrader.engine.state import MarketState, SymbolState
from autotrader.feed.fastline import Tick
from autotrader.rules.expr import parse
from tests.engine.test_triggers import HEAD, decisions
from tests.frames import real, trade
from tests.harness import Harness

DAY1 = day_start(datetime.date(2026, 11, 19))
DAY2 = DAY1 + DAY


@pytest.mark.parametrize(
    ("expr", "day2"),
    [
        ("sma(3)", 80.0),
        ("vwap", 80.0),
        ("volume_sum(3)", 5),
        ("high_of(5)", 80),
        ("change(2)", 0.0),
        ("range_high(09:00, 10:00)", 80),
        ("low_of(8h)", 80),
    ],
)
def test_rolling_value_resets_at_the_first_tick_of_a_new_day(expr: str, day2: float) -> None:
    """Day 1 ticks at 100-120; day 2's first tick (80) is the only one its values see."""
    keys: dict[RollKey, int] = {}
    for key in rolling_keys(parse(expr)):
        keys.setdefault(key, len(keys))
    st = SymbolState("005930", MarketState())
    rolling = Rolling(len(keys), keys)
    for ts, price, vol in [(DAY1 + 9 * 3600 + i, 100 + 10 * i, 7) for i in range(3)] + [
        (DAY1 + 15 * 3600 + 30 * 60, 120, 9),  # the close
        (DAY2 + 9 * 3600, 80, 5),  # next morning
    ]:
        st.price, st.ts, st.values = price, ts, Tick.of({"15": str(vol)})
        rolling.update(st)
    assert rolling.values[0] == pytest.approx(day2)


def test_rules_see_todays_vwap_after_midnight(tmp_path: Path) -> None:
    """A run across midnight: the second day's first trade is judged by that day's VWAP."""
    rule = (
        '  - name: cheap\n    symbols: ["005930"]\n    when: price < vwap * 0.95\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rule, tmp_path)
    h.engine.set_time(DAY1)
    h.decoder = make_decoder(h.engine, DAY1)
    h.feed([real(trade("005930", "090000", 100000)), real(trade("005930", "152000", 100000))])
    h.decoder = make_decoder(h.engine, DAY2)  # the feed's clock moves to the next day
    h.feed([real(trade("005930", "090000", 80000))])
    assert decisions(h) == []  # yesterday's VWAP (about 90,000) would have fired it
    assert h.engine.states["005930"].roll[0] == 80000

"""Every vocabulary name and rolling function compiles and reads the right value."""

from __future__ import annotations

import pytest

from autotrader.compile.conditions import (
    FRAGMENTS,
    RollKey,
    compile_condition,
    compile_value,
    rolling_keys,
)
from autotrader.engine.rolling import Rolling
from autotrader.engine.state import MarketState, SymbolState
from autotrader.feed.fastline import Tick
from autotrader.rules.expr import parse
from autotrader.rules.names import EVENT_NAMES, FUNCTIONS, NAMES, names_for
from autotrader.rules.typecheck import check_condition

T0 = 1_795_132_800.0  # 2026-11-20 09:00:00 Asia/Seoul


def state() -> SymbolState:
    market = MarketState()
    market.now, market.sod, market.session, market.session_code = (
        T0 + 60,
        9 * 3600 + 60,
        "open",
        "3",
    )
    st = SymbolState("005930", market)
    st.price = 70_500
    st.values = Tick.of(
        {
            "10": "+70500",
            "27": "+70600",
            "28": "+70500",
            "15": "-120",
            "13": "99000",
            "12": "+1.50",
            "16": "70000",
            "17": "+71000",
            "18": "-69500",
            "228": "110.5",
        }
    )
    st.pos_qty, st.pos_avg, st.realized = 10, 70_000, 1_234
    st.open_orders, st.open_buy, st.open_sell, st.open_since = 2, 1, 1, T0 + 30
    st.vi_active, st.vi_kind, st.vi_direction = True, "static", "up"
    st.vi_since, st.vi_price = T0 + 50, 71_000
    return st


EXPECTED: dict[str, object] = {
    "price": 70_500,
    "last": 70_500,
    "ask": 70_600,
    "bid": 70_500,
    "spread": 100,
    "volume": 120,
    "buy_volume": 0,
    "sell_volume": 120,
    "side": "sell",
    "cum_volume": 99_000,
    "change_rate": 0.015,
    "open": 70_000,
    "high": 71_000,
    "low": 69_500,
    "pct_from_open": 500 / 70_000,
    "strength": 110.5,
    "position.qty": 10,
    "position.avg_price": 70_000,
    "position.value": 705_000,
    "position.pnl": 5_000,
    "position.pnl_pct": 500 / 70_000,
    "position.realized": 1_234,
    "open_orders": 2,
    "open_orders.buy": 1,
    "open_orders.sell": 1,
    "open_orders.age": 30.0,
    "vi.active": True,
    "vi.kind": "static",
    "vi.direction": "up",
    "vi.since": 9 * 3600 + 50,
    "vi.elapsed": 10.0,
    "vi.trigger_price": 71_000,
    "time": 9 * 3600 + 60,
    "session": "open",
    "session.code": "3",
}


def test_every_name_has_a_fragment_and_an_example() -> None:
    """The vocabulary, the compiler's fragments and the documented examples agree."""
    event_names = {n for names in EVENT_NAMES.values() for n in names}
    assert set(FRAGMENTS) | {"vwap"} == set(NAMES) | event_names
    for name, info in {**NAMES, **FUNCTIONS}.items():
        check_condition(parse(info.example))
        assert name in info.example
    for kind, names in EVENT_NAMES.items():
        for name, info in names.items():
            check_condition(parse(info.example), names_for(kind))
            assert name in info.example


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_name_reads_its_value(name: str) -> None:
    """A condition comparing a name with its expected value is true on the sample state."""
    expected = EXPECTED[name]
    literal = f'"{expected}"' if isinstance(expected, str) else str(expected).lower()
    if NAMES[name].unit == "tod":
        literal = (
            f"{int(expected) // 3600:02d}:{int(expected) // 60 % 60:02d}:{int(expected) % 60:02d}"  # type: ignore[call-overload]
        )
    cond = compile_condition(parse(f"{name} == {literal}"))
    if isinstance(expected, float):
        value = compile_value(parse(name))(state())
        assert value == pytest.approx(expected)
    else:
        assert cond(state()), name


def feed(rolling: Rolling, st: SymbolState, ticks: list[tuple[float, int, int]]) -> None:
    for ts, price, vol in ticks:
        st.price, st.ts, st.values = price, ts, Tick.of({"15": str(vol)})
        rolling.update(st)


TICKS = [(T0, 100, 10), (T0 + 60, 110, -30), (T0 + 120, 90, 20), (T0 + 1800, 120, 40)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sma(2)", 105.0),
        ("sma(3)", (110 + 90 + 120) / 3),
        ("sma(90s)", 120.0),
        ("sma(1h)", 105.0),
        ("vwap", (1000 + 3300 + 1800 + 4800) / 100),
        ("vwap(2)", (1800 + 4800) / 60),
        ("vwap(5m)", 120.0),
        ("volume_sum(3)", 90),
        ("volume_sum(1h)", 100),
        ("high_of(3)", 120),
        ("high_of(2)", 120),
        ("low_of(3)", 90),
        ("low_of(1h)", 90),
        ("change(2)", 120 / 110 - 1),
        ("change(1h)", 120 / 100 - 1),
        ("range_high(09:00, 09:05)", 110),
        ("range_low(09:00, 09:05)", 90),
        ("range_high(10:00, 11:00)", 0),
    ],
)
def test_rolling_values(expr: str, expected: float) -> None:
    """Rolling values over ticks and over time windows, fed incrementally."""
    node = parse(expr)
    keys: dict[RollKey, int] = {}
    for key in rolling_keys(node):
        keys.setdefault(key, len(keys))
    st = state()
    rolling = Rolling(len(keys), keys)
    st.roll = rolling.values
    feed(rolling, st, TICKS)
    assert compile_value(node, slots=keys)(st) == pytest.approx(expected)


def test_window_high_expires_old_maximum() -> None:
    """A monotonic window forgets a high once it falls out of the window."""
    node = parse("high_of(2)")
    keys = {next(rolling_keys(node)): 0}
    st = state()
    rolling = Rolling(1, keys)
    st.roll = rolling.values
    feed(rolling, st, [(T0, 200, 1), (T0 + 1, 100, 1), (T0 + 2, 150, 1)])
    assert st.roll[0] == 150


EVENT_VALUES: dict[str, dict[str, object]] = {
    "order": {
        "event.status": "partially_filled",
        "event.side": "sell",
        "event.qty": 10,
        "event.price": 70_600,
        "event.filled_qty": 4,
        "event.remaining": 6,
        "event.fill_qty": 3,
        "event.fill_price": 70_700,
        "event.tag": "exit",
    },
    "vi": {
        "event.status": "released",
        "event.kind": "dynamic",
        "event.direction": "down",
        "event.trigger_price": 69_000,
    },
}


@pytest.mark.parametrize(
    ("kind", "name"), [(k, n) for k, names in EVENT_VALUES.items() for n in sorted(names)]
)
def test_each_event_name_reads_the_triggering_event(kind: str, name: str) -> None:
    """event.* names compile for their trigger kind and read MarketState.event."""
    from autotrader.engine.trigger_event import TriggerEvent

    fields = {n[6:]: v for n, v in EVENT_VALUES[kind].items()}
    st = state()
    st.market.event = TriggerEvent(**fields)  # type: ignore[arg-type]
    expected = EVENT_VALUES[kind][name]
    literal = f'"{expected}"' if isinstance(expected, str) else str(expected)
    computed = {"event.age", "event.unfilled"}  # tests/scenarios/test_trust_exits.py
    assert set(EVENT_VALUES[kind]) == set(EVENT_NAMES[kind]) - computed
    cond = compile_condition(parse(f"{name} == {literal}"), names=names_for(kind))
    assert cond(st)

"""Fuzzing the frame decoders, live (``broker/kiwoom/parse.py``, ``fields.py``) and replay
(``feed/kiwoom.py``): any input gives a value or a counted skip, never an exception, and
nothing out of range reaches an ``Execution``, a ``BalanceUpdate`` or a rule."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.fields import Unreadable
from autotrader.broker.kiwoom.parse import (
    ParseStats,
    decode_frame,
    parse_balance_update,
    parse_execution,
    real_entries,
)
from autotrader.market.limits import INT64_MAX, MAX_PRICE, MAX_QTY
from tests.frames import real, trade
from tests.harness import Harness

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
NOW = 1_795_132_800.0
ASCII_NUMBER = re.compile(r"[+-]?[0-9]{1,18}")

# Strings that look like numbers to one reader or another.
NUMBERISH = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789+-.,_ ²³¹٠١٢３４e", max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "9" * 400, "²", "+60700", "-0001,234", "nan", "inf", "1e9"]),
)
ANY_VALUE = st.one_of(
    NUMBERISH,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)
FIDS = ["9203", "9001", "913", "905", "907", "900", "901", "902", "904", "908",
        "910", "911", "914", "915", "938", "939", "930", "931", "933", "10", "20"]  # fmt: skip


@SETTINGS
@given(ANY_VALUE)
def test_field_readers_return_a_value_in_range_or_a_marker(value: Any) -> None:
    """read_int/price/qty never raise; ASCII numbers read as int() does."""
    number = fields.read_int(value)
    assert isinstance(number, Unreadable) or abs(number) <= INT64_MAX
    price = fields.read_price(value)
    assert isinstance(price, Unreadable) or 0 <= price <= MAX_PRICE
    qty = fields.read_qty(value)
    assert isinstance(qty, Unreadable) or abs(qty) <= MAX_QTY
    if isinstance(value, str) and ASCII_NUMBER.fullmatch(value.strip()):
        assert number == int(value)
    fields.parse_float(value)
    fields.hhmmss(value)
    fields.symbol(value)


def _values(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(FIDS), ANY_VALUE, max_size=10).map(
        lambda fuzz: {**base, **fuzz}
    )


FILLED = {"9203": "0000018", "9001": "005930", "913": "체결", "905": "+매수", "907": "2",
          "900": "10", "901": "60000", "902": "0", "908": "094022", "914": "60000",
          "915": "10"}  # fmt: skip


@SETTINGS
@given(_values(FILLED))
def test_live_00_entries_parse_in_range_or_are_counted(values: dict[str, Any]) -> None:
    """A 00 entry with any fields replaced: an Execution whose numbers are in range, or
    None with exactly one skip counted."""
    stats = ParseStats()
    e = parse_execution(values, NOW, stats)
    if e is None:
        assert stats.total == 1
        return
    assert stats.total == 0
    assert 0 <= e.order_qty <= MAX_QTY and 0 <= e.fill_qty <= MAX_QTY
    assert 0 <= e.order_price <= MAX_PRICE and 0 <= e.fill_price <= MAX_PRICE
    assert 0 <= e.remaining_qty <= MAX_QTY and e.commission >= 0 and e.tax >= 0
    if e.status == "filled":
        assert e.fill_qty > 0 and e.fill_price > 0


@SETTINGS
@given(_values({"9001": "005930", "930": "102", "931": "154116", "933": "102"}))
def test_live_04_entries_parse_in_range_or_are_counted(values: dict[str, Any]) -> None:
    """A 04 entry: a BalanceUpdate in range, or None and one skip."""
    stats = ParseStats()
    b = parse_balance_update(values, NOW, stats)
    assert (b is None) == (stats.total == 1)
    if b is not None:
        assert 0 <= b.qty <= MAX_QTY and 0 <= b.sellable_qty <= MAX_QTY
        assert 0 <= b.avg_price <= MAX_PRICE


@SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_live_frames_of_any_bytes_decode_or_are_counted(raw: bytes) -> None:
    """decode_frame and real_entries never raise on any bytes."""
    stats = ParseStats()
    frame = decode_frame(raw, stats)
    if frame is not None:
        real_entries(frame, stats)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)
TICK_VALUES = st.dictionaries(
    st.sampled_from(["10", "11", "12", "13", "15", "16", "17", "18", "20", "27", "28", "228"]),
    ANY_VALUE,
    max_size=6,
)
EVERYTHING = """
strategy: t
symbols: ["005930"]
rules:
  - name: reads-all
    when: >-
      ask > 0 and bid > 0 and spread >= 0 and volume >= 0 and cum_volume >= 0 and
      change_rate > -100% and open > 0 and high > 0 and low > 0 and strength >= 0 and
      pct_from_open > -100%
    cooldown: 1h
    do:
      - buy: {qty: 1}
"""


@SETTINGS
@given(st.lists(JSON | TICK_VALUES.map(lambda v: real(_tick(v))), max_size=8))
def test_replay_decoder_never_raises_and_only_sound_ticks_reach_rules(
    frames: list[Any],
) -> None:
    """Any JSON, and ticks with any fields replaced: the decoder never raises, every
    frame is counted, and a tick that reached the engine has every field sound."""
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(EVERYTHING, Path(tmp))
        h.feed([real(_tick({}))])
        st_ = h.engine.states["005930"]
        assert st_.price == 60_000
        seen: list[dict[str, Any]] = []
        inner = h.engine.on_trade
        h.decoder.on_trade = lambda s: (seen.append(dict(s.values)), inner(s))  # type: ignore[func-returns-value]
        for frame in frames:
            h.decoder.feed(frame)
        low, high = h.decoder.bands.bands["005930"]
        for values in seen:
            assert low <= abs(int(values["10"])) <= high
            for fid in ("12", "13", "15", "16", "17", "18", "27", "28", "228"):
                assert ASCII_NUMBER.fullmatch(values[fid].split(".")[0])
        assert low <= st_.price <= high
        h.journal.close()


def _tick(values: dict[str, Any]) -> dict[str, Any]:
    t = trade("005930", "090001", 60_000)
    t["values"].update({"16": "60000", "17": "61000", "18": "59000", "228": "101.5"})
    t["values"].update(values)
    return t

"""The compiled line loop (feed/_speedups.pyx) does exactly what the Python loop does
(``lines.feed_numbered_py`` with ``FrameDecoder.feed_line``): the same ticks written,
the same clock readings, the same counters, the same lines told bad with the same
reasons, on good tapes and on tapes garbled every way a field, a time or a line can be."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.errors import TapeError
from autotrader.feed import lines, validate
from autotrader.feed.fastline import GARBLED, TICK_FIELDS
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.feed.tape import read_frames

needs_speedups = pytest.mark.skipif(lines.SPEEDUPS is None, reason="the compiled loop is not built")

DAY = 1_795_000_000.0
READS: dict[str, frozenset[str]] = {  # each symbol's rules read other fields
    "005930": frozenset({"spread", "volume"}),
    "000660": frozenset({"change_rate", "strength", "low", "open", "high", "cum_volume"}),
    "035720": frozenset(),
    "066570": validate.ALL_NAMES,
}
BOOM = 61_111  # a price at which the engine's on_trade raises (its error is the entry's)


class State:
    __slots__ = ("symbol", "price", "values", "ts", "ticks", "depth", "program", "limits")

    def __init__(self, symbol: str) -> None:
        self.symbol, self.price, self.ts, self.ticks = symbol, 0, 0.0, 0
        self.values: Any = None


def _run(
    impl: str,
    frames: list[bytes],
    bad_lines: lines.BadLines = "skip",
    reads: dict[str, frozenset[str]] = READS,
    state: type = State,
) -> list[Any]:
    """Everything a decoder did over ``frames``, fed by one of the two loops."""
    seen: list[Any] = []
    states = {s: state(s) for s in reads}

    def on_trade(state: State) -> None:
        v = state.values
        seen.append(("trade", state.symbol, state.price, state.ts, state.ticks, v.f20, v.f10))
        if state.price == BOOM:
            raise ValueError("the engine refused it")

    decoder = FrameDecoder(
        states,
        object(),
        DAY,
        on_trade,
        lambda ev: seen.append(("vi", ev)),
        lambda ev: seen.append(("session", ev)),
        lambda ts: seen.append(("time", ts)),
        reads=lambda item: reads.get(item, frozenset()),
    )
    decoder.counters.listener = lambda why, excerpt: seen.append(("told", why, excerpt))

    def on_skip(n: int, why: str, line: bytes) -> None:
        seen.append(("skip", n, why, line))

    numbered = enumerate(frames, 2)
    try:
        if impl == "python":
            judge = lines._judge(decoder, "tape", bad_lines, on_skip)
            lines.feed_numbered_py(decoder, numbered, judge)
        else:
            lines.feed_numbered(
                decoder, numbered, where="tape", bad_lines=bad_lines, on_skip=on_skip
            )
    except TapeError as exc:
        seen.append(("refused", str(exc)))
    c = decoder.counters
    seen.append((c.frames, c.malformed, c.unsubscribed, c.control, c.last_error, c.skipped_types))
    seen.append(sorted(decoder._bands.items()))
    return seen


def _same(
    frames: list[bytes],
    bad_lines: lines.BadLines = "skip",
    reads: dict[str, frozenset[str]] = READS,
) -> list[Any]:
    compiled = _run("compiled", frames, bad_lines, reads)
    assert compiled == _run("python", frames, bad_lines, reads)
    return compiled


def test_the_compiled_loop_is_built_where_there_is_a_compiler() -> None:
    if os.environ.get("AUTOTRADER_PURE_PYTHON") or not shutil.which("cc"):
        pytest.skip("pure Python asked for, or no C compiler")
    assert lines.SPEEDUPS is not None, "pip install -e . should have built feed/_speedups.pyx"


def _tick(item: str, hms: str, price: int, **fields: Any) -> dict[str, Any]:
    values = {
        "20": hms,
        "10": f"+{price}",
        "11": "+500",
        "12": "+0.83",
        "27": f"+{price + 100}",
        "28": f"+{price}",
        "15": "+12",
        "13": "123456",
        "16": f"+{price - 200}",
        "17": f"+{price + 300}",
        "18": f"+{price - 400}",
        "228": "101.25",
        "302": "삼성전자",
    }
    values.update(fields)
    return {"type": "0B", "name": "주식체결", "item": item, "values": values}


def _line(*entries: dict[str, Any], rt: str | None = None, trnm: str = "REAL") -> bytes:
    frame: dict[str, Any] = {"trnm": trnm, "data": list(entries)}
    if rt is not None:
        frame["rt"] = rt
    return orjson.dumps(frame)


@needs_speedups
def test_a_synthetic_day_is_fed_the_same() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tape = Path(tmp) / "day.jsonl.gz"
        header = write_tape(tape, SynthConfig(seed=11, n_symbols=4, ticks=3_000))
        _, frames = read_frames(tape)
        raw = list(frames)
    reads = dict(zip(header.symbols, READS.values(), strict=False))  # the fourth: no rules
    seen = _same(raw, reads=reads)
    assert sum(1 for s in seen if s[0] == "time") > 100  # the clock moved
    assert sum(1 for s in seen if s[0] == "trade") > 1_000


@needs_speedups
def test_each_kind_of_bad_tick_is_told_the_same() -> None:
    good = _tick("005930", "090000", 60_000)
    frames = [
        _line(good, rt="090000.100"),
        _line(_tick("005930", "090000", 60_100, **{"27": "+6O100"}), rt="090000.200"),
        _line(_tick("000660", "090000", 120_000), rt="090000.300"),  # first: fixes the band
        _line(_tick("000660", "090001", 120_100, **{"228": "1.2.3"}), rt="090001.001"),
        _line(_tick("000660", "090001", 200_000), rt="090001.002"),  # outside the band
        _line(_tick("000660", "090001", 120_000, **{"18": "+50000"}), rt="090001.003"),
        _line(_tick("035720", "090001", 50_000, **{"27": "garbage"}), rt="090001.004"),  # unread
        _line(_tick("999999", "090001", 50_000), rt="090001.005"),  # not subscribed
        _line(_tick("005930", "246000", 60_000), rt="090001.006"),  # time garbled
        _line(_tick("005930", "090002", BOOM), rt="0900O2.000"),  # receive time garbled
        _line(_tick("005930", "090002", BOOM), rt="090002.000"),  # the engine raises
        _line(_tick("005930", "090002", 60_000, **{"10": "-0"}), rt="090002.5"),
        _line(_tick("005930", "090003", 60_000, **{"10": "٦٠٠٠٠"})),
        _line(trnm="PING"),
        b"not json",
        _line(good, _tick("005930", "090003", 60_000, **{"15": None}), rt="090003.010"),
    ]
    seen = _same(frames)
    told = [s[1] for s in seen if s[0] == "told"]
    assert "0B 005930: field 27 garbled" in told
    assert "0B 000660: field 228 garbled" in told
    assert "ValueError: the engine refused it" in told
    assert any("outside the day's band" in why for why in told)
    assert sum(1 for s in seen if s[0] == "trade" and s[1] == "035720") == 1
    refused = [s for s in _same(frames, "refuse") if s[0] == "refused"]
    assert refused == [("refused", f"tape:3: {told[0]} (--bad-lines skip replays past such lines)")]


# Text at the edges of each field's pattern and of the day's band (base 59,500: a price
# from 41,650 to 77,350).
EDGES = [
    *["0", "-0", "+0", "00060000", "-000000000000060000", "0000000000", "+", "-", "+-1", ""],
    *["1" * 9, "1" * 10, "1" * 12, "1" * 13, "9" * 15, "9" * 16, "60000", "+60000", "-60000"],
    *["+41650", "+41649", "-77350", "+77351", "12.5", "-12.1234", "12.12345", "123.4", "1."],
    *[".5", "+1.5", "-99.9999", "999999.9999", "9999999.1", "1234567.1", " 1", "1 ", "1_0"],
    *["١", "+٦٠٠٠٠", "6O000", "1e3", "0x10", "½", None, GARBLED],
]


@needs_speedups
def test_every_field_s_edge_text_is_judged_the_same() -> None:
    frames = [_line(_tick("066570", "090000", 60_000), rt="090000.000")]
    for i, fid in enumerate(f for f in TICK_FIELDS if f != "20"):
        rt = f"0900{i:02d}.000"
        frames += [
            _line(_tick("066570", f"0900{i:02d}", 60_000, **{fid: text}), rt=rt) for text in EDGES
        ]
    seen = _same(frames)
    assert sum(1 for s in seen if s[0] == "trade") > 100
    assert sum(1 for s in seen if s[0] == "told") > 200


# Text a field might hold: good numbers, near misses, other scripts, nothing at all.
texts = st.one_of(
    st.none(),
    st.just(""),
    st.from_regex(r"[+-]?0{0,3}[0-9]{1,13}", fullmatch=True),
    st.from_regex(r"[+-]?[0-9]{1,7}\.[0-9]{0,5}", fullmatch=True),
    st.sampled_from(["+60000", "-59900", "+60100", "0", "-0", "+٦٠٠٠٠", "1_000", " 12", "1e3"]),
    st.sampled_from([GARBLED, "+1.", ".5", "12.5", "-1.1234", "+0.12345", "101.12345", "123.4"]),
    st.sampled_from(["1234567.1", "999999999", "1234567890", "999999999999", "1234567890123"]),
    st.text(max_size=12),
)
# Mostly good times, so that most ticks reach the field checks; some of every bad kind.
BAD_TIMES = ["235959", "240000", "196000", "095960", "0900", "09000a", "+90000", "٠٩٠٠٠٠"]
times = st.sampled_from(["090000", "090001", "090002"] * 8 + BAD_TIMES)
BAD_RECEIVE_TIMES = ["090001.50", "090001.5000", "0900O1.500", "090001,500", "090001.5OO"]
GOOD_RECEIVE_TIMES = [f"09000{s}.{ms:03d}" for s in "012" for ms in (0, 1, 500, 999)]
receive_times = st.sampled_from([*GOOD_RECEIVE_TIMES * 4, None, *BAD_RECEIVE_TIMES])
garbles = st.dictionaries(st.sampled_from([f for f in TICK_FIELDS if f != "20"]), texts, max_size=2)
ticks = st.builds(
    lambda item, hms, price, garble: _tick(item, hms, price, **garble),
    st.sampled_from([*READS, "111111"]),
    times,
    st.sampled_from([60_000, 60_100, 59_900, 90_000, BOOM]),
    st.one_of(st.just({}), garbles, garbles),
)
tick_lines = st.builds(
    lambda entries, rt: _line(*entries, rt=rt),
    st.lists(ticks, min_size=0, max_size=3),
    receive_times,
)
other_lines = st.sampled_from([_line(trnm="PING"), b"{", b'{"trnm":"REAL","data":{}}'])
lines_ = st.one_of(tick_lines, tick_lines, tick_lines, other_lines)


WARM_UP = _line(*[_tick(item, "090000", 60_000) for item in READS], rt="090000.000")


@needs_speedups
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines_, max_size=12), st.sampled_from(["skip", "refuse"]))
def test_any_tape_is_fed_the_same(frames: list[bytes], bad_lines: lines.BadLines) -> None:
    """After a first line that fixes every symbol's band, so that the lines after it
    reach the compiled checks rather than the first tick's path."""
    _same([WARM_UP, *frames], bad_lines)


def test_a_tick_the_loops_write_is_the_tape_s() -> None:
    """The state holds the decoded ``Tick`` itself (rules read its fields lazily)."""
    seen = _run("compiled", [_line(_tick("005930", "090000", 60_000), rt="090000.100")])
    trades = [s for s in seen if s[0] == "trade"]
    assert trades == [
        ("trade", "005930", 60_000, pytest.approx(DAY + 32_400.1), 1, "090000", "+60000")
    ]


@needs_speedups
def test_a_strategy_s_replay_journals_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.feed.test_fastline import _run as replay  # orders, fills, positions, errors

    tape = tmp_path / "day.jsonl.gz"
    symbols = tuple(write_tape(tape, SynthConfig(seed=5, n_symbols=12, ticks=6_000)).symbols)
    compiled = replay(tape, tmp_path / "compiled.db", symbols)
    monkeypatch.setattr(lines, "SPEEDUPS", None)
    assert compiled == replay(tape, tmp_path / "python.db", symbols)
    assert compiled[0]["orders"] > 0 and compiled[0]["fills"] > 0


def test_the_feed_tests_pass_on_the_python_loop() -> None:
    """The pure-Python loop is what runs where nothing was compiled: the feed's own
    tests hold it to the same behaviour (the rest of the suite runs the compiled one)."""
    import subprocess
    import sys

    if os.environ.get("AUTOTRADER_PURE_PYTHON"):
        pytest.skip("this run is on the Python loop already")
    env = {**os.environ, "AUTOTRADER_PURE_PYTHON": "1"}
    args = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "--ignore", __file__]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args, str(Path(__file__).parent)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout


def test_a_decoder_subclass_keeps_its_own_methods() -> None:
    """The compiled loop stands in for ``FrameDecoder``'s methods only: a subclass that
    overrides one is fed by the Python loop, which calls its override on every tick."""
    seen: list[str] = []

    class Watching(FrameDecoder):
        def _trade(self, item: str, v: Any) -> None:
            seen.append(item)
            super()._trade(item, v)

    decoder = Watching(
        {"005930": State("005930")},
        object(),
        DAY,
        lambda st: None,
        lambda ev: None,
        lambda ev: None,
        lambda ts: None,
    )
    frames = [_line(_tick("005930", f"09000{s}", 60_000), rt=f"09000{s}.000") for s in "012"]
    lines.feed_numbered(decoder, enumerate(frames, 2), where="tape")
    assert seen == ["005930"] * 3


class PlainState:
    """A state without slots: the compiled loop writes it by attribute."""

    def __init__(self, symbol: str) -> None:
        self.symbol, self.price, self.ts, self.ticks = symbol, 0, 0.0, 0
        self.values: Any = None


@needs_speedups
def test_a_state_without_slots_is_written_the_same() -> None:
    frames = [
        _line(_tick(item, f"09000{s}", 60_000 + 100 * int(s)), rt=f"09000{s}.{s}00")
        for s in "0123"
        for item in READS
    ]
    compiled = _run("compiled", frames, state=PlainState)
    assert compiled == _run("python", frames, state=PlainState)
    assert sum(1 for s in compiled if s[0] == "trade") == 4 * len(READS)

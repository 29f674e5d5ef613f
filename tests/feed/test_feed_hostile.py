"""Garbled market frames and tape lines: refused at decoding, counted and journaled with
their reason (and line number), never reaching a rule; the replay goes on, or stops at
the first bad line when the user says ``--bad-lines refuse``."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import replay
from autotrader.errors import TapeError
from autotrader.feed import validate
from autotrader.feed.tape import MAX_LINE_BYTES, numbered_frames
from autotrader.journal import Journal
from autotrader.rules import load_strategy_text
from tests.frames import line, real, trade, write_tape
from tests.harness import Harness

ALWAYS = """
strategy: t
symbols: ["005930"]
rules:
  - name: every-tick
    when: ask > 0 and volume > 0
    do:
      - buy: {qty: 1}
"""
HUGE = "9" * 400


def tick(**values: Any) -> dict[str, Any]:
    t = trade("005930", "090001", 60_000)
    t["values"].update(values)
    return t


def fed(tmp_path: Path, *entries: dict[str, Any]) -> Harness:
    h = Harness(ALWAYS, tmp_path)
    first = trade("005930", "090000", 60_000)
    first["values"]["11"] = "+1000"  # base 59,000: the day's band is 41,300 - 76,700
    h.feed([real(first)])
    h.feed([real(e) for e in entries])
    return h


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"10": "²"}, "field 10 garbled"),
        ({"10": "+٦٠٠٠٠"}, "field 10 garbled"),  # int() would read 60000
        ({"10": HUGE}, "field 10 garbled"),
        ({"10": "+1_000"}, "field 10 garbled"),
        ({"10": "+90000"}, "outside the day's band"),  # +50% on 60,000
        ({"10": "+30000"}, "outside the day's band"),
        ({"20": "25:00:00"}, "field 20 garbled"),
        ({"20": "٠٩٠٠٠٢"}, "field 20 garbled"),
        ({"27": HUGE}, "field 27 garbled"),
        ({"27": "+99000"}, "field 27 outside the day's price band"),
        ({"15": "+1000000000"}, "field 15 garbled"),  # a billion shares in one trade
        ({"15": ""}, "field 15 absent"),
    ],
)
def test_garbled_tick_is_refused_before_any_rule(
    tmp_path: Path, values: dict[str, str], reason: str
) -> None:
    """The tick never reaches the rules (no fire, price unchanged), counted with its reason."""
    h = fed(tmp_path, tick(**values))
    assert h.plan.rules[0].fires == 1  # the first, good tick only
    assert h.engine.states["005930"].price == 60_000
    assert h.decoder.counters.malformed == 1
    assert reason in h.decoder.counters.last_error


def test_first_tick_that_contradicts_its_own_base_price_is_refused(tmp_path: Path) -> None:
    """Field 11 says the base is 20,000 while the price is 60,000: not a KRX price."""
    h = Harness(ALWAYS, tmp_path)
    bad = trade("005930", "090000", 60_000)
    bad["values"]["11"] = "+40000"
    h.feed([real(bad)])
    assert h.decoder.counters.malformed == 1 and "disagree" in h.decoder.counters.last_error
    good = trade("005930", "090001", 60_000)
    good["values"]["11"] = "+1000"  # base 59,000: band 41,300 - 76,700
    h.feed([real(good)])
    assert h.decoder.bands.bands["005930"] == (41_300, 76_700)


def test_without_a_base_price_the_band_is_what_one_day_can_span(tmp_path: Path) -> None:
    """No field 11: from a first price of 60,000 the day spans 32,307 - 111,429."""
    h = Harness(ALWAYS, tmp_path)
    h.feed([real(trade("005930", "090000", 60_000)), real(tick(**{"10": "+111430"}))])
    assert h.decoder.counters.malformed == 1 and "band" in h.decoder.counters.last_error
    h.feed([real(tick(**{"10": "+111000", "27": "+111000", "28": "+111000"}))])
    assert h.engine.states["005930"].price == 111_000


def test_garbled_vi_and_session_entries_are_skipped(tmp_path: Path) -> None:
    """A 1h with a superscript price and a 0s with a garbled time are counted, not applied."""
    h = fed(tmp_path)
    vi = {"type": "1h", "item": "005930", "values": {"9068": "1", "1221": "6²", "1223": "090001"}}
    session = {"type": "0s", "item": "", "values": {"215": "3", "20": "9am"}}
    h.feed([real(vi), real(session)])
    assert h.decoder.counters.malformed == 2
    assert not h.engine.states["005930"].vi_active and h.engine.market.session != "open"


def test_decoder_never_raises_on_frames_of_any_shape(tmp_path: Path) -> None:
    """Lists, strings, numbers and nested junk where a frame or entry should be: counted."""
    h = fed(tmp_path)
    junk: list[Any] = [
        None, 1, "REAL", [], {"trnm": "REAL"}, {"trnm": "REAL", "data": "x"},
        {"trnm": "REAL", "data": [None, 1, {"type": "0B"}, {"type": "0B", "item": "005930"}]},
        {"trnm": "REAL", "data": [{"type": "0B", "item": "005930", "values": {"10": 60000}}]},
        {"trnm": "REAL", "data": [{"type": "0B", "item": ["005930"], "values": {}}]},
    ]  # fmt: skip
    for frame in junk:
        h.decoder.feed(frame)
    assert h.decoder.counters.malformed >= 6


def test_only_the_fields_a_plan_reads_are_required(tmp_path: Path) -> None:
    """A strategy reading only price does not care about a garbled strength field."""
    assert not validate.checks_for({"price", "time"})
    assert validate.checks_for({"spread", "pct_from_open"}).fields == ["16", "27", "28"]


def _tape(tmp_path: Path, frames: list[bytes], name: str = "t.jsonl") -> Path:
    path = tmp_path / name
    write_tape(path, frames)
    return path


def _replay(tmp_path: Path, tape: Path, bad_lines: str = "skip") -> tuple[Any, Journal]:
    plan = compile_strategy(load_strategy_text(ALWAYS, "t.yaml"))
    journal = Journal(tmp_path / "j.db")
    result = replay(plan, tape, PaperBroker(), journal, bad_lines=bad_lines)  # type: ignore[arg-type]
    journal.flush()
    return result, journal


def test_bad_tape_lines_are_skipped_and_journaled_with_line_numbers(tmp_path: Path) -> None:
    """Lines 3 (not JSON) and 4 (a garbled price) are skipped, journaled as 'line N: ...'."""
    good = line(trade("005930", "090000", 60_000))
    tape = _tape(tmp_path, [good, b"{not json", line(tick(**{"10": "²"})), good])
    result, journal = _replay(tmp_path, tape)
    assert result.counters.malformed == 2
    details = [r[0] for r in journal.conn.execute("SELECT detail FROM errors WHERE source='frame'")]
    assert details[0].startswith("line 3: not JSON")
    assert details[1].startswith("line 4: 0B 005930: field 10 garbled")
    journal.close()


def test_refuse_stops_at_the_first_bad_line_naming_it(tmp_path: Path) -> None:
    """--bad-lines refuse: a TapeError 'path:3: not JSON' and nothing after it."""
    good = line(trade("005930", "090000", 60_000))
    tape = _tape(tmp_path, [good, b"", b"[1, 2", good])
    with pytest.raises(TapeError, match=r"t\.jsonl:4: not JSON"):
        _replay(tmp_path, tape, "refuse")


def test_oversized_line_and_truncated_gzip_are_clear_errors(tmp_path: Path) -> None:
    """A line over the limit and a gzip cut short are TapeErrors naming the line."""
    big = _tape(tmp_path, [b"[" + b"1," * (MAX_LINE_BYTES // 2) + b"1]"], "big.jsonl")
    with pytest.raises(TapeError, match=r"big\.jsonl:2: line longer than"):
        list(numbered_frames(big))
    cut = tmp_path / "cut.jsonl.gz"
    body = b"\n".join([orjson.dumps({"trnm": "TAPE", "version": 1, "date": "20261120"})]
                      + [line(trade("005930", "090000", 60_000))] * 3000)  # fmt: skip
    data = gzip.compress(body)
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(TapeError, match=r"cut\.jsonl\.gz:\d+: tape is corrupt or truncated"):
        list(numbered_frames(cut))


def test_a_live_decoder_fixes_new_bands_on_a_new_day(tmp_path: Path) -> None:
    """Day 2's first tick sets its own band: yesterday's base does not refuse it."""
    h = fed(tmp_path)
    assert "005930" in h.decoder.bands.bands
    h.decoder.stamp(h.decoder.day_start + 86_400.0 + 9 * 3600)
    assert h.decoder.bands.bands == {}
    h.feed([real(trade("005930", "090000", 100_000))])
    assert h.engine.states["005930"].price == 100_000

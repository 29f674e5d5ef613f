"""Bars become ticks along the documented path, and day tapes that say so; CSV import."""

from __future__ import annotations

import datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.errors import TapeError
from autotrader.feed.bars import PathTick, bar_path, write_bar_tapes
from autotrader.feed.csv_import import read_csv_bars
from autotrader.feed.tape import open_tape
from autotrader.model.bars import DAY_OPEN, DAY_SPAN, Bar

DAY = datetime.date(2026, 11, 20)


def _bar(o: int, h: int, lo: int, c: int, v: int, *, start: int = 9 * 3600, span: int = 60) -> Bar:
    return Bar("005930", DAY, start, span, o, h, lo, c, v)


def test_a_rising_bar_dips_to_its_low_before_its_high() -> None:
    """close >= open: open, low, high, close at 0, 1/3, 2/3 and the bar's last second."""
    path = bar_path(_bar(100, 110, 95, 105, 40))
    assert path == [
        PathTick(0, 100, 10, True),
        PathTick(19, 95, 10, False),
        PathTick(39, 110, 10, True),
        PathTick(59, 105, 10, False),
    ]


def test_a_falling_bar_reaches_its_high_first() -> None:
    """close < open: open, high, low, close; the volume remainder goes to the last points."""
    path = bar_path(_bar(100, 104, 90, 92, 7))
    assert [(t.price, t.volume) for t in path] == [(100, 1), (104, 2), (90, 2), (92, 2)]
    assert [t.buyer for t in path] == [False, True, False, True]


def test_small_volume_drops_points_and_no_volume_makes_no_tick() -> None:
    """A point without volume is no trade; a one-trade bar (span 0) is one tick."""
    assert [t.price for t in bar_path(_bar(100, 110, 95, 105, 2))] == [110, 105]
    assert bar_path(_bar(100, 100, 100, 100, 0)) == []
    assert bar_path(_bar(100, 100, 100, 100, 3, span=0)) == [PathTick(0, 100, 3, True)]


def test_a_daily_bar_spans_the_session_from_0900_to_1530() -> None:
    """Daily bars: 09:00:00, 11:10:00, 13:20:00, 15:30:00."""
    ticks = bar_path(_bar(100, 110, 95, 105, 4, start=DAY_OPEN, span=DAY_SPAN))
    assert [DAY_OPEN + t.offset for t in ticks] == [32400, 40200, 48000, 55800]


def test_day_tapes_say_they_were_made_from_bars(tmp_path: Path) -> None:
    """One tape per day; the header names the source, the kind and the base prices, and
    frames of two symbols interleave in time order; day two's base is day one's close."""
    bars = [
        _bar(100, 110, 95, 105, 40),
        Bar("000660", DAY, 9 * 3600, 60, 200, 200, 190, 195, 8),
        _bar(105, 106, 104, 106, 4, start=9 * 3600 + 60),
        Bar("005930", DAY + datetime.timedelta(days=1), 9 * 3600, 60, 107, 108, 107, 108, 4),
    ]
    files = write_bar_tapes(bars, tmp_path, origin="test")
    assert [f.name for f in files] == ["20261120.jsonl.gz", "20261121.jsonl.gz"]
    header, frames = open_tape(files[0])
    assert header.extra["source"] == "bars" and header.extra["bars"] == "1m"
    assert header.extra["path"] == "open-extreme-extreme-close"
    assert header.symbols == ("000660", "005930")  # by first bar, then code
    entries = [e for f in frames for e in orjson.loads(f)["data"]]
    times = [e["values"]["20"] for e in entries]
    assert times == sorted(times)
    trades = [e for e in entries if e["type"] == "0B"]
    assert len(trades) == 4 + 4 + 4
    assert [e["type"] for e in entries if e["type"] == "0s"] == ["0s"] * 4
    assert sum(abs(int(e["values"]["15"])) for e in trades) == 40 + 8 + 4
    second_header, second = open_tape(files[1])
    assert second_header.extra["base_prices"] == {"005930": 106}
    first = orjson.loads(next(f for f in second if b'"0B"' in f))["data"][0]["values"]
    assert first["10"] == "+107" and first["12"] == "+0.94"


def test_csv_import_reads_minute_bars_and_names_a_bad_line(tmp_path: Path) -> None:
    """A header line is skipped, times in several spellings, the span is inferred; a bad
    line stops the import with its line number, or is skipped and counted."""
    csv = tmp_path / "bars.csv"
    csv.write_text(
        "date,time,open,high,low,close,volume\n"
        "2026-11-20,09:00,100,110,95,105,40\n"
        "20261120,090100,105,106,104,106,4\n"
        "20261120,0902,106,x,104,106,4\n",
        encoding="utf-8",
    )
    with pytest.raises(TapeError, match=r"bars.csv:4: high 'x' is not a number"):
        read_csv_bars(csv, "005930")
    parsed = read_csv_bars(csv, "005930", skip_bad=True)
    assert [b.start for b in parsed.bars] == [32400, 32460] and parsed.bars[0].span == 60
    assert parsed.skipped == ["line 4: high 'x' is not a number"]


def test_csv_import_refuses_a_bar_whose_high_is_below_its_close(tmp_path: Path) -> None:
    """Impossible bars are errors, not ticks."""
    csv = tmp_path / "bad.csv"
    csv.write_text("20261120,,100,104,95,105,10\n", encoding="utf-8")
    with pytest.raises(TapeError, match=r"bad.csv:1: high 104 / low 95 do not contain"):
        read_csv_bars(csv, "005930")


def test_tape_import_and_info_on_the_command_line(tmp_path: Path) -> None:
    """`tape import` writes the days; `tape info` shows day, source, symbols, frames, times."""
    csv = tmp_path / "daily.csv"
    csv.write_text("20261119,,100,110,95,105,40\n20261120,,105,107,101,102,20\n", encoding="utf-8")
    out = tmp_path / "data"
    runner = CliRunner()
    result = runner.invoke(
        app, ["tape", "import", str(csv), "--symbol", "005930", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.jsonl.gz"))
    assert [f.name for f in files] == ["20261119.jsonl.gz", "20261120.jsonl.gz"]
    info = runner.invoke(app, ["tape", "info", str(files[1])])
    assert info.exit_code == 0, info.output
    text = info.output
    assert "day       2026-11-20" in text
    assert "bars (synthetic ticks from 1d bars)" in text
    assert "0B 4, 0s 4" in text
    assert "08:40:00 to 15:30:00" in text and "gaps      none" in text
    assert "005930 4" in text

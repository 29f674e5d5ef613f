"""The tape recorder: receive times, market entries only, a gzip member per flush,
rotation at Seoul midnight, gap lines, and repair of a member torn by a crash."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import orjson

from autotrader.clock import SEOUL
from autotrader.feed.recorder import TapeRecorder, receive_stamp, repair
from autotrader.feed.tape import open_tape
from tests.frames import real, trade

NIGHT = datetime(2026, 11, 20, 23, 59, 59, 250_000, tzinfo=SEOUL).timestamp()


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _text(*entries: dict[str, object]) -> str:
    return orjson.dumps(real(*entries)).decode()


def _lines(path: Path) -> list[dict[str, object]]:
    _, frames = open_tape(path)
    return [orjson.loads(f) for f in frames]


def test_each_line_carries_its_receive_time_in_seoul_to_the_millisecond(tmp_path: Path) -> None:
    """A frame is kept byte for byte after a spliced-in ``rt`` key (HHMMSS.mmm, KST)."""
    clock = Clock(datetime(2026, 11, 20, 9, 0, 1, 234_567, tzinfo=SEOUL).timestamp())
    rec = TapeRecorder(tmp_path, ["005930"], clock=clock, fsync=False)
    text = _text(trade("005930", "090001", 60_000))
    rec.on_frame(text)
    rec.flush()
    header, frames = open_tape(tmp_path / "20261120.jsonl.gz")
    raw = list(frames)
    assert header.extra["source"] == "kiwoom-live" and header.symbols == ("005930",)
    assert raw == [b'{"rt":"090001.234",' + text.encode()[1:]]


def test_account_entries_never_reach_the_tape(tmp_path: Path) -> None:
    """00/04 entries are cut from mixed frames; an account-only frame is not written."""
    rec = TapeRecorder(tmp_path, ["005930"], clock=Clock(NIGHT - 3600), fsync=False)
    execution = {"type": "00", "name": "주문체결", "item": "005930", "values": {"9203": "1"}}
    rec.on_frame(_text(execution))
    rec.on_frame(_text(trade("005930", "225959", 60_000), execution))
    rec.flush()
    lines = _lines(tmp_path / "20261120.jsonl.gz")
    assert [[e["type"] for e in line["data"]] for line in lines] == [["0B"]]  # type: ignore[union-attr]
    assert rec.frames == 1


def test_every_flush_appends_one_whole_gzip_member(tmp_path: Path) -> None:
    """After each flush the file is complete gzip: a crash after it loses nothing."""
    clock = Clock(NIGHT - 60)
    rec = TapeRecorder(tmp_path, [], clock=clock, fsync=False)
    path = tmp_path / "20261120.jsonl.gz"
    for second in range(3):
        clock.t += 1
        rec.on_frame(_text(trade("005930", f"2259{second:02d}", 60_000 + second)))
        rec.tick()
        assert len(_lines(path)) == second + 1  # readable after every flush
    assert gzip.decompress(path.read_bytes()).count(b"\n") == 4  # header + 3 frames


def test_the_day_rotates_at_seoul_midnight(tmp_path: Path) -> None:
    """A frame received after 00:00 KST opens the next day's tape, with its own header."""
    clock = Clock(NIGHT)
    rec = TapeRecorder(tmp_path, ["005930"], clock=clock, fsync=False)
    rec.on_frame(_text(trade("005930", "235959", 60_000)))
    clock.t += 1.0  # 00:00:00.250 on the 21st
    rec.on_frame(_text(trade("005930", "000000", 60_100)))
    rec.close()
    first, second = tmp_path / "20261120.jsonl.gz", tmp_path / "20261121.jsonl.gz"
    assert [ln["rt"] for ln in _lines(first)] == ["235959.250"]
    assert [ln["rt"] for ln in _lines(second)] == ["000000.250"]
    assert open_tape(second)[0].date.isoformat() == "2026-11-21"


def test_a_quiet_feed_still_rotates_on_the_clock_tick(tmp_path: Path) -> None:
    """tick() after midnight closes the old day even when no frame arrives."""
    clock = Clock(NIGHT)
    rec = TapeRecorder(tmp_path, [], clock=clock, fsync=False)
    rec.on_frame(_text(trade("005930", "235959", 60_000)))
    clock.t += 5.0
    rec.tick()
    assert rec.path == tmp_path / "20261121.jsonl.gz" and rec.path.exists()


def test_a_gap_is_a_line_from_the_last_frame_to_the_reconnect(tmp_path: Path) -> None:
    """mark_gap writes a GAP line the replay skips and ``tape info`` reports."""
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp())
    rec = TapeRecorder(tmp_path, [], clock=clock, fsync=False)
    rec.on_frame(_text(trade("005930", "100000", 60_000)))
    rec.mark_gap(rec.last_received, clock.t + 12.5, "reconnect")
    rec.close()
    gap = _lines(tmp_path / "20261120.jsonl.gz")[-1]
    assert gap == {
        "rt": "100012.500",
        "trnm": "GAP",
        "from": "100000.000",
        "to": "100012.500",
        "reason": "reconnect",
    }


def test_a_torn_last_member_is_cut_and_a_restart_marks_the_gap(tmp_path: Path) -> None:
    """A member half-written by a crash is truncated; recording resumes in the same file."""
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp())
    rec = TapeRecorder(tmp_path, [], clock=clock, fsync=False)
    rec.on_frame(_text(trade("005930", "100000", 60_000)))
    rec.flush()
    path = tmp_path / "20261120.jsonl.gz"
    whole = path.stat().st_size
    torn = gzip.compress(b'{"trnm":"REAL","data":[]}\n' * 50, mtime=0)
    with path.open("ab") as f:
        f.write(torn[: len(torn) // 2])
    kept, last = repair(path, datetime(2026, 11, 20).date())
    assert kept == whole and path.stat().st_size == whole
    assert last is not None and receive_stamp(last) == "100000.000"
    clock.t += 30
    again = TapeRecorder(tmp_path, [], clock=clock, fsync=False)
    again.on_frame(_text(trade("005930", "100030", 60_100)))
    again.close()
    lines = _lines(path)
    assert [ln.get("trnm") for ln in lines] == ["REAL", "GAP", "REAL"]
    assert lines[1]["from"] == "100000.000" and lines[1]["reason"] == "recorder restarted"

"""The tape file format: header, streaming reader, deterministic writer."""

from __future__ import annotations

import datetime
import gc
import gzip
from pathlib import Path

import orjson
import pytest

from autotrader.errors import TapeError
from autotrader.feed.tape import TapeHeader, TapeWriter, open_tape, read_frames

HEADER = TapeHeader(
    version=1,
    date=datetime.date(2026, 11, 20),
    tz="Asia/Seoul",
    symbols=("005930", "000660"),
    extra={"source": "test", "seed": 3},
)
FRAME = {
    "trnm": "REAL",
    "data": [
        {
            "type": "0B",
            "name": "주식체결",
            "item": "005930",
            "values": {"20": "090001", "10": "+60700", "15": "+3"},
        }
    ],
}


def write(path: Path, frames: list[bytes | dict[str, object]]) -> None:
    with TapeWriter(path, HEADER) as w:
        for f in frames:
            w.write_frame(f)


@pytest.mark.parametrize("name", ["day.jsonl", "day.jsonl.gz"])
def test_header_and_frames_round_trip(tmp_path: Path, name: str) -> None:
    """What TapeWriter writes, open_tape reads back: same header, same frame bytes."""
    raw = orjson.dumps(FRAME)
    path = tmp_path / name
    write(path, [raw, FRAME, raw])
    header, frames = open_tape(path)
    assert header == HEADER
    assert list(frames) == [raw, raw, raw]


def test_gz_tape_is_gzip_and_plain_tape_is_text(tmp_path: Path) -> None:
    """The .gz suffix selects gzip; any other name is plain UTF-8 lines."""
    write(tmp_path / "a.jsonl.gz", [FRAME])
    write(tmp_path / "a.jsonl", [FRAME])
    plain = (tmp_path / "a.jsonl").read_bytes()
    assert gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()) == plain
    first, second, rest = plain.split(b"\n")
    assert orjson.loads(first)["trnm"] == "TAPE"
    assert orjson.loads(second) == FRAME
    assert rest == b""


def test_header_line_has_known_keys_first_then_extra() -> None:
    """Line 1 is the documented v1 header with extra keys appended."""
    assert HEADER.to_json() == (
        b'{"trnm":"TAPE","version":1,"date":"20261120","tz":"Asia/Seoul",'
        b'"symbols":["005930","000660"],"source":"test","seed":3}'
    )


def test_korean_text_is_written_as_utf8_not_escaped(tmp_path: Path) -> None:
    """Frames given as dicts are serialised with raw UTF-8, as Kiwoom sends them."""
    write(tmp_path / "k.jsonl", [FRAME])
    text = (tmp_path / "k.jsonl").read_bytes()
    assert "주식체결".encode() in text
    assert b"\\u" not in text


def test_writer_output_is_deterministic_whatever_the_file_name(tmp_path: Path) -> None:
    """gzip carries no mtime and no file name, so equal frames give equal bytes."""
    write(tmp_path / "one.jsonl.gz", [FRAME] * 50)
    write(tmp_path / "another-name.jsonl.gz", [FRAME] * 50)
    assert (tmp_path / "one.jsonl.gz").read_bytes() == (
        tmp_path / "another-name.jsonl.gz"
    ).read_bytes()


def test_multiline_raw_frame_is_put_on_one_line(tmp_path: Path) -> None:
    """A pretty-printed raw frame is re-serialised so the tape stays one frame a line."""
    pretty = orjson.dumps(FRAME, option=orjson.OPT_INDENT_2) + b"\n"
    write(tmp_path / "p.jsonl", [pretty])
    _, frames = read_frames(tmp_path / "p.jsonl")
    assert frames == [orjson.dumps(FRAME)]


def test_blank_lines_and_crlf_are_skipped(tmp_path: Path) -> None:
    """Blank lines carry no frame and line endings never reach the frame bytes."""
    path = tmp_path / "b.jsonl"
    path.write_bytes(HEADER.to_json() + b"\r\n\r\n{}\r\n\n  \n[1]\n")
    header, frames = read_frames(path)
    assert header.symbols == ("005930", "000660")
    assert frames == [b"{}", b"[1]"]


def test_missing_file_raises_tape_error(tmp_path: Path) -> None:
    """A tape that does not exist is a TapeError naming the path."""
    with pytest.raises(TapeError, match="no such tape file"):
        open_tape(tmp_path / "nope.jsonl.gz")


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        (b"", "empty tape"),
        (b"garbage{", "not JSON"),
        (b'{"trnm":"REAL","data":[]}', "not a tape header"),
        (b"[1, 2]", "not a tape header"),
        (b'{"trnm":"TAPE","version":2,"date":"20261120"}', "unsupported tape version 2"),
        (b'{"trnm":"TAPE","date":"20261120"}', "unsupported tape version None"),
        (b'{"trnm":"TAPE","version":1,"date":"2026-11-20"}', "YYYYMMDD"),
        (b'{"trnm":"TAPE","version":1,"date":"20261340"}', "YYYYMMDD"),
        (b'{"trnm":"TAPE","version":1,"date":"20261120","symbols":"005930"}', "symbols"),
    ],
)
def test_bad_or_missing_header_raises_tape_error(
    tmp_path: Path, first_line: bytes, message: str
) -> None:
    """Anything but a v1 TAPE header on line 1 is refused with a clear TapeError."""
    path = tmp_path / "bad.jsonl"
    path.write_bytes(first_line + b"\n" + orjson.dumps(FRAME) + b"\n")
    with pytest.raises(TapeError, match=message):
        open_tape(path)


def test_gz_name_on_a_plain_file_raises_tape_error(tmp_path: Path) -> None:
    """A .gz tape that is not gzip fails at open with a TapeError, not an OSError."""
    path = tmp_path / "fake.jsonl.gz"
    path.write_bytes(HEADER.to_json() + b"\n")
    with pytest.raises(TapeError, match="cannot read tape"):
        open_tape(path)


def test_truncated_gzip_raises_tape_error_while_streaming(tmp_path: Path) -> None:
    """A tape cut short mid-stream raises TapeError from the frame iterator."""
    path = tmp_path / "cut.jsonl.gz"
    write(path, [FRAME] * 5_000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _, frames = open_tape(path)
    with pytest.raises(TapeError, match="corrupt or truncated"):
        list(frames)


def test_unconsumed_iterator_leaves_no_open_file(tmp_path: Path) -> None:
    """Dropping the frame iterator unread or half read leaks no file handle."""
    path = tmp_path / "x.jsonl.gz"
    write(path, [FRAME] * 3)
    _, unread = open_tape(path)
    _, half = open_tape(path)
    next(half)
    del unread, half
    gc.collect()  # a leaked file would raise ResourceWarning, an error under pytest config


def test_extra_header_keys_are_kept(tmp_path: Path) -> None:
    """Unknown header keys survive a read as TapeHeader.extra."""
    path = tmp_path / "e.jsonl"
    write(path, [])
    header, frames = open_tape(path)
    assert header.extra == {"source": "test", "seed": 3}
    assert list(frames) == []

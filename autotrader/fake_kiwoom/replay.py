"""Reading the project's tape format for replay: a header line, then Kiwoom frames.

Deliberately private and tiny (gzip + orjson) so the fake server does not depend on the
feed package's reader; only what replay needs: a cursor, a peek, and each frame's time.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from autotrader.errors import TapeError

Frame = dict[str, Any]


def _lines(path: Path) -> Iterator[bytes]:
    raw = path.open("rb")
    with gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw as f, raw:
        for line in f:
            if line.strip():
                yield line


class TapeCursor:
    """Frames of one tape, consumed in order by ``play_tape`` and ``stream``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lines = _lines(self.path)
        try:
            self.header: Frame = orjson.loads(next(self._lines))
        except (StopIteration, orjson.JSONDecodeError, OSError) as exc:
            raise TapeError(f"{self.path}: no readable header line") from exc
        if self.header.get("trnm") != "TAPE":
            raise TapeError(f"{self.path}: first line is not a TAPE header")
        self._peeked: Frame | None = None

    def peek(self) -> Frame | None:
        if self._peeked is None:
            for line in self._lines:
                try:
                    frame = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue  # a torn line in a recording: skip it as a client would
                if isinstance(frame, dict):
                    frame.pop("rt", None)  # the tape's receive time: Kiwoom sends no such key
                    self._peeked = frame
                    break
        return self._peeked

    def next(self) -> Frame | None:
        frame = self.peek()
        self._peeked = None
        return frame


def frame_time(frame: Frame) -> str:
    """HHMMSS of the first entry that carries field 20, or '' when none does."""
    for entry in frame.get("data") or []:
        value = (entry.get("values") or {}).get("20")
        if value:
            return str(value)
    return ""


def seconds(hhmmss: str) -> int:
    hhmmss = hhmmss.zfill(6)[:6]
    return int(hhmmss[:2]) * 3600 + int(hhmmss[2:4]) * 60 + int(hhmmss[4:6])


def scan_base_prices(path: str | Path, limit: int = 20_000) -> dict[str, int]:
    """Base (previous close) per stock from the first ``0B`` of each, within ``limit`` frames.

    Field 11 is the signed change from the base; without it the first price stands in.
    """
    cursor = TapeCursor(path)
    bases: dict[str, int] = {}
    for _ in range(limit):
        frame = cursor.next()
        if frame is None:
            break
        for entry in frame.get("data") or []:
            if entry.get("type") == "0B" and entry.get("item") not in bases:
                values = entry.get("values") or {}
                price, change = to_int(values.get("10")), to_int(values.get("11"), signed=True)
                if price:
                    bases[str(entry["item"])] = price - change
    return bases


def to_int(value: object, *, signed: bool = False) -> int:
    """Kiwoom's signed, zero-padded numbers; '' and garbage read as 0."""
    text = str(value or "").strip()
    negative = text.startswith("-")
    digits = text.lstrip("+-")
    if not digits.isdigit():
        return 0
    number = int(digits)
    return -number if signed and negative else number

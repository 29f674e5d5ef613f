"""Tapes: a day of Kiwoom realtime websocket frames on disk, replayed as if from the wire.

The engine must not know whether a frame came from the socket or from a file, so a tape
stores each frame byte for byte as Kiwoom sent it, one JSON object per line. Format v1:

- UTF-8 text, ``\\n``-separated, gzip-compressed when the path ends in ``.gz``;
- line 1 is a header, ``{"trnm":"TAPE","version":1,"date":"YYYYMMDD","tz":"Asia/Seoul",
  "symbols":[...], ...}`` (extra keys such as ``source`` and ``seed`` are kept);
- every further line is one websocket frame (``{"trnm":"REAL","data":[...]}``), in
  non-decreasing time order. Blank lines are ignored.

Readers stream (a full day can be hundreds of megabytes); ``read_frames`` loads all
frames at once for benchmarks that must not measure I/O. ``numbered_frames`` gives each
frame with its line number, for errors that say where. Reading is bounded: a line over
``MAX_LINE_BYTES`` or a tape over ``MAX_TAPE_BYTES`` (decompressed) is a ``TapeError``
naming the line, and so is a truncated or corrupt gzip stream.
"""

from __future__ import annotations

import datetime
import gzip
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import orjson

from autotrader.errors import TapeError

TAPE_VERSION = 1
_HEADER_KEYS = ("trnm", "version", "date", "tz", "symbols")
_FLUSH_BYTES = 1 << 18  # batch small frame lines before they reach gzip
MAX_LINE_BYTES = 4 << 20  # a Kiwoom frame is a few KB; a longer line is not a frame
MAX_TAPE_BYTES = 32 << 30  # decompressed; a recorded day is a few hundred MB


@dataclass(frozen=True)
class TapeHeader:
    """Line 1 of a tape: what day it is, where, and which symbols it carries."""

    version: int
    date: datetime.date
    tz: str = "Asia/Seoul"
    symbols: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_json(self) -> bytes:
        """The header line, without its newline; the known keys first, then ``extra``."""
        obj: dict[str, Any] = {
            "trnm": "TAPE",
            "version": self.version,
            "date": self.date.strftime("%Y%m%d"),
            "tz": self.tz,
            "symbols": list(self.symbols),
        }
        obj.update((k, v) for k, v in self.extra.items() if k not in obj)
        return orjson.dumps(obj)

    @classmethod
    def from_json(cls, line: bytes, *, where: str = "tape") -> TapeHeader:
        """Parse and check a header line; any problem is a ``TapeError`` naming ``where``."""
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise TapeError(f"{where}: line 1: header is not JSON ({exc})") from exc
        if not isinstance(obj, dict) or obj.get("trnm") != "TAPE":
            raise TapeError(f'{where}: line 1: not a tape header (expected "trnm": "TAPE")')
        version = obj.get("version")
        if version != TAPE_VERSION:
            raise TapeError(
                f"{where}: unsupported tape version {version!r} (this build reads {TAPE_VERSION})"
            )
        raw_date = obj.get("date")
        try:
            if not isinstance(raw_date, str) or len(raw_date) != 8:
                raise ValueError(raw_date)
            date = datetime.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
        except ValueError as exc:
            raise TapeError(f"{where}: line 1: date must be YYYYMMDD, got {raw_date!r}") from exc
        tz = obj.get("tz", "Asia/Seoul")
        if not isinstance(tz, str):
            raise TapeError(f"{where}: line 1: tz must be a string, got {tz!r}")
        symbols = obj.get("symbols", [])
        if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
            raise TapeError(f"{where}: line 1: symbols must be a list of strings")
        extra = {k: v for k, v in obj.items() if k not in _HEADER_KEYS}
        return cls(TAPE_VERSION, date, tz, tuple(symbols), extra)


def _open_read(path: str | os.PathLike[str]) -> io.BufferedIOBase:
    name = os.fspath(path)
    try:
        if name.endswith(".gz"):
            return gzip.open(name, "rb")
        return open(name, "rb")  # noqa: SIM115 - the caller owns and closes it
    except FileNotFoundError as exc:
        raise TapeError(f"{name}: no such tape file") from exc
    except OSError as exc:
        raise TapeError(f"{name}: cannot open tape ({exc})") from exc


def _read_header(path: str | os.PathLike[str]) -> TapeHeader:
    name = os.fspath(path)
    with _open_read(path) as f:
        try:
            first = f.readline(MAX_LINE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise TapeError(f"{name}: cannot read tape ({exc})") from exc
    if not first.strip():
        raise TapeError(f"{name}: empty tape, no header on line 1")
    return TapeHeader.from_json(first, where=name)


def _iter_frames(path: str | os.PathLike[str]) -> Iterator[bytes]:
    for _, frame in numbered_frames(path):
        yield frame


def numbered_frames(path: str | os.PathLike[str]) -> Iterator[tuple[int, bytes]]:
    """(line number, frame) for every non-blank line after the header, streamed.

    Raises:
        TapeError: a line over MAX_LINE_BYTES, a tape over MAX_TAPE_BYTES, or a gzip
            stream that is truncated or corrupt, naming the line where it happened.
    """
    # The generator opens the file itself, so a never-started iterator leaks nothing.
    name = os.fspath(path)
    lineno = 1
    with _open_read(path) as f:
        readline = f.readline
        try:
            total = len(readline(MAX_LINE_BYTES + 1))  # the header, checked by open_tape
            while line := readline(MAX_LINE_BYTES + 1):
                lineno += 1
                total += len(line)
                if len(line) > MAX_LINE_BYTES:
                    raise TapeError(
                        f"{name}:{lineno}: line longer than {MAX_LINE_BYTES:,} bytes: "
                        "not a frame (is this a tape?)"
                    )
                if total > MAX_TAPE_BYTES:
                    raise TapeError(
                        f"{name}:{lineno}: tape larger than {MAX_TAPE_BYTES:,} bytes decompressed"
                    )
                frame = line.rstrip(b"\r\n")
                if frame.strip():
                    yield lineno, frame
        except (OSError, EOFError, zlib.error) as exc:
            raise TapeError(f"{name}:{lineno + 1}: tape is corrupt or truncated ({exc})") from exc


def open_tape(path: str | os.PathLike[str]) -> tuple[TapeHeader, Iterator[bytes]]:
    """Check the header now; stream the frames (raw bytes, no newline) lazily.

    Raises:
        TapeError: the file is missing, unreadable, or its header is missing or wrong.
    """
    header = _read_header(path)
    return header, _iter_frames(path)


def read_frames(path: str | os.PathLike[str]) -> tuple[TapeHeader, list[bytes]]:
    """The header and every frame in memory, for benchmarks that must not measure I/O."""
    header, frames = open_tape(path)
    return header, list(frames)


class TapeWriter:
    """Write a tape: the header on open, then one frame per ``write_frame``.

    Output is deterministic (gzip ``mtime=0`` and no file name in the gzip header), so
    the same frames always give the same bytes. Raw frames are kept byte for byte; a raw
    frame that spans lines is re-serialised onto one.
    """

    def __init__(
        self, path: str | os.PathLike[str], header: TapeHeader, *, compresslevel: int = 6
    ) -> None:
        self.path = os.fspath(path)
        self.header = header
        self.frames = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._raw: io.BufferedIOBase = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._out: io.BufferedIOBase = self._raw
        if self.path.endswith(".gz"):
            self._out = gzip.GzipFile(
                filename="", mode="wb", fileobj=self._raw, compresslevel=compresslevel, mtime=0
            )
        self._out.write(header.to_json() + b"\n")

    def write_frame(self, raw: bytes | dict[str, Any]) -> None:
        """Append one frame: raw websocket bytes as received, or a frame dict."""
        if isinstance(raw, dict):
            line = orjson.dumps(raw)
        else:
            line = raw.rstrip(b"\r\n")
            if b"\n" in line or b"\r" in line:
                line = orjson.dumps(orjson.loads(line))
        self._pending.append(line)
        self._pending.append(b"\n")
        self._pending_bytes += len(line) + 1
        self.frames += 1
        if self._pending_bytes >= _FLUSH_BYTES:
            self._drain()

    def _drain(self) -> None:
        if self._pending:
            self._out.write(b"".join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0

    def flush(self) -> None:
        """Push buffered frames to the operating system (a recorder calls this now and then)."""
        self._drain()
        self._out.flush()
        if self._out is not self._raw:
            self._raw.flush()

    def close(self) -> None:
        """Write what is buffered and close the file; safe to call twice."""
        if self._raw.closed:
            return
        try:
            self._drain()
            if self._out is not self._raw:
                self._out.close()
        finally:
            self._raw.close()

    def __enter__(self) -> TapeWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = [
    "TAPE_VERSION",
    "TapeHeader",
    "TapeWriter",
    "numbered_frames",
    "open_tape",
    "read_frames",
]

"""Record a live feed to tapes: one gzip file per Seoul day, durable to the last second.

A recorded line is the websocket frame as Kiwoom sent it with one key spliced in front,
its receive time (``"rt":"HHMMSS.mmm"``, Asia/Seoul, milliseconds), so a replay can know
when each frame arrived. Only market entries are kept (``0B``, ``1h``, ``0s``, ``0D``,
``02`` condition hits, and the condition lists and snapshots a run started from): a
frame that also carries the account's ``00``/``04`` entries is re-serialised without
them, so a shared tape never holds orders or balances.

Durability: lines collect in memory and ``flush()`` (called every second) appends them
to the file as one complete gzip member and fsyncs it. A process killed at any moment
loses at most the lines since the last flush; a concatenation of gzip members is one
valid gzip stream, so the file reads with any gzip reader. ``repair()`` cuts a member
torn by a crash in the middle of a write before the recorder appends to that file again.

Rotation: the day is the receive time's Seoul date; the first frame (or clock tick)
after midnight closes the day's file and opens the next. Gaps -- a reconnect, a
restart -- are written as ``{"trnm":"GAP","from":...,"to":...,"reason":...}`` lines.
"""

from __future__ import annotations

import datetime
import gzip
import os
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson

from autotrader.clock import SEOUL, day_start
from autotrader.feed.tape import TAPE_VERSION, TapeHeader

MARKET_TYPES = frozenset({"0B", "1h", "0s", "0D", "02"})  # what a tape may keep from a frame
# Answers that start a condition search: kept whole, so a replay starts it the same way.
CONDITION_ANSWERS = frozenset({"CNSRLST", "CNSRREQ"})
FLUSH_INTERVAL = 1.0  # seconds between gzip members


def receive_stamp(ts: float) -> str:
    """Epoch seconds -> ``HHMMSS.mmm`` in Asia/Seoul (the tape's ``rt`` value)."""
    local = datetime.datetime.fromtimestamp(ts, SEOUL)
    return f"{local:%H%M%S}.{local.microsecond // 1000:03d}"


def seoul_date(ts: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(ts, SEOUL).date()


def tape_name(day: datetime.date, prefix: str = "") -> str:
    """``<prefix>YYYYMMDD.jsonl.gz``: names sort in date order, as a glob lists them."""
    return f"{prefix}{day:%Y%m%d}.jsonl.gz"


def market_line(raw: str | bytes, types: frozenset[str] = MARKET_TYPES) -> bytes | None:
    """The frame's line without account entries, or None when no market entry is left.

    A frame of market entries only is kept byte for byte.
    """
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        frame = orjson.loads(data)
        if frame.get("trnm") in CONDITION_ANSWERS:
            return data.strip()
        entries = frame["data"]
        kinds = [e.get("type") for e in entries]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    kept = [e for e, k in zip(entries, kinds, strict=True) if k in types]
    if not kept:
        return None
    if len(kept) == len(entries):
        return data.strip()
    return orjson.dumps({**frame, "data": kept})


def stamped(line: bytes, received: float) -> bytes:
    """Splice ``"rt":"HHMMSS.mmm"`` in as the frame object's first key."""
    return b'{"rt":"' + receive_stamp(received).encode() + b'",' + line.lstrip()[1:]


def repair(path: Path, day: datetime.date) -> tuple[int, float | None]:
    """Cut a torn last gzip member; returns (bytes kept, last line's receive time or None).

    A member is kept only if it decompresses to its end marker; everything after the
    last whole member (a write interrupted by a crash) is truncated.
    """
    data = path.read_bytes()
    good = 0
    last_line = b""
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            out = d.decompress(rest)
        except zlib.error:
            break
        if not d.eof:
            break
        if out.strip():
            last_line = out.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        good += len(rest) - len(d.unused_data)
        rest = d.unused_data
    if good < len(data):
        with path.open("r+b") as f:
            f.truncate(good)
    return good, _line_time(last_line, day)


def _line_time(line: bytes, day: datetime.date) -> float | None:
    try:
        obj = orjson.loads(line)
        rt = str(obj["rt"])
        hms, _, ms = rt.partition(".")
        seconds = int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:6]) + int(ms or 0) / 1000
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError):
        return None
    return day_start(day) + seconds


class TapeRecorder:
    """Lines in, day files out; ``clock`` is epoch seconds (injected by tests)."""

    def __init__(
        self,
        directory: str | Path,
        symbols: Iterable[str],
        *,
        prefix: str = "",
        source: str = "kiwoom-live",
        types: frozenset[str] = MARKET_TYPES,
        clock: Callable[[], float] = time.time,
        fsync: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.symbols = tuple(symbols)
        self.prefix = prefix
        self.source = source
        self.types = types
        self.clock = clock
        self.fsync = fsync
        self.day: datetime.date | None = None
        self.path: Path | None = None
        self.frames = 0  # frames written, all days
        self.gaps = 0
        self.files: list[Path] = []
        self._pending: list[bytes] = []
        self._last_rt: float | None = None  # receive time of the last line written

    # -- input ---------------------------------------------------------------------------
    def on_frame(self, raw: str | bytes, received: float | None = None) -> None:
        """One websocket ``REAL`` frame as received; account-only frames are dropped."""
        at = self.clock() if received is None else received
        line = market_line(raw, self.types)
        if line is None:
            return
        self._roll(at)
        self._pending.append(stamped(line, at))
        self._last_rt = at
        self.frames += 1

    def mark_gap(self, start: float | None, end: float, reason: str) -> None:
        """A span in which frames may be missing (a reconnect, a restart)."""
        self._roll(end)
        begin = start if start is not None and start <= end else end
        gap = {
            "rt": receive_stamp(end),
            "trnm": "GAP",
            "from": receive_stamp(begin) if seoul_date(begin) == self.day else "000000.000",
            "to": receive_stamp(end),
            "reason": reason,
        }
        self._pending.append(orjson.dumps(gap))
        self.gaps += 1

    @property
    def last_received(self) -> float | None:
        return self._last_rt

    # -- output --------------------------------------------------------------------------
    def tick(self) -> None:
        """Called every second: rotate at midnight even on a quiet feed, then flush."""
        self._roll(self.clock())
        self.flush()

    def flush(self) -> None:
        """Append the pending lines as one gzip member and make it durable."""
        if not self._pending or self.path is None:
            return
        payload = b"\n".join(self._pending) + b"\n"
        self._pending.clear()
        member = gzip.compress(payload, compresslevel=6, mtime=0)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, member)  # one write: a kill leaves the member whole or absent
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        self.flush()

    def _roll(self, at: float) -> None:
        day = seoul_date(at)
        if day == self.day:
            return
        if self.day is not None and day < self.day:
            return  # a clock step backwards: stay in today's file
        self.flush()
        self.day = day
        self.path = self.directory / tape_name(day, self.prefix)
        self.files.append(self.path)
        if self.path.exists() and self.path.stat().st_size:
            _, last = repair(self.path, day)
            self.mark_gap(self._last_rt or last, at, "recorder restarted")
            return
        header = TapeHeader(
            TAPE_VERSION,
            day,
            symbols=self.symbols,
            extra={"source": self.source, "receive_times": "rt"},
        )
        self.path.write_bytes(gzip.compress(header.to_json() + b"\n", mtime=0))

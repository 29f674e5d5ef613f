"""``autotrader tape import``: bars from a CSV file (date,time,open,high,low,close,volume).

The first line may be a header (any line whose ``open`` column is not a number is
taken as one). ``date`` is ``YYYYMMDD`` or ``YYYY-MM-DD``; ``time`` is ``HHMMSS``,
``HHMM``, ``HH:MM`` or ``HH:MM:SS`` (Asia/Seoul, the bar's start), or empty for daily
bars. The bar length is ``span`` seconds when given, else the smallest step between two
bars of the same day (60 for one-minute bars), else a whole session. A malformed line is
an error naming its line, or is skipped and counted with ``skip_bad``.
"""

from __future__ import annotations

import csv
import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

from autotrader.errors import TapeError
from autotrader.model.bars import DAY_OPEN, DAY_SPAN, Bar

COLUMNS = ("date", "time", "open", "high", "low", "close", "volume")


@dataclass
class CsvBars:
    bars: list[Bar]
    skipped: list[str] = field(default_factory=list)  # "line N: why"


def _date(text: str) -> datetime.date:
    digits = text.strip().replace("-", "").replace("/", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"date {text!r} is not YYYYMMDD or YYYY-MM-DD")
    return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def _time(text: str) -> int | None:
    raw = text.strip()
    if not raw:
        return None
    digits = raw.replace(":", "")
    if not digits.isdigit() or len(digits) not in (3, 4, 5, 6):
        raise ValueError(f"time {text!r} is not HHMMSS, HHMM, HH:MM or HH:MM:SS")
    digits = digits.zfill(6) if len(digits) in (5, 6) else digits.zfill(4) + "00"
    h, m, s = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if h > 23 or m > 59 or s > 59:
        raise ValueError(f"time {text!r} is out of range")
    return h * 3600 + m * 60 + s


def _int(text: str, name: str) -> int:
    raw = text.strip().replace(",", "").lstrip("+")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if value != int(value):
        raise ValueError(f"{name} {text!r} is not a whole number of won/shares")
    return int(value)


def read_csv_bars(
    path: str | os.PathLike[str], symbol: str, *, span: int | None = None, skip_bad: bool = False
) -> CsvBars:
    """Parse ``path``; raises TapeError naming the first bad line unless ``skip_bad``."""
    name = os.fspath(path)
    rows: list[tuple[int, datetime.date, int | None, tuple[int, ...]]] = []
    skipped: list[str] = []
    try:
        with Path(name).open(encoding="utf-8-sig", newline="") as f:
            for lineno, cells in enumerate(csv.reader(f), start=1):
                if not cells or not "".join(cells).strip():
                    continue
                try:
                    if len(cells) != len(COLUMNS):
                        raise ValueError(f"expected {len(COLUMNS)} columns ({','.join(COLUMNS)})")
                    if lineno == 1 and not cells[2].strip().lstrip("+").replace(".", "").isdigit():
                        continue  # a header line
                    day, t = _date(cells[0]), _time(cells[1])
                    nums = tuple(_int(c, n) for c, n in zip(cells[2:], COLUMNS[2:], strict=True))
                    rows.append((lineno, day, t, nums))
                except ValueError as exc:
                    if not skip_bad:
                        raise TapeError(f"{name}:{lineno}: {exc}") from None
                    skipped.append(f"line {lineno}: {exc}")
    except OSError as exc:
        raise TapeError(f"{name}: cannot read ({exc.strerror})") from None
    length = span if span is not None else _infer_span(rows)
    bars: list[Bar] = []
    for lineno, day, t, (o, h, lo, c, v) in rows:
        bar = Bar(
            symbol,
            day,
            DAY_OPEN if t is None else t,
            DAY_SPAN if t is None else length,
            o,
            h,
            lo,
            c,
            v,
        )
        why = bar.problem()
        if why is not None:
            if not skip_bad:
                raise TapeError(f"{name}:{lineno}: {why}")
            skipped.append(f"line {lineno}: {why}")
            continue
        bars.append(bar)
    return CsvBars(bars, skipped)


def _infer_span(rows: list[tuple[int, datetime.date, int | None, tuple[int, ...]]]) -> int:
    by_day: dict[datetime.date, list[int]] = {}
    for _, day, t, _ in rows:
        if t is not None:
            by_day.setdefault(day, []).append(t)
    steps: list[int] = []
    for ts in by_day.values():
        ordered = sorted(ts)
        steps += [b - a for a, b in zip(ordered, ordered[1:], strict=False) if b > a]
    return min(steps) if steps else DAY_SPAN

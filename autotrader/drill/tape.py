"""The day a drill replays: a tape's frames for the strategy's symbols, thinned to a size.

Each profile replays the same frames, so profiles differ only by their fault. A full day
of a dozen symbols is tens of thousands of frames; the drill keeps every market-session
(``0s``) and VI (``1h``) frame and every k-th trade so that about ``max_frames`` remain,
spread over the whole day, so time rules (``at``, ``between``) still meet their times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from autotrader.clock import SEOUL
from autotrader.errors import TapeError
from autotrader.fake_kiwoom.replay import TapeCursor, frame_time, seconds

# The bundled sample day, installed with the package (autotrader/data, see pyproject.toml).
DEFAULT_TAPE = Path(__file__).resolve().parents[1] / "data" / "examples" / "sample-day.jsonl.gz"


@dataclass(frozen=True, slots=True)
class TimedFrame:
    ts: float  # epoch seconds of the frame's field 20 on the tape's date
    frame: dict[str, Any]


def _base(item: str) -> str:
    return item.split("_", 1)[0]


def load_day(path: Path, symbols: set[str], max_frames: int = 1500) -> list[TimedFrame]:
    """The tape's frames that concern ``symbols`` (or the whole market), thinned."""
    cursor = TapeCursor(path)
    date = str(cursor.header.get("date", ""))
    try:
        day = datetime.strptime(date, "%Y%m%d").replace(tzinfo=SEOUL)
    except ValueError as exc:
        raise TapeError(f"{path}: header has no date YYYYMMDD") from exc
    midnight = day.timestamp()
    frames: list[TimedFrame] = []
    trades = 0
    while (frame := cursor.next()) is not None:
        if frame.get("trnm") != "REAL":
            continue
        entries = [
            e for e in frame.get("data") or []
            if e.get("type") == "0s" or _base(str(e.get("item", ""))) in symbols
        ]  # fmt: skip
        hhmmss = frame_time(frame)
        if not entries or not hhmmss:
            continue
        trades += any(e.get("type") == "0B" for e in entries)
        frames.append(TimedFrame(midnight + seconds(hhmmss), {**frame, "data": entries}))
    step = max(1, -(-trades // max_frames))
    kept: list[TimedFrame] = []
    n = 0
    for f in frames:
        if all(e.get("type") == "0B" for e in f.frame["data"]):
            n += 1
            if n % step:
                continue
        kept.append(f)
    if not any(e.get("type") == "0B" for f in kept for e in f.frame["data"]):
        raise TapeError(f"{path}: no trades for {', '.join(sorted(symbols))}")
    return kept


def first_prices(frames: list[TimedFrame]) -> dict[str, int]:
    """Each symbol's first trade price of the day (the cost of holdings held at start)."""
    prices: dict[str, int] = {}
    for f in frames:
        for e in f.frame["data"]:
            item = str(e.get("item", ""))
            if e.get("type") == "0B" and "_" not in item and item not in prices:
                raw = str((e.get("values") or {}).get("10", "")).lstrip("+-")
                if raw.isdigit() and int(raw) > 0:
                    prices[item] = int(raw)
    return prices

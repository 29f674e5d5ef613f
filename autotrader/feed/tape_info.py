"""``autotrader tape info``: what a tape holds, read in one streaming pass.

The day and source from the header; frames by type (entries of ``REAL`` frames by their
``type``, other lines by ``trnm``); the symbols that traded; the first and last time;
and the gaps: ``GAP`` lines written by the recorder, plus silences longer than
``silence`` seconds during continuous trading (09:00-15:20), which a recording that
lost its connection without noticing would show (not for days made from bars, whose
ticks are spread by construction).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from autotrader.feed.tape import TapeHeader, open_tape

SESSION = (9 * 3600, 15 * 3600 + 20 * 60)  # continuous trading; the closing auction is quiet
DEFAULT_SILENCE = 300.0


@dataclass
class Gap:
    start: str  # HHMMSS(.mmm)
    end: str
    reason: str


@dataclass
class TapeInfo:
    header: TapeHeader
    lines: int = 0
    malformed: int = 0
    types: Counter[str] = field(default_factory=Counter)
    symbols: Counter[str] = field(default_factory=Counter)  # 0B entries per item
    first: str = ""
    last: str = ""
    gaps: list[Gap] = field(default_factory=list)

    @property
    def from_bars(self) -> bool:
        return self.header.extra.get("source") == "bars"

    def lines_out(self) -> list[str]:
        h = self.header
        out = [f"day       {h.date.isoformat()} ({h.tz})"]
        source = h.extra.get("source", "?")
        if self.from_bars:
            source += f" (synthetic ticks from {h.extra.get('bars', '?')} bars)"
        out.append(f"source    {source}")
        out.append(f"symbols   {len(self.symbols)} traded of {len(h.symbols)} in the header")
        shown = ", ".join(f"{s} {n:,}" for s, n in self.symbols.most_common(10))
        if shown:
            more = len(self.symbols) - 10
            out.append(f"          {shown}" + (f", +{more} more" if more > 0 else ""))
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(self.types.items()))
        out.append(f"frames    {self.lines:,} lines: {kinds or 'none'}")
        if self.malformed:
            out.append(f"malformed {self.malformed:,} lines skipped")
        out.append(f"time      {_show(self.first) or '-'} to {_show(self.last) or '-'}")
        if not self.gaps:
            out.append("gaps      none")
        for gap in self.gaps:
            out.append(f"gap       {_show(gap.start)} to {_show(gap.end)}: {gap.reason}")
        return out


def tape_info(path: str | os.PathLike[str], *, silence: float = DEFAULT_SILENCE) -> TapeInfo:
    """Scan ``path``; raises TapeError when the header or the file is unreadable."""
    header, lines = open_tape(path)
    info = TapeInfo(header)
    previous: tuple[float, str] | None = None
    for line in lines:
        info.lines += 1
        try:
            frame = orjson.loads(line)
            if not isinstance(frame, dict):
                raise ValueError("not an object")
        except (orjson.JSONDecodeError, ValueError):
            info.malformed += 1
            continue
        trnm = str(frame.get("trnm", "?"))
        if trnm == "GAP":
            info.types["GAP"] += 1
            info.gaps.append(
                Gap(
                    str(frame.get("from", "")),
                    str(frame.get("to", "")),
                    str(frame.get("reason", "marked in the tape")),
                )
            )
        elif trnm == "REAL":
            _count_entries(frame, info)
        else:
            info.types[trnm] += 1
        stamp = _time_of(frame)
        if not stamp:
            continue
        seconds = _seconds(stamp)
        if seconds is None:
            continue
        info.first = info.first or stamp
        info.last = stamp
        if previous is not None and trnm != "GAP" and not info.from_bars:
            quiet = seconds - previous[0]
            if quiet > silence and previous[0] < SESSION[1] and seconds > SESSION[0]:
                info.gaps.append(Gap(previous[1], stamp, f"no frame for {quiet:,.0f} s"))
        previous = (seconds, stamp)
    return info


def _count_entries(frame: dict[str, Any], info: TapeInfo) -> None:
    data = frame.get("data")
    if not isinstance(data, list):
        info.malformed += 1
        return
    for entry in data:
        if not isinstance(entry, dict):
            info.malformed += 1
            continue
        kind = str(entry.get("type", "?"))
        info.types[kind] += 1
        if kind == "0B":
            info.symbols[str(entry.get("item", "?"))] += 1


def _time_of(frame: dict[str, Any]) -> str:
    """The receive time (``rt``) when recorded, else the first entry's field 20."""
    rt = frame.get("rt")
    if isinstance(rt, str) and rt:
        return rt
    if frame.get("trnm") == "GAP":
        return str(frame.get("to", ""))
    for entry in frame.get("data") or ():
        values = entry.get("values") if isinstance(entry, dict) else None
        if isinstance(values, dict) and values.get("20"):
            return str(values["20"])
    return ""


def _seconds(stamp: str) -> float | None:
    hms, _, ms = stamp.partition(".")
    if len(hms) != 6 or not hms.isdigit() or (ms and not ms.isdigit()):
        return None
    return int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:]) + (int(ms) / 1000 if ms else 0)


def _show(stamp: str) -> str:
    hms, _, ms = stamp.partition(".")
    if len(hms) != 6:
        return stamp
    text = f"{hms[:2]}:{hms[2:4]}:{hms[4:]}"
    return f"{text}.{ms}" if ms else text

"""``autotrader download``: Kiwoom chart TRs to day tapes of synthetic ticks.

Each symbol's bars are fetched (``broker/kiwoom/chart.py``: paging, per-api-id
throttle, strict field checks), then all symbols' bars are written together as one tape
per day (``feed/bars.py``: the documented bar path; the header says the day was made
from bars, of which kind, and from which TR).
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from autotrader.broker.kiwoom.chart import TRS, ChartKind, fetch_bars
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.feed.bars import write_bar_tapes
from autotrader.model.bars import Bar


@dataclass(frozen=True, slots=True)
class DownloadResult:
    bars: dict[str, int]  # symbol -> bars fetched
    files: tuple[Path, ...]


async def download(
    rest: KiwoomRest,
    symbols: Iterable[str],
    out: str | Path,
    *,
    kind: ChartKind,
    since: datetime.date,
    until: datetime.date,
    scope: int = 1,
    adjusted: bool = True,
    prefix: str = "",
    progress: Callable[[str, int], None] | None = None,
) -> DownloadResult:
    """Fetch every symbol (one after the other: the limit is per api-id), write tapes."""
    every: list[Bar] = []
    counts: dict[str, int] = {}
    for symbol in symbols:
        bars = await fetch_bars(
            rest, kind, symbol, since=since, until=until, scope=scope, adjusted=adjusted
        )
        counts[symbol] = len(bars)
        every.extend(bars)
        if progress is not None:
            progress(symbol, len(bars))
    tr = TRS[kind]
    label = {"tick": f"{scope}t", "minute": f"{scope}m"}.get(kind, "1d")
    files = write_bar_tapes(every, out, prefix=prefix, kind=label, origin=tr.api_id)
    return DownloadResult(counts, tuple(files))


def run_download(
    settings: KiwoomSettings, symbols: list[str], out: Path, **kw: object
) -> DownloadResult:
    """``download`` on a new event loop with its own REST client."""

    async def main() -> DownloadResult:
        rest = KiwoomRest(settings)
        try:
            return await download(rest, symbols, out, **kw)  # type: ignore[arg-type]
        finally:
            await rest.aclose()

    return asyncio.run(main())

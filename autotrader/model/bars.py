"""Price bars: what chart queries and CSV files give, before they become synthetic ticks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DAY_OPEN = 9 * 3600  # 09:00:00, seconds after midnight (Asia/Seoul)
DAY_SPAN = 6 * 3600 + 30 * 60 + 1  # a daily bar covers 09:00:00 through 15:30:00


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of one symbol; prices in integer KRW, times in Asia/Seoul.

    ``start`` is the bar's first second after midnight and ``span`` its length in
    seconds (60 for a one-minute bar, ``DAY_SPAN`` for a daily bar, 0 for one trade).
    """

    symbol: str
    day: datetime.date
    start: int
    span: int
    open: int
    high: int
    low: int
    close: int
    volume: int

    def problem(self) -> str | None:
        """Why this bar cannot be real, or None."""
        if min(self.open, self.high, self.low, self.close) <= 0:
            return "a price is zero or negative"
        if self.high < max(self.open, self.close, self.low) or self.low > min(
            self.open, self.close
        ):
            return f"high {self.high} / low {self.low} do not contain open and close"
        if self.volume < 0:
            return "negative volume"
        if not 0 <= self.start < 86_400:
            return "time of day out of range"
        return None

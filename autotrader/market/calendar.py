"""KRX trading days: exchange_calendars' ``XKRX`` calendar, plus closures it misses.

``XKRX`` (exchange_calendars, maintained, with Korean lunar holidays, substitute
holidays and the year-end closure) answers which dates are sessions. NOTES.md records
a closure it misses (2026-06-03, election day); those are listed in ``KNOWN_CLOSED`` and
the configuration's ``[calendar] extra_closed`` adds more. exchange_calendars imports
pandas (about a second), so it is loaded only when a calendar is first asked for.
"""

from __future__ import annotations

import datetime
import functools
import warnings
from collections.abc import Iterable

from autotrader.errors import ConfigError

KNOWN_CLOSED = frozenset({datetime.date(2026, 6, 3)})  # election day, absent from XKRX


@functools.lru_cache(maxsize=1)
def _xkrx_sessions() -> tuple[frozenset[datetime.date], datetime.date, datetime.date]:
    """Every XKRX session date, and the calendar's first and last, read once."""
    try:
        import exchange_calendars as xcals  # heavy (pandas): loaded on first use
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ConfigError("the KRX calendar needs exchange_calendars (pip install it)") from exc
    with warnings.catch_warnings():  # its pandas deprecation notices are not ours to show
        warnings.simplefilter("ignore")
        cal = xcals.get_calendar("XKRX")
        days = frozenset(d.date() for d in cal.sessions)
    return days, min(days), max(days)


class KrxCalendar:
    """Is a date a KRX session, and which sessions lie between two dates."""

    def __init__(self, extra_closed: Iterable[datetime.date] = ()) -> None:
        self.closed = KNOWN_CLOSED | frozenset(extra_closed)

    @staticmethod
    def preload() -> None:
        """Read XKRX now (before forking workers, which then inherit it)."""
        _xkrx_sessions()

    def _days(self, *check: datetime.date) -> frozenset[datetime.date]:
        days, first, last = _xkrx_sessions()
        for day in check:
            if not first <= day <= last:
                raise ConfigError(
                    f"{day} is outside the KRX calendar's range ({first} to {last}): "
                    "update exchange_calendars"
                )
        return days

    def is_session(self, day: datetime.date) -> bool:
        return day in self._days(day) and day not in self.closed

    def sessions(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """Every session from ``first`` to ``last`` inclusive, in order."""
        days = self._days(first, last)
        span = (last - first).days + 1
        every = (first + datetime.timedelta(days=i) for i in range(max(span, 0)))
        return [d for d in every if d in days and d not in self.closed]

"""Time on the engine's one clock: the tape's time in a replay, the wall clock live.

The clock itself is ``MarketState.now``, set by the feed decoder (frame times in a
replay, wall-clock stamps live). Everything that asks "what time is it" (rules,
cooldowns, the risk guard's trading hours, the scheduler) reads it, so a replayed day
behaves as it did live. Times are epoch seconds; Asia/Seoul has no daylight saving
time, so the local time of day is a fixed +9 h offset, which keeps time-of-day
arithmetic cheap on the hot path.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
SEOUL_OFFSET = 9 * 3600
DAY = 86_400
# A receive time "HHMMSS.fff": ASCII digits only, hours 00-23, minutes and seconds 00-59.
_RECEIVE_TIME = re.compile(r"(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]\.[0-9]{3}", re.ASCII)


def day_start(day: date) -> float:
    """Epoch seconds of 00:00 Asia/Seoul on ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=SEOUL).timestamp()


def seconds_of_day(ts: float) -> int:
    """Seconds since 00:00 Asia/Seoul."""
    return int(ts + SEOUL_OFFSET) % DAY


def hms_to_seconds(hms: str) -> int:
    """'HHMMSS' -> seconds since midnight; raises ValueError on anything else."""
    n = int(hms)
    if len(hms) != 6 or n < 0:
        raise ValueError(f"not a HHMMSS time: {hms!r}")
    return (n // 10_000) * 3600 + (n // 100 % 100) * 60 + n % 100


def receive_second(rt: str) -> int:
    """The whole second of 'HHMMSS.fff' (a tape line's receive time), since midnight;
    ValueError unless it is exactly that (``int`` alone would take "+0_100", a minute
    of 60...)."""
    if type(rt) is not str or _RECEIVE_TIME.fullmatch(rt) is None:
        raise ValueError(f"not a HHMMSS.fff time: {rt!r}")
    return hms_to_seconds(rt[:6])


def to_seoul(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone(timedelta(hours=9))).astimezone(SEOUL)

"""Time triggers as APScheduler trigger objects, which compute every fire time.

APScheduler's trigger classes only answer "when next, after this moment?"
(``get_next_fire_time(previous, now)``); nothing here runs a thread or reads the wall
clock. The engine asks them with its own clock (the tape's time in a replay, the wall
clock live), so a replayed day fires time rules at the same moments as a live one.

- ``at: "15:19:30"``: a ``CronTrigger`` per time (every day), combined with ``OrTrigger``.
- ``cron: "*/10 9-15 * * mon-fri"``: ``CronTrigger.from_crontab``.
- ``every: 5m`` (``between: [09:00, 15:20]``): an ``IntervalTrigger`` per day, starting
  at the window's start and ending at its end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from autotrader.clock import SEOUL
from autotrader.rules.triggers import OnSpec

TIME_TRIGGERS = frozenset({"at", "cron", "every"})


class FireTimes(Protocol):
    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...


class WindowedInterval:
    """Every ``seconds`` between two times of day, each day: one IntervalTrigger a day."""

    def __init__(self, seconds: float, start: str, end: str) -> None:
        self.seconds = seconds
        self.start = _hms(start)
        self.end = _hms(end)

    def _day(self, day: datetime) -> IntervalTrigger:
        base = day.replace(hour=0, minute=0, second=0, microsecond=0)
        return IntervalTrigger(
            seconds=self.seconds,
            start_date=base + self.start,
            end_date=base + self.end - timedelta(microseconds=1),
            timezone=SEOUL,
        )

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        day = now.astimezone(SEOUL)
        for _ in range(3):  # today, else the next day's window
            fire: datetime | None = self._day(day).get_next_fire_time(None, now)
            if fire is not None:
                return fire
            day = (day + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return None  # pragma: no cover - a window always recurs


def _hms(text: str) -> timedelta:
    h, m, s = (int(p) for p in text.split(":"))
    return timedelta(hours=h, minutes=m, seconds=s)


# Triggers only answer "when next, after this moment?", so one object serves every
# engine with the same spec: a sweep's thousands of engines and a hot reload (whose
# unchanged time rules then cost nothing to rebuild) share them.
_MADE: dict[
    tuple[tuple[str, ...] | None, str | None, float | None, tuple[str, str]], FireTimes
] = {}
_MADE_MAX = 4096


def fire_times(on: OnSpec) -> FireTimes:
    """The APScheduler trigger for a time rule (``at``, ``cron`` or ``every``)."""
    key = (tuple(on.at) if on.at is not None else None, on.cron, on.every, on.window)
    made = _MADE.get(key)
    if made is None:
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        made = _MADE[key] = _make(on)
    return made


def _make(on: OnSpec) -> FireTimes:
    if on.at is not None:
        daily = [
            CronTrigger(hour=h, minute=m, second=s, timezone=SEOUL)
            for h, m, s in (t.split(":") for t in on.at)
        ]
        trigger: FireTimes = daily[0] if len(daily) == 1 else OrTrigger(daily)
        return trigger
    if on.cron is not None:
        cron: FireTimes = CronTrigger.from_crontab(on.cron, timezone=SEOUL)
        return cron
    if on.every is not None:
        start, end = on.window
        return WindowedInterval(on.every, start, end)
    raise ValueError(f"not a time trigger: {on.kind}")

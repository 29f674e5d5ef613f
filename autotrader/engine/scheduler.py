"""Time rules driven by the engine's clock: at, cron and every.

The engine calls ``run_due(now)`` from ``set_time`` only when ``now >= next_due`` (one
float compare per clock change, nothing per tick). Fire times come from APScheduler
triggers (``compile/schedule.py``). Missed fire times are coalesced: when the clock
jumps past several (a quiet tape, a paused process), the rule fires once, and the next
fire time is the first one after the current moment, never one in the past.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from autotrader.clock import SEOUL
from autotrader.compile.plan import CompiledRule
from autotrader.compile.schedule import FireTimes, fire_times

_STEP = timedelta(microseconds=1)


@dataclass(slots=True)
class Job:
    rule: CompiledRule
    trigger: FireTimes
    due: float = math.inf  # epoch seconds of the next fire; inf when none


class Scheduler:
    """Keeps the next fire time of every time rule; fires the due ones in order."""

    def __init__(self, rules: list[CompiledRule], fire: Callable[[CompiledRule, float], None]):
        self.jobs = [Job(r, fire_times(r.on)) for r in rules]
        self.fire = fire
        self.started = False
        # -inf until the first clock reading, so that reading sets the fire times up.
        self.next_due = -math.inf if self.jobs else math.inf

    def run_due(self, now: float) -> None:
        """Fire every job due at ``now`` (by fire time, then file order); reschedule."""
        if not self.started:
            self.started = True
            at = datetime.fromtimestamp(now, SEOUL)
            for job in self.jobs:
                job.due = _epoch(job.trigger.get_next_fire_time(None, at))
            self._refresh()
            return
        due = sorted((j for j in self.jobs if j.due <= now), key=lambda j: (j.due, j.rule.order))
        after = datetime.fromtimestamp(now, SEOUL) + _STEP
        for job in due:
            job.due = _epoch(job.trigger.get_next_fire_time(None, after))
        for job in due:
            self.fire(job.rule, now)
        self._refresh()

    def _refresh(self) -> None:
        self.next_due = min((j.due for j in self.jobs), default=math.inf)


def _epoch(when: datetime | None) -> float:
    return math.inf if when is None else when.timestamp()

"""Time rules driven by the engine's clock: at, cron and every.

The engine calls ``run_due(now)`` from ``set_time`` only when ``now >= next_due`` (one
float compare per clock change, nothing per tick). Fire times come from APScheduler
triggers (``compile/schedule.py``).

The replay clock is the live clock: every occurrence fires at its own exact time, with
the clock set to that time, in time order (then file order), between the frames around
it. An occurrence at instant T fires after every frame stamped at or before T, so the
frames of one instant (the 09:00:00 session change, the opening trades) are applied
before the clock rules of that instant: ``run_due(now)`` fires what is due strictly
before ``now``, and ``run_due(now, inclusive=True)`` (the end of a replay) also what is
due at ``now``. No occurrence is skipped or merged when the clock jumps (a quiet tape):
a live scheduler would have fired each of them.
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
    """Keeps the next fire time of every time rule; fires the due ones in order.

    ``fire(rule, at)`` runs one occurrence; ``at`` is its exact fire time, which the
    callee makes the engine's clock reading while the rule runs.
    """

    def __init__(self, rules: list[CompiledRule], fire: Callable[[CompiledRule, float], None]):
        self.jobs = [Job(r, fire_times(r.on)) for r in rules]
        self.fire = fire
        self.started = False
        # -inf until the first clock reading, so that reading sets the fire times up.
        self.next_due = -math.inf if self.jobs else math.inf

    def run_due(self, now: float, *, inclusive: bool = False) -> None:
        """Fire every occurrence due before ``now`` (or at it, if ``inclusive``), each at
        its own time, by fire time then file order; reschedule."""
        if not self.started:
            self.started = True
            at = datetime.fromtimestamp(now, SEOUL)
            for job in self.jobs:
                job.due = _epoch(job.trigger.get_next_fire_time(None, at))
            self._refresh()
            if not inclusive:
                return
        jobs = self.jobs
        while jobs:
            job = min(jobs, key=_by_due)
            due = job.due
            if due > now or (due == now and not inclusive):
                break
            job.due = _epoch(job.trigger.get_next_fire_time(None, _seoul(due) + _STEP))
            self.next_due = min(j.due for j in jobs)
            self.fire(job.rule, due)
        self._refresh()

    def _refresh(self) -> None:
        self.next_due = min((j.due for j in self.jobs), default=math.inf)


def _by_due(job: Job) -> tuple[float, int]:
    return job.due, job.rule.order


def _seoul(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, SEOUL)


def _epoch(when: datetime | None) -> float:
    return math.inf if when is None else when.timestamp()

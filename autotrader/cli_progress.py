"""The multi-day replay's progress bar (rich): days, frames/s, time left; terminals only."""

from __future__ import annotations

import datetime

from rich.console import Console

from autotrader.engine.days import Progress


class _RichDays(Progress):
    """A rich progress bar over the days: day, frames/s, time left (terminals only)."""

    def __init__(self, console: Console, every: int) -> None:
        self.every = every
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task = self._bar.add_task("replay", total=0, rate="")

    def start(self, days: int) -> None:
        self._bar.update(self._task, total=days)
        self._bar.start()

    def day(self, index: int, day: datetime.date) -> None:
        self._bar.update(self._task, completed=index, description=f"day {day.isoformat()}")

    def frames(self, n: int, per_second: float) -> None:
        if per_second:
            self._bar.update(self._task, rate=f"{per_second:,.0f} frames/s")

    def done(self) -> None:
        self._bar.update(self._task, completed=self._bar.tasks[0].total)
        self._bar.stop()


def days_progress(console: Console, every: int = Progress.every) -> Progress | None:
    """A progress display for a multi-day replay on a terminal; None (quiet) otherwise."""
    return _RichDays(console, every) if console.is_terminal else None

"""Skipped frames in the journal: what was refused, where, and a short excerpt.

The decoders (``feed/kiwoom.py`` for market frames, ``broker/kiwoom/parse.py`` for
``00``/``04``) never raise on bad input: they skip it and tell a listener. A run points
that listener here, so a garbled frame leaves a row in ``errors`` (source ``frame``)
that ``report`` can show. A tape or a feed full of garbage must not flood the journal:
the first ``limit`` skips of a run are journaled, the rest only counted (the run's stats
carry the totals).
"""

from __future__ import annotations

from collections.abc import Callable

from autotrader.journal.writer import Journal


class SkipLog:
    """A decoder listener: journals the first ``limit`` skips, counts every one."""

    def __init__(self, journal: Journal, clock: Callable[[], float], limit: int = 1_000) -> None:
        self.journal = journal
        self.clock = clock
        self.limit = limit
        self.count = 0

    def __call__(self, reason: str, excerpt: str) -> None:
        self.count += 1
        if self.count > self.limit:
            return
        detail = f"{reason}: {excerpt}" if excerpt else reason
        if self.count == self.limit:
            detail += f" (the first {self.limit:,} skips are journaled; the rest are counted)"
        self.journal.error(self.clock(), "frame", detail)

"""The drill's clock: the wall clock plus an offset that only grows, as tape time jumps.

A drill pushes a recorded day at top speed, so between two frames minutes of market time
pass in a millisecond: before each frame the clock ``reach``es the frame's time. Between
frames it runs with the wall clock, so timeouts, back-offs and stall detection (which
run on the event loop's own clock) behave as in a real session. The fake Kiwoom and the
live runner share one clock; a runner in a child process (the kill -9 profile) reads the
offset from a file the drill writes (``SharedClock``), eight bytes, on every call.
"""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

_FORMAT = "<d"


class DrillClock:
    """Epoch seconds: ``time.time()`` plus ``offset``, which ``reach`` only moves forward."""

    def __init__(self, start: float, share: Path | None = None) -> None:
        self.offset = start - time.time()
        self.share = share
        self._write()

    def __call__(self) -> float:
        return time.time() + self.offset

    def reach(self, ts: float) -> None:
        """Move the clock to ``ts`` if it is behind it (never backwards)."""
        now = time.time()
        if ts > now + self.offset:
            self.offset = ts - now
            self._write()

    def _write(self) -> None:
        if self.share is not None:
            tmp = self.share.with_suffix(".tmp")
            tmp.write_bytes(struct.pack(_FORMAT, self.offset))
            os.replace(tmp, self.share)


class SharedClock:
    """The child process's side of ``DrillClock(share=path)``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> float:
        try:
            (offset,) = struct.unpack(_FORMAT, self.path.read_bytes())
        except (OSError, struct.error):
            offset = 0.0
        return time.time() + float(offset)

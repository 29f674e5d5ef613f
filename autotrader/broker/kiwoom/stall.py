"""Stall detection for the websocket: a connection that stays open but carries nothing.

Kiwoom PINGs every logged-in socket at a steady rhythm, whether or not the market is
busy, so the silence that matters is measured against that rhythm: once two PINGs have
been seen, a feed without any frame for ``pings`` PING intervals (at least ``minimum``
seconds) has stalled. Before the rhythm is known, and as an upper bound, the configured
``silence`` applies. Pure (times are passed in) so the rule is tested without sockets.
"""

from __future__ import annotations

from collections import deque


class StallWatch:
    """Tracks frame arrival times; ``threshold()`` is how long a silence may last."""

    def __init__(self, silence: float, *, pings: float = 2.5, minimum: float = 1.0) -> None:
        self.silence = silence
        self.pings = pings
        self.minimum = minimum
        self.last_frame: float | None = None
        self._last_ping: float | None = None
        self._intervals: deque[float] = deque(maxlen=3)

    def reset(self) -> None:
        """A new connection: the rhythm is learned again (a server may change it)."""
        self.last_frame = None
        self._last_ping = None
        self._intervals.clear()

    def frame(self, now: float, *, ping: bool = False) -> bool:
        """Record a frame; True when this PING made the rhythm known for the first time."""
        self.last_frame = now
        if not ping:
            return False
        first = not self._intervals
        if self._last_ping is not None and now > self._last_ping:
            self._intervals.append(now - self._last_ping)
        self._last_ping = now
        return first and bool(self._intervals)

    @property
    def ping_interval(self) -> float | None:
        """The longest of the last few PING intervals (tolerates a late PING), or None."""
        return max(self._intervals) if self._intervals else None

    def threshold(self) -> float:
        """Seconds of silence after which the feed counts as stalled."""
        interval = self.ping_interval
        if interval is None:
            return self.silence
        return min(self.silence, max(self.minimum, self.pings * interval))

    def describe(self) -> str:
        """The rule in force, for the log and the journal."""
        interval = self.ping_interval
        if interval is None:
            return (
                f"stall threshold {self.threshold():.1f}s (ws_silence_timeout; PING rhythm unknown)"
            )
        return (
            f"stall threshold {self.threshold():.1f}s ({self.pings:g} x PING interval "
            f"{interval:.1f}s, at least {self.minimum:g}s, at most ws_silence_timeout "
            f"{self.silence:g}s)"
        )

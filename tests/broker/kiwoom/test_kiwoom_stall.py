"""StallWatch: how long a silence may last, from the server's PING rhythm."""

from __future__ import annotations

from autotrader.broker.kiwoom.stall import StallWatch


def test_before_the_rhythm_is_known_the_configured_silence_applies() -> None:
    """One PING says nothing about the rhythm: the configured timeout is the threshold."""
    watch = StallWatch(10.0)
    assert watch.frame(0.0, ping=True) is False
    assert watch.threshold() == 10.0 and "rhythm unknown" in watch.describe()


def test_two_pings_set_the_threshold_to_a_few_intervals() -> None:
    """PINGs every 2 s: a stall after 2.5 intervals (5 s), reported once when learned."""
    watch = StallWatch(10.0)
    watch.frame(0.0, ping=True)
    assert watch.frame(2.0, ping=True) is True
    assert watch.frame(4.0, ping=True) is False
    assert watch.threshold() == 5.0
    assert "2.5 x PING interval 2.0s" in watch.describe()


def test_threshold_is_capped_by_the_silence_and_floored_by_the_minimum() -> None:
    """Slow PINGs never stretch it past the configured silence; fast ones never below
    the minimum; a late PING lengthens it (the longest recent interval counts)."""
    slow = StallWatch(10.0)
    for t in (0.0, 30.0):
        slow.frame(t, ping=True)
    assert slow.threshold() == 10.0
    fast = StallWatch(10.0, minimum=1.0)
    for t in (0.0, 0.1, 0.2, 0.5):
        fast.frame(t, ping=True)
    assert fast.threshold() == 1.0
    assert fast.ping_interval == 0.3


def test_a_new_connection_learns_the_rhythm_again() -> None:
    """reset() forgets the intervals: each session measures its own server."""
    watch = StallWatch(10.0)
    watch.frame(0.0, ping=True)
    watch.frame(1.0, ping=True)
    watch.reset()
    assert watch.ping_interval is None and watch.threshold() == 10.0

"""Times in decision reasons ('until 09:05:00.250'): computed without a datetime, they
must read exactly as the Asia/Seoul datetime prints them (since 1989: Korea kept
daylight saving time in 1987-88, and the engine's clock is a fixed +9 h, clock.py)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as hs

from autotrader.clock import to_seoul
from autotrader.engine.noop import hms


@settings(max_examples=3_000, deadline=None)
@given(hs.floats(min_value=600_000_000.0, max_value=4_000_000_000.0, allow_nan=False))
@example(1_795_132_830.0)
@example(1_795_132_830.9999995)  # rounds up into the next second
@example(1_795_132_830.2499995)
@example(1_795_132_830.0005)
@example(1_795_167_999.9999999)  # the last instant of a Seoul day
def test_hms_reads_as_the_seoul_datetime(ts: float) -> None:
    assert hms(ts) == to_seoul(ts).strftime("%H:%M:%S.%f")[:-3]

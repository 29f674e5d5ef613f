"""What a fault profile's ``act`` works with: the fake, the runner, the rest of the day.

``Rehearsal`` pushes the day's frames (the clock reaching each one's time first) and
polls conditions; ``Probe`` holds the trader-side counters when the fault struck, so a
symptom is a change from them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from autotrader.drill.clock import DrillClock
from autotrader.drill.tape import TimedFrame
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.live.runner import LiveResult, LiveRunner

WAIT = 10.0
IN_FLIGHT_WAIT = 2.0  # longer than the drill's order timeout (0.5 s)


@dataclass
class Probe:
    """The trader-side counters when the fault struck; symptoms are changes from these."""

    stalls: int = 0
    sessions: int = 0
    malformed: int = 0
    decoded_malformed: int = 0
    tokens: int = 0


@dataclass
class Rehearsal:
    """What a profile's ``act`` works with: the fake, the runner, the rest of the day."""

    fake: FakeKiwoom
    runner: LiveRunner
    task: asyncio.Task[LiveResult]
    frames: Iterator[TimedFrame]
    clock: DrillClock
    probe: Probe = field(default_factory=Probe)
    doubted: bool = False  # an order of the run was in doubt at some point
    pushed: int = 0

    async def push(self, n: int = 1) -> int:
        """Push the next ``n`` frames of the day; how many there were.

        Market time does not move while an order request is in flight (at most
        ``IN_FLIGHT_WAIT`` seconds): at top speed the clock would otherwise jump minutes
        between a decision and the venue's booking, a skew no real session shows, and the
        reconciliation, which measures that skew, would be misled by it."""
        done = 0
        for tf in self.frames:
            if self.runner.broker.in_flight:
                await self.until(lambda: not self.runner.broker.in_flight, IN_FLIGHT_WAIT)
            self.clock.reach(tf.ts)
            async with asyncio.timeout(WAIT):
                await self.fake.push_frame(tf.frame)
            self.pushed += 1
            done += 1
            if done >= n:
                break
        return done

    async def until(self, predicate: Callable[[], bool], within: float = WAIT) -> bool:
        """Poll ``predicate`` every 5 ms for up to ``within`` seconds; whether it held."""
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline or self.task.done():
                return predicate()
            await asyncio.sleep(0.005)
        return True

    def probed(self) -> Probe:
        rt = self.runner.realtime
        return Probe(
            rt.stalls, rt.sessions, rt.stats.total, self.runner.decoder.counters.malformed,
            len(self.fake.tokens.issued),
        )  # fmt: skip

    def settled(self) -> bool:
        """Connected, nothing in doubt or in flight, positions equal the fake's."""
        r = self.runner
        if not r.realtime.connected or r.doubts.in_doubt or r.broker.in_flight:
            return False
        engine = {s: st.pos_qty for s, st in r.engine.states.items() if st.pos_qty}
        return engine == {s: h.qty for s, h in self.fake.holdings.items() if h.qty}

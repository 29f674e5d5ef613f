"""Request pacing: a token bucket per api-id, and the back-off delays between retries.

Kiwoom limits requests per api-id ("a handful per second", no official figure), so each
api-id gets its own bucket; an over-limit answer (1700/429) additionally backs off with
jitter so that several clients do not retry in lockstep.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


def backoff(
    initial: float = 0.5,
    cap: float = 8.0,
    factor: float = 2.0,
    *,
    rng: Callable[[], float] = random.random,
) -> Iterator[float]:
    """Endless delays growing by ``factor`` up to ``cap``, each with 50-100% jitter.

    Like websockets' own ``backoff()``: the caller takes ``next()`` per failed attempt and
    starts a new generator once it succeeds.
    """
    delay = initial
    while True:
        yield delay * (0.5 + rng() / 2)
        delay = min(cap, delay * factor)


class TokenBucket:
    """``rate`` permits a second, up to ``burst`` saved; ``acquire`` waits for one."""

    def __init__(self, rate: float, burst: int, *, clock: Clock, sleep: Sleep) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = asyncio.Lock()  # waiters are served in order

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self._rate)

    @property
    def rate(self) -> float:
        return self._rate

    def peek(self, now: float) -> float:
        """Permits saved at ``now`` (fractional), without taking one."""
        return min(self._burst, self._tokens + (now - self._updated) * self._rate)

    def take(self, now: float) -> None:
        """Spend one permit at ``now`` (the caller checked ``peek`` first)."""
        self._tokens = self.peek(now) - 1
        self._updated = now

    def drain(self, until: float | None = None) -> None:
        """Spend every saved permit: after a 1700 the server thinks we went too fast.
        ``until``: refill only from then on (a back-off hold, then a full interval)."""
        self._tokens = 0.0
        self._updated = max(self._clock(), until or 0.0)


class Throttle:
    """The pacer: one ``TokenBucket`` per api-id, created on first use.

    ``rate`` is a number (every api-id alike) or a function of the api-id, so each TR
    keeps to its own budget (``KiwoomSettings.rate_for``).
    """

    def __init__(
        self,
        rate: float | Callable[[str], float],
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}

    def rate(self, api_id: str) -> float:
        return self._rate(api_id) if callable(self._rate) else self._rate

    def bucket(self, api_id: str) -> TokenBucket:
        bucket = self._buckets.get(api_id)
        if bucket is None:
            rate = self.rate(api_id)
            bucket = TokenBucket(rate, self._burst, clock=self._clock, sleep=self._sleep)
            self._buckets[api_id] = bucket
        return bucket

    async def acquire(self, api_id: str) -> None:
        await self.bucket(api_id).acquire()

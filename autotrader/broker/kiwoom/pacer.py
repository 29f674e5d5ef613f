"""The order pacer: the one owner of the order request budget, exits and cancels first.

Kiwoom limits requests per api-id (``kt10000`` buys, ``kt10001`` sells, ...) and in total
(1701), and after a 1700 the gateway wants every order request to slow down. When the
budget is short, what leaves first matters: a cancel or an exit that protects a position
must not queue behind new entries. ``OrderPacer`` keeps one token bucket per api-id and
one shared hold (set by a 1700), and grants waiting requests by class:

    CANCEL (0) < EXIT (1) < MODIFY (2) < ENTRY (3), first come first served within one.

A request goes when its api-id's bucket has a permit and no waiting request of a better
class could use the budget now. An entry that would wait longer than ``entry_wait`` is
refused (``BudgetRefusedError``): the broker rejects it unsent with that reason, so the
journal says why; exits and cancels always wait their turn. ``acquire`` returns the
seconds waited, which the broker reports for the journal (``autotrader report`` shows
the total).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from autotrader.broker.kiwoom.throttle import Clock, Sleep, TokenBucket
from autotrader.errors import BrokerError


class Priority(enum.IntEnum):
    CANCEL = 0  # takes risk off the book
    EXIT = 1  # a sell that reduces a position
    MODIFY = 2
    ENTRY = 3  # a new position: the one that waits, or is refused


class BudgetRefusedError(BrokerError):
    """An entry waited past ``entry_wait`` for the request budget: not sent."""


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    api_id: str = field(compare=False)
    since: float = field(compare=False)


class OrderPacer:
    """One token bucket per api-id, a shared hold after a 1700, grants by priority."""

    def __init__(
        self,
        rate: Callable[[str], float],
        burst: int,
        *,
        entry_wait: float = 5.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self.entry_wait = entry_wait
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()
        self._hold_until = 0.0
        self._changed = asyncio.Event()

    def _bucket(self, api_id: str) -> TokenBucket:
        bucket = self._buckets.get(api_id)
        if bucket is None:
            bucket = TokenBucket(
                self._rate(api_id), self._burst, clock=self._clock, sleep=self._sleep
            )
            if self._hold_until > self._clock():
                bucket.drain(until=self._hold_until)  # held like the others
            self._buckets[api_id] = bucket
        return bucket

    def _available_in(self, api_id: str) -> float:
        """Seconds until ``api_id`` may send (0: now)."""
        bucket = self._bucket(api_id)
        now = self._clock()
        tokens = bucket.peek(now)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / bucket.rate
        return max(wait, self._hold_until - now)

    def waiting(self) -> list[tuple[str, Priority]]:
        """Requests waiting now, best first (for tests and health checks)."""
        return [(w.api_id, Priority(w.priority)) for w in sorted(self._waiting)]

    async def acquire(self, api_id: str, priority: Priority = Priority.ENTRY) -> float:
        """Wait for a permit for ``api_id``; the seconds waited. Raises BudgetRefusedError
        for an entry that would wait past ``entry_wait``."""
        me = _Waiter(int(priority), next(self._seq), api_id, self._clock())
        self._waiting.append(me)
        paused = False
        try:
            while True:
                ahead = [
                    w for w in self._waiting
                    if w < me and self._available_in(w.api_id) <= self._available_in(me.api_id)
                ]  # fmt: skip
                wait = self._available_in(api_id)
                if not ahead and wait <= 0:
                    now = self._clock()
                    self._bucket(api_id).take(now)
                    return now - me.since if paused else 0.0
                waited = self._clock() - me.since
                if priority is Priority.ENTRY and waited + max(wait, 0.0) > self.entry_wait:
                    behind = sum(1 for w in self._waiting if w.priority < Priority.ENTRY)
                    raise BudgetRefusedError(
                        None,
                        f"request budget: refused after waiting {waited:.1f}s for {api_id} "
                        f"({behind} exits/cancels ahead, limit {self._rate(api_id):g}/s, "
                        f"entries wait at most {self.entry_wait:g}s); not sent",
                        api_id=api_id,
                    )
                paused = True
                if not ahead:
                    await self._sleep(wait)  # our own api-id's interval, or a 1700 hold
                    continue
                self._changed.clear()  # a better request goes first: wait for it to leave
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.25)
        finally:
            self._waiting.remove(me)
            self._changed.set()

    def penalize(self, api_id: str, delay: float) -> None:
        """After a 1700 on ``api_id``: every order request holds for ``delay`` seconds,
        then each api-id waits a full interval (saved permits are spent: the gateway
        thinks we went too fast), and the waiting ones go in priority order."""
        self._hold_until = max(self._hold_until, self._clock() + delay)
        self._bucket(api_id)
        for bucket in self._buckets.values():  # then a full interval, for every api-id
            bucket.drain(until=self._hold_until)
        self._changed.set()

"""The order pacer: one owner of the order budget; cancels and exits before entries,
an entry refused (never dropped) past its wait, a 1700 holding every order."""

from __future__ import annotations

import asyncio

import pytest

from autotrader.broker.kiwoom.pacer import BudgetRefusedError, OrderPacer, Priority

pytestmark = pytest.mark.anyio


async def test_after_a_1700_hold_exits_and_cancels_leave_before_entries() -> None:
    """An entry queued first, then an exit and a cancel, all held by a 1700: the cancel
    goes first, then the exit, then the entry; each returns how long it waited."""
    pacer = OrderPacer(lambda api_id: 50.0, 2, entry_wait=10.0)
    pacer.penalize("kt10000", 0.2)
    left: list[str] = []

    async def send(api_id: str, priority: Priority) -> float:
        waited = await pacer.acquire(api_id, priority)
        left.append(priority.name)
        return waited

    entry = asyncio.create_task(send("kt10000", Priority.ENTRY))
    await asyncio.sleep(0.01)
    exit_ = asyncio.create_task(send("kt10001", Priority.EXIT))
    cancel = asyncio.create_task(send("kt10003", Priority.CANCEL))
    await asyncio.sleep(0.01)
    assert pacer.waiting() == [
        ("kt10003", Priority.CANCEL), ("kt10001", Priority.EXIT), ("kt10000", Priority.ENTRY),
    ]  # fmt: skip
    waits = await asyncio.gather(entry, exit_, cancel)
    assert left == ["CANCEL", "EXIT", "ENTRY"]
    assert all(w > 0 for w in waits)


async def test_an_entry_that_would_wait_too_long_is_refused_with_its_reason() -> None:
    """Past entry_wait an entry is refused (the broker journals the reason); an exit in
    the same hold still waits its turn and goes."""
    pacer = OrderPacer(lambda api_id: 50.0, 1, entry_wait=0.05)
    pacer.penalize("kt10000", 0.3)
    with pytest.raises(BudgetRefusedError, match=r"request budget: refused .* not sent"):
        await pacer.acquire("kt10000", Priority.ENTRY)
    assert await pacer.acquire("kt10001", Priority.EXIT) > 0
    assert pacer.waiting() == []


async def test_each_api_id_keeps_its_own_rate() -> None:
    """A burst of 1 at 20/s: the second buy waits an interval; a sell does not."""
    pacer = OrderPacer(lambda api_id: 20.0, 1)
    assert await pacer.acquire("kt10000") == 0
    assert await pacer.acquire("kt10001", Priority.EXIT) == 0
    assert await pacer.acquire("kt10000") > 0

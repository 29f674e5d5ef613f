"""Crash tests for protective stops (issue 16 item 3): the stop rests at Kiwoom, so it
protects while autotrader is down. A SIGKILLed engine's stop fills at the (fake) venue;
the restart journals the fill and ends flat in the journal and at the venue. A stop still
resting at the restart is relinked: it keeps trailing, and no second stop is placed."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import pytest

from autotrader.model import Side
from tests.integration.live_support import tick
from tests.recovery.test_crash import CROSSING, RESTING, SYM, WAIT, Rig, rig

__all__ = ["rig"]  # the fixture, shared with test_crash.py

PROTECTED = """\
strategy: crash-test
symbols: ["000660"]
risk:
  max_order_value: 50_000_000
  trading_hours: ["09:00", "15:20"]
rules:
  - name: buy-once
    symbols: ["000660"]
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {{qty: 2, type: limit, price: 200000}}
    protect: {protect}
"""


def venue_stops(r: Rig) -> list[tuple[int, int]]:
    """The fake's working stop-limit sells: (remaining, condition price)."""
    return [
        (o.remaining, o.cond_price)
        for o in r.fake.open_orders()
        if o.side is Side.SELL and o.trde_tp == "28"
    ]


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not predicate():  # noqa: ASYNC110 - the fake's book has no event to await
            await asyncio.sleep(0.02)


async def entry_with_stops(r: Rig, protect: str) -> None:
    """Run the engine until the entry filled (2 fills of 1) and both stops rest at the
    fake; then SIGKILL it."""
    (r.tmp / "crash-test.yaml").write_text(PROTECTED.format(protect=protect), "utf-8")
    async with r.engine() as engine:
        await engine.ready()
        await r.push(RESTING)
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        await r.push(CROSSING)  # the fake fills one share a print (max_fill_qty)
        await until(lambda: sum(q for q, _ in venue_stops(r)) == 1)
        await r.push(CROSSING)
        await until(lambda: sum(q for q, _ in venue_stops(r)) == 2)
        engine.proc.send_signal(signal.SIGKILL)
        assert await engine.died() == -signal.SIGKILL


@pytest.mark.anyio
async def test_a_stop_that_fills_at_the_venue_while_down_is_journaled_and_ends_flat(
    rig: Rig,
) -> None:
    await entry_with_stops(rig, "{stop: 2%}")
    assert venue_stops(rig) == [(1, 196_000), (1, 196_000)]  # one per fill
    for _ in range(2):  # the tape falls to the stop while autotrader is down
        await rig.push(tick(SYM, 196_000, ask=196_000, bid=195_900))
    await until(lambda: SYM not in rig.fake.holdings or rig.fake.holdings[SYM].qty == 0)
    assert rig.fake.open_orders() == []
    async with rig.engine() as engine:
        ready = await engine.ready()
        stopped = await engine.stop()
    assert ready["positions"][SYM] == 0 and ready["level"] == "active"
    states = rig.journal("SELECT id, side, order_type, state, filled_qty FROM orders ORDER BY id")
    assert states == [
        (1, "buy", "limit", "filled", 2),
        (2, "sell", "stop_limit", "filled", 1),
        (3, "sell", "stop_limit", "filled", 1),
    ]
    sells = rig.journal("SELECT order_id, qty FROM fills WHERE side = 'sell' ORDER BY order_id")
    assert sells == [(2, 1), (3, 1)]  # journaled once, under the stops' own rows
    assert rig.journal_position() == 0
    assert rig.journal("SELECT COUNT(*) FROM errors WHERE source = 'recovery'") == [(0,)]
    assert len(rig.new_orders()) == 3  # nothing re-sent
    rig.assert_agree(stopped["positions"])


@pytest.mark.anyio
async def test_a_stop_resting_at_the_restart_is_relinked_and_keeps_trailing(rig: Rig) -> None:
    await entry_with_stops(rig, "{stop: 2%, trail: 2%}")
    assert venue_stops(rig) == [(1, 196_000), (1, 196_000)]
    async with rig.engine() as engine:
        await engine.ready()
        await rig.push(tick(SYM, 200_000, ask=200_500, bid=200_000))
        await asyncio.sleep(0.3)
        assert len(rig.new_orders()) == 3  # the resting stops are its own: none added
        await rig.push(tick(SYM, 210_000, ask=210_500, bid=210_000))  # trail: 205,500
        await until(lambda: venue_stops(rig) == [(1, 205_500), (1, 205_500)])
        await rig.push(tick(SYM, 207_000, ask=207_000, bid=206_500))  # never down
        await asyncio.sleep(0.3)
        assert venue_stops(rig) == [(1, 205_500), (1, 205_500)]
        stopped = await engine.stop()
    assert len(rig.new_orders()) == 3
    assert stopped["positions"][SYM] == 2 == rig.journal_position() == rig.fake.holdings[SYM].qty
    modifies = rig.journal("SELECT target_id, state FROM orders WHERE action = 'modify'")
    assert sorted(modifies) == [(2, "done"), (3, "done")]  # the relinked rows, trailed


@pytest.mark.anyio
async def test_a_held_position_whose_stops_are_gone_at_the_restart_is_protected_again(
    rig: Rig,
) -> None:
    """Killed with the stops resting; they are cancelled at Kiwoom while it is down (as
    the day's orders expire overnight, or by hand in the HTS). The restart finds the
    position held with nothing resting: a stop for it rests again at the level it had."""
    await entry_with_stops(rig, "{stop: 2%}")
    for order in list(rig.fake.open_orders()):
        rig.fake.book.cancel(order.ord_no, order.stk_cd, 0)
    assert venue_stops(rig) == []
    async with rig.engine() as engine:
        await engine.ready()
        await rig.push(tick(SYM, 200_000, ask=200_500, bid=200_000))
        await until(lambda: venue_stops(rig) == [(2, 196_000)])
        stopped = await engine.stop()
    assert rig.journal("SELECT state FROM orders WHERE id IN (2, 3)") == [
        ("cancelled",),
        ("cancelled",),
    ]
    assert stopped["positions"][SYM] == 2 == rig.journal_position()
    assert len(rig.new_orders()) == 4  # the entry, its two stops, and the re-armed one

"""kill -9 right after a modify, while its new number fills: the restart follows the
modify chain through ka10076's ``orig_ord_no`` and finds the fill (issue 14, item 1).

Reuses the crash rig of ``tests/recovery/test_crash.py``: a live engine in a subprocess,
SIGKILLed at a named step, restarted against the fake Kiwoom in this process.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autotrader.fake_kiwoom.orders import Kind
from tests.integration.live_support import tick
from tests.recovery.test_crash import BID_LOW, HEAD, SYM, Rig, crash_rig

pytestmark = pytest.mark.anyio

STRATEGY = (
    HEAD
    + BID_LOW
    + """\
  - name: chase
    symbols: ["000660"]
    when: open_orders.buy == 1
    do:
      - modify: {tag: entry, which: newest, price: 200000}
"""
)
QUIET = tick(SYM, 200_500, ask=200_500, bid=200_000)  # crosses neither price
CROSSING = tick(SYM, 200_000, ask=200_000, bid=199_500)  # fills the modified buy, not 199,000


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with crash_rig(tmp_path, STRATEGY) as r:
        yield r


async def test_killed_right_after_a_modify_the_fill_under_its_new_number_is_found(
    rig: Rig,
) -> None:
    """The modify's answer is never read; both shares fill under its new number while the
    engine is down. The restart ends the order filled (not cancelled), journals both
    shares once under row 1, marks the modify done, and sends nothing new."""
    async with rig.engine("after-send:modify") as engine:
        await engine.ready()
        await rig.push(QUIET)  # bid-low places the buy
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        await rig.push(QUIET)  # chase modifies it: killed once Kiwoom has answered
        assert await engine.died() == -signal.SIGKILL
    (new,) = [o for o in rig.fake.orders if o.kind is Kind.MODIFY]
    await rig.push(CROSSING)
    await rig.push(CROSSING)
    assert new.filled == 2 and rig.fake.holdings[SYM].qty == 2
    async with rig.engine() as engine:
        ready = await engine.ready()
        stopped = await engine.stop()
    states = rig.journal("SELECT id, action, state, filled_qty FROM orders ORDER BY id")
    assert states == [(1, "buy", "filled", 2), (2, "modify", "done", 0)]
    assert rig.journal("SELECT order_id, qty, price, broker_order_no FROM fills") == [
        (1, 2, 200_000, new.ord_no)
    ]
    assert rig.journal("SELECT COUNT(*) FROM errors WHERE source = 'recovery'") == [(0,)]
    assert ready["positions"][SYM] == 2 and ready["level"] == "active"
    assert len(rig.new_orders()) == 1  # nothing was sent again
    # row 1 carries the number its remainder moved to; journal, engine and fake agree
    assert rig.journal("SELECT broker_order_no FROM orders WHERE id = 1") == [(new.ord_no,)]
    assert rig.journal_position() == stopped["positions"][SYM] == rig.fake.holdings[SYM].qty

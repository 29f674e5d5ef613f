"""kill -9 around a cancel (issue 14, item 7's "kill -9 after each order step"): the
restart reconciles, and the order ends cancelled at Kiwoom with the journal agreeing.

Two crash points of a rule's cancel of a resting buy:

* ``before-send``: the cancel's intent is committed, its request never left. The restart
  rejects the intent (never sent blindly), resumes the buy (still working at Kiwoom),
  and the rule cancels it again on the next tick;
* ``after-send:cancel``: Kiwoom cancelled the buy and answered; the engine died before
  reading the answer. The restart ends the buy cancelled and the cancel done, and sends
  nothing.

Each restart also shows the interrupted run marked and continued (``journal/runs.py``).
Reuses the crash rig of ``tests/recovery/test_crash.py``.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autotrader.fake_kiwoom.orders import Kind
from autotrader.live.recovery import NOT_SENT
from tests.integration.live_support import tick
from tests.recovery.test_crash import BID_LOW, HEAD, SYM, Rig, crash_rig

pytestmark = pytest.mark.anyio

STRATEGY = (
    HEAD
    + BID_LOW
    + """\
  - name: pull
    symbols: ["000660"]
    when: open_orders.buy == 1
    do:
      - cancel: {tag: entry}
"""
)
QUIET = tick(SYM, 200_500, ask=200_500, bid=200_000)  # crosses nothing


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    async with crash_rig(tmp_path, STRATEGY) as r:
        yield r


def cancels(rig: Rig) -> list[str]:
    return [o.ord_no for o in rig.fake.orders if o.kind is Kind.CANCEL]


def assert_runs_linked(rig: Rig) -> None:
    """Run 1 (killed) is marked interrupted; run 2 continues it and ended cleanly."""
    runs = rig.journal("SELECT id, interrupted_at IS NOT NULL, ended_at IS NOT NULL, continues "
                       "FROM runs ORDER BY id")  # fmt: skip
    assert runs == [(1, 1, 0, None), (2, 0, 1, 1)]


async def test_killed_after_the_cancel_was_sent_the_restart_ends_the_order_cancelled(
    rig: Rig,
) -> None:
    """Kiwoom cancelled the buy; its answer died with the process. The restart finds the
    buy no longer working: cancelled, its cancel request done, nothing sent again."""
    async with rig.engine("after-send:cancel") as engine:
        await engine.ready()
        await rig.push(QUIET)  # bid-low places the buy
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        await rig.push(QUIET)  # pull cancels it: killed once Kiwoom has answered
        assert await engine.died() == -signal.SIGKILL
    (buy,) = rig.new_orders()
    assert len(cancels(rig)) == 1 and rig.fake.open_orders() == []
    assert rig.journal("SELECT id, action, state FROM orders ORDER BY id") == [
        (1, "buy", "accepted"),
        (2, "cancel", "pending"),  # its 'sent' transition was still buffered
    ]
    async with rig.engine() as engine:
        ready = await engine.ready()
        stopped = await engine.stop()
    states = rig.journal("SELECT id, action, state, broker_order_no FROM orders ORDER BY id")
    assert states == [(1, "buy", "cancelled", buy), (2, "cancel", "done", "")]
    assert rig.journal("SELECT COUNT(*) FROM errors WHERE source = 'recovery'") == [(0,)]
    assert ready["level"] == "active"
    assert rig.new_orders() == [buy] and len(cancels(rig)) == 1  # nothing sent again
    assert rig.journal("SELECT COUNT(*) FROM fills") == [(0,)]
    rig.assert_agree(stopped["positions"])
    assert_runs_linked(rig)


async def test_killed_between_the_cancel_intent_and_its_send_the_rule_cancels_again(
    rig: Rig,
) -> None:
    """The cancel's intent is journaled, its request never left: Kiwoom still works the
    buy. The restart rejects the intent (never sent blindly), resumes the buy under row
    1, and the rule's next cancel takes it out: cancelled at Kiwoom, the journal agreeing."""
    async with rig.engine("before-send:cancel") as engine:
        await engine.ready()
        await rig.push(QUIET)  # bid-low places the buy
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        await rig.push(QUIET)  # pull's cancel: killed after its intent, before its send
        assert await engine.died() == -signal.SIGKILL
    (buy,) = rig.new_orders()
    assert cancels(rig) == [] and [o.ord_no for o in rig.fake.open_orders()] == [buy]
    assert rig.journal("SELECT id, action, state FROM orders ORDER BY id") == [
        (1, "buy", "accepted"),
        (2, "cancel", "pending"),
    ]
    async with rig.engine() as engine:
        await engine.ready()
        assert rig.journal("SELECT id, state, reason FROM orders ORDER BY id") == [
            (1, "accepted", ""),
            (2, "rejected", NOT_SENT),
        ]
        await rig.push(QUIET)  # pull fires again on the resumed buy
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "cancelled")
        stopped = await engine.stop()
    assert rig.fake.open_orders() == [] and len(cancels(rig)) == 1
    assert rig.new_orders() == [buy]  # the buy was never sent twice
    states = rig.journal("SELECT id, action, state FROM orders ORDER BY id")
    assert states == [(1, "buy", "cancelled"), (2, "cancel", "rejected"), (3, "cancel", "done")]
    assert rig.journal("SELECT COUNT(*) FROM errors WHERE source = 'recovery'") == [(0,)]
    rig.assert_agree(stopped["positions"])
    assert_runs_linked(rig)


async def test_a_cancel_whose_answer_was_lost_is_matched_through_the_day_history(
    rig: Rig,
) -> None:
    """No kill: the cancel's request times out after Kiwoom took it. A cancel's number
    is in neither ka10075 nor ka10076, only kt00007: reconciliation finds it there, so
    the cancel ends done (not 'not found') and the buy cancelled, as at Kiwoom."""
    async with rig.engine() as engine:
        await engine.ready()
        await rig.push(QUIET)  # bid-low places the buy
        await engine.fact(lambda f: f.get("order") == 1 and f["state"] == "accepted")
        rig.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await rig.push(QUIET)  # pull's cancel: taken by Kiwoom, its answer lost
        await engine.fact(lambda f: f.get("order") == 2 and f["state"] == "unknown")
        await engine.fact(lambda f: f.get("order") == 2 and f["state"] == "done")
        stopped = await engine.stop()
    (number,) = cancels(rig)
    states = rig.journal("SELECT id, action, state, broker_order_no FROM orders ORDER BY id")
    assert [s[:3] for s in states] == [(1, "buy", "cancelled"), (2, "cancel", "done")]
    assert states[1][3] == number and rig.fake.open_orders() == []
    rig.assert_agree(stopped["positions"])

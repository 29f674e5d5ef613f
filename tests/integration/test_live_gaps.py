"""Live mode across gaps: a socket gap hiding a cancel, an order in doubt whose ``00``
events arrive before it is matched, and a restart with orders an earlier run journaled."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.model import OrderState
from tests.integration.live_support import (
    APPKEY,
    BUY_WHILE_FLAT,
    FEES,
    SECRETKEY,
    MorningClock,
    accepted,
    fast_options,
    live_run,
    rows,
    tick,
)

DAY_BUY = """\
  - name: day-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 2, type: limit, price: 59000}
"""

RESTING_BUY = """\
  - name: resting-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 2, type: limit, price: 59000}
"""


@pytest.mark.anyio
async def test_reconnect_catch_up_closes_an_order_the_exchange_cancelled_in_the_gap(
    tmp_path: Path,
) -> None:
    """A day order the exchange expires at the close while the socket is down (the tape's
    15:30:00 single price does not reach it): ka10075 after the reconnect shows it gone,
    so the order ends cancelled and the open-order count is right."""
    async with live_run(tmp_path, DAY_BUY) as live:
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: accepted(live))
        (order,) = live.orders()
        st = live.runner.engine.states["005930"]
        assert st.open_orders == 1
        await live.fake.faults.drop_sockets()
        closing = tick("005930", 60_100, ask=60_100, bid=60_000)
        closing["data"][0]["values"]["20"] = "153000"  # the closing auction's print: expired
        await live.push(closing)
        assert live.fake.open_orders() == []
        await live.until(lambda: order.state is OrderState.CANCELLED)
        assert st.open_orders == 0 and live.runner.engine.book.open_orders == 0
        assert live.runner.realtime.sessions == 2
    (journaled,) = rows(live.journal_path, "SELECT state, filled_qty FROM orders")
    assert (journaled["state"], journaled["filled_qty"]) == ("cancelled", 0)


@pytest.mark.anyio
async def test_executions_of_an_order_in_doubt_wait_for_the_reconciler(tmp_path: Path) -> None:
    """00 events for an unknown order are held, then applied once it is matched: no
    'unmatched' error rows, and its fill is journaled exactly once."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        live.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(tick("000660", 200_000))
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.UNKNOWN)
        await live.push(tick("000660", 200_000))  # fills at the server: 00 for a number unknown
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.engine.states["000660"].pos_qty == 3
    errors = [r["detail"] for r in rows(live.journal_path, "SELECT detail FROM errors")]
    assert [e for e in errors if "unmatched" in e or "unknown order" in e] == []
    fills = rows(live.journal_path, "SELECT qty, price FROM fills")
    assert [(f["qty"], f["price"]) for f in fills] == [(3, 200_000)]


@pytest.mark.anyio
@pytest.mark.parametrize("answer", ["received", "lost"])
async def test_an_order_open_at_restart_resumes_its_earlier_journal_row(
    tmp_path: Path, answer: str
) -> None:
    """A working order journaled by the previous run (with its number, or left unknown
    when its answer was lost) is matched at the next start: one row, never adopted twice."""
    clock = MorningClock()
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, fees=FEES, holdings={"005930": (10, 58_000)},
        clock=clock,
    ) as fake:  # fmt: skip
        first = fast_options(reconcile_delay=60.0)  # the run ends before reconciling
        async with live_run(tmp_path, RESTING_BUY, fake=fake, options=first) as live:
            if answer == "lost":
                fake.faults.fail_next_order(after_accept=True, mode="timeout")
            await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
            wanted = OrderState.UNKNOWN if answer == "lost" else OrderState.ACCEPTED
            await live.until(lambda: any(o.state is wanted for o in live.orders()))
            (before,) = live.orders()
        (server,) = fake.open_orders()
        async with live_run(tmp_path, RESTING_BUY, fake=fake) as again:
            assert again.runner.adopted == []
            (resumed,) = again.runner.resumed
            assert resumed.order_id == before.order_id
            assert resumed.broker_order_no == server.ord_no
            assert again.runner.engine.states["005930"].open_orders == 1
            await again.push(tick("005930", 59_000, ask=59_000, bid=58_900))  # fills it
            await again.until(lambda: resumed.state is OrderState.FILLED)
    (row,) = rows(again.journal_path, "SELECT * FROM orders")
    assert (row["id"], row["state"], row["broker_order_no"]) == (
        before.order_id,
        "filled",
        server.ord_no,
    )

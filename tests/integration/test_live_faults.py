"""Live mode under the faults a Kiwoom session shows: dropped sockets, expired tokens,
rate-limit storms, and order requests whose answer is lost after the server accepted them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from autotrader.model import OrderState
from tests.integration.live_support import BUY_WHILE_FLAT, accepted, live_run, placed, rows, tick

RESTING_BUY = """\
  - name: resting-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 2, type: limit, price: 60000}
"""


@pytest.mark.anyio
async def test_dropped_socket_reconnects_registers_again_and_loses_no_fill(
    tmp_path: Path,
) -> None:
    """A fill pushed while the socket is down is recovered after reconnecting (ka10076)."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: accepted(live))
        await live.fake.faults.drop_sockets()
        assert not any(s.logged_in for s in live.fake.hub.sessions)
        await live.push(tick("005930", 60_000, ask=60_000, bid=59_900))  # fills, unseen
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.realtime.sessions == 2
        st = live.runner.engine.states["005930"]
        assert st.pos_qty == 12
        ticks = st.ticks
        await live.push(tick("005930", 60_000))  # registered again: ticks flow
        await live.until(lambda: st.ticks == ticks + 1)
    fills = rows(live.journal_path, "SELECT qty, price, broker_order_no FROM fills")
    assert [(f["qty"], f["price"]) for f in fills] == [(2, 60_000)]
    assert live.fake.holdings["005930"].qty == 12


@pytest.mark.anyio
async def test_expired_token_is_renewed_for_queries_login_and_orders(tmp_path: Path) -> None:
    """After every token expires, queries retry with a new one and the socket logs in again."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        issued = len(live.fake.tokens.issued)
        live.fake.faults.expire_tokens()
        balance = await live.runner.broker.account.balance()  # 8005, renewed, retried
        assert [h.qty for h in balance.holdings] == [10]
        assert len(live.fake.tokens.issued) == issued + 1
        live.fake.faults.expire_tokens()
        await live.fake.faults.drop_sockets()  # LOGIN with the expired token is refused
        await live.until(lambda: live.runner.realtime.sessions >= 2)
        assert len(live.fake.tokens.issued) >= issued + 2
        await live.push(tick("005930", 60_100, bid=60_000))
        await live.until(lambda: accepted(live))


@pytest.mark.anyio
async def test_rate_limit_storm_is_throttled_without_failing_the_run(tmp_path: Path) -> None:
    """429/1700 answers on orders and queries are backed off; the run goes on, one order."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        faults = live.fake.faults
        faults.rate_limit("kt10000", 1)  # an order refused at the gateway: one retry is safe
        faults.rate_limit("ka10076", 3)
        faults.rate_limit("kt00018", 3)
        await live.push(tick("000660", 200_000))
        await live.until(lambda: placed(live))
        results = await asyncio.gather(
            live.runner.broker.account.fills(), live.runner.broker.account.balance()
        )
        assert results[1].holdings
        await live.push(tick("000660", 200_000))
        st = live.runner.engine.states["000660"]
        await live.until(lambda: st.pos_qty == 3)
        assert not live.task.done()
        assert len(live.fake.orders) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["timeout", "drop"])
async def test_order_lost_after_acceptance_is_reconciled_never_resent(
    tmp_path: Path, mode: str
) -> None:
    """Unknown outcome: rule held, order adopted from ka10075, one order at the server."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        live.fake.faults.fail_next_order(after_accept=True, mode=mode)  # type: ignore[arg-type]
        await live.push(tick("000660", 200_000))
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.UNKNOWN)
        assert live.runner.engine.held_rules == {"buy-while-flat"}
        await live.push(tick("000660", 200_000))  # fills at the server; the rule stays held
        await live.until(lambda: live.runner.engine.stats.get("held", 0) >= 1)
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.engine.held_rules == set()
        assert len(live.orders()) == 1
        (server,) = live.fake.orders
        assert order.broker_order_no == server.ord_no and server.filled == 3
        assert live.runner.engine.states["000660"].pos_qty == 3
    states = [
        r["state"]
        for r in rows(live.journal_path, "SELECT state FROM order_events ORDER BY id")
        if r["state"] != "pending"
    ]
    assert states[:3] == ["sent", "unknown", "accepted"] and states[-1] == "filled"
    (journaled,) = rows(live.journal_path, "SELECT * FROM orders")
    assert (journaled["state"], journaled["filled_qty"]) == ("filled", 3)
    assert journaled["broker_order_no"] == server.ord_no
    fills = rows(live.journal_path, "SELECT qty FROM fills")
    assert sum(f["qty"] for f in fills) == 3


@pytest.mark.anyio
async def test_order_lost_before_acceptance_is_closed_and_the_rule_released(
    tmp_path: Path,
) -> None:
    """Not found at Kiwoom after the delay: rejected, rule released, nothing was resent."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        live.fake.faults.fail_next_order(after_accept=False, mode="drop")
        await live.push(tick("000660", 200_000))
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.REJECTED)
        assert live.fake.orders == []
        assert live.runner.engine.held_rules == set()
        engine = live.runner.engine
        await live.push(tick("000660", 200_000))  # the rule may act again
        await live.until(lambda: engine.stats["fired"] == 2)
        assert engine.stats.get("held", 0) == 0
    (first,) = rows(live.journal_path, "SELECT reason FROM orders WHERE id = ?", order.order_id)
    assert "not found" in first["reason"]

"""Live mode, order changes against the fake Kiwoom: a cancel of part of an order's
remainder, and a modified order whose fill falls into a websocket gap."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.market.matching import Print
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType, Side
from tests.integration.live_support import Live, live_run, placed, rows, tick

RESTING_BUY = """\
  - name: resting-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 10, type: limit, price: 59000}
"""


def place(live: Live, action: OrderAction, **kw: object) -> OrderRequest:
    """Hand an order straight to the engine (risk guard, journal, broker)."""
    engine = live.runner.engine
    values: dict[str, object] = {"symbol": "005930", "qty": 1, "strategy": "live-test"}
    values |= kw
    order = OrderRequest(
        order_id=live.runner.journal.next_order_id(),
        action=action,
        created_at=live.runner.stamp(),
        **values,  # type: ignore[arg-type]
    )
    assert engine.place(order, engine.states[order.symbol])
    return order


async def resting_order(live: Live) -> OrderRequest:
    await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
    await live.until(lambda: placed(live))
    (order,) = live.orders()
    return order


@pytest.mark.anyio
async def test_a_partial_cancel_leaves_the_rest_of_the_order_working(tmp_path: Path) -> None:
    """Cancel 3 of 10: 7 stay working at the fake, in the engine and in the journal, the
    cancel request is done, and the 7 then fill into the position."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        engine = live.runner.engine
        order = await resting_order(live)
        reserved = engine.book.reserved
        cancel = place(live, OrderAction.CANCEL, target_id=order.order_id, qty=3)
        await live.until(lambda: cancel.state is OrderState.DONE)
        assert order.state is OrderState.ACCEPTED and order.qty == 7
        (server,) = live.fake.open_orders()
        assert server.ord_no == order.broker_order_no and server.remaining == 7
        assert engine.states["005930"].open_orders == 1 and engine.book.open_orders == 1
        assert engine.ledger.pending[("005930", Side.BUY)] == 7
        cut = 3 * 59_000
        assert reserved - engine.book.reserved == cut + engine.book.fees.commission(cut)
        live.runner.journal.flush()
        (row,) = rows(live.journal_path, "SELECT * FROM orders WHERE id = ?", order.order_id)
        assert (row["state"], row["qty"]) == ("accepted", 7)
        await live.push(tick("005930", 59_000, ask=59_000, bid=58_900))
        await live.until(lambda: order.state is OrderState.FILLED)
        assert engine.states["005930"].pos_qty == 17 and engine.book.reserved == 0
        assert engine.states["005930"].open_orders == 0 and engine.book.open_orders == 0
    (row,) = rows(live.journal_path, "SELECT * FROM orders WHERE id = ?", order.order_id)
    assert (row["state"], row["qty"], row["filled_qty"]) == ("filled", 7, 7)
    fills = rows(live.journal_path, "SELECT qty FROM fills")
    assert [f["qty"] for f in fills] == [7]


@pytest.mark.anyio
async def test_a_modified_order_filled_in_a_socket_gap_is_caught_up_as_filled(
    tmp_path: Path,
) -> None:
    """The socket goes quiet before a modify's 00 arrives; the modified order (its new
    Kiwoom number) then fills in the gap. ka10076 lists that fill under the new number
    only: catch-up must still find it, so the order ends filled at the new price, not
    cancelled, with one fill row, and the modify request done."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        order = await resting_order(live)
        first_no = order.broker_order_no
        live.fake.faults.silence()  # the modify's 00 confirmation is lost
        modify = place(
            live, OrderAction.MODIFY, target_id=order.order_id, qty=0,
            order_type=OrderType.LIMIT, price=59_500,
        )  # fmt: skip
        await live.until(lambda: modify.state is OrderState.ACCEPTED)
        (server,) = live.fake.open_orders()
        assert server.ord_no == modify.broker_order_no != first_no
        at = live.fake.venue_now()
        live.fake.book.on_print("005930", Print(59_500, 10, 59_500, 59_400, at))  # no 00 reaches us
        assert live.fake.open_orders() == []
        live.fake.faults.silence(on=False)
        await live.fake.faults.drop_sockets()
        await live.until(lambda: order.state.is_final and live.runner.realtime.sessions == 2)
        assert order.state is OrderState.FILLED and order.price == 59_500
        assert modify.state is OrderState.DONE
        st = live.runner.engine.states["005930"]
        assert st.pos_qty == 20 and st.open_orders == 0
        assert live.runner.engine.book.reserved == 0
    (row,) = rows(live.journal_path, "SELECT * FROM orders WHERE id = ?", order.order_id)
    assert (row["state"], row["filled_qty"]) == ("filled", 10)
    fills = rows(live.journal_path, "SELECT qty, price FROM fills")
    assert [(f["qty"], f["price"]) for f in fills] == [(10, 59_500)]


@pytest.mark.anyio
async def test_modifying_a_partly_filled_order_keeps_its_filled_shares(tmp_path: Path) -> None:
    """4 of 10 filled, then the rest re-priced: Kiwoom's new number carries the 6 moved
    (900), but our order is still 10 with 6 working; the 6 then fill it."""
    async with live_run(tmp_path, RESTING_BUY, fake_options={"max_fill_qty": 4}) as live:
        engine = live.runner.engine
        order = await resting_order(live)
        await live.push(tick("005930", 59_000, ask=59_000, bid=58_900))
        await live.until(lambda: order.filled_qty == 4)
        modify = place(
            live, OrderAction.MODIFY, target_id=order.order_id, qty=0,
            order_type=OrderType.LIMIT, price=59_500,
        )  # fmt: skip
        await live.until(lambda: modify.state is OrderState.DONE)
        assert (order.qty, order.remaining, order.price) == (10, 6, 59_500)
        assert engine.ledger.pending[("005930", Side.BUY)] == 6
        live.fake.book.max_fill_qty = 0
        await live.push(tick("005930", 59_500, ask=59_500, bid=59_400))
        await live.until(lambda: order.state is OrderState.FILLED)
        assert order.filled_qty == 10 and engine.states["005930"].pos_qty == 20

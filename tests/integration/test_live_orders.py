"""Live mode against the fake Kiwoom: account start-up, orders, fills, modify, cancel, credit.

Modify, cancel and credit orders are driven through ``Engine.place`` with an
``OrderRequest``: the strategy language has no such actions yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType, Side
from tests.integration.live_support import Live, live_run, placed, rows, tick

SELL_HOLDING = """\
  - name: sell-holding
    symbols: ["005930"]
    when: position.qty >= 10 and open_orders == 0
    do:
      - sell: {qty: all, type: market}
"""

BUY_ONCE = """\
  - name: buy-once
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 0
    do:
      - buy: {qty: 3, type: market}
"""

RESTING_BUY = """\
  - name: resting-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 2, type: limit, price: bid, ticks: -10}
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
    engine.place(order, engine.states[order.symbol])
    return order


@pytest.mark.anyio
async def test_positions_come_from_the_account_and_fills_arrive_through_00(tmp_path: Path) -> None:
    """Holdings loaded at start let a sell-all rule fire; its 00 fill is journaled and matches."""
    async with live_run(tmp_path, SELL_HOLDING) as live:
        st = live.runner.engine.states["005930"]
        assert (st.pos_qty, st.pos_avg) == (10, 58_000)
        await live.push(tick("005930", 60_000))
        await live.until(lambda: placed(live))
        await live.push(tick("005930", 60_100, bid=60_000))
        await live.until(lambda: st.pos_qty == 0)
        (order,) = live.orders()
        assert order.state is OrderState.FILLED and order.qty == 10
        assert "005930" not in live.fake.holdings
        (server,) = live.fake.orders
        assert order.broker_order_no == server.ord_no
    fills = rows(live.journal_path, "SELECT * FROM fills")
    assert [(f["side"], f["qty"], f["price"]) for f in fills] == [("sell", 10, 60_000)]
    assert fills[0]["broker_order_no"] == server.ord_no
    (journaled,) = rows(live.journal_path, "SELECT * FROM orders")
    assert (journaled["state"], journaled["filled_qty"]) == ("filled", 10)
    (run,) = rows(live.journal_path, "SELECT * FROM runs")
    assert run["mode"] == "live" and run["ended_at"]


@pytest.mark.anyio
async def test_open_orders_at_start_are_adopted_and_keep_rules_quiet(tmp_path: Path) -> None:
    """An order already open at Kiwoom counts as open: the rule waits until it is cancelled."""

    def existing_order(fake: object) -> None:
        fake.book.place(Side.BUY, "005930", 1, "0", 55_000)  # type: ignore[attr-defined]

    async with live_run(tmp_path, BUY_ONCE, before_start=existing_order) as live:
        engine = live.runner.engine
        (adopted,) = live.runner.adopted
        assert adopted.state is OrderState.ACCEPTED and adopted.broker_order_no
        assert engine.states["005930"].open_orders == 1
        live.fake.holdings.clear()  # the rule needs a flat position; the book is ours to set
        engine.states["005930"].pos_qty = 0
        await live.push(tick("005930", 60_000))
        await live.until(lambda: engine.states["005930"].ticks == 1)
        assert len(live.orders()) == 1  # nothing fired
        place(live, OrderAction.CANCEL, target_id=adopted.order_id, qty=1)
        await live.until(lambda: adopted.state is OrderState.CANCELLED)
        await live.push(tick("005930", 60_000))
        await live.until(lambda: len(live.orders()) == 3)
        assert live.orders()[2].rule == "buy-once"


@pytest.mark.anyio
async def test_stock_and_credit_orders_are_placed_modified_and_cancelled(tmp_path: Path) -> None:
    """kt10000/2/3 and kt10006/8/9 round trips: the journal ends as the server's book."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        await live.push(tick("005930", 60_000))
        await live.until(lambda: placed(live))
        (stock,) = live.orders()
        assert (stock.order_type, stock.price, stock.qty) == (OrderType.LIMIT, 59_000, 2)
        place(
            live, OrderAction.MODIFY, target_id=stock.order_id, qty=2,
            order_type=OrderType.LIMIT, price=59_500,
        )  # fmt: skip
        await live.until(lambda: stock.price == 59_500)

        # No credit_buy rule asked kt20017 at start: ask it now, as the runner would.
        live.runner.engine.book.credit.record(await live.runner.broker.credit.loans(["005930"]))
        credit = place(
            live, OrderAction.CREDIT_BUY, qty=1, order_type=OrderType.LIMIT, price=58_000
        )
        await live.until(lambda: credit.state is OrderState.ACCEPTED)
        place(
            live, OrderAction.CREDIT_MODIFY, target_id=credit.order_id, qty=1,
            order_type=OrderType.LIMIT, price=58_500,
        )  # fmt: skip
        await live.until(lambda: credit.price == 58_500)

        place(live, OrderAction.CANCEL, target_id=stock.order_id, qty=2)
        place(live, OrderAction.CREDIT_CANCEL, target_id=credit.order_id, qty=1)
        await live.until(
            lambda: stock.state is OrderState.CANCELLED and credit.state is OrderState.CANCELLED
        )
        fake = live.fake
        assert fake.open_orders() == []
        api_ids = [o.api_id for o in fake.orders if o.api_id]
        assert api_ids == ["kt10000", "kt10006"]
        assert [o.kind.value for o in fake.orders] == [
            "new", "modify", "new", "modify", "cancel", "cancel",
        ]  # fmt: skip
        assert [o.credit for o in fake.orders] == [False, False, True, True, False, True]
    journaled = {
        r["id"]: (r["action"], r["state"]) for r in rows(live.journal_path, "SELECT * FROM orders")
    }
    assert journaled[stock.order_id] == ("buy", "cancelled")
    assert journaled[credit.order_id] == ("credit_buy", "cancelled")
    assert len(journaled) == 6


CREDIT_BUY_RULES = """\
  - name: credit-dip
    symbols: ["005930", "000660"]
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - credit_buy: {qty: 1, type: market}
"""


@pytest.mark.anyio
async def test_credit_buy_refused_when_kt20017_says_no(tmp_path: Path) -> None:
    """kt20017 is asked at start for the credit rule's stocks: the one without a credit
    loan has its credit buy refused and journaled with the broker's words; the other's
    credit buy goes out as kt10006."""
    fake_options = {"credit_stocks": {"005930": "A"}, "holdings": {}}
    async with live_run(tmp_path, CREDIT_BUY_RULES, fake_options=fake_options) as live:
        credit = live.runner.engine.book.credit
        assert not credit.assumed
        assert credit.answers["005930"].eligible and not credit.answers["000660"].eligible
        await live.push(tick("000660", 200_000))
        await live.push(tick("005930", 60_000))
        await live.until(lambda: any(o.api_id == "kt10006" for o in live.fake.orders))
        assert live.runner.engine.stats["rejected"] == 1
    assert [o.stk_cd for o in live.fake.orders] == ["005930"]
    (refused,) = rows(
        live.journal_path, "SELECT reason FROM orders WHERE symbol = ? AND state = ?",
        "000660", "rejected",
    )  # fmt: skip
    assert "credit_eligibility: no credit loan for 000660" in refused["reason"]
    assert "신용융자 불가" in refused["reason"]

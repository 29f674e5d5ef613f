"""Live mode on the fake Kiwoom: after each step of an order's life, the engine's ledger,
the journal and the fake Kiwoom's own book agree on what is working."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.model import OrderAction, OrderState, OrderType
from tests.integration.live_support import Live, live_run, rows, tick
from tests.integration.test_live_order_changes import RESTING_BUY, place, resting_order

UNFINISHED = ("pending", "sent", "accepted", "partially_filled", "unknown")


def assert_views_agree(live: Live) -> None:
    """Working orders by Kiwoom number (unfilled shares, price): the ledger's equal the
    fake's; the journal's unfinished rows are exactly the ledger's working set."""
    ledger = live.runner.engine.ledger
    mine = {o.broker_order_no: (o.remaining, o.price) for o in ledger.new_orders()}
    venue = {o.ord_no: (o.remaining, o.price) for o in live.fake.open_orders()}
    assert mine == venue
    live.runner.journal.flush()
    marks = ", ".join("?" * len(UNFINISHED))
    unfinished = rows(
        live.journal_path, f"SELECT id FROM orders WHERE state IN ({marks})", *UNFINISHED
    )
    assert {r["id"] for r in unfinished} == set(ledger.working)


@pytest.mark.anyio
async def test_ledger_journal_and_the_fake_kiwoom_book_agree_at_every_step(
    tmp_path: Path,
) -> None:
    """A buy and a sell working, the buy modified (a new Kiwoom number), part of the sell
    cancelled, the buy filled, the rest of the sell cancelled: three views, one story."""
    async with live_run(tmp_path, RESTING_BUY) as live:
        buy = await resting_order(live)
        assert_views_agree(live)
        sell = place(live, OrderAction.SELL, qty=5, order_type=OrderType.LIMIT, price=60_500)
        await live.until(lambda: sell.state is OrderState.ACCEPTED)
        assert_views_agree(live)
        first_no = buy.broker_order_no
        modify = place(
            live, OrderAction.MODIFY, target_id=buy.order_id, qty=0,
            order_type=OrderType.LIMIT, price=58_500,
        )  # fmt: skip
        await live.until(lambda: modify.state is OrderState.DONE)
        assert buy.price == 58_500 and buy.broker_order_no not in ("", first_no)
        (link,) = live.runner.engine.ledger.chain[buy.order_id]
        assert (link.order_no, link.new_order_no, link.price) == (
            first_no,
            buy.broker_order_no,
            59_000,
        )
        assert_views_agree(live)
        cut = place(live, OrderAction.CANCEL, target_id=sell.order_id, qty=2)
        await live.until(lambda: cut.state is OrderState.DONE)
        assert sell.remaining == 3
        assert_views_agree(live)
        await live.push(tick("005930", 58_500, ask=58_500, bid=58_400))
        await live.until(lambda: buy.state is OrderState.FILLED)
        assert_views_agree(live)
        rest = place(live, OrderAction.CANCEL, target_id=sell.order_id, qty=0)
        await live.until(lambda: rest.state is OrderState.DONE)
        assert sell.state is OrderState.CANCELLED
        assert_views_agree(live)
        engine = live.runner.engine
        assert engine.ledger.working == {} and engine.book.reserved == 0

"""A cancel of part of a working order's remainder (kt10003 ``cncl_qty`` below it): the
rest keeps working, and the book, the pending quantities and the journal follow."""

from __future__ import annotations

from pathlib import Path

from autotrader.model import OrderAction, OrderRequest, OrderState, Side
from tests.frames import real, trade
from tests.harness import Harness

BID_LOW = """
strategy: t
symbols: ["005930"]
rules:
  - name: bid-low
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {qty: 10, type: limit, price: 69000}
"""


def _tick(hms: str, price: int, ask: int) -> dict:  # type: ignore[type-arg]
    return real(trade("005930", hms, price, ask=ask, bid=ask - 100))


def _working(tmp_path: Path) -> tuple[Harness, OrderRequest]:
    h = Harness(BID_LOW, tmp_path)
    h.feed([_tick("100000", 70_000, 70_100)])
    (order,) = h.placed()
    assert order.state is OrderState.ACCEPTED
    return h, order


def _cancel(h: Harness, target: OrderRequest, qty: int) -> OrderRequest:
    engine = h.engine
    cancel = OrderRequest(
        order_id=h.journal.next_order_id(),
        action=OrderAction.CANCEL,
        symbol=target.symbol,
        qty=qty,
        strategy="t",
        created_at=engine.market.now,
        target_id=target.order_id,
    )
    assert engine.place(cancel, engine.states[target.symbol])
    h.journal.flush()
    return cancel


def test_a_partial_cancel_leaves_the_rest_working_and_it_fills(tmp_path: Path) -> None:
    """Cancel 3 of 10: the order stays accepted with 7, pending and the reserve shrink by
    exactly 3 shares, the journal row shows 7; the 7 then fill and release the rest."""
    h, order = _working(tmp_path)
    engine, book = h.engine, h.engine.book
    reserved = book.reserved
    cancel = _cancel(h, order, 3)
    assert cancel.state is OrderState.DONE
    assert (order.state, order.qty, order.remaining) == (OrderState.ACCEPTED, 7, 7)
    assert engine.ledger.pending[("005930", Side.BUY)] == 7
    assert reserved - book.reserved == 3 * 69_000 + book.fees.commission(3 * 69_000)
    assert engine.states["005930"].open_orders == 1 and book.open_orders == 1
    rows = h.rows("SELECT state, qty FROM orders WHERE id = ?", order.order_id)
    assert rows == [("accepted", 7)]
    assert h.broker.has_working("005930")  # type: ignore[attr-defined]
    h.feed([_tick("100001", 69_000, 69_000)])
    assert order.state is OrderState.FILLED and order.filled_qty == 7
    assert h.rows("SELECT qty, price FROM fills") == [(7, 69_000)]
    assert engine.states["005930"].pos_qty == 7
    assert book.reserved == 0 and book.open_orders == 0
    assert engine.ledger.pending[("005930", Side.BUY)] == 0
    assert h.rows("SELECT state, qty, filled_qty FROM orders WHERE id = ?", order.order_id) == [
        ("filled", 7, 7)
    ]


def test_cancelling_the_whole_rest_after_a_partial_cancel_ends_the_order(tmp_path: Path) -> None:
    """3 of 10, then the rest ('0'): the order ends cancelled and holds nothing back."""
    h, order = _working(tmp_path)
    _cancel(h, order, 3)
    last = _cancel(h, order, 0)
    assert last.state is OrderState.DONE and order.state is OrderState.CANCELLED
    assert order.qty == 7  # what was working when the rest was cancelled
    book = h.engine.book
    assert book.reserved == 0 and book.open_orders == 0
    assert h.engine.ledger.pending[("005930", Side.BUY)] == 0
    assert h.engine.states["005930"].open_orders == 0
    assert not h.broker.has_working("005930")  # type: ignore[attr-defined]
    h.feed([_tick("100001", 69_000, 69_000)])
    assert h.rows("SELECT * FROM fills") == []


def test_a_cancel_of_exactly_the_remainder_ends_the_order(tmp_path: Path) -> None:
    """cncl_qty equal to the remainder is a whole cancel, not a partial one."""
    h, order = _working(tmp_path)
    _cancel(h, order, 10)
    assert order.state is OrderState.CANCELLED
    assert h.engine.book.reserved == 0 and h.engine.book.open_orders == 0
    assert not h.broker.has_working("005930")  # type: ignore[attr-defined]

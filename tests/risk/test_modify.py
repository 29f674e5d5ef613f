"""A modify is judged by the working order it leaves, with the original set aside."""

from __future__ import annotations

from pathlib import Path

from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType
from autotrader.risk import RiskLimits
from tests.frames import real, trade
from tests.harness import Harness

RESTING_BUY = """
strategy: t
symbols: ["005930"]
rules:
  - name: bid-low
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {qty: 20, type: limit, price: 69000}
"""


def _modify(h: Harness, target: OrderRequest, price: int) -> bool:
    request = OrderRequest(
        order_id=h.journal.next_order_id(), action=OrderAction.MODIFY, symbol="005930",
        qty=0, order_type=OrderType.LIMIT, price=price, rule="bid-low",
        created_at=h.engine.market.now, target_id=target.order_id,
    )  # fmt: skip
    return h.engine.place(request, h.engine.states["005930"])


def _working(h: Harness) -> OrderRequest:
    (order,) = [o for o in h.placed() if o.action is OrderAction.BUY]
    assert order.state is OrderState.ACCEPTED
    return order


def test_modify_above_max_order_value_is_rejected(tmp_path: Path) -> None:
    """20 @ 69,000 fits 1,400,000; re-priced to 70,100 (1,402,000) it does not."""
    h = Harness(RESTING_BUY, tmp_path, limits=RiskLimits(max_order_value=1_400_000))
    h.feed([real(trade("005930", "100000", 70_000))])
    target = _working(h)
    assert not _modify(h, target, 70_100)
    h.journal.flush()
    (reason,) = h.rows("SELECT reason FROM orders WHERE action = 'modify'")[0]
    assert "max_order_value" in reason and "1,402,000" in reason


def test_modify_at_the_open_order_limit_is_allowed_and_moves_the_reserve(
    tmp_path: Path,
) -> None:
    """The order being modified does not count against itself; the reserve follows it."""
    h = Harness(RESTING_BUY, tmp_path, limits=RiskLimits(max_open_orders=1))
    h.feed([real(trade("005930", "100000", 70_000))])
    target = _working(h)
    book = h.engine.book
    before = (book.open_orders, h.engine.ledger.pending.copy(), book.reserved)
    assert before[2] == 20 * 69_000 + book.fees.commission(20 * 69_000)
    assert _modify(h, target, 68_000)
    assert book.reserved == 20 * 68_000 + book.fees.commission(20 * 68_000)
    assert (book.open_orders, h.engine.ledger.pending) == before[:2]

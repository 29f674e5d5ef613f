"""Judge a modify by the order it leaves working, not by the request itself.

A modify request carries quantity 0 ("the whole remainder") and a new price; checked as
it stands, it would pass every value, position, exposure and cash limit. The risk guard
instead sees the working order as it would be after the change, with the original's
share of the book (working quantity, reserved cash, open-order slot) set aside for the
review, so the projected order is not counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from autotrader.model import OrderAction, OrderRequest, Side

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState
    from autotrader.risk.book import RiskBook

MODIFIES = frozenset({OrderAction.MODIFY, OrderAction.CREDIT_MODIFY})


def projected(request: OrderRequest, target: OrderRequest) -> OrderRequest:
    """The working order ``target`` as ``request`` would leave it."""
    qty = request.qty or target.remaining
    priced = request.order_type.needs_price
    return replace(
        target,
        order_id=request.order_id,
        qty=qty,
        filled_qty=0,
        order_type=request.order_type if priced else target.order_type,
        price=request.price if priced else target.price,
        condition_price=request.condition_price or target.condition_price,
        rule=request.rule,
        created_at=request.created_at,
        target_id=None,
        tags=dict(target.tags),
    )


@contextmanager
def set_aside(
    target: OrderRequest,
    book: RiskBook,
    pending: dict[tuple[str, Side], int],
    st: SymbolState,
) -> Iterator[None]:
    """Take ``target``'s share out of the book while its replacement is reviewed."""
    side = target.side
    if side is None:
        yield
        return
    key = (target.symbol, side)
    held = book.reserve_left.get(target.order_id, 0)
    remaining = target.remaining
    book.reserved -= held
    book.open_orders -= 1
    pending[key] = pending.get(key, 0) - remaining
    st.open_orders -= 1
    try:
        yield
    finally:
        book.reserved += held
        book.open_orders += 1
        pending[key] = pending.get(key, 0) + remaining
        st.open_orders += 1


def rereserve(target: OrderRequest, after: OrderRequest, book: RiskBook) -> None:
    """A modified buy holds back cash at its new price (kept if the modify fails)."""
    if target.side is not Side.BUY:
        return
    book.reserved -= book.reserve_left.pop(target.order_id, 0)
    book.reserve(
        target.order_id, after.qty, after.price or book.reserve_price.get(target.order_id, 0)
    )

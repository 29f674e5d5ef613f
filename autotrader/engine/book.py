"""The strategy's own working orders, by symbol and tag, for modify and cancel.

An order placed by a rule carries a tag (the action's ``tag``, else the rule's name).
A ``modify`` or ``cancel`` step addresses the working orders of its symbol with the
rule's tag (or the tag it names): the oldest, the newest or all of them. The book also
keeps the per-symbol counts conditions read (``open_orders.buy``, ``.sell``, ``.age``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autotrader.model import OrderAction, OrderRequest, Side

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

CREDIT = frozenset({OrderAction.CREDIT_BUY, OrderAction.CREDIT_SELL})
TAG = "tag"


def tag_of(order: OrderRequest) -> str:
    return order.tags.get(TAG, order.rule)


class OrderBook:
    """Working new orders per symbol, oldest first."""

    def __init__(self) -> None:
        self.working: dict[str, list[OrderRequest]] = {}
        self.cancelling: set[int] = set()  # targets of a cancel already sent

    def add(self, order: OrderRequest, st: SymbolState | None) -> None:
        if order.side is None:
            return
        self.working.setdefault(order.symbol, []).append(order)
        self._count(order.symbol, st)

    def remove(self, order: OrderRequest, st: SymbolState | None) -> None:
        orders = self.working.get(order.symbol)
        if orders and order in orders:
            orders.remove(order)
            self.cancelling.discard(order.order_id)
            self._count(order.symbol, st)

    def targets(self, symbol: str, tag: str, which: str, *, credit: bool) -> list[OrderRequest]:
        """Working orders a modify/cancel may address (none with a cancel in flight)."""
        found = [
            o
            for o in self.working.get(symbol, ())
            if tag_of(o) == tag
            and (o.action in CREDIT) == credit
            and o.order_id not in self.cancelling
            and not o.state.is_final
            and o.broker_order_no
        ]
        if not found or which == "all":
            return found
        return [found[0] if which == "oldest" else found[-1]]

    def _count(self, symbol: str, st: SymbolState | None) -> None:
        if st is None:
            return
        orders = self.working.get(symbol, ())
        st.open_buy = sum(1 for o in orders if o.side is Side.BUY)
        st.open_sell = len(orders) - st.open_buy
        st.open_since = orders[0].created_at if orders else 0.0

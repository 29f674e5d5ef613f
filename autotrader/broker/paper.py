"""The paper broker: dry-run fills simulated from the same feed the rules see.

Rules: a market order fills at the best ask (buy) or bid (sell) of the next tick of its
symbol; a limit order fills when a later tick crosses it: a buy when the ask falls to
the limit (at the ask) or a trade prints at or below it (at the limit), and the mirror
for sells. Commission and sell tax come from ``Fees``. Fills are whole (no partials):
the sample tapes carry no order-book depth to justify anything finer.
"""

from __future__ import annotations

from autotrader.broker.base import (
    Emit,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderModified,
    OrderRejected,
)
from autotrader.market.fees import Fees
from autotrader.market.gold import is_gold  # a KRX gold sale pays no tax
from autotrader.model import Fill, OrderAction, OrderRequest, OrderType, Side


class PaperBroker:
    """Simulated execution; ``submit`` answers at once, fills come on later ticks."""

    name = "paper"
    wants_ticks = True

    def __init__(self, fees: Fees | None = None) -> None:
        self.fees = fees or Fees()
        self._emit: Emit | None = None
        self._working: dict[str, dict[int, OrderRequest]] = {}  # symbol -> id -> order
        self._seq = 0
        self.now = 0.0

    def attach(self, emit: Emit) -> None:
        self._emit = emit

    def _send(self, event: object) -> None:
        assert self._emit is not None, "attach() the broker before submitting"
        self._emit(event)  # type: ignore[arg-type]

    def has_working(self, symbol: str) -> bool:
        return bool(self._working.get(symbol))

    def submit(self, order: OrderRequest) -> None:
        ts = order.created_at
        if order.action.is_new:
            self._seq += 1
            order_no = f"P{self._seq:07d}"
            self._send(OrderAccepted(order.order_id, order_no, ts))
            self._working.setdefault(order.symbol, {})[order.order_id] = order
            return
        target = self._find(order.target_id)
        if target is None:
            self._send(OrderRejected(order.order_id, "original order is not working", None, ts))
            return
        if order.action in (OrderAction.CANCEL, OrderAction.CREDIT_CANCEL):
            # cncl_qty: 0 (or the whole remainder) ends the order; less leaves the rest
            # working, and the engine takes the cancelled shares off the shared order.
            qty = order.qty if 0 < order.qty < target.remaining else target.remaining
            if qty == target.remaining:
                del self._working[target.symbol][target.order_id]
            self._send(OrderAccepted(order.order_id, f"C{target.order_id:07d}", ts))
            self._send(OrderCancelled(target.order_id, qty, ts))
            return
        # Report the change without applying it: the order object is the engine's own, and
        # the engine updates it (and its pending quantities) from this event.
        price = order.price or target.price
        qty = target.filled_qty + order.qty if order.qty else target.qty
        self._send(OrderAccepted(order.order_id, f"M{target.order_id:07d}", ts))
        self._send(OrderModified(target.order_id, qty, price, ts))

    def _find(self, order_id: int | None) -> OrderRequest | None:
        for orders in self._working.values():
            if order_id in orders:
                return orders[order_id]
        return None

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        orders = self._working.get(symbol)
        if not orders:
            return
        for order in list(orders.values()):
            if order.order_id not in orders:  # cancelled by an earlier fill's handler
                continue
            fill_price = _crossing_price(order, price, ask, bid)
            if fill_price:
                del orders[order.order_id]
                self._fill(order, fill_price, ts)

    def _fill(self, order: OrderRequest, price: int, ts: float) -> None:
        side = order.side or Side.BUY
        qty = order.remaining
        value = qty * price
        taxed = side is Side.SELL and not is_gold(order.symbol)
        tax = self.fees.sell_tax(value) if taxed else 0
        fill = Fill(
            order_id=order.order_id,
            symbol=order.symbol,
            side=side,
            qty=qty,
            price=price,
            commission=self.fees.commission(value),
            tax=tax,
            ts=ts,
            broker_order_no=order.broker_order_no,
        )
        self._send(OrderFilled(fill))


def _crossing_price(order: OrderRequest, price: int, ask: int, bid: int) -> int:
    buy = order.side is Side.BUY
    if order.order_type is not OrderType.LIMIT or not order.price:
        return (ask or price) if buy else (bid or price)
    limit = order.price
    if buy:
        if ask and ask <= limit:
            return ask
        return limit if price <= limit else 0
    if bid and bid >= limit:
        return bid
    return limit if price >= limit else 0

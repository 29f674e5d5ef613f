"""The paper broker: dry-run fills simulated from the same feed the rules see.

How and at what price an order fills is the venue's business, written down in
docs/paper-fills.md and implemented once in ``autotrader.market.matching`` (the fake
Kiwoom uses the same model). This module only translates: engine orders into the
matcher's working orders, its fills and cancellations into broker events with
commission and tax from ``Fees``. An order the venue refuses in its phase (an
``after_hours_close`` at 10:00) is answered with ``OrderRejected`` and return code 20,
as Kiwoom answers a rejected order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from autotrader.broker.base import (
    Emit,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderModified,
    OrderRejected,
)
from autotrader.market.fees import Fees
from autotrader.market.matching import (
    Cancelled,
    MatchConfig,
    Matcher,
    Outcome,
    Print,
    Working,
    arrival_quote,
)
from autotrader.model import Depth, OrderAction, OrderRequest, Side, ViEvent

REJECTED = 20  # Kiwoom's return code for an order the exchange refuses (NOTES.md)
QuoteLookup = Callable[[str], Print | None]


class PaperBroker:
    """Simulated execution; ``submit`` answers at once, fills come at once or on ticks."""

    name = "paper"
    wants_ticks = True

    def __init__(self, fees: Fees | None = None, matching: MatchConfig | None = None) -> None:
        self.fees = fees or Fees()
        self.matcher = Matcher(matching)
        self._emit: Emit | None = None
        self._orders: dict[int, OrderRequest] = {}  # id -> the engine's order, while working
        self._seq = 0
        self._quote: QuoteLookup = _no_quote
        self.now = 0.0
        # The latest 0D of each item, and the one the matcher last took (docs/paper-fills.md)
        self._depths: dict[str, Depth] = {}
        self._seen_depth: dict[str, Depth] = {}

    def attach(self, emit: Emit) -> None:
        self._emit = emit

    def bind_market(self, quote: QuoteLookup) -> None:
        """The engine's latest print of an item: the book an arriving order meets."""
        self._quote = quote

    def on_market(self, event: object) -> None:
        """VI events move the item's KRX orders into (and out of) its single-price auction;
        ``0D`` books give the size at each price."""
        if isinstance(event, ViEvent):
            self.matcher.on_vi(event.symbol, event.released, event.ts)
        elif isinstance(event, Depth):
            self._depths[event.symbol] = event  # read when an order meets the item

    def _books_now(self, symbol: str) -> None:
        """Give the matcher the latest book of ``symbol`` (and of the venues an SOR order
        may meet) that it has not seen, parsed only now: the matcher reads a book's sizes
        when an order arrives (``Matcher.on_depth``), never on a print."""
        for item in _books(symbol):
            depth = self._depths.get(item)
            if depth is not None and self._seen_depth.get(item) is not depth:
                self._seen_depth[item] = depth
                self.matcher.on_depth(item, dict(depth.asks), dict(depth.bids))

    def _send(self, event: object) -> None:
        assert self._emit is not None, "attach() the broker before submitting"
        self._emit(event)  # type: ignore[arg-type]

    def has_working(self, symbol: str) -> bool:
        return bool(self.matcher.orders.get(symbol))

    def submit(self, order: OrderRequest) -> None:
        ts = order.created_at
        if order.action.is_new:
            self._new(order, ts)
            return
        target = self._orders.get(order.target_id) if order.target_id is not None else None
        working = self.matcher.working(target.symbol, target.order_id) if target else None
        if target is None or working is None:
            self._send(OrderRejected(order.order_id, "original order is not working", None, ts))
            return
        if order.action in (OrderAction.CANCEL, OrderAction.CREDIT_CANCEL):
            # cncl_qty: 0 (or the whole remainder) ends the order; less leaves the rest
            # working, and the engine takes the cancelled shares off the shared order.
            qty = self.matcher.cancel(target.symbol, target.order_id, order.qty)
            if not self.matcher.working(target.symbol, target.order_id):
                self._orders.pop(target.order_id, None)
            self._send(OrderAccepted(order.order_id, f"C{target.order_id:07d}", ts))
            self._send(OrderCancelled(target.order_id, qty, ts))
            return
        # Report the change; the engine updates its own order object from this event.
        price = order.price or target.price
        qty = target.filled_qty + order.qty if order.qty else target.qty
        remaining = order.qty or working.qty
        self.matcher.modify(target.symbol, target.order_id, remaining, price, order.condition_price)
        self._send(OrderAccepted(order.order_id, f"M{target.order_id:07d}", ts))
        self._send(OrderModified(target.order_id, qty, price, ts))

    def _new(self, order: OrderRequest, ts: float) -> None:
        working = Working(  # key, symbol, side, order_type, qty, limit, condition
            order.order_id,
            order.symbol,
            order.action.side or Side.BUY,
            order.order_type,
            order.qty - order.filled_qty,  # remaining
            order.price,
            order.condition_price,
        )
        if self._depths:  # a tape with 0D books
            self._books_now(order.symbol)  # the books this arrival may take from
        if order.symbol.endswith("_AL"):  # SOR: the better book of the venues taking it
            books = {item: self._quote(item) for item in _books(order.symbol)}
            quote = arrival_quote(order.symbol, working.side, working.order_type, ts, books)
        else:
            quote = self._quote(order.symbol)  # what arrival_quote answers for one venue
        phase = self.matcher.phase(order.symbol, working.order_type, ts)  # once, for both
        why = self.matcher.refuse(order.symbol, working, ts, quote, phase)
        if why is not None:
            self._send(OrderRejected(order.order_id, why, REJECTED, ts))
            return
        self._seq += 1
        self._send(OrderAccepted(order.order_id, f"P{self._seq:07d}", ts))
        self._orders[order.order_id] = order
        self._apply(order.symbol, self.matcher.arrive(working, ts, quote, phase))

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        if not self.matcher.orders.get(symbol):
            return
        last = self._quote(symbol)
        size, base = (last.size, last.base) if last is not None else (0, 0)
        self._apply(symbol, self.matcher.on_print(symbol, Print(price, size, ask, bid, ts, base)))

    def _apply(self, symbol: str, outcomes: Iterable[Outcome]) -> None:
        # One outcome at a time: a fill's handler may cancel another order of the item,
        # and the matcher must see that before it matches the next one.
        for out in outcomes:
            order = self._orders.get(out.key)  # type: ignore[call-overload]
            if order is None:
                continue
            if isinstance(out, Cancelled):
                self._send(OrderCancelled(order.order_id, out.qty, out.ts, out.reason))
            else:
                self._fill(order, out.qty, out.price, out.ts)
            if self.matcher.working(symbol, order.order_id) is None:  # nothing left working
                self._orders.pop(order.order_id, None)

    def _fill(self, order: OrderRequest, qty: int, price: int, ts: float) -> None:
        side = order.side or Side.BUY
        fill = self.fees.fill(
            order.order_id, order.symbol, side, qty, price, ts, order.broker_order_no
        )
        self._send(OrderFilled(fill))


def _no_quote(symbol: str) -> Print | None:
    return None


def _books(symbol: str) -> tuple[str, ...]:
    """The items whose last print an order of ``symbol`` may meet (SOR: all three)."""
    if not symbol.endswith("_AL"):
        return (symbol,)
    code = symbol[:-3]
    return (symbol, code, code + "_NX")

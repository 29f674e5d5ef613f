"""The order ledger: the one owner of a run's working orders.

Everything the run knows about an order that is still working lives here, and only here:
the order itself (state, filled and working quantity, price, Kiwoom number), the shares
working per symbol and side (``pending``), the cash a working buy holds back and the
open-order count in the risk book, the per-symbol counts rules read (``open_orders``,
``.buy``, ``.sell``, ``.age``), the orders a rule's modify or cancel may address, and
the modify and cancel requests waiting for their effect on a target. The engine, the
risk checks, the conditions and the live runner ask it; none of them writes that state.

An order enters at approval (``opened``), or at a live start when Kiwoom still has it
(``track``); broker events move it (``accepted``, ``filled``, ``modified``,
``cancelled``, ``rejected``, ``unknown``); it leaves the working set when it ends
(filled, cancelled, rejected, or ``done`` for a request), so memory stays flat over a
multi-day replay: history lives in the journal, which the ledger writes every
transition to. Reservations are released exactly once: a buy's reserve shrinks with each
fill or partial cancel and whatever it still holds goes when it ends.

A modify is linked as Kiwoom links it (its own number, the original's as
``orig_ord_no``): the request row keeps its number and the target it changed
(``target_id``), and ``chain`` holds, per working order, what it was before each modify.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autotrader.engine.reserve import Reserve
from autotrader.model import Fill, OrderAction, OrderRequest, OrderState, Side
from autotrader.risk.book import RiskBook

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState
    from autotrader.journal.writer import Journal

TAG = "tag"
CREDIT = frozenset({OrderAction.CREDIT_BUY, OrderAction.CREDIT_SELL})
MODIFIES = frozenset({OrderAction.MODIFY, OrderAction.CREDIT_MODIFY})
CANCELS = frozenset({OrderAction.CANCEL, OrderAction.CREDIT_CANCEL})

Observer = Callable[[OrderRequest], None]  # sees every transition (live runner, tests)
Trigger = Callable[[OrderRequest, str, Fill | None], None]  # 'on: order' rules: event, fill


def tag_of(order: OrderRequest) -> str:
    return order.tags.get(TAG, order.rule)


@dataclass(frozen=True, slots=True)
class Link:
    """One modify of a working order: what it was, and the request that changed it."""

    request_id: int
    qty: int  # before the modify
    price: int
    order_no: str  # Kiwoom's number before (the request's orig_ord_no)
    new_order_no: str  # the number the modify gave it


def projected(request: OrderRequest, target: OrderRequest) -> OrderRequest:
    """The working order ``target`` as the modify ``request`` would leave it."""
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


class Ledger:
    """Working orders of one run, and everything they hold."""

    def __init__(self, journal: Journal, book: RiskBook, states: Mapping[str, SymbolState]) -> None:
        self.journal = journal
        self.book = book
        self.states = states
        self.working: dict[int, OrderRequest] = {}  # every order not yet final, by id
        # working modify/cancel requests by the order they address (``_work``): whether a
        # target still has one is asked at every order's end, without a scan of working
        self.requests: dict[int, set[int]] = {}
        self.pending: dict[tuple[str, Side], int] = {}  # working shares by symbol and side
        self.by_symbol: dict[str, list[OrderRequest]] = {}  # working new orders, oldest first
        self.cancelling: set[int] = set()  # targets of a rule's cancel in flight
        self.halting: set[int] = set()  # orders the kill switch sent a cancel for
        self.changes: dict[int, list[OrderRequest]] = {}  # target id -> accepted requests
        self.ended: dict[int, OrderState] = {}  # ended targets whose requests still wait
        self.reserve = Reserve(book)  # what working buys hold back
        self.chain: dict[int, list[Link]] = {}  # working order -> its modifies, oldest first
        self.projections: dict[int, tuple[int, int]] = {}  # modify in flight: qty, price
        self.on_change: Observer | None = None
        self.on_event: Trigger | None = None

    # -- reads ---------------------------------------------------------------------------
    def get(self, order_id: int | None) -> OrderRequest | None:
        return self.working.get(order_id) if order_id is not None else None

    def pending_qty(self, symbol: str, side: Side) -> int:
        return self.pending.get((symbol, side), 0)

    def new_orders(self) -> list[OrderRequest]:
        """Working new orders (not modify/cancel requests), in the order placed."""
        return [o for o in self.working.values() if o.side is not None]

    def targets(
        self,
        symbol: str,
        tag: str,
        which: str,
        *,
        credit: bool,
        side: Side | None = None,
        every: bool = False,
    ) -> list[OrderRequest]:
        """Working orders a rule's modify/cancel may address (none with a cancel in flight):
        those with ``tag``, or ``every`` working order of the symbol; of one ``side``."""
        found = [
            o
            for o in self.by_symbol.get(symbol, ())
            if (every or tag_of(o) == tag)
            and (side is None or o.side is side)
            and (o.action in CREDIT) == credit
            and o.order_id not in self.cancelling
            and o.broker_order_no
        ]
        if not found or which == "all":
            return found
        return [found[0] if which == "oldest" else found[-1]]

    def modify_target(self, order: OrderRequest) -> OrderRequest | None:
        """The working new order a modify request changes (None for anything else)."""
        if order.action not in MODIFIES:
            return None
        target = self.get(order.target_id)
        return target if target is not None and target.side is not None else None

    # -- entering ------------------------------------------------------------------------
    @contextmanager
    def set_aside(self, target: OrderRequest | None, st: SymbolState) -> Iterator[None]:
        """Take ``target``'s share out of the book while its replacement is reviewed, so
        the projected order is not counted twice."""
        side = target.side if target is not None else None
        if target is None or side is None:
            yield
            return
        key = (target.symbol, side)
        held = self.reserve.left.get(target.order_id, 0)
        remaining = target.remaining
        book = self.book
        book.reserved -= held
        book.open_orders -= 1
        self.pending[key] = self.pending.get(key, 0) - remaining
        st.open_orders -= 1
        try:
            yield
        finally:
            book.reserved += held
            book.open_orders += 1
            self.pending[key] = self.pending.get(key, 0) + remaining
            st.open_orders += 1

    def opened(
        self,
        order: OrderRequest,
        st: SymbolState | None,
        ref_price: int,
        now: float,
        after: OrderRequest | None = None,
    ) -> None:
        """An approved order whose intent is committed: it works from now on.

        ``after``: for a modify, its target as the request would leave it. While the
        modify is in flight a buy holds back enough for either outcome (the larger
        quantity at the higher price); once the broker answers, exactly what is left."""
        self._work(order)
        book = self.book
        book.approved(order, now)
        action = order.action
        side = action.side
        if action in CANCELS and order.target_id in self.working:
            self.cancelling.add(order.target_id)  # no second cancel while this one flies
        if side is not None:
            book.open_orders += 1
            if side is Side.BUY:
                self.reserve.hold(order.order_id, order.qty, ref_price)
            symbol = order.symbol
            key = (symbol, side)
            pending = self.pending
            pending[key] = pending.get(key, 0) + order.qty
            orders = self.by_symbol.get(symbol)
            if orders is None:
                self.by_symbol[symbol] = [order]
            else:
                orders.append(order)
            if st is not None:
                st.open_orders += 1
                self._count(symbol, st)
        elif after is not None and order.target_id is not None:
            self.projections[order.order_id] = (order.qty, after.price)  # qty 0: the rest
            target = self.modify_target(order)
            if target is not None:
                self._hold(target)
        self._set(order, OrderState.SENT, now, "")

    def forced(self, cancel: OrderRequest, now: float) -> None:
        """A kill-switch cancel of a working order: sent without review (a cancel only
        takes risk away), once per order."""
        self._work(cancel)
        if cancel.target_id is not None:
            self.halting.add(cancel.target_id)
        self._set(cancel, OrderState.SENT, now, "")

    def track(self, order: OrderRequest, *, reserve_from_cash: bool) -> None:
        """An order Kiwoom already works (found at a live start): working again, as its
        row says (state, filled, number). Kiwoom's orderable cash already excludes a
        working buy: with ``reserve_from_cash`` its reserve is moved out of the cash, so
        its fills and its cancel move cash the usual way."""
        self._work(order)
        side = order.side
        if side is None:
            return
        key = (order.symbol, side)
        self.pending[key] = self.pending.get(key, 0) + order.remaining
        self.book.open_orders += 1
        self.by_symbol.setdefault(order.symbol, []).append(order)
        st = self.states.get(order.symbol)
        if st is not None:
            st.open_orders += 1
            self._count(order.symbol, st)
        if side is Side.BUY and order.price:
            held = self.reserve.hold(order.order_id, order.remaining, order.price)
            if reserve_from_cash:
                self.book.cash += held

    def resume(
        self, order: OrderRequest, qty: int, price: int, order_no: str, filled: int, ts: float
    ) -> None:
        """An earlier run's order the broker still works, under its own journal row: as
        the broker has it now, then working again (``track``, reserve from the cash)."""
        order.qty, order.price, order.broker_order_no = qty, price, order_no
        order.filled_qty = filled
        state = OrderState.PARTIALLY_FILLED if filled else OrderState.ACCEPTED
        order.tags["origin"] = "resumed"
        self._set(order, state, ts, f"resumed: open at Kiwoom ({order_no}) at start")
        self.track(order, reserve_from_cash=True)

    # -- broker events -------------------------------------------------------------------
    def accepted(self, order: OrderRequest, order_no: str, ts: float) -> None:
        order.broker_order_no = order_no
        self._set(order, OrderState.ACCEPTED, ts, "")
        self._trigger(order, "accepted")
        if order.target_id is not None:  # a modify/cancel: done when its target shows it
            self.changes.setdefault(order.target_id, []).append(order)
            if order.target_id not in self.working:  # its target's end came first
                self._settle(order.target_id, ts, self.ended.get(order.target_id))

    def unknown(self, order: OrderRequest, ts: float, reason: str) -> None:
        self._set(order, OrderState.UNKNOWN, ts, reason)

    def rejected(self, order: OrderRequest, ts: float, reason: str) -> None:
        self._end(order, OrderState.REJECTED, ts, reason)

    def cancelled(self, order: OrderRequest, qty: int, ts: float, reason: str = "") -> None:
        """``qty`` shares of the order were cancelled: the rest, or part of it; ``reason``
        when the venue cancelled on its own (an IOC's remainder, an expiry)."""
        if 0 < qty < order.remaining and not order.state.is_final:
            self._cancel_part(order, qty, ts)  # the rest keeps working
        else:
            why = f"{qty} cancelled" + (f": {reason}" if reason else "")
            self._end(order, OrderState.CANCELLED, ts, why)

    def modified(self, order: OrderRequest, qty: int, price: int, order_no: str, ts: float) -> None:
        """The broker changed a working order (a modify took effect): its whole quantity
        (filled shares included) and price now; the modify's number if it gave one."""
        side = order.side
        if side is not None:  # the working quantity changed: keep pending in step
            key = (order.symbol, side)
            self.pending[key] = max(self.pending.get(key, 0) + qty - order.qty, 0)
        waiting = self.changes.get(order.order_id, ())
        request = next((r for r in waiting if r.action in MODIFIES), None)
        link = Link(
            request.order_id if request is not None else 0,
            order.qty,
            order.price,
            order.broker_order_no,
            order_no or order.broker_order_no,
        )
        self.chain.setdefault(order.order_id, []).append(link)
        if order_no:
            order.broker_order_no = order_no
        order.qty, order.price = qty, price
        if request is not None and request.condition_price:  # mdfy_cond_uv moved a stop
            order.condition_price = request.condition_price
        self._hold(order)
        moved = f" ({link.order_no} -> {link.new_order_no})" if order_no else ""
        self.journal.order_state(order, ts, f"modified to {qty}@{price}{moved}")
        if order.order_id in self.changes:
            self._settle(order.order_id, ts, None, modified=True)

    def filled(self, order: OrderRequest, fill: Fill) -> None:
        """A fill of a working order: its share of the reserve and of pending goes."""
        qty = fill.qty
        order.filled_qty += qty
        key = (order.symbol, fill.side)
        pending = self.pending
        left = pending.get(key, 0) - qty
        pending[key] = left if left > 0 else 0
        detail = f"{fill.qty}@{fill.price}"
        if order.filled_qty < order.qty:
            if fill.side is Side.BUY:
                self._release(order, fill.qty)
            self._set(order, OrderState.PARTIALLY_FILLED, fill.ts, detail)
        else:  # it ends: _leave releases its whole reserve
            self._leave(order, 0)
            self._set(order, OrderState.FILLED, fill.ts, detail)
            self._settle(order.order_id, fill.ts, OrderState.FILLED)
        self._trigger(order, order.state._value_, fill)  # not .value: a slow enum property

    # -- reservations --------------------------------------------------------------------
    def _release(self, order: OrderRequest, qty: int) -> None:
        projections = self.projections  # modifies in flight (usually none)
        if projections and any(r in projections for r in self.requests.get(order.order_id, ())):
            self._hold(order)  # a modify in flight: hold for either outcome, recomputed
        else:
            self.reserve.release(order.order_id, qty)

    def _hold(self, order: OrderRequest) -> None:
        """Set a working buy's reserve: its unfilled shares at its price, or more while a
        modify is in flight (whichever way it ends, enough is held back)."""
        if order.side is not Side.BUY or order.order_id not in self.working:
            return
        qty = order.remaining
        price = order.price or self.reserve.price.get(order.order_id, 0)
        for req_id in self.requests.get(order.order_id, ()):
            if req_id in self.projections:
                q, p = self.projections[req_id]
                qty, price = max(qty, q or order.remaining), max(price, p)
        self.reserve.release_all(order.order_id)
        self.reserve.hold(order.order_id, qty, price)

    def _request_left(self, req: OrderRequest) -> None:
        """A modify request ended (done or refused): its target holds exactly its own."""
        if self.projections.pop(req.order_id, None) is not None:
            target = self.get(req.target_id)
            if target is not None:
                self._hold(target)

    # -- the private moves ---------------------------------------------------------------
    def _set(
        self, order: OrderRequest, state: OrderState, ts: float, detail: str, reason: str = ""
    ) -> None:
        order.state = state
        self.journal.order_state(order, ts, detail, reason)
        if self.on_change is not None:
            self.on_change(order)

    def _trigger(self, order: OrderRequest, event: str, fill: Fill | None = None) -> None:
        if self.on_event is not None:
            self.on_event(order, event, fill)

    def _end(self, order: OrderRequest, state: OrderState, ts: float, reason: str) -> None:
        if order.order_id not in self.working:
            return  # already ended: its reserve went then
        self._leave(order, order.remaining)
        self._set(order, state, ts, reason, reason)
        if order.target_id is not None:
            self._request_ended(order)
        self._settle(order.order_id, ts, state)
        self._trigger(order, state.value)

    def _work(self, order: OrderRequest) -> None:
        """``order`` works from now on (a request: indexed by the order it addresses)."""
        self.working[order.order_id] = order
        if order.target_id is not None:
            self.requests.setdefault(order.target_id, set()).add(order.order_id)

    def _unwork(self, order_id: int) -> None:
        order = self.working.pop(order_id, None)
        if order is not None and order.target_id is not None:
            ids = self.requests.get(order.target_id)
            if ids is not None:
                ids.discard(order_id)
                if not ids:
                    del self.requests[order.target_id]

    def _leave(self, order: OrderRequest, remaining: int) -> None:
        """The order leaves the working set: pending, counts and its whole reserve."""
        order_id = order.order_id
        self._unwork(order_id)
        if self.chain:
            self.chain.pop(order_id, None)
        self.cancelling.discard(order_id)
        self.halting.discard(order_id)
        side = order.action.side
        if side is None:
            return
        symbol = order.symbol
        key = (symbol, side)
        pending = self.pending
        left = pending.get(key, 0) - remaining
        pending[key] = left if left > 0 else 0
        book = self.book
        book.open_orders = book.open_orders - 1 if book.open_orders > 0 else 0
        self.reserve.end(order_id)
        orders = self.by_symbol.get(symbol)
        if orders and order in orders:
            orders.remove(order)
            if not orders:
                del self.by_symbol[symbol]
        st = self.states.get(symbol)
        if st is not None:
            st.open_orders = st.open_orders - 1 if st.open_orders > 0 else 0
            self._count(symbol, st)

    def _cancel_part(self, order: OrderRequest, qty: int, ts: float) -> None:
        """Part of a working order's remainder was cancelled (kt10003 ``cncl_qty`` below
        the remainder): it keeps working, ``qty`` shares smaller."""
        side = order.side
        if side is not None:
            key = (order.symbol, side)
            self.pending[key] = max(self.pending.get(key, 0) - qty, 0)
        order.qty -= qty
        if side is Side.BUY:
            self._release(order, qty)
        self._set(order, order.state, ts, f"{qty} cancelled, {order.remaining} working")
        self.cancelling.discard(order.order_id)  # its rest may be addressed again
        if order.order_id in self.changes:
            self._settle(order.order_id, ts, None, cancelled=True)

    def _settle(
        self,
        target_id: int,
        ts: float,
        ended: OrderState | None,
        *,
        modified: bool = False,
        cancelled: bool = False,
    ) -> None:
        """Close the accepted modify/cancel requests addressed to ``target_id``.

        A request goes sent -> accepted (Kiwoom numbered it) -> ``done`` once its effect
        shows on the target (modified; cancelled, in part or whole), or -> ``rejected``
        when the target ended first (filled, or cancelled under a waiting modify). A
        refusal of the request itself arrives as a rejection of the request."""
        waiting = self.changes.get(target_id)
        if waiting:  # usually none: no request addresses the order
            self._answer(waiting, target_id, ts, ended, modified, cancelled)
        if not waiting:
            self.changes.pop(target_id, None)
        if ended is not None and target_id not in self.working:
            if self._requests_for(target_id):
                self.ended[target_id] = ended  # a request still waits for its answer
            else:
                self.ended.pop(target_id, None)

    def _answer(
        self,
        waiting: list[OrderRequest],
        target_id: int,
        ts: float,
        ended: OrderState | None,
        modified: bool,
        cancelled: bool,
    ) -> None:
        """``_settle``'s requests waiting on ``target_id``: those the event answers end."""
        for req in list(waiting):
            is_modify = req.action in MODIFIES
            if req.state.is_final:
                waiting.remove(req)
            elif modified:
                if is_modify:  # one modify event answers one request, the oldest
                    waiting.remove(req)
                    self._end_change(req, OrderState.DONE, ts, "target modified")
                    break
            elif cancelled:
                if not is_modify:  # one partial cancel answers one request, the oldest
                    waiting.remove(req)
                    self._end_change(req, OrderState.DONE, ts, "target partly cancelled")
                    break
            elif ended is None:
                continue
            elif not is_modify and ended is OrderState.CANCELLED:
                waiting.remove(req)
                self._end_change(req, OrderState.DONE, ts, "target cancelled")
            else:
                waiting.remove(req)
                why = f"target order {target_id} ended ({ended.value}) first"
                self._end_change(req, OrderState.REJECTED, ts, why)

    def _end_change(self, req: OrderRequest, state: OrderState, ts: float, why: str) -> None:
        self._unwork(req.order_id)
        self._set(req, state, ts, why, why if state is OrderState.REJECTED else "")
        self._request_ended(req)

    def _request_ended(self, req: OrderRequest) -> None:
        self._request_left(req)
        target_id = req.target_id
        if req.action in CANCELS and req.state is OrderState.REJECTED:
            self.cancelling.discard(target_id)  # refused: the order may be cancelled again
        if target_id is None:
            return
        waiting = self.changes.get(target_id)
        if waiting is not None and req in waiting:
            waiting.remove(req)
            if not waiting:
                del self.changes[target_id]
        if target_id in self.ended and not self._requests_for(target_id):
            del self.ended[target_id]

    def _requests_for(self, target_id: int) -> bool:
        return target_id in self.requests

    def _count(self, symbol: str, st: SymbolState) -> None:
        orders = self.by_symbol.get(symbol)
        if not orders:
            st.open_buy = st.open_sell = 0
            st.open_since = 0.0
            return
        buys = 0
        for o in orders:
            if o.action.side is Side.BUY:
                buys += 1
        st.open_buy = buys
        st.open_sell = len(orders) - buys
        st.open_since = orders[0].created_at

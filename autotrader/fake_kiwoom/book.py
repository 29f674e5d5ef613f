"""The fake account and its matching engine: orders rest until the tape crosses them.

Buy limits fill when the tick's ask (or last price) is at or below the limit, at that
price; sells mirror it with the bid. Market-like types fill at the next tick's ask/bid.
``max_fill_qty`` caps each fill so partial fills can be tested. IOC types cancel what is
left after their first tick, FOK types fill whole or cancel.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.orders import (
    FOK,
    IOC,
    BalanceEvent,
    BookEvent,
    Holding,
    Kind,
    Order,
    OrderEvent,
    Quote,
    Refused,
    Status,
)
from autotrader.fake_kiwoom.replay import to_int
from autotrader.market.fees import Fees
from autotrader.market.gold import gold_limits, gold_on_grid, is_gold
from autotrader.market.ticks import daily_limits, is_on_grid
from autotrader.model.orders import Side


class Book:
    """Cash, holdings, every order ever accepted, and the last quote of each stock."""

    def __init__(
        self,
        *,
        cash: int,
        holdings: Mapping[str, tuple[int, int]],
        base_prices: Mapping[str, int],
        names: Mapping[str, str],
        now_hhmmss: Callable[[], str],
        fees: Fees | None = None,
        max_fill_qty: int | None = None,
        first_ord_no: int = 1,
    ) -> None:
        self.cash = cash
        self.holdings = {c: Holding(c, q, p) for c, (q, p) in holdings.items() if q > 0}
        self.base_prices = dict(base_prices)
        self.names = dict(names)
        self.orders: list[Order] = []
        self.quotes: dict[str, Quote] = {}
        self.realized: dict[str, int] = {}  # today's realized P&L of sells, per stock
        self.limits: dict[str, tuple[int, int]] = {}  # (lower, upper) from a pushed 0g
        self.fees = fees or Fees()
        self.max_fill_qty = max_fill_qty
        self._now = now_hhmmss
        self._numbers = itertools.count(first_ord_no)
        self._by_no: dict[str, Order] = {}

    # --- queries -------------------------------------------------------------------------

    def order(self, ord_no: str) -> Order | None:
        return self._by_no.get(ord_no.lstrip("0").zfill(7))

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders if o.remaining > 0]

    def reserved_cash(self) -> int:
        return sum(self._reserve(o, o.remaining) for o in self.open_orders() if o.side is Side.BUY)

    def orderable_cash(self) -> int:
        return self.cash - self.reserved_cash()

    def sellable(self, stk_cd: str) -> int:
        held = self.holdings[stk_cd].qty if stk_cd in self.holdings else 0
        selling = sum(
            o.remaining for o in self.open_orders() if o.side is Side.SELL and o.stk_cd == stk_cd
        )
        return held - selling

    def last_price(self, stk_cd: str) -> int:
        quote = self.quotes.get(stk_cd)
        return quote.last if quote and quote.last else self.base_prices.get(stk_cd, 0)

    # --- requests ------------------------------------------------------------------------

    def place(
        self, side: Side, stk_cd: str, qty: int, trde_tp: str, price: int, **extra: object
    ) -> tuple[Order, list[BookEvent]]:
        """Validate against the market rules and the account, then accept; or raise Refused."""
        self._check_price(stk_cd, price)
        order = Order(self._next_no(), stk_cd, side, Kind.NEW, qty, price, trde_tp, self._now())
        for key, value in extra.items():
            setattr(order, key, value)
        if side is Side.BUY and self._reserve(order, qty) > self.orderable_cash():
            raise Refused(codes.rejected_body(codes.REJECT_NO_CASH))
        if side is Side.SELL and qty > self.sellable(stk_cd):
            raise Refused(codes.rejected_body(codes.REJECT_NO_SHARES))
        return order, [self._accept(order)]

    def modify(
        self, orig_ord_no: str, stk_cd: str, qty: int, price: int, cond_price: int
    ) -> tuple[Order, list[BookEvent]]:
        """Move ``qty`` (0 = all) of the original's remainder to a new order at ``price``."""
        orig = self._target(orig_ord_no, stk_cd)
        qty = qty or orig.remaining
        if qty > orig.remaining:
            raise Refused(codes.rejected_body(codes.REJECT_NOTHING_LEFT))
        if orig.priced:
            self._check_price(stk_cd, price)
        if orig.side is Side.BUY:
            extra = self._reserve_at(orig, qty, price) - self._reserve(orig, qty)
            if extra > self.orderable_cash():
                raise Refused(codes.rejected_body(codes.REJECT_NO_CASH))
        orig.closed += qty
        new = Order(
            self._next_no(), stk_cd, orig.side, Kind.MODIFY, qty, price, orig.trde_tp, self._now()
        )
        new.orig_ord_no, new.cond_price, new.exchange = orig.ord_no, cond_price, orig.exchange
        new.credit, new.crd_deal_tp, new.crd_loan_dt = (
            orig.credit,
            orig.crd_deal_tp,
            orig.crd_loan_dt,
        )
        accepted = self._accept(new)
        new.status = Status.CONFIRMED
        return new, [accepted, OrderEvent(new, Status.CONFIRMED, remaining=new.remaining)]

    def cancel(self, orig_ord_no: str, stk_cd: str, qty: int) -> tuple[Order, list[BookEvent]]:
        """Cancel ``qty`` (0 = all) of the original's remainder under a new order number."""
        orig = self._target(orig_ord_no, stk_cd)
        qty = qty or orig.remaining
        if qty > orig.remaining:
            raise Refused(codes.rejected_body(codes.REJECT_NOTHING_LEFT))
        orig.closed += qty
        new = Order(
            self._next_no(), stk_cd, orig.side, Kind.CANCEL, qty, 0, orig.trde_tp, self._now()
        )
        new.orig_ord_no, new.exchange, new.credit = orig.ord_no, orig.exchange, orig.credit
        accepted = self._accept(new)
        new.status = Status.CONFIRMED
        return new, [accepted, OrderEvent(new, Status.CONFIRMED)]

    # --- the tape ------------------------------------------------------------------------

    def on_tick(self, stk_cd: str, last: int, ask: int, bid: int) -> list[BookEvent]:
        """Record the quote, then fill every open order of ``stk_cd`` the tick crosses."""
        quote = self.quotes.setdefault(stk_cd, Quote())
        quote.last, quote.ask, quote.bid = last or quote.last, ask, bid
        self.base_prices.setdefault(stk_cd, last)
        events: list[BookEvent] = []
        for order in [o for o in self.open_orders() if o.stk_cd == stk_cd]:
            events.extend(self._match(order, quote))
        return events

    def on_limits(self, stk_cd: str, values: Mapping[str, object]) -> None:
        """A ``0g``: the exchange's limits (306 lower, 305 upper) replace the +-30% rule."""
        upper, lower = to_int(values.get("305")), to_int(values.get("306"))
        if 0 < lower <= upper:
            self.limits[stk_cd] = (lower, upper)

    def on_depth(
        self, stk_cd: str, asks: list[tuple[int, int]], bids: list[tuple[int, int]]
    ) -> list[BookEvent]:
        """Fill open orders of ``stk_cd`` against a ``0D`` book, walking its levels.

        A buy takes the asks from the best up to its limit (any level for market-like
        types), a fill per level, so an order larger than the depth within its limit is
        partly filled and rests; sells take the bids likewise. Orders are served oldest
        first and share the frame's liquidity. Each book frame is fresh liquidity: the
        fake keeps no queue between frames. Stop-limit orders wait for a trade (0B).
        """
        levels = {Side.BUY: [list(level) for level in asks], Side.SELL: [list(b) for b in bids]}
        events: list[BookEvent] = []
        for order in [o for o in self.open_orders() if o.stk_cd == stk_cd]:
            if order.trde_tp == "28":
                continue
            book = levels[order.side]
            crossing = [lv for lv in book if lv[1] > 0 and self._crosses(order, lv[0])]
            want = min(order.remaining, self.max_fill_qty or order.remaining)
            if order.trde_tp in FOK and sum(lv[1] for lv in crossing) < order.remaining:
                want = 0
            for level in crossing:
                if want <= 0:
                    break
                take = min(want, level[1])
                level[1] -= take
                want -= take
                events.extend(self._fill(order, take, level[0]))
            if order.remaining and (order.trde_tp in IOC or order.trde_tp in FOK):
                order.closed += order.remaining
                order.status = Status.CANCELLED
                events.append(OrderEvent(order, Status.CANCELLED, remaining=0))
        return events

    @staticmethod
    def _crosses(order: Order, price: int) -> bool:
        if not order.priced:
            return True
        return price <= order.price if order.side is Side.BUY else price >= order.price

    def _match(self, order: Order, quote: Quote) -> list[BookEvent]:
        buy = order.side is Side.BUY
        ref = (quote.ask if buy else quote.bid) or quote.last
        if order.trde_tp == "28" and not order.triggered:
            order.triggered = (
                quote.last >= order.cond_price if buy else quote.last <= order.cond_price
            )
            if not order.triggered:
                return []
        crosses = ref > 0 and (
            not order.priced or (ref <= order.price if buy else ref >= order.price)
        )
        cap = self.max_fill_qty or order.remaining
        qty = min(order.remaining, cap) if crosses else 0
        if order.trde_tp in FOK and qty < order.remaining:
            qty = 0
        events: list[BookEvent] = []
        if qty:
            events.extend(self._fill(order, qty, ref))
        if order.remaining and (order.trde_tp in IOC or order.trde_tp in FOK):
            order.closed += order.remaining
            order.status = Status.CANCELLED
            events.append(OrderEvent(order, Status.CANCELLED, remaining=0))
        return events

    def _fill(self, order: Order, qty: int, price: int) -> list[BookEvent]:
        value = qty * price
        commission = self.fees.commission(value)
        # a gold spot sale in the KRX market pays no transaction tax
        tax = (
            self.fees.sell_tax(value)
            if order.side is Side.SELL and not is_gold(order.stk_cd)
            else 0
        )
        order.filled += qty
        order.fill_value += value
        order.last_fill_qty, order.last_fill_price = qty, price
        order.commission += commission
        order.tax += tax
        order.status = Status.FILLED
        holding = self.holdings.get(order.stk_cd) or Holding(order.stk_cd, 0, 0)
        if order.side is Side.BUY:
            self.cash -= value + commission
            holding.avg_price = (holding.qty * holding.avg_price + value) // (holding.qty + qty)
            holding.qty += qty
            holding.today_buy += qty
            self.holdings[order.stk_cd] = holding
        else:
            self.cash += value - commission - tax
            gain = value - commission - tax - qty * holding.avg_price
            holding.realized += gain
            self.realized[order.stk_cd] = self.realized.get(order.stk_cd, 0) + gain
            holding.sold_cost += qty * holding.avg_price
            holding.qty -= qty
            holding.today_sell += qty
            if holding.qty <= 0:
                self.holdings.pop(order.stk_cd, None)
        fill = OrderEvent(order, Status.FILLED, qty, price, order.remaining)
        balance = BalanceEvent(holding, max(self.sellable(order.stk_cd), 0), price)
        return [fill, balance]

    # --- helpers -------------------------------------------------------------------------

    def _check_price(self, stk_cd: str, price: int) -> None:
        if stk_cd not in self.base_prices:
            raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.UNKNOWN_STOCK, stk_cd))
        if price == 0:
            return
        gold = is_gold(stk_cd)  # gold spot: a 10-won tick and +-10% (market/gold.py)
        if not (gold_on_grid(price) if gold else is_on_grid(price)):
            raise Refused(codes.rejected_body(codes.REJECT_OFF_GRID))
        base = self.base_prices[stk_cd]
        lower, upper = gold_limits(base) if gold else daily_limits(base)
        lower, upper = self.limits.get(stk_cd, (lower, upper))
        if not lower <= price <= upper:
            raise Refused(codes.rejected_body(codes.REJECT_LIMITS))

    def _target(self, orig_ord_no: str, stk_cd: str) -> Order:
        orig = self.order(orig_ord_no)
        if orig is None or orig.stk_cd != stk_cd or orig.kind is Kind.CANCEL:
            raise Refused(codes.rejected_body(codes.REJECT_NO_ORDER))
        if orig.remaining <= 0:
            raise Refused(codes.rejected_body(codes.REJECT_NOTHING_LEFT))
        return orig

    def _reserve(self, order: Order, qty: int) -> int:
        return self._reserve_at(order, qty, order.price)

    def _reserve_at(self, order: Order, qty: int, price: int) -> int:
        # market-like buys reserve at the upper limit, as brokers do
        if not price:
            price = daily_limits(self.base_prices.get(order.stk_cd, 0) or 1)[1]
        return qty * price

    def _next_no(self) -> str:
        return str(next(self._numbers)).zfill(7)

    def _accept(self, order: Order) -> OrderEvent:
        self.orders.append(order)
        self._by_no[order.ord_no] = order
        return OrderEvent(order, Status.ACCEPTED, remaining=order.remaining)

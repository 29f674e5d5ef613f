"""The fake account, matched by the paper venue's model: the same fills as a dry-run.

How an order fills is ``autotrader.market.matching`` (docs/paper-fills.md), shared with
the paper broker: the venue's rules are KRX and Nextrade facts, like the tick grid in
``autotrader.market``, so the fake may use them although it imports nothing else of the
trader. An order type the venue refuses in its phase is answered with return code 20 and
the venue's reason. ``max_fill_qty`` caps each print's size so partial fills can be forced.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.orders import (
    ORDER_TYPES,
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
from autotrader.market.matching import (
    Cancelled,
    MatchConfig,
    Matcher,
    Outcome,
    Print,
    Working,
    arrival_quote,
)
from autotrader.market.ticks import daily_limits, is_on_grid
from autotrader.model.orders import Side

SUFFIX = {"KRX": "", "NXT": "_NX", "SOR": "_AL"}  # the feed item an exchange's order meets


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
        now_ts: Callable[[], float] | None = None,
        matching: MatchConfig | None = None,
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
        self.matcher = Matcher(matching)
        self.prints: dict[str, Print] = {}  # feed item -> its latest print
        self._now_ts = now_ts or (lambda: 0.0)

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
        item = stk_cd + SUFFIX.get(order.exchange, "")
        order_type = ORDER_TYPES[trde_tp]
        working = Working(order.ord_no, item, side, order_type, qty, price, order.cond_price)
        now = self._now_ts()
        quote = arrival_quote(item, side, order_type, now, self.prints)
        why = self.matcher.refuse(item, working, now, quote)
        if why is not None:
            raise Refused(codes.rejected_body(why))
        events: list[BookEvent] = [self._accept(order)]
        events.extend(self._apply(item, self.matcher.arrive(working, now, quote)))
        return order, events

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
        self.matcher.move(self._item(orig), orig.ord_no, qty, price, cond_price)
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
        self.matcher.rekey(self._item(orig), orig.ord_no, new.ord_no)
        new.status = Status.CONFIRMED
        return new, [accepted, OrderEvent(new, Status.CONFIRMED, remaining=new.remaining)]

    def cancel(self, orig_ord_no: str, stk_cd: str, qty: int) -> tuple[Order, list[BookEvent]]:
        """Cancel ``qty`` (0 = all) of the original's remainder under a new order number."""
        orig = self._target(orig_ord_no, stk_cd)
        qty = qty or orig.remaining
        if qty > orig.remaining:
            raise Refused(codes.rejected_body(codes.REJECT_NOTHING_LEFT))
        orig.closed += qty
        self.matcher.cancel(self._item(orig), orig.ord_no, qty)
        new = Order(
            self._next_no(), stk_cd, orig.side, Kind.CANCEL, qty, 0, orig.trde_tp, self._now()
        )
        new.orig_ord_no, new.exchange, new.credit = orig.ord_no, orig.exchange, orig.credit
        accepted = self._accept(new)
        new.status = Status.CONFIRMED
        return new, [accepted, OrderEvent(new, Status.CONFIRMED)]

    # --- the tape ------------------------------------------------------------------------

    def on_print(self, item: str, print_: Print) -> list[BookEvent]:
        """Record a ``0B`` of ``item`` ('005930', '005930_NX'...), then match its orders."""
        if self.max_fill_qty:
            print_ = replace(print_, size=min(print_.size or self.max_fill_qty, self.max_fill_qty))
        self.prints[item] = print_
        if "_" not in item:
            quote = self.quotes.setdefault(item, Quote())
            quote.last, quote.ask, quote.bid = print_.price, print_.ask, print_.bid
            self.base_prices.setdefault(item, print_.base or print_.price)
        return self._apply(item, self.matcher.on_print(item, print_))

    def on_vi(self, item: str, released: bool, ts: float) -> None:
        self.matcher.on_vi(item, released, ts)

    def _apply(self, item: str, outcomes: Iterable[Outcome]) -> list[BookEvent]:
        events: list[BookEvent] = []
        for out in outcomes:
            order = self._by_no.get(str(out.key))
            if order is None:
                continue
            if isinstance(out, Cancelled):
                order.closed += out.qty
                order.status = Status.CANCELLED
                events.append(OrderEvent(order, Status.CANCELLED, remaining=order.remaining))
            else:
                events.extend(self._fill(order, out.qty, out.price))
        return events

    @staticmethod
    def _item(order: Order) -> str:
        return order.stk_cd + SUFFIX.get(order.exchange, "")

    def on_limits(self, stk_cd: str, values: Mapping[str, object]) -> None:
        """A ``0g``: the exchange's limits (306 lower, 305 upper) replace the +-30% rule."""
        upper, lower = to_int(values.get("305")), to_int(values.get("306"))
        if 0 < lower <= upper:
            self.limits[stk_cd] = (lower, upper)

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

"""The paper venue's matching model: how and at what price an order fills on a tape.

Pure: orders in, prints and VI events in, fills and cancellations out; no clock of its own
and no I/O. The paper broker and the fake Kiwoom both drive one ``Matcher``, so a dry-run
and a run against the fake fill alike. docs/paper-fills.md is the contract, rule by rule
(F01 ... F42); the comments below name the rules they implement.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import replace

from autotrader.clock import DAY, SEOUL_OFFSET
from autotrader.market import phases
from autotrader.market.phases import Phase, Venue, phase_for, refusal, session_end, venue_of
from autotrader.market.ticks import daily_limits, round_to_tick
from autotrader.market.venue_types import (
    Cancelled,
    Filled,
    MatchConfig,
    Outcome,
    Print,
    Steps,
    Working,
)
from autotrader.model.orders import OrderType, Side

T = OrderType
IOC = frozenset({T.LIMIT_IOC, T.MARKET_IOC, T.BEST_LIMIT_IOC, T.MID_PRICE_IOC})
FOK = frozenset({T.LIMIT_FOK, T.MARKET_FOK, T.BEST_LIMIT_FOK, T.MID_PRICE_FOK})
MARKET = frozenset({T.MARKET, T.MARKET_IOC, T.MARKET_FOK})
BEST = frozenset({T.BEST_LIMIT, T.BEST_LIMIT_IOC, T.BEST_LIMIT_FOK})
MID = frozenset({T.MID_PRICE, T.MID_PRICE_IOC, T.MID_PRICE_FOK})
AT_CLOSE = frozenset({T.PRE_MARKET_CLOSE, T.AFTER_HOURS_CLOSE})
NEVER = math.inf
UNCAPPED = 1 << 62  # a print without a size (field 15 missing) caps nothing


def _day(ts: float) -> int:
    return int((ts + SEOUL_OFFSET) // DAY)


def _sod(ts: float) -> int:
    return int(ts + SEOUL_OFFSET) % DAY


def _at(ts: float, sod: int) -> float:
    """The epoch time of ``sod`` on ``ts``'s day (KST)."""
    return _day(ts) * DAY - SEOUL_OFFSET + sod


def base_code(symbol: str) -> str:
    return symbol.split("_", 1)[0]


def arrival_quote(
    symbol: str, side: Side, order_type: OrderType, now: float, quotes: Mapping[str, Print | None]
) -> Print | None:
    """The book an arriving order meets: its item's last print; for SOR (``_AL``) the
    better of the KRX and Nextrade books whose venue trades the type now (F41)."""
    if venue_of(symbol) is not Venue.SOR:
        return quotes.get(symbol)
    code, sod = base_code(symbol), _sod(now)
    books = [quotes.get(symbol)]
    for item in (code, code + "_NX"):
        phase = phase_for(venue_of(item), sod, order_type)
        if refusal(phase, order_type) is None:
            books.append(quotes.get(item))
    found = [q for q in books if q is not None]
    if not found:
        return None
    if side is Side.BUY:
        return min(found, key=lambda q: q.ask or q.price)
    return max(found, key=lambda q: q.bid or q.price)


class Matcher:
    """Working orders by item, VI state by stock, the day's close by item."""

    def __init__(self, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self.orders: dict[str, dict[object, Working]] = {}
        self.vi: dict[str, float] = {}  # stock -> trigger time, while its VI auction runs
        self.closes: dict[str, int] = {}  # item -> the day's close
        self._last_regular: dict[str, int] = {}
        self.depth: dict[str, tuple[dict[int, int], dict[int, int]]] = {}  # item -> asks, bids

    def on_depth(self, symbol: str, asks: dict[int, int], bids: dict[int, int]) -> None:
        """The item's latest ``0D``: shares offered and bid at each of ten prices. Read
        when an order arrives (what it takes, the queue it joins), so a caller may hand
        over a book as late as just before an order of the item."""
        self.depth[symbol] = (asks, bids)

    def _book_size(self, symbol: str, side: Side, price: int, opposite: bool) -> int | None:
        """Shares the 0D book shows at ``price`` on the side an order meets (``opposite``)
        or joins; None when no 0D of the item lists that price."""
        book = self.depth.get(symbol)
        if book is None:
            return None
        asks, bids = book
        levels = (
            (asks if side is Side.BUY else bids)
            if opposite
            else (bids if side is Side.BUY else asks)
        )
        return levels.get(price)

    # -- arrival ----------------------------------------------------------------------
    def phase(self, symbol: str, order_type: OrderType, now: float) -> Phase:
        vi = bool(self.vi) and base_code(symbol) in self.vi  # VIs are rare: no split
        return phase_for(venue_of(symbol), _sod(now), order_type, vi=vi)

    def refuse(
        self,
        symbol: str,
        order: Working,
        now: float,
        quote: Print | None,
        phase: Phase | None = None,
    ) -> str | None:
        """Why the venue refuses ``order`` now (its phase, or 62 outside +-10%), or None.
        ``phase``: ``self.phase(...)`` at ``now`` when the caller has it (``arrive`` too)."""
        if phase is None:
            phase = self.phase(symbol, order.order_type, now)
        why = refusal(phase, order.order_type)
        if why is None and order.order_type is T.AFTER_HOURS_SINGLE:
            close = self.closes.get(symbol) or (quote.price if quote else 0)
            band = int(close * phases.AFTER_HOURS_BAND)
            if close and not close - band <= order.limit <= close + band:
                why = f"after_hours_single (62) at {order.limit:,} is outside +-10% of {close:,}"
        return why

    def arrive(
        self, order: Working, now: float, quote: Print | None, phase: Phase | None = None
    ) -> Iterator[Outcome]:
        """Accept ``order`` (``refuse`` said yes) and fill what is marketable at once."""
        sym, t = order.symbol, order.order_type
        order.phase = self.phase(sym, t, now) if phase is None else phase
        order.day, order.seen = _day(now), now
        order.ahead = self.config.queue_ahead
        order.market = t in MARKET
        book = self.orders.setdefault(sym, {})
        if order.phase.is_auction:  # F25, F29, F31: nothing fills until the single price
            order.closing = order.phase is Phase.KRX_CLOSING_AUCTION
            order.auction_end = self._auction_end(order.phase, now)
            book[order.key] = order
            return
        if t in AT_CLOSE:  # F33, F34: at the previous close / the day's close
            close = (quote.base if quote else 0) if t is T.PRE_MARKET_CLOSE else 0
            order.fixed_price = close or self.closes.get(sym) or (quote.price if quote else 0)
            book[order.key] = order
            return
        if t is T.AFTER_HOURS_SINGLE:  # F35: waits for the next 10-minute match
            book[order.key] = order
            return
        if t is T.STOP_LIMIT:  # F22: rests untriggered
            order.triggered = False
            book[order.key] = order
            return
        yield from self._arrive_continuous(order, now, quote, book)

    def _arrive_continuous(
        self, order: Working, now: float, quote: Print | None, book: dict[object, Working]
    ) -> Iterator[Outcome]:
        t, buy = order.order_type, order.side is Side.BUY
        ask, bid = (quote.ask, quote.bid) if quote else (0, 0)
        size = (quote.size or UNCAPPED) if quote else 0
        if quote is not None and not ask and not bid:
            ask = bid = quote.price
        opposite, own = (ask, bid) if buy else (bid, ask)
        if t in BEST:  # F17, F12, F16: a limit at the best opposite price
            order.limit = opposite
        elif t is T.TOP_PRIORITY_LIMIT:  # F18: joins its own side's best
            order.limit = own
        elif t in MID:  # F19-F21: the midpoint, on the grid toward its own side
            order.limit = round_to_tick((ask + bid) // 2, "down" if buy else "up") if ask else 0
        if not order.market and order.limit <= 0:
            yield self._end(book, order, now, "no quote to price the order against")
            return
        if t in MID and t is not T.MID_PRICE:
            marketable = False  # no mid-point liquidity shows on the tape
        elif order.market:
            marketable = opposite > 0
        else:
            marketable = (
                opposite > 0
                and order.limit > 0
                and (opposite <= order.limit if buy else opposite >= order.limit)
            )
        price = self._band(opposite, quote.base if quote else 0) if order.market else opposite
        shown = self._book_size(order.symbol, order.side, opposite, opposite=True)
        if shown is not None:
            size = shown  # the 0D book's size at the price it takes
        qty = min(order.qty, size) if marketable else 0
        if t in FOK and qty < order.qty:  # F13-F16, F21: all or nothing
            yield self._end(book, order, now, "FOK not filled whole: cancelled")
            return
        book[order.key] = order  # working from here: a fill's handler may cancel it
        if not qty and order.ahead is not None:  # joins the queue the 0D book shows there
            order.ahead += self._book_size(order.symbol, order.side, order.limit, False) or 0
        if qty:
            order.qty -= qty
            if not order.qty:
                del book[order.key]
            yield Filled(order.key, qty, price, now)
            if order.qty and not order.market:
                order.ahead = 0  # the rest is now the best price on its side, first in line
        if order.qty and t in IOC and book.get(order.key) is order:  # F09-F12, F20
            yield self._end(book, order, now, "IOC remainder cancelled")

    @staticmethod
    def _end(book: dict[object, Working], order: Working, ts: float, why: str) -> Cancelled:
        qty, order.qty = order.qty, 0
        book.pop(order.key, None)
        return Cancelled(order.key, qty, ts, why)

    @staticmethod
    def _auction_end(phase: Phase, now: float) -> float:
        if phase is Phase.KRX_OPENING_AUCTION:
            return _at(now, phases.KRX_OPEN)
        if phase is Phase.KRX_CLOSING_AUCTION:
            return _at(now, phases.KRX_CLOSE)
        return NEVER  # a VI auction ends at its release

    # -- changes ------------------------------------------------------------------------
    def working(self, symbol: str, key: object) -> Working | None:
        """The order while it still has shares working, else None."""
        order = self.orders.get(symbol, {}).get(key)
        return order if order is not None and order.qty > 0 else None

    def cancel(self, symbol: str, key: object, qty: int = 0) -> int:
        """Take ``qty`` (0: all) off a working order; returns the shares taken off."""
        order = self.working(symbol, key)
        if order is None:
            return 0
        qty = order.qty if not qty or qty >= order.qty else qty
        order.qty -= qty
        if not order.qty:
            del self.orders[symbol][key]
        return qty

    def move(self, symbol: str, key: object, qty: int, price: int, condition: int = 0) -> None:
        """Kiwoom's modify: ``qty`` of the order's remainder moves to ``price`` (``rekey``
        then names it after the new order number); the rest stays where it was.
        ``condition``: a stop-limit's new condition price (``mdfy_cond_uv``), 0 keeps it."""
        order = self.working(symbol, key)
        if order is None:
            return
        if qty >= order.qty:
            self.modify(symbol, key, order.qty, price, condition)
            return
        order.qty -= qty
        moved = replace(order, key=("moved", key), qty=qty)
        self.orders[symbol][moved.key] = moved
        self.modify(symbol, moved.key, qty, price, condition)

    def rekey(self, symbol: str, key: object, new_key: object) -> None:
        """The moved part of ``key`` (or all of it) now answers to ``new_key``."""
        book = self.orders.get(symbol, {})
        order = book.pop(("moved", key), None) or book.pop(key, None)
        if order is not None:
            order.key = new_key
            book[new_key] = order

    def modify(
        self, symbol: str, key: object, remaining: int, price: int, condition: int = 0
    ) -> None:
        """A modified order keeps its place in no queue: it stands behind ``queue_ahead``.
        An untriggered stop-limit takes a new ``condition`` (a trailing stop moves it)."""
        order = self.working(symbol, key)
        if order is None:
            return
        order.qty = remaining
        if price:
            order.limit = price
        if condition and order.order_type is T.STOP_LIMIT and not order.triggered:
            order.condition = condition
        order.ahead = self.config.queue_ahead
        if not remaining:
            del self.orders[symbol][key]

    # -- the tape -------------------------------------------------------------------------
    def on_vi(self, symbol: str, released: bool, ts: float) -> None:
        """A VI triggered or released on the stock: its KRX orders meet the release price."""
        code = base_code(symbol)
        if not released:
            if code in self.vi:
                return
            self.vi[code] = ts
            for item in (code, code + "_AL"):
                for order in self.orders.get(item, {}).values():
                    if _krx_regular(order) and order.triggered and not order.auction_end:
                        order.auction_end = NEVER  # F30: resting orders join the auction
            return
        self.vi.pop(code, None)
        for item in (code, code + "_AL"):
            for order in self.orders.get(item, {}).values():
                if order.auction_end == NEVER:
                    order.auction_end = ts

    def on_print(self, symbol: str, pr: Print) -> Iterator[Outcome]:
        """Match the item's working orders against one print, in time priority; the
        print's size is shared among them (F40)."""
        self._track_close(symbol, pr)
        book = self.orders.get(symbol)
        if not book:
            return
        left = pr.size or UNCAPPED
        sod, day = _sod(pr.ts), _day(pr.ts)
        for order in list(book.values()):
            if book.get(order.key) is not order or order.qty <= 0:
                continue  # cancelled meanwhile (a fill's handler may cancel others)
            ended = sod >= session_end(order.phase) and (not order.auction_end or order.closing)
            if day != order.day or ended:  # a closing auction with no print by 15:40 too
                yield self._expire(book, order, pr.ts)
                continue
            if not order.triggered and sod >= phases.KRX_CLOSING_AUCTION:
                yield self._expire(book, order, pr.ts)  # a stop watches continuous prints only
                continue
            if (
                order.triggered
                and _krx_regular(order)
                and order.phase is not Phase.KRX_CLOSING_AUCTION
                and _sod(order.seen) < phases.KRX_CLOSING_AUCTION <= sod
            ):
                self._enter_closing_auction(order, pr.ts)  # F24, F28
            order.seen = pr.ts
            if order.auction_end:
                if pr.ts < order.auction_end:
                    continue  # the auction runs: prints inside it fill nothing
                left = yield from self._single_price(order, pr, left)
                closing = order.closing
                order.auction_end, order.closing = 0.0, False
                if closing and order.qty and book.get(order.key) is order:
                    yield self._expire(book, order, pr.ts)
                    continue
            elif not order.triggered:
                if (
                    (pr.price >= order.condition)
                    if order.side is Side.BUY
                    else (pr.price <= order.condition)
                ):
                    order.triggered = True  # F22: works as a limit from this print on
                    order.order_type = T.LIMIT
                    order.phase = self.phase(symbol, T.LIMIT, pr.ts)
                    left = yield from self._trigger_fill(order, pr, left)
            elif order.order_type is T.AFTER_HOURS_SINGLE:
                left = yield from self._single_price(order, pr, left)  # F35
            elif order.order_type in AT_CLOSE:
                left = yield from self._resting(order, pr, left, order.fixed_price)  # F33, F34
            elif order.market:
                price = self._band((pr.ask if order.side is Side.BUY else pr.bid) or pr.price,
                                   pr.base)  # fmt: skip
                left = yield from self._take(order, min(order.qty, left), price, pr.ts, left)
            else:
                left = yield from self._resting(order, pr, left, order.limit)
            if order.qty <= 0:
                book.pop(order.key, None)

    def _enter_closing_auction(self, order: Working, ts: float) -> None:
        order.auction_end = _at(ts, phases.KRX_CLOSE)
        order.closing = True
        if order.order_type is T.CONDITIONAL_LIMIT:
            order.market = True  # F24: the remainder becomes a market order

    def _single_price(self, order: Working, pr: Print, left: int) -> Steps:
        """F25-F31, F35: buy at or above, sell at or below, market always: at the print."""
        p, buy = pr.price, order.side is Side.BUY
        if order.market or (order.limit > p if buy else order.limit < p):
            qty = min(order.qty, left)
        elif order.limit == p:
            qty = self._queue(order, left)
        else:
            return left
        return (yield from self._take(order, qty, p, pr.ts, left))

    def _resting(self, order: Working, pr: Print, left: int, limit: int) -> Steps:
        """F03-F05: through the limit fills at it up to the print's size; at it, behind the
        queue; the quote alone never fills (F06)."""
        p = pr.price
        through = p < limit if order.side is Side.BUY else p > limit
        if through:
            qty = min(order.qty, left)
        elif p == limit:
            qty = self._queue(order, left)
        else:
            return left
        return (yield from self._take(order, qty, limit, pr.ts, left))

    def _trigger_fill(self, order: Working, pr: Print, left: int) -> Steps:
        """A triggered stop arrives as a limit on the trigger print's quote (F22)."""
        buy = order.side is Side.BUY
        opposite = (pr.ask if buy else pr.bid) or pr.price
        marketable = opposite <= order.limit if buy else opposite >= order.limit
        order.ahead = self.config.queue_ahead
        if not marketable:
            return left
        left = yield from self._take(order, min(order.qty, left), opposite, pr.ts, left)
        if order.qty:
            order.ahead = 0
        return left

    def _queue(self, order: Working, left: int) -> int:
        if order.ahead is None:
            return 0
        eaten = min(order.ahead, left)
        order.ahead -= eaten
        return min(order.qty, left - eaten)

    @staticmethod
    def _take(order: Working, qty: int, price: int, ts: float, left: int) -> Steps:
        if qty <= 0:
            return left
        order.qty -= qty
        yield Filled(order.key, qty, price, ts)
        return left - qty

    @staticmethod
    def _band(price: int, base: int) -> int:
        if not base:
            return price
        lower, upper = daily_limits(base)
        return min(max(price, lower), upper)  # F08

    def _expire(self, book: dict[object, Working], order: Working, ts: float) -> Cancelled:
        return self._end(book, order, ts, f"expired at the end of {order.phase.value}")

    def _track_close(self, symbol: str, pr: Print) -> None:
        sod = _sod(pr.ts)
        if phases.KRX_OPEN <= sod < phases.KRX_CLOSING_AUCTION:
            self._last_regular[symbol] = pr.price
            self.closes.pop(symbol, None)
        elif phases.KRX_CLOSE <= sod < phases.KRX_POST_CLOSE:
            self.closes[symbol] = pr.price  # the closing auction's single price
        elif sod >= phases.KRX_POST_CLOSE and symbol not in self.closes:
            self.closes[symbol] = self._last_regular.get(symbol, pr.price)


def _krx_regular(order: Working) -> bool:
    return order.phase in _KRX_DAY


_KRX_DAY = frozenset(
    {
        Phase.KRX_OPENING_AUCTION,
        Phase.KRX_CONTINUOUS,
        Phase.KRX_VI_AUCTION,
        Phase.KRX_CLOSING_AUCTION,
    }
)

__all__ = [
    "Cancelled",
    "Filled",
    "MatchConfig",
    "Matcher",
    "Outcome",
    "Print",
    "Steps",
    "Venue",
    "Working",
    "arrival_quote",
    "venue_of",
]

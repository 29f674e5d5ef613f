"""Kiwoom ``0D`` (order book) and ``0g`` (price limits) values, read defensively.

``0D`` fields (the guide's table): 41-50 ask prices, 61-70 their quantities, 51-60 bid
prices, 71-80 theirs, level 1 is the best; 121/125 total ask/bid quantity; 21 the time.
Prices carry a direction sign (take the magnitude). The decoder keeps the latest ``0D``
values of a symbol as they came (``SymbolState.depth``) and parses nothing: the
functions below read them when a condition or the matching model asks, so a book frame
costs about what a trade tick does. ``0g``: 305 upper limit, 306 lower limit, 307 base.
A missing, empty or garbled field reads as 0 and never raises.
"""

from __future__ import annotations

from typing import Any

from autotrader.feed.fastline import Tick
from autotrader.market.ticks import tick_size
from autotrader.model.quotes import OrderBook, PriceLimits

LEVELS = 10
ASK_PRICE, ASK_QTY, BID_PRICE, BID_QTY = 41, 61, 51, 71
TOTAL_ASK, TOTAL_BID, BOOK_TIME = "121", "125", "21"
UPPER, LOWER, BASE = "305", "306", "307"


def _int(values: Any, fid: str | int) -> int:
    try:
        return abs(int(values[str(fid)]))
    except (KeyError, ValueError, TypeError):
        return 0


def best_ask(values: Any) -> int:
    return _int(values, ASK_PRICE)


def best_bid(values: Any) -> int:
    return _int(values, BID_PRICE)


def best_ask_qty(values: Any) -> int:
    return _int(values, ASK_QTY)


def best_bid_qty(values: Any) -> int:
    return _int(values, BID_QTY)


def total_ask_qty(values: Any) -> int:
    return _int(values, TOTAL_ASK)


def total_bid_qty(values: Any) -> int:
    return _int(values, TOTAL_BID)


def spread_ticks(values: Any) -> int:
    """Best ask minus best bid, in ticks of the bid's band (0 without both sides)."""
    ask, bid = best_ask(values), best_bid(values)
    if not ask or not bid or ask <= bid:
        return 0
    ticks, price = 0, bid
    while price < ask and ticks < 10_000:  # walks band by band: exact across boundaries
        price += tick_size(price)
        ticks += 1
    return ticks


def imbalance(values: Any, levels: int) -> float:
    """(bid qty - ask qty) / (bid qty + ask qty) over the top ``levels``: +1 all bids,
    -1 all asks, 0 balanced or empty."""
    bids = sum(_int(values, BID_QTY + n) for n in range(levels))
    asks = sum(_int(values, ASK_QTY + n) for n in range(levels))
    total = bids + asks
    return (bids - asks) / total if total else 0.0


def order_book(values: Any) -> OrderBook:
    """The whole ``0D`` book as a value (levels without a price are left out)."""
    asks = tuple(
        (p, _int(values, ASK_QTY + n))
        for n in range(LEVELS)
        if (p := _int(values, ASK_PRICE + n)) > 0
    )
    bids = tuple(
        (p, _int(values, BID_QTY + n))
        for n in range(LEVELS)
        if (p := _int(values, BID_PRICE + n)) > 0
    )
    total_ask = _int(values, TOTAL_ASK) or sum(q for _, q in asks)
    total_bid = _int(values, TOTAL_BID) or sum(q for _, q in bids)
    hhmmss = values.get(BOOK_TIME, "") if isinstance(values, dict) else ""
    return OrderBook(asks, bids, total_ask, total_bid, str(hhmmss or ""))


def quote_values(depth: Any) -> Tick:
    """A trade tick's best ask/bid fields (27/28) from a book, for a symbol that has not
    traded yet: ``ask``/``bid`` read the book until the first ``0B`` replaces them."""
    return Tick("", "", f27=str(best_ask(depth)), f28=str(best_bid(depth)))


def price_limits(values: Any) -> PriceLimits | None:
    """``0g`` upper/lower/base, or None unless all three are readable and ordered."""
    upper, lower, base = _int(values, UPPER), _int(values, LOWER), _int(values, BASE)
    if not (0 < lower <= base <= upper):
        return None
    return PriceLimits(upper=upper, lower=lower, base=base)

"""The vocabulary of conditions: every name and function a strategy may use.

These tables are the whole world a condition can see. The compiler maps each name to a
fixed fragment over engine state (``compile/conditions.py`` FRAGMENTS) and each function
call to a rolling value the engine keeps per symbol (``engine/rolling.py``); anything not
listed here does not exist for a strategy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NameInfo:
    kind: str  # "num" | "bool" | "str"
    doc: str
    unit: str = ""  # "%" ratio, "s" duration, "tod" time of day (seconds), "" plain
    example: str = ""  # a condition using it, for the reference page and 'explain'


NAMES: dict[str, NameInfo] = {
    # the current tick
    "price": NameInfo("num", "last trade price (KRW)", example="price >= 70000"),
    "last": NameInfo("num", "same as price", example="last < open"),
    "ask": NameInfo("num", "best ask (KRW)", example="ask - bid <= 100"),
    "bid": NameInfo("num", "best bid (KRW)", example="bid > 0"),
    "spread": NameInfo("num", "best ask minus best bid (KRW)", example="spread <= 2 * 100"),
    "volume": NameInfo("num", "this trade's volume (shares)", example="volume >= 1000"),
    "buy_volume": NameInfo(
        "num", "this trade's volume if buyer-initiated, else 0", example="buy_volume > 500"
    ),
    "sell_volume": NameInfo(
        "num", "this trade's volume if seller-initiated, else 0", example="sell_volume > 500"
    ),
    "side": NameInfo("str", 'who initiated this trade: "buy" or "sell"', example='side == "buy"'),
    "cum_volume": NameInfo("num", "today's cumulative volume", example="cum_volume > 1_000_000"),
    "change_rate": NameInfo(
        "num", "change vs the previous close", "%", example="change_rate <= -2%"
    ),
    "open": NameInfo("num", "today's open (KRW)", example="price > open"),
    "high": NameInfo("num", "today's high (KRW)", example="price >= high"),
    "low": NameInfo("num", "today's low (KRW)", example="price <= low * 1.001"),
    "pct_from_open": NameInfo(
        "num", "change vs today's open", "%", example="pct_from_open >= 1.5%"
    ),
    "strength": NameInfo(
        "num", "trade strength (체결강도, 100 = balanced)", example="strength > 120"
    ),
    # the position in this symbol
    "position.qty": NameInfo("num", "shares held, from actual fills", example="position.qty > 0"),
    "position.avg_price": NameInfo(
        "num", "average cost per share (KRW)", example="price < position.avg_price"
    ),
    "position.value": NameInfo(
        "num", "shares held times the last price (KRW)", example="position.value < 3_000_000"
    ),
    "position.pnl": NameInfo(
        "num", "unrealized P&L (KRW, before fees)", example="position.pnl <= -50_000"
    ),
    "position.pnl_pct": NameInfo(
        "num", "unrealized P&L vs average cost", "%", example="position.pnl_pct >= 2%"
    ),
    "position.realized": NameInfo(
        "num", "realized P&L today, after fees and tax (KRW)", example="position.realized > 0"
    ),
    "position.high": NameInfo(
        "num",
        "highest price since the position was opened (its first fill from flat; 0 if flat)",
        example="price <= position.high - 1500",
    ),
    "position.low": NameInfo(
        "num",
        "lowest price since the position was opened (0 if flat)",
        example="price >= position.low * 1.03",
    ),
    "position.drawdown": NameInfo(
        "num",
        "fall of the price from position.high (0 if flat): a trailing stop in %",
        "%",
        example="position.drawdown >= 3%",
    ),
    "position.age": NameInfo(
        "num",
        "time since the position was opened (0 if flat)",
        "s",
        example="position.age >= 30m",
    ),
    # this symbol's working orders
    "open_orders": NameInfo("num", "this symbol's working orders", example="open_orders == 0"),
    "open_orders.buy": NameInfo("num", "working buy orders", example="open_orders.buy == 0"),
    "open_orders.sell": NameInfo("num", "working sell orders", example="open_orders.sell == 0"),
    "open_orders.age": NameInfo(
        "num", "age of the oldest working order (0 if none)", "s", example="open_orders.age > 30s"
    ),
    # volatility interruption
    "vi.active": NameInfo(
        "bool", "a VI auction is running for this symbol", example="not vi.active"
    ),
    "vi.kind": NameInfo(
        "str",
        'the running or last VI: "static", "dynamic" or "both"',
        example='vi.kind == "static"',
    ),
    "vi.direction": NameInfo(
        "str", 'direction of the last VI: "up", "down" or ""', example='vi.direction == "up"'
    ),
    "vi.since": NameInfo(
        "num", "when the last VI started (time of day)", "tod", example="vi.since >= 09:05"
    ),
    "vi.elapsed": NameInfo(
        "num", "time since the last VI started (0 if none yet)", "s", example="vi.elapsed < 5m"
    ),
    "vi.trigger_price": NameInfo(
        "num", "trigger price of the last VI (KRW)", example="price > vi.trigger_price"
    ),
    # the order book (0D): the latest book when the tick arrives; 0 before any book
    "book.ask": NameInfo("num", "best ask of the order book (KRW)", example="book.ask > 0"),
    "book.bid": NameInfo("num", "best bid of the order book (KRW)", example="book.bid > 0"),
    "book.ask_qty": NameInfo(
        "num", "shares offered at the best ask", example="book.ask_qty < book.bid_qty"
    ),
    "book.bid_qty": NameInfo("num", "shares bid at the best bid", example="book.bid_qty >= 10_000"),
    "book.spread_ticks": NameInfo(
        "num",
        "best ask minus best bid, in ticks (0 without both)",
        example="book.spread_ticks <= 2",
    ),
    "book.total_ask_qty": NameInfo(
        "num", "shares offered over all levels (총잔량)", example="book.total_ask_qty > 0"
    ),
    "book.total_bid_qty": NameInfo(
        "num",
        "shares bid over all levels (총잔량)",
        example="book.total_bid_qty > 2 * book.total_ask_qty",
    ),
    **{
        f"book.imbalance_{n}": NameInfo(
            "num",
            f"(bid - ask) / (bid + ask) shares over the top {n} level{'s' if n > 1 else ''}: "
            "+1 all bids, -1 all asks",
            example=f"book.imbalance_{n} >= 0.3",
        )
        for n in (1, 3, 5, 10)
    },
    # program trading in this stock today (0w), cumulative; 0 before the first report
    "program.buy_qty": NameInfo(
        "num", "shares bought by program trading today", example="program.buy_qty > 0"
    ),
    "program.sell_qty": NameInfo(
        "num", "shares sold by program trading today", example="program.sell_qty > 0"
    ),
    "program.net_qty": NameInfo(
        "num",
        "program net buying today, shares (negative: net selling)",
        example="program.net_qty >= 100_000",
    ),
    "program.buy_amount": NameInfo(
        "num", "program buying today, million KRW", example="program.buy_amount > 1_000"
    ),
    "program.sell_amount": NameInfo(
        "num", "program selling today, million KRW", example="program.sell_amount > 1_000"
    ),
    "program.net_amount": NameInfo(
        "num",
        "program net buying today, million KRW (negative: net selling)",
        example="program.net_amount < -500",
    ),
    # market
    "time": NameInfo(
        "num", "time of day, Asia/Seoul (compare with 09:30)", "tod", example="time < 15:00"
    ),
    "session": NameInfo("str", 'market session name (e.g. "open")', example='session == "open"'),
    "session.code": NameInfo(
        "str", "raw 0s market-operation code (field 215)", example='session.code == "3"'
    ),
}


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """A rolling value, named by a function of literal arguments."""

    args: tuple[frozenset[str], ...]  # accepted units per argument ("" count, "s", "tod",
    # "x" a plain number such as a multiplier)
    doc: str
    unit: str = ""
    example: str = ""
    optional: int = 0  # how many of the last arguments may be left out


_WINDOW = frozenset({"", "s"})  # N ticks or a duration
_TOD = frozenset({"tod"})
_COUNT = frozenset({""})  # N ticks or N bars
_BAR = frozenset({"s"})  # the length of a time bar
_MULT = frozenset({"x"})

FUNCTIONS: dict[str, FunctionInfo] = {
    "sma": FunctionInfo(
        (_WINDOW,),
        "simple moving average of the price over N ticks or a time window",
        example="price > sma(20) and sma(5m) > sma(30m)",
    ),
    "vwap": FunctionInfo(
        (_WINDOW,),
        "volume-weighted average price over N ticks or a time window",
        example="price < vwap(10m)",
    ),
    "volume_sum": FunctionInfo(
        (_WINDOW,),
        "shares traded over N ticks or a time window",
        example="volume_sum(1m) > 50_000",
    ),
    "high_of": FunctionInfo(
        (_WINDOW,), "highest price over N ticks or a time window", example="price > high_of(5m)"
    ),
    "low_of": FunctionInfo(
        (_WINDOW,), "lowest price over N ticks or a time window", example="price < low_of(100)"
    ),
    "change": FunctionInfo(
        (_WINDOW,),
        "price change vs N ticks or a time window ago",
        "%",
        example="change(1m) >= 1%",
    ),
    "range_high": FunctionInfo(
        (_TOD, _TOD),
        "highest price traded between two times of day today (0 before)",
        example="time >= 09:30 and price > range_high(09:00, 09:30)",
    ),
    "range_low": FunctionInfo(
        (_TOD, _TOD),
        "lowest price traded between two times of day today (0 before)",
        example="time >= 09:30 and price < range_low(09:00, 09:30)",
    ),
}
_BARS = "over N ticks, or over N completed time bars: {}(14, 1m); NaN until warm"
FUNCTIONS.update(
    {
        "ema": FunctionInfo(
            (_COUNT, _BAR),
            "exponential moving average of the price, " + _BARS.format("ema"),
            example="ema(12) > ema(26)",
            optional=1,
        ),
        "rsi": FunctionInfo(
            (_COUNT, _BAR),
            "relative strength index, 0-100 (Wilder), " + _BARS.format("rsi"),
            example="rsi(14, 1m) < 30",
            optional=1,
        ),
        "atr": FunctionInfo(
            (_COUNT, _BAR),
            "average true range in KRW (Wilder), " + _BARS.format("atr"),
            example="price <= position.high - 3 * atr(14, 1m)",
            optional=1,
        ),
        "bb_upper": FunctionInfo(
            (_COUNT, _MULT, _BAR),
            "upper Bollinger band: sma + k std devs (k 2 unless given), "
            + _BARS.format("bb_upper"),
            example="price > bb_upper(20, 2)",
            optional=2,
        ),
        "bb_lower": FunctionInfo(
            (_COUNT, _MULT, _BAR),
            "lower Bollinger band: sma - k std devs (k 2 unless given), "
            + _BARS.format("bb_lower"),
            example="price < bb_lower(20, 2, 5m)",
            optional=2,
        ),
    }
)

# 'vwap' alone is the day's VWAP, a rolling value like the functions above.
NAMES["vwap"] = NameInfo(
    "num", "volume-weighted average price since the first tick today", example="price > vwap"
)

# Names of the triggering event, per trigger kind: only rules on that trigger read them.
EVENT_NAMES: dict[str, dict[str, NameInfo]] = {
    "order": {
        "event.status": NameInfo(
            "str",
            'what happened to the order: "accepted", "filled", "partially_filled", '
            '"cancelled" or "rejected"',
            example='event.status == "filled"',
        ),
        "event.side": NameInfo(
            "str", 'the order\'s side: "buy" or "sell"', example='event.side == "buy"'
        ),
        "event.qty": NameInfo("num", "the order's quantity (shares)", example="event.qty >= 10"),
        "event.price": NameInfo(
            "num", "the order's limit price (0 for a market order)", example="event.price > 0"
        ),
        "event.filled_qty": NameInfo(
            "num", "shares of the order filled so far", example="event.filled_qty > 0"
        ),
        "event.remaining": NameInfo(
            "num", "shares of the order not filled", example="event.remaining == 0"
        ),
        "event.fill_qty": NameInfo(
            "num",
            "this fill's shares (0 unless filled or partially_filled)",
            example="event.fill_qty >= 5",
        ),
        "event.fill_price": NameInfo(
            "num",
            "this fill's price (0 unless filled or partially_filled)",
            example="price > event.fill_price",
        ),
        "event.tag": NameInfo(
            "str", "the order's tag (its rule's name unless set)", example='event.tag == "entry"'
        ),
        "event.age": NameInfo(
            "num", "time since the order was placed", "s", example="event.age < 10s"
        ),
        "event.unfilled": NameInfo(
            "bool",
            "no share of the order has filled (wholly unfilled)",
            example='event.status == "cancelled" and event.unfilled',
        ),
    },
    "vi": {
        "event.status": NameInfo(
            "str", 'the VI event: "triggered" or "released"', example='event.status == "released"'
        ),
        "event.kind": NameInfo(
            "str", 'this VI: "static", "dynamic" or "both"', example='event.kind == "static"'
        ),
        "event.direction": NameInfo(
            "str", 'this VI\'s direction: "up", "down" or ""', example='event.direction == "up"'
        ),
        "event.trigger_price": NameInfo(
            "num", "this VI's trigger price (KRW)", example="price > event.trigger_price"
        ),
    },
}
_BY_TRIGGER: dict[str, dict[str, NameInfo]] = {
    kind: {**NAMES, **names} for kind, names in EVENT_NAMES.items()
}


def names_for(trigger: str) -> dict[str, NameInfo]:
    """The names a rule on this trigger kind may read: the common ones and its event's."""
    return _BY_TRIGGER.get(trigger, NAMES)


def event_triggers(name: str) -> list[str]:
    """The trigger kinds whose rules may read ``name`` (empty if it is no event name)."""
    return [kind for kind, names in EVENT_NAMES.items() if name in names]


MAX_TICK_WINDOW = 10_000
MAX_TIME_WINDOW = 8 * 3600

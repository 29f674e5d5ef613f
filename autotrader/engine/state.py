"""Mutable per-symbol state, updated in place by the feed decoder and by fills.

One ``SymbolState`` per subscribed feed item: the latest tick, the position built from
actual fills, and the symbol's open-order count. Compiled conditions read its slots
directly, so a tick allocates nothing. ``MarketState`` holds what all symbols share.
"""

from __future__ import annotations


class MarketState:
    """What every symbol shares: the clock's latest reading and the session."""

    __slots__ = ("now", "sod", "session", "session_code", "account_loaded")

    def __init__(self) -> None:
        self.now = 0.0  # epoch seconds
        self.sod = 0  # seconds since 00:00 Asia/Seoul
        self.session = ""  # readable 0s name, e.g. "open"
        self.session_code = ""
        self.account_loaded = True  # a live run sets False until the account is read


class SymbolState:
    """Latest tick, position and order counts for one feed item (e.g. '005930')."""

    __slots__ = (
        "symbol",
        "market",
        "price",
        "ask",
        "bid",
        "volume",
        "cum_volume",
        "change_rate",
        "open",
        "high",
        "low",
        "strength",
        "ts",
        "ticks",
        "pos_qty",
        "pos_avg",
        "realized",
        "open_orders",
        "vi_active",
        "vi_kind",
        "vi_since",
    )

    def __init__(self, symbol: str, market: MarketState) -> None:
        self.symbol = symbol
        self.market = market
        self.price = 0
        self.ask = 0
        self.bid = 0
        self.volume = 0  # signed: + buyer-initiated, - seller-initiated
        self.cum_volume = 0
        self.change_rate = 0.0  # ratio: 0.0123 is +1.23 %
        self.open = 0
        self.high = 0
        self.low = 0
        self.strength = 0.0
        self.ts = 0.0
        self.ticks = 0
        self.pos_qty = 0
        self.pos_avg = 0  # average cost per share, integer KRW
        self.realized = 0  # realized P&L after fees and tax, integer KRW
        self.open_orders = 0
        self.vi_active = False
        self.vi_kind = ""
        self.vi_since = 0.0

    @property
    def unrealized(self) -> int:
        return (self.price - self.pos_avg) * self.pos_qty if self.pos_qty else 0

    @property
    def pnl_pct(self) -> float:
        if not self.pos_qty or not self.pos_avg:
            return 0.0
        return (self.price - self.pos_avg) / self.pos_avg

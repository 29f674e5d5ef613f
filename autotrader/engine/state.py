"""Mutable per-symbol state, updated in place by the feed decoder and by fills.

One ``SymbolState`` per subscribed feed item: the latest tick, the position built from
actual fills, and the symbol's open-order count. A tick allocates nothing: the decoder
keeps a reference to the tick's decoded values and fields are parsed when read.
``MarketState`` holds what all symbols share.
"""

from __future__ import annotations

import math
from typing import Any

from autotrader.engine.trigger_event import NO_EVENT, TriggerEvent
from autotrader.feed.fastline import EMPTY, Tick
from autotrader.model.quotes import PriceLimits


class MarketState:
    """What every symbol shares: the clock's latest reading and the session."""

    __slots__ = (
        "now",
        "quiet_until",
        "sod",
        "session",
        "session_code",
        "nxt_session",
        "account_loaded",
        "event",
    )

    def __init__(self) -> None:
        self.now = 0.0  # epoch seconds
        # Until then a clock reading changes nothing but ``now`` (the engine's set_time
        # keeps it; the compiled replay loop reads it to skip the call).
        self.quiet_until = -math.inf
        self.sod = 0  # seconds since 00:00 Asia/Seoul
        self.session = ""  # readable 0s name of KRX's session, e.g. "open"
        self.session_code = ""
        self.nxt_session = ""  # Nextrade's, from its own 0s codes (P...V): "nxt_main_start"
        self.account_loaded = True  # a live run sets False until the account is read
        # The event 'on: order' / 'on: vi' rules are running for (event.* names).
        self.event: TriggerEvent = NO_EVENT


class SymbolState:
    """Latest tick, position and order counts for one feed item (e.g. '005930').

    The decoder sets ``price``, ``ts`` and ``values`` (the tick's checked fields, a
    ``Tick``); the other tick fields are properties parsed from ``values`` on read.
    """

    __slots__ = (
        "symbol",
        "market",
        "price",
        "values",
        "ts",
        "ticks",
        "pos_qty",
        "pos_avg",
        "realized",
        "pos_high",
        "pos_low",
        "entry_ts",
        "open_orders",
        "open_buy",
        "open_sell",
        "open_since",
        "vi_active",
        "vi_kind",
        "vi_since",
        "vi_direction",
        "vi_price",
        "evaluate",
        "cooldowns",
        "noted",
        "fire",
        "mark",
        "mark_qty",
        "mark_cost",
        "roll",
        "rolling",
        "depth",
        "limits",
        "program",
    )

    def __init__(self, symbol: str, market: MarketState) -> None:
        self.symbol = symbol
        self.market = market
        self.price = 0
        self.values: Tick = EMPTY
        self.ts = 0.0
        self.ticks = 0
        self.pos_qty = 0
        self.pos_avg = 0  # average cost per share, integer KRW
        self.realized = 0  # realized P&L after fees and tax, integer KRW
        # Since the position was opened: its highest and lowest price and when (0 if flat).
        self.pos_high = 0
        self.pos_low = 0
        self.entry_ts = 0.0
        self.open_orders = 0
        # Kept by the engine's order book: working orders by side, and since when the
        # oldest has been working (0.0 when none).
        self.open_buy = 0
        self.open_sell = 0
        self.open_since = 0.0
        self.vi_active = False
        self.vi_kind = ""
        self.vi_since = 0.0
        self.vi_direction = ""
        self.vi_price = 0
        # Set by the engine: the symbol's fused rule evaluator and its bookkeeping.
        self.evaluate: Any = None
        self.cooldowns: list[float] = []
        self.noted: list[bool] = []  # per rule: a held-back firing journaled since its fire
        self.fire: Any = None
        # What the risk book last marked for this symbol (see RiskBook.track).
        self.mark = 0
        self.mark_qty = 0
        self.mark_cost = 0
        # Rolling values some rule reads (engine/rolling.py), read by slot: s.roll[i].
        self.roll: list[float] = []
        self.rolling: Any = None
        # The latest 0D values as decoded (feed/orderbook.py reads them; {} before any),
        # and today's 0g limits (None until one arrives: the risk guard then estimates).
        self.depth: dict[str, Any] = {}
        self.limits: PriceLimits | None = None
        self.program: dict[str, Any] = {}  # the latest 0w values (feed/program.py)

    def position_changed(self, price: int, ts: float) -> None:
        """After a fill at ``price``: a position opened from flat starts its high, low and
        age here; one closed forgets them (the evaluator moves high and low per trade)."""
        if not self.pos_qty:
            self.pos_high = self.pos_low = 0
            self.entry_ts = 0.0
        elif not self.entry_ts:
            self.entry_ts = ts
            self.pos_high = self.pos_low = price
        else:
            self.pos_high = max(self.pos_high, price)
            self.pos_low = min(self.pos_low, price) if self.pos_low else price

    @property
    def ask(self) -> int:
        return _price(self.values.f27)

    @property
    def bid(self) -> int:
        return _price(self.values.f28)

    @property
    def volume(self) -> int:
        """Signed: + buyer-initiated, - seller-initiated."""
        return _signed(self.values.f15)

    @property
    def change_rate(self) -> float:
        """A ratio: 0.0123 is +1.23 % against the previous close."""
        return _number(self.values.f12) / 100.0

    @property
    def cum_volume(self) -> int:
        return _signed(self.values.f13)

    @property
    def open(self) -> int:
        return _price(self.values.f16)

    @property
    def high(self) -> int:
        return _price(self.values.f17)

    @property
    def low(self) -> int:
        return _price(self.values.f18)

    @property
    def strength(self) -> float:
        return _number(self.values.f228)

    @property
    def base_price(self) -> int:
        """The day's base (previous close) price from the last tick, or 0 when unknown:
        from the signed change when the tick has it, else from the change rate. A garbled
        field raises (the risk guard turns that into a rejection: fail closed)."""
        values, price = self.values, self.price
        if not price:
            return 0
        if values.f11:
            return price - int(values.f11)
        if values.f12:
            return round(price / (1 + float(values.f12) / 100))
        return 0

    @property
    def flat(self) -> bool:
        """No position and no working order."""
        return not self.pos_qty and not self.open_orders

    @property
    def unrealized(self) -> int:
        return (self.price - self.pos_avg) * self.pos_qty if self.pos_qty else 0

    @property
    def pnl_pct(self) -> float:
        if not self.pos_qty or not self.pos_avg:
            return 0.0
        return (self.price - self.pos_avg) / self.pos_avg


# Defensive readers of a tick's text fields: absent, empty or garbled reads as 0 (bad
# feed data must never stop a run; the decoder already refused ticks whose read fields
# are garbled).


def _price(raw: str | None) -> int:
    """An unsigned price (Kiwoom prefixes a direction sign), or 0."""
    try:
        return abs(int(raw or 0))
    except ValueError:
        return 0


def _signed(raw: str | None) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return 0


def _number(raw: str | None) -> float:
    try:
        return float(raw or 0)
    except ValueError:
        return 0.0

"""What the risk guard and book read of a symbol's state: the engine's ``SymbolState``
and ``MarketState`` are such states. Risk stands below the engine, so it names what it
reads here instead of importing the engine's types."""

from __future__ import annotations

from typing import Protocol

from autotrader.model.quotes import PriceLimits


class EventView(Protocol):
    """The triggering event of the rule that placed the order."""

    @property
    def session(self) -> str: ...


class MarketView(Protocol):
    """The clock and sessions all symbols share."""

    @property
    def sod(self) -> int: ...  # seconds since 00:00 Asia/Seoul

    @property
    def session(self) -> str: ...

    @property
    def nxt_session(self) -> str: ...

    @property
    def account_loaded(self) -> bool: ...

    @property
    def event(self) -> EventView: ...


class SymbolView(Protocol):
    """One symbol's last trade, position and VI state; ``mark*`` are the risk book's own
    record of what it last marked (``RiskBook.track``), kept on the state."""

    symbol: str
    price: int
    pos_qty: int
    pos_avg: int
    vi_active: bool
    vi_kind: str
    limits: PriceLimits | None
    mark: int
    mark_qty: int
    mark_cost: int

    @property
    def market(self) -> MarketView: ...

    @property
    def ask(self) -> int: ...

    @property
    def bid(self) -> int: ...

    @property
    def base_price(self) -> int: ...

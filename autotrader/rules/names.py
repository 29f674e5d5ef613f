"""The vocabulary of conditions: every name a strategy may use, with its type and unit.

This table is the whole world a condition can see. The compiler maps each name to a
getter over engine state; anything not listed here does not exist for a strategy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NameInfo:
    kind: str  # "num" | "bool" | "str"
    doc: str
    unit: str = ""  # "%" ratio, "s" duration, "tod" time of day (seconds), "" plain


NAMES: dict[str, NameInfo] = {
    "price": NameInfo("num", "last trade price (KRW)"),
    "ask": NameInfo("num", "best ask (KRW)"),
    "bid": NameInfo("num", "best bid (KRW)"),
    "volume": NameInfo("num", "this trade's volume (shares)"),
    "buy_volume": NameInfo("num", "this trade's volume if buyer-initiated, else 0"),
    "sell_volume": NameInfo("num", "this trade's volume if seller-initiated, else 0"),
    "cum_volume": NameInfo("num", "today's cumulative volume"),
    "change_rate": NameInfo("num", "change vs the previous close", "%"),
    "open": NameInfo("num", "today's open"),
    "high": NameInfo("num", "today's high"),
    "low": NameInfo("num", "today's low"),
    "strength": NameInfo("num", "trade strength (체결강도, 100 = balanced)"),
    "position.qty": NameInfo("num", "shares held, from actual fills"),
    "position.avg_price": NameInfo("num", "average cost per share (KRW)"),
    "position.pnl": NameInfo("num", "unrealized P&L (KRW, before fees)"),
    "position.pnl_pct": NameInfo("num", "unrealized P&L vs average cost", "%"),
    "open_orders": NameInfo("num", "this symbol's working orders"),
    "vi.active": NameInfo("bool", "a VI auction is running for this symbol"),
    "time": NameInfo("num", "time of day, Asia/Seoul (compare with 09:30)", "tod"),
    "session": NameInfo("str", 'market session name (e.g. "open")'),
}

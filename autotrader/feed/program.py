"""Kiwoom ``0w`` (종목별프로그램매매, program trading by stock), read defensively.

Fields (the guide's ``0w`` table and example): 202 sell quantity, 204 sell amount, 206
buy quantity, 208 buy amount, 210 net buy quantity, 212 net buy amount, cumulative for
the day; 20 the time. Amounts are in millions of KRW: the guide's example has 8,043
shares bought for ``208`` = 483 at about 60,200 won. The decoder keeps the latest values
of a symbol (``SymbolState.program``) as decoded; these readers parse on demand, and a
missing or garbled field reads 0.
"""

from __future__ import annotations

from typing import Any

SELL_QTY, SELL_AMOUNT, BUY_QTY, BUY_AMOUNT = "202", "204", "206", "208"
NET_QTY, NET_AMOUNT = "210", "212"


def _signed(values: Any, fid: str) -> int:
    try:
        return int(values[fid])
    except (KeyError, ValueError, TypeError):
        return 0


def buy_qty(values: Any) -> int:
    return abs(_signed(values, BUY_QTY))


def sell_qty(values: Any) -> int:
    return abs(_signed(values, SELL_QTY))


def net_qty(values: Any) -> int:
    """Net program buying in shares (negative: net selling)."""
    return _signed(values, NET_QTY)


def buy_amount(values: Any) -> int:
    """Program buying, millions of KRW."""
    return abs(_signed(values, BUY_AMOUNT))


def sell_amount(values: Any) -> int:
    return abs(_signed(values, SELL_AMOUNT))


def net_amount(values: Any) -> int:
    """Net program buying, millions of KRW (negative: net selling)."""
    return _signed(values, NET_AMOUNT)

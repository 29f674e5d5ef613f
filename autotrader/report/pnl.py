"""Realized P&L from fills, by average cost, after commission and tax (integer KRW)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SymbolPnl:
    symbol: str
    qty: int = 0
    avg_price: int = 0
    bought: int = 0
    sold: int = 0
    gross: int = 0  # realized before fees
    commission: int = 0
    tax: int = 0

    @property
    def realized(self) -> int:
        return self.gross - self.commission - self.tax


@dataclass
class PnlSummary:
    symbols: dict[str, SymbolPnl] = field(default_factory=dict)

    @property
    def realized(self) -> int:
        return sum(s.realized for s in self.symbols.values())

    @property
    def commission(self) -> int:
        return sum(s.commission for s in self.symbols.values())

    @property
    def tax(self) -> int:
        return sum(s.tax for s in self.symbols.values())


def realized_pnl(fills: Iterable[dict[str, Any]]) -> PnlSummary:
    """Replay fills in time order; the same accounting as the engine's positions."""
    out = PnlSummary()
    for f in fills:
        s = out.symbols.setdefault(f["symbol"], SymbolPnl(f["symbol"]))
        qty, price = int(f["qty"]), int(f["price"])
        s.commission += int(f["commission"])
        s.tax += int(f["tax"])
        if f["side"] == "buy":
            total = s.avg_price * s.qty + price * qty
            s.qty += qty
            s.avg_price = total // s.qty if s.qty else 0
            s.bought += qty
        else:
            matched = min(qty, s.qty)
            s.gross += (price - s.avg_price) * matched
            s.qty -= matched
            s.sold += qty
            if s.qty == 0:
                s.avg_price = 0
    return out

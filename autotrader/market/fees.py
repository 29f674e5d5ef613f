"""Commission and sell-side tax in integer KRW, with rates in parts per million."""

from __future__ import annotations

from dataclasses import dataclass

from autotrader.market.gold import is_gold
from autotrader.model import Fill, Side


@dataclass(frozen=True, slots=True)
class Fees:
    """Kiwoom online commission ~0.015% a side; sell tax 0.20% from 2026 (configurable)."""

    commission_ppm: int = 150
    sell_tax_ppm: int = 2_000

    def commission(self, value: int) -> int:
        return value * self.commission_ppm // 1_000_000

    def sell_tax(self, value: int) -> int:
        return value * self.sell_tax_ppm // 1_000_000

    def fill(
        self,
        order_id: int,
        symbol: str,
        side: Side,
        qty: int,
        price: int,
        ts: float,
        broker_order_no: str = "",
    ) -> Fill:
        """A fill with its commission and (sells) tax: the one place a fill's fees are
        computed (paper fills, Kiwoom's fills, fills found by restart recovery). A sale of
        KRX gold pays no securities transaction tax (docs/gold-spot.md)."""
        value = qty * price
        tax = self.sell_tax(value) if side is Side.SELL and not is_gold(symbol) else 0
        return Fill(
            order_id, symbol, side, qty, price, self.commission(value), tax, ts, broker_order_no
        )

"""Commission and sell-side tax in integer KRW, with rates in parts per million."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fees:
    """Kiwoom online commission ~0.015% a side; sell tax 0.20% from 2026 (configurable)."""

    commission_ppm: int = 150
    sell_tax_ppm: int = 2_000

    def commission(self, value: int) -> int:
        return value * self.commission_ppm // 1_000_000

    def sell_tax(self, value: int) -> int:
        return value * self.sell_tax_ppm // 1_000_000

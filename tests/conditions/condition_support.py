"""Condition-search helpers: a fake Kiwoom with saved conditions, ticks with a day's change."""

from __future__ import annotations

from typing import Any

SURGE = ("4", "surge", "change_rate > 3")  # the fake's saved condition: up more than 3 %
BASES = {"005930": 60_000, "000660": 200_000, "035720": 40_000, "035420": 200_000}
NAMES = {"035720": "카카오", "035420": "NAVER"}


def fake_options(*conditions: tuple[str, str, str], **more: Any) -> dict[str, Any]:
    return {"conditions": conditions or (SURGE,), "base_prices": BASES, "names": NAMES} | more


def day_tick(item: str, rate: float, *, hms: str = "100000", buyer: bool = True) -> dict[str, Any]:
    """A ``0B`` frame at ``rate`` percent from the base price, on the tick grid."""
    base = BASES[item]
    step = 50 if base < 50_000 else 100
    price = round(base * (1 + rate / 100) / step) * step
    change = price - base
    values = {
        "20": hms,
        "10": f"{'+' if change >= 0 else '-'}{price}",
        "11": f"{change:+d}",
        "12": f"{change / base * 100:+.2f}",
        "27": f"+{price}",
        "28": f"+{price - step}",
        "15": "+1" if buyer else "-1",
        "13": "1000",
    }
    return {
        "trnm": "REAL",
        "data": [{"type": "0B", "name": "주식체결", "item": item, "values": values}],
    }


UNIVERSE = "universe: {condition: surge, max_symbols: 5}\n"

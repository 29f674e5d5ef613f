"""KRX gold spot market facts (금현물): the two products, tick, limits, hours, unit.

Sources (see docs/gold-spot.md): the Kiwoom guide names the products and the order types;
the tick, the daily limit, the hours and the quantity unit are the KRX gold market's
published rules, which the Kiwoom documents do not state.
"""

from __future__ import annotations

GOLD_PRODUCTS = {
    "M04020000": "금 99.99_1kg",  # priced per gram, traded in grams
    "M04020100": "미니금 99.99_100g",  # priced per gram, traded in grams
}
GOLD_TICK = 10  # KRW per gram, at every price
GOLD_LIMIT_PCT = 10  # daily limit: base price +-10%
GOLD_QTY_UNIT = 1  # grams per order unit
GOLD_OPEN, GOLD_CLOSE = 9 * 3600, 15 * 3600 + 30 * 60  # 09:00-15:30 continuous trading
GOLD_ORDER_TYPES = {"00": "보통", "10": "보통(IOC)", "20": "보통(FOK)"}


def is_gold(symbol: str) -> bool:
    return symbol in GOLD_PRODUCTS


def gold_on_grid(price: int) -> bool:
    return price > 0 and price % GOLD_TICK == 0


def gold_limits(base: int) -> tuple[int, int]:
    """(lower, upper): base +-10%, each rounded toward the base onto the 10-won grid."""
    upper = base * (100 + GOLD_LIMIT_PCT) // 100
    lower = -(-base * (100 - GOLD_LIMIT_PCT) // 100)
    return -(-lower // GOLD_TICK) * GOLD_TICK, upper // GOLD_TICK * GOLD_TICK

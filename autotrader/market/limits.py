"""How large a KRX number can plausibly be: the one place that says so.

Strategy files (``rules/bounds.py``) and wire decoders (``broker/kiwoom/fields.py``,
``feed/validate.py``) refuse numbers beyond these, so a garbled or hostile value is an
error where it enters, never an overflow deep inside a rule, the risk guard or SQLite.
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1  # SQLite's INTEGER; Python ints beyond it cannot be journaled
MAX_PRICE = 100_000_000  # KRW a share: ~20x the highest price ever quoted on KRX
MAX_QTY = 100_000_000  # shares in one order, fill, trade or position
MAX_VOLUME = 100_000_000_000  # shares traded in a day, one symbol
MAX_MONEY = 10_000_000_000_000  # KRW: 10 trillion, above any account, far below int64
PRICE_BAND = 0.30  # a day's prices stay within +-30% of the base price


def band_for(price: int) -> tuple[int, int]:
    """Every price that can share a day with ``price``: the base lies in
    [price / 1.3, price / 0.7], so the day's prices lie in [0.7/1.3, 1.3/0.7] x price."""
    return price * 7 // 13, -(-price * 13 // 7)


def within_band(price: int, base: int) -> bool:
    """Whether ``price`` is inside base +-30% (the limits' tick rounding only narrows it)."""
    return base * 7 <= price * 10 <= base * 13

"""Kiwoom ``0B`` field numbers, and defensive parsers for reading them lazily.

A tick's values dict is kept as decoded; fields other than the price and time are
parsed only when something reads them (a condition, the paper broker, the risk guard),
which keeps the per-tick cost close to the decode alone. A missing, empty or garbled
field reads as 0 rather than raising: bad feed data must never stop a run.
"""

from __future__ import annotations

from typing import Any

TIME = "20"  # HHMMSS
PRICE = "10"  # last price, signed vs previous close
CHANGE = "11"  # signed change against the base (previous close) price
RATE = "12"  # change rate, percent
ASK = "27"
BID = "28"
VOLUME = "15"  # + buyer-initiated, - seller-initiated
CUM_VOLUME = "13"
OPEN = "16"
HIGH = "17"
LOW = "18"
STRENGTH = "228"


def price(values: Any, fid: str) -> int:
    """An unsigned price (Kiwoom prefixes a direction sign), or 0."""
    try:
        return abs(int(values[fid]))
    except (KeyError, ValueError, TypeError):
        return 0


def signed(values: Any, fid: str) -> int:
    try:
        return int(values[fid])
    except (KeyError, ValueError, TypeError):
        return 0


def number(values: Any, fid: str) -> float:
    try:
        return float(values[fid])
    except (KeyError, ValueError, TypeError):
        return 0.0

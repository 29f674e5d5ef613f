"""Kiwoom ``0B`` field numbers: the fields of a trade tick the engine reads.

A tick's fields are kept as text (``feed/fastline.py`` ``Tick``); fields other than the
price and time are parsed only when something reads them (a condition, the paper
broker, the risk guard), which keeps the per-tick cost close to the decode alone.
"""

from __future__ import annotations

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

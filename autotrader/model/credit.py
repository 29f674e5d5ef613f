"""The broker's word on a credit loan for one stock, as every stage reads it.

Kiwoom answers ``kt20017`` in words (``"< A급 신용융자 가능 >"``); ``broker/kiwoom/credit.py``
turns that into this value, the live runner hands it to the risk book, and the risk check
``risk/credit.py`` compares. Nothing here knows a Kiwoom field name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CreditAnswer:
    """Whether a credit loan (신용융자) is available for ``symbol`` on ``day``."""

    symbol: str
    eligible: bool
    detail: str  # the broker's own words, kept for the journal
    day: str  # YYYYMMDD, Korea date the answer was given on: it holds for that day only

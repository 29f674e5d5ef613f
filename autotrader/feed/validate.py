"""Check a ``0B`` tick's fields once, at decoding, before any rule can read them.

Rules read tick fields lazily (``compile/conditions.py`` renders ``ask`` as a read of
field 27), so a garbled value would otherwise surface in the middle of an evaluation,
after earlier rules already ran on the tick, or be misread: ``int()`` accepts ``"١٢"``
(Arabic-Indic digits), ``" 12 "`` and ``"1_2"``, and reads 400 digits happily. Instead
the decoder checks, per tick, the price, the time and exactly the fields the plan reads
(``checks_for``), and skips the whole tick, counted with its reason, when one is absent,
not ASCII digits with an optional sign, or out of range. Prices must also stay inside
the day's band (``PriceBand``): +-30% of the base price, which a tick's field 11 (change
against the previous close) gives; without it, the band that any price of the same day
must lie in, from the first price seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autotrader.feed import fields
from autotrader.market.limits import MAX_PRICE, MAX_QTY, MAX_VOLUME, band_for, within_band

_INT = re.compile(r"[+-]?[0-9]{1,15}", re.ASCII).fullmatch
_DECIMAL = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,6})?", re.ASCII).fullmatch
_HMS = re.compile(r"(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]", re.ASCII).fullmatch

Check = Callable[[str], bool]  # the raw string is usable


def _int_within(most: int) -> Check:
    def check(raw: str) -> bool:
        return _INT(raw) is not None and abs(int(raw)) <= most

    return check


def _decimal_within(most: float) -> Check:
    def check(raw: str) -> bool:
        return _DECIMAL(raw) is not None and abs(float(raw)) <= most

    return check


PRICE = _int_within(MAX_PRICE)
_CHECKS: dict[str, Check] = {
    fields.ASK: PRICE,
    fields.BID: PRICE,
    fields.OPEN: PRICE,
    fields.HIGH: PRICE,
    fields.LOW: PRICE,
    fields.VOLUME: _int_within(MAX_QTY),
    fields.CUM_VOLUME: _int_within(MAX_VOLUME),
    fields.RATE: _decimal_within(31.0),  # percent: the +-30% limit, rounded
    fields.STRENGTH: _decimal_within(100_000.0),
}
_PRICES = frozenset({fields.ASK, fields.BID, fields.OPEN, fields.HIGH, fields.LOW})

# The 0B fields behind each vocabulary name (compile/conditions.py FRAGMENTS reads them).
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "ask": (fields.ASK,),
    "bid": (fields.BID,),
    "spread": (fields.ASK, fields.BID),
    "volume": (fields.VOLUME,),
    "buy_volume": (fields.VOLUME,),
    "sell_volume": (fields.VOLUME,),
    "side": (fields.VOLUME,),
    "cum_volume": (fields.CUM_VOLUME,),
    "change_rate": (fields.RATE,),
    "open": (fields.OPEN,),
    "high": (fields.HIGH,),
    "low": (fields.LOW,),
    "pct_from_open": (fields.OPEN,),
    "strength": (fields.STRENGTH,),
}
ALL_NAMES = frozenset(NAME_FIELDS)


def checks_for(names: Iterable[str]) -> tuple[tuple[str, Check], ...]:
    """(field, check) for every 0B field that the vocabulary ``names`` read, in field order."""
    fids = sorted({fid for name in names for fid in NAME_FIELDS.get(name, ())}, key=int)
    return tuple((fid, _CHECKS[fid]) for fid in fids)


def tick_problem(
    values: Mapping[str, Any], checks: tuple[tuple[str, Check], ...], band: tuple[int, int]
) -> str:
    """Why a tick cannot be used ('' when it can): the first field absent or garbled."""
    for fid, check in checks:
        raw = values.get(fid)
        if raw is None or raw == "":
            return f"field {fid} absent"
        if type(raw) is not str or not check(raw):
            return f"field {fid} garbled"
        if fid in _PRICES:
            price = abs(int(raw))
            if price and not band[0] <= price <= band[1]:
                return f"field {fid} outside the day's price band"
    return ""


def valid_hms(raw: Any) -> bool:
    return type(raw) is str and _HMS(raw) is not None


class PriceBand:
    """The day's +-30% band per symbol, fixed by its first usable tick."""

    def __init__(self) -> None:
        self.bands: dict[str, tuple[int, int]] = {}

    def first(self, item: str, price: int, values: Mapping[str, Any]) -> tuple[int, int] | None:
        """Fix ``item``'s band from this tick; None when the tick contradicts itself."""
        change = values.get("11")
        if type(change) is str and _INT(change):
            base = price - int(change)
            if base <= 0 or not within_band(price, base):
                return None
            band = (-(-base * 7 // 10), base * 13 // 10)
        else:
            band = band_for(price)
        self.bands[item] = band
        return band


def price_ok(raw: Any) -> bool:
    """The last price (field 10): ASCII digits, an optional sign, 1..MAX_PRICE."""
    return type(raw) is str and _INT(raw) is not None and 0 < abs(int(raw)) <= MAX_PRICE

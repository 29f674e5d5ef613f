"""Defensive readers for Kiwoom's string fields: zero-padded, signed, sometimes empty.

Every number Kiwoom sends is a string (``"000000017598258"``, ``"-00000000196888"``,
``"+60700"``, ``""``); realtime prices carry a direction sign that is not arithmetic.
These readers never raise. A number is ASCII digits (``str.isdigit`` also accepts ``²``
and ``٣``, which ``int()`` then refuses or reads as another digit), an optional sign,
optional thousands commas and decimals, at most ``MAX_DIGITS`` digits: anything else is
``GARBLED``; an empty or missing value is ``ABSENT``. ``read_int`` and friends return
the marker, so a caller can never take an absent field for 0; ``parse_int`` folds both
markers into ``None`` for the REST rows that only ask "usable or not".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

from autotrader.market.gold import is_gold
from autotrader.market.limits import INT64_MAX, MAX_PRICE, MAX_QTY

_SUFFIXES = ("_NX", "_AL")
MAX_DIGITS = 24  # zero padding included; the value itself must also fit int64
_NUMBER = re.compile(r"([+-]?)([0-9][0-9,]*)(?:\.([0-9]*))?", re.ASCII)


class Unreadable(enum.Enum):
    """Why a field has no value: not sent (or empty), or sent but not a number."""

    ABSENT = "absent"
    GARBLED = "garbled"


ABSENT = Unreadable.ABSENT
GARBLED = Unreadable.GARBLED


def read_int(value: object, low: int = -INT64_MAX, high: int = INT64_MAX) -> int | Unreadable:
    """``"-0001,234"`` -> -1234; ``"12.00"`` -> 12; ``""``/None -> ABSENT; junk, or a
    number outside [low, high] -> GARBLED."""
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return GARBLED
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return GARBLED
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return ABSENT
        m = _NUMBER.fullmatch(text) if len(text) <= MAX_DIGITS + 8 else None
        if m is None:
            return GARBLED
        digits = m.group(2).replace(",", "")
        if len(digits) > MAX_DIGITS:
            return GARBLED
        number = -int(digits) if m.group(1) == "-" else int(digits)
    else:
        return GARBLED
    return number if low <= number <= high else GARBLED


def read_price(value: object) -> int | Unreadable:
    """A price with its direction sign dropped (``"-60100"`` -> 60100), at most MAX_PRICE."""
    number = read_int(value, -MAX_PRICE, MAX_PRICE)
    return abs(number) if isinstance(number, int) else number


def read_qty(value: object) -> int | Unreadable:
    """A share count (signed where Kiwoom signs it), at most MAX_QTY either way."""
    return read_int(value, -MAX_QTY, MAX_QTY)


def parse_int(value: object) -> int | None:
    """``read_int`` with both markers as None: absent or unreadable."""
    number = read_int(value)
    return number if isinstance(number, int) else None


def int_or(value: object, default: int = 0) -> int:
    parsed = parse_int(value)
    return default if parsed is None else parsed


def price(value: object, default: int = 0) -> int:
    """A price with its direction sign dropped (``"-60100"`` -> 60100)."""
    return abs(int_or(value, default))


def parse_float(value: object) -> float | None:
    """A finite float from a number or an ASCII decimal string, else None."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str) and len(value) <= 64 and _NUMBER.fullmatch(value.strip()):
            number = float(value.strip().replace(",", ""))
        else:
            return None
    except OverflowError:  # an int beyond float's range
        return None
    return number if number - number == 0 else None  # nan and inf fail this


def text(value: object, limit: int = 200) -> str:
    """A string field, stripped and cut at ``limit`` characters; '' when not a string."""
    return value[: limit * 2].strip()[:limit] if isinstance(value, str) else ""


def symbol(value: object) -> str:
    """``"A005930"``, ``"005930_NX"`` -> ``"005930"``; a KRX gold product's code as it
    is (``"M04020000"``); empty when absent or not a code."""
    code = text(value, 16)
    if is_gold(code):
        return code
    for suffix in _SUFFIXES:
        if code.endswith(suffix):
            code = code[: -len(suffix)]
    if len(code) == 7 and code[0] in "AJQ":
        code = code[1:]
    return code if len(code) == 6 and code.isascii() and code.isalnum() else ""


def hhmmss(value: object) -> str:
    """The six digits of a ``HHMMSS`` or ``HH:MM:SS`` time, or '' when unreadable."""
    digits = "".join(ch for ch in text(value)[:12] if "0" <= ch <= "9")
    if len(digits) < 6:
        return ""
    digits = digits[:6]
    h, m, s = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return digits if h < 24 and m < 60 and s < 60 else ""


def seconds_of_day(hms: str) -> int | None:
    if len(hms) != 6 or not (hms.isascii() and hms.isdigit()):
        return None
    return int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:])


def rows(page: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The objects of the list ``page[key]`` (an answer's table); anything else is no row."""
    items = page.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

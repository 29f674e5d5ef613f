"""Defensive readers for Kiwoom's string fields: zero-padded, signed, sometimes empty.

Every number Kiwoom sends is a string (``"000000017598258"``, ``"-00000000196888"``,
``"+60700"``, ``""``); realtime prices carry a direction sign that is not arithmetic.
These helpers never raise: an unreadable value becomes ``None`` (or the default) and
the caller decides whether the record is still usable.
"""

from __future__ import annotations

_SUFFIXES = ("_NX", "_AL")


def parse_int(value: object) -> int | None:
    """``"-0001,234"`` -> -1234; ``"12.00"`` -> 12; empty or junk -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(",", "")
    if not text:
        return None
    sign = -1 if text[0] == "-" else 1
    text = text.lstrip("+-")
    whole, _, frac = text.partition(".")
    if not whole:
        whole = "0"
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    return sign * int(whole)


def int_or(value: object, default: int = 0) -> int:
    parsed = parse_int(value)
    return default if parsed is None else parsed


def price(value: object, default: int = 0) -> int:
    """A price with its direction sign dropped (``"-60100"`` -> 60100)."""
    return abs(int_or(value, default))


def parse_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        return float(value.strip().replace(",", ""))
    except ValueError:
        return None


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def symbol(value: object) -> str:
    """``"A005930"``, ``"005930_NX"`` -> ``"005930"``; empty when absent."""
    code = text(value)
    for suffix in _SUFFIXES:
        if code.endswith(suffix):
            code = code[: -len(suffix)]
    if len(code) == 7 and code[0] in "AJQ" and code[1:].isalnum():
        code = code[1:]
    return code


def hhmmss(value: object) -> str:
    """The six digits of a ``HHMMSS`` or ``HH:MM:SS`` time, or '' when unreadable."""
    digits = "".join(ch for ch in text(value) if ch.isdigit())
    if len(digits) < 6:
        return ""
    digits = digits[:6]
    h, m, s = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    return digits if h < 24 and m < 60 and s < 60 else ""


def seconds_of_day(hms: str) -> int | None:
    if len(hms) != 6 or not hms.isdigit():
        return None
    return int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:])

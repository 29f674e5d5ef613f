"""Kiwoom field readers at their edges (written against mutmut's survivors): bounds are
inclusive, lengths are exact, times validate every part."""

from __future__ import annotations

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.fields import ABSENT, GARBLED, MAX_DIGITS
from autotrader.market.limits import MAX_PRICE, MAX_QTY


def test_read_int_bounds_are_inclusive_and_lengths_exact() -> None:
    """low and high themselves read; 24 digits read, 25 do not; 32 characters read, 33 not."""
    assert fields.read_int("5", low=5, high=5) == 5
    assert fields.read_int("4", low=5) is GARBLED and fields.read_int("6", high=5) is GARBLED
    assert fields.read_price(str(MAX_PRICE)) == MAX_PRICE
    assert fields.read_price(f"-{MAX_PRICE}") == MAX_PRICE
    assert fields.read_qty(f"-{MAX_QTY}") == -MAX_QTY
    assert fields.read_int("0" * (MAX_DIGITS - 2) + "12") == 12
    assert fields.read_int("0" * (MAX_DIGITS - 1) + "12") is GARBLED
    thirty_two = "000,000,000,000,000,000,001.0000"
    assert len(thirty_two) == MAX_DIGITS + 8 and fields.read_int(thirty_two) == 1
    assert fields.read_int(thirty_two + "0") is GARBLED
    assert fields.read_int(float("-inf")) is GARBLED and fields.read_int(2.9) == 2
    assert fields.read_int(None) is ABSENT


def test_old_style_helpers_keep_their_defaults() -> None:
    """price() and int_or() fall back to the caller's default, never silently to 0."""
    assert fields.price("-60100") == 60100 and fields.price("", 7) == 7
    assert fields.int_or("x", 3) == 3 and fields.int_or("12") == 12


def test_parse_float_reads_only_finite_ascii_decimals() -> None:
    """Numbers and ASCII decimals up to 64 characters; bools, nan, inf and huge ints: None."""
    assert fields.parse_float(1.5) == 1.5 and fields.parse_float(3) == 3.0
    assert fields.parse_float(" -1,234.5 ") == -1234.5
    assert fields.parse_float(True) is None and fields.parse_float("nan") is None
    assert fields.parse_float(float("inf")) is None and fields.parse_float(10**400) is None
    assert fields.parse_float(float("nan")) is None
    assert fields.parse_float("1" * 64) == float("1" * 64)
    assert fields.parse_float("1" * 65) is None
    assert fields.parse_float(2.0) == 2.0 and fields.parse_float(0.0) == 0.0


def test_hhmmss_validates_each_part() -> None:
    """Hours below 24, minutes and seconds below 60; separators allowed; 12 characters read."""
    assert fields.hhmmss("094022") == "094022" and fields.hhmmss("09:40:22") == "094022"
    assert fields.hhmmss("235959") == "235959"
    for bad in ("240000", "096000", "095960", "09402", "", None):
        assert fields.hhmmss(bad) == ""
    assert fields.hhmmss("0940221") == "094022"
    assert fields.hhmmss("aaaaaa094022") == "094022"
    assert fields.hhmmss("aaaaaaa094022") == ""  # the 13th character is not read
    assert fields.hhmmss("091522") == "091522" and fields.hhmmss("097022") == ""


def test_seconds_of_day_reads_six_ascii_digits() -> None:
    """'094022' is 34,822 s; anything else is None."""
    assert fields.seconds_of_day("094022") == 9 * 3600 + 40 * 60 + 22
    assert fields.seconds_of_day("235959") == 86_399
    for bad in ("09402", "0940222", "09402x", "٠٩٤٠٢٢"):
        assert fields.seconds_of_day(bad) is None


def test_symbol_and_text_shapes() -> None:
    """Prefixes A/J/Q and suffixes _NX/_AL drop; anything else that is not 6 characters: ''."""
    assert fields.symbol("A005930") == fields.symbol("J005930") == fields.symbol("Q005930")
    assert fields.symbol("005930_NX") == fields.symbol("005930_AL") == "005930"
    assert fields.symbol("X005930") == "" and fields.symbol("05930") == ""
    assert fields.symbol(5930) == ""
    assert fields.text("  abc  ") == "abc" and fields.text(3) == ""
    assert fields.text("x" * 500) == "x" * 200
    assert fields.text(" " * 400 + "x") == ""  # only twice the limit is looked at
    assert fields.text(" " * 399 + "x") == "x"

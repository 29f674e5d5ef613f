"""Garbled Kiwoom fields: every reader returns a value or ABSENT/GARBLED, never raises;
a ``00``/``04`` entry with a garbled or missing required field is skipped, counted and
told to the listener with its type, field and an excerpt; the realtime client goes on."""

from __future__ import annotations

import pytest

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.fields import ABSENT, GARBLED
from autotrader.broker.kiwoom.parse import ParseStats, parse_balance_update, parse_execution
from autotrader.broker.kiwoom.realtime import RealtimeClient
from autotrader.model import BalanceUpdate, Execution
from tests.broker.kiwoom.test_kiwoom_parse import ACCEPTED, BALANCE, NOW

FILLED = {**ACCEPTED, "913": "체결", "910": "60700", "911": "1", "902": "0", "914": "60700",
          "915": "1"}  # fmt: skip
HUGE = "9" * 400


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000000017598258", 17598258),
        ("-00000000196888", -196888),
        ("+60700", 60700),
        ("-0001,234", -1234),
        ("12.00", 12),
        ("", ABSENT),
        ("   ", ABSENT),
        (None, ABSENT),
        ("²", GARBLED),  # str.isdigit() says yes, int() says no
        ("1²", GARBLED),
        ("١٢٣", GARBLED),  # Arabic-Indic digits: int() reads them as 123
        ("１２", GARBLED),  # fullwidth digits
        ("1_000", GARBLED),  # int() accepts the underscore
        (HUGE, GARBLED),
        ("+", GARBLED),
        ("1e5", GARBLED),
        ("nan", GARBLED),
        (float("nan"), GARBLED),
        (float("inf"), GARBLED),
        (True, GARBLED),
        ([1], GARBLED),
        (2**70, GARBLED),  # outside int64
    ],
)
def test_read_int_returns_a_value_or_a_typed_marker(raw: object, expected: object) -> None:
    """ASCII digits with a sign and commas read; absent and garbled are told apart."""
    assert fields.read_int(raw) == expected


def test_prices_and_quantities_have_krx_plausible_ranges() -> None:
    """A price over 100M KRW or a quantity over 100M shares is garbled, not a number."""
    assert fields.read_price("-60100") == 60100
    assert fields.read_price("100000001") is GARBLED
    assert fields.read_qty("100000001") is GARBLED
    assert fields.parse_int("²") is None and fields.parse_float("1e999") is None
    assert fields.hhmmss("09²022") == "" and fields.hhmmss("０９４０２２") == ""
    assert fields.symbol("A005930") == "005930" and fields.symbol("\x1b[2J00") == ""


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("900", "²", "00: field 900 garbled"),
        ("900", HUGE, "00: field 900 garbled"),
        ("900", "", "00: field 900 absent"),
        ("915", "١", "00: field 915 garbled"),
        ("914", HUGE, "00: field 914 garbled"),
        ("902", "", "00: field 902 absent"),  # a fill's remainder is required
        ("902", "x", "00: field 902 garbled"),
        ("938", "²", "00: field 938 garbled"),
        ("908", "²²²²²²", "00: field 908 garbled"),
    ],
)
def test_garbled_or_missing_fill_field_skips_the_entry_with_its_field(
    field: str, value: str, reason: str
) -> None:
    """The entry is None, counted under a reason naming type and field, with an excerpt."""
    stats = ParseStats()
    heard: list[tuple[str, str]] = []
    stats.listener = lambda why, excerpt: heard.append((why, excerpt))
    assert parse_execution({**FILLED, field: value}, NOW, stats) is None
    assert stats.skipped[reason] == 1
    assert heard and heard[0][0] == reason and "9203" in heard[0][1]
    assert len(heard[0][1]) <= 120


def test_an_absent_field_is_never_read_as_zero() -> None:
    """An acceptance without 902 keeps its whole quantity working; without 900 it is skipped."""
    accepted = parse_execution({k: v for k, v in ACCEPTED.items() if k != "902"}, NOW)
    assert isinstance(accepted, Execution) and accepted.remaining_qty == accepted.order_qty == 1
    assert parse_execution({k: v for k, v in ACCEPTED.items() if k != "900"}, NOW) is None
    assert parse_balance_update({k: v for k, v in BALANCE.items() if k != "930"}, NOW) is None
    whole = parse_balance_update({k: v for k, v in BALANCE.items() if k != "933"}, NOW)
    assert isinstance(whole, BalanceUpdate) and whole.sellable_qty == whole.qty == 102


def test_garbled_balance_is_skipped_with_its_field() -> None:
    """A 04 whose holding is '²' is skipped as '04: field 930 garbled'."""
    stats = ParseStats()
    assert parse_balance_update({**BALANCE, "930": "²"}, NOW, stats) is None
    assert stats.skipped["04: field 930 garbled"] == 1


class _NoTokens:
    async def token(self) -> str:
        return "t"

    def invalidate(self, token: str | None = None) -> None:
        return None


def test_realtime_client_skips_garbled_00_and_keeps_routing() -> None:
    """One garbled 00 among good ones: the good ones arrive, nothing raises, one skip."""
    got: list[Execution] = []
    client = RealtimeClient(
        "ws://127.0.0.1:9",
        _NoTokens(),
        on_execution=got.append,
        on_balance=lambda b: None,
        on_market=lambda f: None,
        clock=lambda: NOW,
    )
    frame = {"trnm": "REAL", "data": [
        {"type": "00", "item": "", "values": {**FILLED, "911": HUGE, "915": "²"}},
        {"type": "00", "item": "", "values": FILLED},
        {"type": "04", "item": "", "values": {**BALANCE, "931": "١"}},
    ]}  # fmt: skip
    client._route(frame)
    assert len(got) == 1 and got[0].fill_qty == 1
    assert client.stats.total == 2

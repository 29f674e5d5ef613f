"""Every way a live frame or entry is refused has its own reason, naming the type and the
field; absent optional fields take their stated meaning (written against mutmut's
survivors in parse.py)."""

from __future__ import annotations

import pytest

from autotrader.broker.kiwoom.parse import (
    EXCERPT_CHARS,
    ParseStats,
    decode_frame,
    parse_balance_update,
    parse_execution,
    real_entries,
)
from autotrader.model import Execution, Side
from tests.broker.kiwoom.test_kiwoom_garbled import FILLED
from tests.broker.kiwoom.test_kiwoom_parse import ACCEPTED, BALANCE, NOW


def reasons(stats: ParseStats) -> list[str]:
    return list(stats.skipped)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "frame: not JSON"),
        (b"[1, 2]", "frame: not an object"),
        (b'{"trnm": 5}', "frame: no trnm"),
        (b'{"x": 1}', "frame: no trnm"),
    ],
)
def test_decode_frame_names_why(raw: bytes, reason: str) -> None:
    """Each refusal is counted under its own reason, with the raw text as excerpt."""
    stats = ParseStats()
    assert decode_frame(raw, stats) is None
    assert reasons(stats) == [reason]
    assert stats.recent[0] == (reason, repr(raw)[:EXCERPT_CHARS])


def test_decode_frame_keeps_a_good_frame() -> None:
    """A frame with a string trnm comes back as it was, nothing counted."""
    stats = ParseStats()
    assert decode_frame(b'{"trnm": "PING"}', stats) == {"trnm": "PING"}
    assert stats.total == 0


def test_real_entries_names_why() -> None:
    """A data that is not a list, and entries without a type or values, are counted."""
    stats = ParseStats()
    assert real_entries({"data": "x"}, stats) == []
    good = {"type": "0B", "values": {}}
    bad = [{"type": 1, "values": {}}, {"type": "0B", "values": []}, "entry"]
    assert real_entries({"data": [good, *bad]}, stats) == [good]
    assert stats.skipped == {"REAL: data is not a list": 1, "REAL: malformed entry": 3}
    assert stats.recent[-1] == ("REAL: malformed entry", "entry")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({**FILLED, "9203": ""}, "00: no order number or code"),
        ({**FILLED, "9001": "\x1b[2J"}, "00: no order number or code"),
        ({**FILLED, "913": "??"}, "00: unknown status"),
        ({**FILLED, "900": "-1"}, "00: field 900 garbled"),
        ({**FILLED, "901": "x"}, "00: field 901 garbled"),
        ({**FILLED, "915": "", "911": "x"}, "00: field 911 garbled"),
        ({**FILLED, "914": "", "910": "x"}, "00: field 910 garbled"),
        ({**FILLED, "914": "", "910": ""}, "00: fill without quantity or price"),
        ({**FILLED, "915": "-3", "911": ""}, "00: fill without quantity or price"),
        ({**FILLED, "939": "x"}, "00: field 939 garbled"),
    ],
)
def test_execution_refusals_name_type_and_field(values: dict[str, str], reason: str) -> None:
    """Each unusable 00 is counted under a reason that names the field at fault."""
    stats = ParseStats()
    assert parse_execution(values, NOW, stats) is None
    assert reasons(stats) == [reason]


def test_execution_reads_every_field_it_keeps() -> None:
    """Prices, quantities, fees and the original number come from their own fields."""
    values = {**FILLED, "901": "60100", "904": "0000017", "938": "15", "939": "120",
              "915": "", "911": "4", "914": "", "910": "-60200", "902": "6"}  # fmt: skip
    e = parse_execution(values, NOW)
    assert isinstance(e, Execution)
    assert (e.order_price, e.fill_qty, e.fill_price, e.remaining_qty) == (60100, 4, 60200, 6)
    assert (e.original_order_no, e.commission, e.tax, e.side) == ("0000017", 15, 120, Side.BUY)


def test_absent_optional_fields_take_their_stated_meaning() -> None:
    """901 absent: a market order (0); 938/939 absent: 0; 904 all zeros: no original."""
    values = {k: v for k, v in FILLED.items() if k not in ("901", "938", "939")}
    e = parse_execution({**values, "904": "0000000"}, NOW)
    assert isinstance(e, Execution)
    assert (e.order_price, e.commission, e.tax, e.original_order_no) == (0, 0, 0, "")
    cancelled = {**ACCEPTED, "913": "확인", "905": "매수취소"}
    del cancelled["902"]
    c = parse_execution(cancelled, NOW)
    assert isinstance(c, Execution) and c.status == "cancelled" and c.remaining_qty == 0


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({**BALANCE, "9001": ""}, "04: no code"),
        ({**BALANCE, "930": "-1"}, "04: field 930 garbled"),
        ({**BALANCE, "931": "x"}, "04: field 931 garbled"),
        ({**BALANCE, "933": "²"}, "04: field 933 garbled"),
    ],
)
def test_balance_refusals_name_the_field(values: dict[str, str], reason: str) -> None:
    """Each unusable 04 is counted under its field."""
    stats = ParseStats()
    assert parse_balance_update(values, NOW, stats) is None
    assert reasons(stats) == [reason]


def test_balance_reads_its_fields_and_defaults() -> None:
    """931 absent is 0, 933 absent is the whole holding."""
    b = parse_balance_update({"9001": "A005930", "930": "7"}, NOW)
    assert b is not None and (b.symbol, b.qty, b.avg_price, b.sellable_qty) == ("005930", 7, 0, 7)


def test_stats_keep_a_bounded_escaped_excerpt_and_survive_a_bad_listener() -> None:
    """The last 20 skips are kept, excerpts are escaped and cut; a listener that raises
    does not stop the count."""
    stats = ParseStats()

    def broken(reason: str, excerpt: str) -> None:
        raise RuntimeError("listener bug")

    stats.listener = broken
    for i in range(25):
        stats.skip(f"r{i}", "\x1b" + "x" * 500)
    stats.skip("no excerpt")
    assert stats.total == 26 and len(stats.recent) == 20
    reason, excerpt = stats.recent[-2]
    assert reason == "r24" and excerpt.startswith("\\x1b") and len(excerpt) == EXCERPT_CHARS
    assert stats.recent[-1] == ("no excerpt", "")


@pytest.mark.parametrize(
    ("code", "kind", "side"),
    [
        ("1", "+매수", Side.SELL),  # 907 wins over the text
        ("2", "-매도", Side.BUY),
        ("", "-매도정정", Side.SELL),
        ("", "매수취소", Side.BUY),
        ("", "", None),
    ],
)
def test_side_from_907_then_from_the_905_text(code: str, kind: str, side: Side | None) -> None:
    """907 (1 sell, 2 buy) decides; without it, the order kind's text does."""
    e = parse_execution({**ACCEPTED, "907": code, "905": kind}, NOW)
    assert isinstance(e, Execution) and e.side is side


def test_zero_and_edge_values_are_values() -> None:
    """A 0 order quantity, a 0 holding and a 1 KRW fill are real values; a non-fill event
    carries no fill; quantities and fees beyond their ranges are garbled."""
    zero = parse_execution({**ACCEPTED, "900": "0"}, NOW)
    assert isinstance(zero, Execution) and zero.order_qty == 0
    accepted = parse_execution({**ACCEPTED, "911": "5", "910": "60000"}, NOW)
    assert isinstance(accepted, Execution) and (accepted.fill_qty, accepted.fill_price) == (0, 0)
    cheap = parse_execution({**FILLED, "914": "1", "901": "1"}, NOW)
    assert isinstance(cheap, Execution) and cheap.fill_price == 1
    assert parse_execution({**FILLED, "900": "100000001"}, NOW) is None
    assert parse_execution({**FILLED, "938": "10000000000001"}, NOW) is None
    sold_out = parse_balance_update({**BALANCE, "930": "0", "933": "0"}, NOW)
    assert sold_out is not None and (sold_out.qty, sold_out.sellable_qty) == (0, 0)
    assert parse_balance_update({**BALANCE, "930": "100000001"}, NOW) is None
    assert parse_balance_update({**BALANCE, "933": "100000001"}, NOW) is None
    stats = ParseStats()
    parse_balance_update({**BALANCE, "930": "x"}, NOW, stats)
    assert "930" in stats.recent[0][1]  # the excerpt is the entry


def test_fill_without_any_quantity_field_is_refused() -> None:
    """No 915 and no 911 on a fill: refused, never a fill of some default size; a tax
    beyond the money range is garbled."""
    values = {k: v for k, v in FILLED.items() if k not in ("915", "911")}
    stats = ParseStats()
    assert parse_execution(values, NOW, stats) is None
    assert reasons(stats) == ["00: fill without quantity or price"]
    assert parse_execution({**FILLED, "939": "10000000000001"}, NOW) is None

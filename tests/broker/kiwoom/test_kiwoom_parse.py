"""Realtime 00/04 parsing and frame decoding, on the guide's samples."""

from __future__ import annotations

from datetime import datetime

from autotrader.broker.kiwoom.parse import (
    SEOUL,
    ParseStats,
    decode_frame,
    parse_balance_update,
    parse_execution,
    real_entries,
)
from autotrader.model import Side

NOW = datetime(2026, 1, 5, 10, 0, 0, tzinfo=SEOUL).timestamp()

# The guide's 00 sample (913 OCR'd as "합수" is 접수), merged with its continuation.
ACCEPTED = {
    "9201": "1111111111", "9203": "0000018", "9205": "", "9001": "005930", "912": "J",
    "913": "접수", "302": "삼성전자", "900": "1", "901": "0", "902": "1", "903": "0",
    "904": "0000000", "905": "+매수", "906": "시장가", "907": "2", "908": "094022",
    "909": "", "910": "", "911": "", "10": "+60700", "27": "+60700", "28": "60000",
    "914": "", "915": "", "938": "0", "939": "0", "919": "0", "920": "", "921": "0701002",
    "922": "00", "923": "000000000", "10010": "", "2134": "1", "2135": "KRX", "2136": "Y",
}  # fmt: skip

# The guide's 04 sample.
BALANCE = {
    "9201": "1111111111", "9001": "005930", "917": "00", "916": "00000000", "302": "삼성전자",
    "10": "-60150", "930": "102", "931": "154116", "932": "15719834", "933": "102",
    "945": "4", "946": "2", "950": "0", "951": "0", "27": "-60200", "28": "-60100",
    "307": "60300", "8019": "0.00", "957": "0", "958": "0", "918": "00000000", "959": "0",
}  # fmt: skip


def test_accepted_order_from_the_guide_sample() -> None:
    """접수 becomes 'accepted' with side, quantities and the 908 time on today's date."""
    e = parse_execution(ACCEPTED, NOW)
    assert e is not None
    assert (e.broker_order_no, e.symbol, e.side, e.status) == (
        "0000018",
        "005930",
        Side.BUY,
        "accepted",
    )
    assert (e.order_qty, e.remaining_qty, e.fill_qty, e.fill_price) == (1, 1, 0, 0)
    assert e.original_order_no == ""  # all zeros means none
    assert e.ts == datetime(2026, 1, 5, 9, 40, 22, tzinfo=SEOUL).timestamp()


def test_partial_fill_keeps_remaining_and_strips_signs_and_prefix() -> None:
    """체결 with remaining > 0: a partial fill; signed price and 'A' code prefix are cleaned."""
    values = {**ACCEPTED, "913": "체결", "9001": "A005930", "900": "10", "901": "60700",
              "902": "4", "910": "-60600", "911": "6", "905": "-매도", "907": "1",
              "938": "90", "939": "727"}  # fmt: skip
    e = parse_execution(values, NOW)
    assert e is not None
    assert (e.status, e.side, e.symbol) == ("filled", Side.SELL, "005930")
    assert (e.fill_qty, e.fill_price, e.remaining_qty) == (6, 60600, 4)
    assert (e.commission, e.tax) == (90, 727)


def test_unit_fill_fields_win_over_cumulative_ones() -> None:
    """914/915 (this fill) are preferred to 910/911 when present."""
    values = {**ACCEPTED, "913": "체결", "900": "10", "902": "2", "910": "60600",
              "911": "8", "914": "60650", "915": "3"}  # fmt: skip
    e = parse_execution(values, NOW)
    assert e is not None and (e.fill_qty, e.fill_price) == (3, 60650)


def test_confirmation_of_cancel_and_modify() -> None:
    """확인 is a cancel or a modify confirmation, told apart by 905."""
    cancel = parse_execution({**ACCEPTED, "913": "확인", "905": "매수취소", "904": "0000018",
                              "9203": "0000019"}, NOW)  # fmt: skip
    modify = parse_execution({**ACCEPTED, "913": "확인", "905": "+매수정정"}, NOW)
    assert cancel is not None and cancel.status == "cancelled"
    assert cancel.original_order_no == "0000018"
    assert modify is not None and modify.status == "modified"


def test_rejection() -> None:
    """거부 becomes 'rejected'."""
    e = parse_execution({**ACCEPTED, "913": "거부"}, NOW)
    assert e is not None and e.status == "rejected"


def test_malformed_executions_are_counted_not_raised() -> None:
    """Missing order number, unknown status or a fill without a price: None plus a reason."""
    stats = ParseStats()
    assert parse_execution({**ACCEPTED, "9203": ""}, NOW, stats) is None
    assert parse_execution({**ACCEPTED, "913": "???"}, NOW, stats) is None
    assert parse_execution({**ACCEPTED, "913": "체결", "910": "", "911": "x"}, NOW, stats) is None
    assert parse_execution({**ACCEPTED, "900": None}, NOW, stats) is None
    assert stats.total == 4


def test_balance_update_from_the_guide_sample() -> None:
    """04: holding 102 shares at 154116, 102 sellable."""
    b = parse_balance_update(BALANCE, NOW)
    assert b is not None
    assert (b.symbol, b.qty, b.avg_price, b.sellable_qty, b.ts) == ("005930", 102, 154116, 102, NOW)


def test_balance_update_without_quantity_is_skipped() -> None:
    """An 04 entry whose quantity is empty is skipped and counted."""
    stats = ParseStats()
    assert parse_balance_update({**BALANCE, "930": ""}, NOW, stats) is None
    assert stats.total == 1


def test_frame_decoding_rejects_junk() -> None:
    """Bad JSON, non-objects and frames without trnm are None and counted."""
    stats = ParseStats()
    assert decode_frame(b"{not json", stats) is None
    assert decode_frame("[1, 2]", stats) is None
    assert decode_frame('{"data": []}', stats) is None
    assert decode_frame('{"trnm": "PING"}', stats) == {"trnm": "PING"}
    assert stats.total == 3


def test_real_entries_keep_only_well_formed_ones() -> None:
    """Entries need a str type and a dict of values."""
    stats = ParseStats()
    frame = {"trnm": "REAL", "data": [{"type": "00", "values": {}}, {"type": 1}, "x"]}
    assert real_entries(frame, stats) == [{"type": "00", "values": {}}]
    assert stats.total == 2

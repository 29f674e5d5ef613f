"""Pure decoding of websocket frames and of the ``00`` / ``04`` realtime entries.

No I/O here: the realtime client feeds text in and gets values out, so every rule below
is tested on recorded samples. A malformed frame or entry never raises: it becomes
``None`` and its reason is counted in ``ParseStats``.

``00`` (order execution) fields: 9203 order no, 904 original order no, 9001 code, 913
status text, 905 order kind text (``+매수``, ``-매도정정``, ``매수취소``...), 907 side
(1 sell, 2 buy), 900 order qty, 901 order price, 902 remaining, 910/911 fill price and
quantity, 914/915 unit fill price and quantity (preferred when present: in Kiwoom's
chejan data 911 can be cumulative while 915 is this fill), 938/939 today's commission and
tax as reported, 908 time HHMMSS. ``04`` (balance): 9001 code, 930 holding qty, 931 average
price, 933 orderable (sellable) qty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from autotrader.broker.kiwoom import fields
from autotrader.model import BalanceUpdate, Execution, Side

SEOUL = ZoneInfo("Asia/Seoul")

# 913 status text -> Execution.status ("확인" is resolved from 905 below).
_STATUS = {
    "접수": "accepted",
    "체결": "filled",
    "취소": "cancelled",
    "거부": "rejected",
}


class ParseStats:
    """Counts of skipped frames and entries by reason, for logs and health checks."""

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    @property
    def total(self) -> int:
        return sum(self.skipped.values())


def decode_frame(raw: str | bytes, stats: ParseStats | None = None) -> dict[str, Any] | None:
    """A websocket message as a dict with a string ``trnm``, or None (counted)."""
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        _skip(stats, "frame: not JSON")
        return None
    if not isinstance(frame, dict):
        _skip(stats, "frame: not an object")
        return None
    if not isinstance(frame.get("trnm"), str):
        _skip(stats, "frame: no trnm")
        return None
    return frame


def real_entries(frame: Mapping[str, Any], stats: ParseStats | None = None) -> list[dict[str, Any]]:
    """The well-formed entries of a ``REAL`` frame: dicts with a str type and dict values."""
    data = frame.get("data")
    if not isinstance(data, list):
        _skip(stats, "REAL: data is not a list")
        return []
    entries: list[dict[str, Any]] = []
    for entry in data:
        if (
            isinstance(entry, dict)
            and isinstance(entry.get("type"), str)
            and isinstance(entry.get("values"), dict)
        ):
            entries.append(entry)
        else:
            _skip(stats, "REAL: malformed entry")
    return entries


def parse_execution(
    values: Mapping[str, Any], now: float, stats: ParseStats | None = None
) -> Execution | None:
    """A ``00`` entry's values -> ``Execution``; ``now`` supplies the date for 908."""
    order_no = fields.text(values.get("9203"))
    symbol = fields.symbol(values.get("9001"))
    if not order_no or not symbol:
        _skip(stats, "00: no order number or code")
        return None
    kind = fields.text(values.get("905"))
    status = _status(fields.text(values.get("913")), kind)
    if status is None:
        _skip(stats, "00: unknown status")
        return None
    order_qty = fields.parse_int(values.get("900"))
    if order_qty is None:
        _skip(stats, "00: unreadable order quantity")
        return None
    fill_qty = fields.parse_int(values.get("915")) or fields.int_or(values.get("911"))
    fill_price = fields.price(values.get("914")) or fields.price(values.get("910"))
    if status == "filled" and (fill_qty <= 0 or fill_price <= 0):
        _skip(stats, "00: fill without quantity or price")
        return None
    original = fields.text(values.get("904"))
    return Execution(
        broker_order_no=order_no,
        symbol=symbol,
        side=_side(fields.text(values.get("907")), kind),
        status=status,
        order_qty=order_qty,
        order_price=fields.price(values.get("901")),
        fill_qty=abs(fill_qty) if status == "filled" else 0,
        fill_price=fill_price if status == "filled" else 0,
        remaining_qty=max(0, fields.int_or(values.get("902"))),
        ts=at_time_of_day(fields.hhmmss(values.get("908")), now),
        original_order_no="" if original.strip("0") == "" else original,
        commission=max(0, fields.int_or(values.get("938"))),
        tax=max(0, fields.int_or(values.get("939"))),
    )


def parse_balance_update(
    values: Mapping[str, Any], now: float, stats: ParseStats | None = None
) -> BalanceUpdate | None:
    """A ``04`` entry's values -> ``BalanceUpdate`` (the frame has no time: ``now``)."""
    symbol = fields.symbol(values.get("9001"))
    qty = fields.parse_int(values.get("930"))
    if not symbol or qty is None:
        _skip(stats, "04: no code or quantity")
        return None
    return BalanceUpdate(
        symbol=symbol,
        qty=qty,
        avg_price=fields.price(values.get("931")),
        sellable_qty=fields.int_or(values.get("933"), qty),
        ts=now,
    )


def at_time_of_day(hms: str, now: float) -> float:
    """Epoch seconds of ``HHMMSS`` (Korea time) on ``now``'s Korean date; ``now`` if ''."""
    if not hms:
        return now
    day = datetime.fromtimestamp(now, SEOUL)
    moment = day.replace(
        hour=int(hms[:2]), minute=int(hms[2:4]), second=int(hms[4:]), microsecond=0
    )
    return moment.timestamp()


def _status(status_text: str, kind: str) -> str | None:
    if "확인" in status_text:
        # The exchange confirms a modify or a cancel; 905 says which.
        if "취소" in kind:
            return "cancelled"
        if "정정" in kind:
            return "modified"
        return None
    for word, status in _STATUS.items():
        if word in status_text:
            return status
    return None


def _side(code: str, kind: str) -> Side | None:
    if code == "1":
        return Side.SELL
    if code == "2":
        return Side.BUY
    if "매수" in kind:
        return Side.BUY
    if "매도" in kind:
        return Side.SELL
    return None


def _skip(stats: ParseStats | None, reason: str) -> None:
    if stats is not None:
        stats.skip(reason)

"""Pure decoding of websocket frames and of the ``00`` / ``04`` realtime entries.

No I/O here: the realtime client feeds text in and gets values out, so every rule below
is tested on recorded samples. A malformed frame or entry never raises: it becomes
``None`` and its reason (type, field, a short excerpt) is counted in ``ParseStats``,
whose ``listener`` (the live runner's journal) hears each one. Every numeric field is
read with ``fields.read_*``: a garbled one (``²``, 400 digits, out of range) makes the
entry unusable, and an absent one is never read as 0: it is either required (the entry
is skipped) or has a stated meaning below.

``00`` (order execution) fields: 9203 order no, 904 original order no, 9001 code, 913
status text, 905 order kind text (``+매수``, ``-매도정정``, ``매수취소``...), 907 side
(1 sell, 2 buy), 900 order qty, 901 order price, 902 remaining, 910/911 fill price and
quantity, 914/915 unit fill price and quantity (preferred when present: in Kiwoom's
chejan data 911 can be cumulative while 915 is this fill), 938/939 today's commission and
tax as reported, 908 time HHMMSS. ``04`` (balance): 9001 code, 930 holding qty, 931 average
price, 933 orderable (sellable) qty.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.fields import ABSENT, Unreadable
from autotrader.market.limits import MAX_MONEY, MAX_QTY
from autotrader.model import BalanceUpdate, Execution, Side
from autotrader.safetext import escape

SEOUL = ZoneInfo("Asia/Seoul")
MAX_FEE = MAX_MONEY

# 913 status text -> Execution.status ("확인" is resolved from 905 below).
_STATUS = {
    "접수": "accepted",
    "체결": "filled",
    "취소": "cancelled",
    "거부": "rejected",
}


EXCERPT_CHARS = 120


class ParseStats:
    """Counts of skipped frames and entries by reason, for logs and health checks."""

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()
        self.recent: deque[tuple[str, str]] = deque(maxlen=20)  # (reason, excerpt)
        self.listener: Callable[[str, str], None] | None = None

    def skip(self, reason: str, excerpt: object = "") -> None:
        self.skipped[reason] += 1
        shown = escape(str(excerpt)[: EXCERPT_CHARS * 2])[:EXCERPT_CHARS] if excerpt else ""
        self.recent.append((reason, shown))
        if self.listener is not None:
            with suppress(Exception):  # a listener's failure must not stop the feed
                self.listener(reason, shown)

    @property
    def total(self) -> int:
        return sum(self.skipped.values())


def decode_frame(raw: str | bytes, stats: ParseStats | None = None) -> dict[str, Any] | None:
    """A websocket message as a dict with a string ``trnm``, or None (counted)."""
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:  # a ValueError: also bad UTF-8 and over-deep nesting
        _skip(stats, "frame: not JSON", raw)
        return None
    if not isinstance(frame, dict):
        _skip(stats, "frame: not an object", raw)
        return None
    if not isinstance(frame.get("trnm"), str):
        _skip(stats, "frame: no trnm", raw)
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
            _skip(stats, "REAL: malformed entry", entry)
    return entries


class _Unusable(Exception):
    """An entry that cannot be used: ``reason`` names the field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _need(kind: str, fid: str, value: int | Unreadable) -> int:
    if isinstance(value, Unreadable):
        raise _Unusable(f"{kind}: field {fid} {value.value}")
    return value


def _opt(kind: str, fid: str, value: int | Unreadable, absent: int) -> int:
    """An optional field: ``absent`` stands in only when it was not sent at all."""
    if value is ABSENT:
        return absent
    return _need(kind, fid, value)


def parse_execution(
    values: Mapping[str, Any], now: float, stats: ParseStats | None = None
) -> Execution | None:
    """A ``00`` entry's values -> ``Execution``; ``now`` supplies the date for 908.

    Required: 9203, 9001, 913 (a known status), 900; for a fill also its quantity (915,
    else 911), its price (914, else 910) and 902 (the remainder: dedup reads 900 - 902).
    Absent and optional: 901 price 0 (a market order), 902 = 900 on an acceptance and 0
    on a cancel, modify or rejection (nothing left working), 938/939 0, 908 ``now``.
    Any numeric field that is present but garbled makes the entry unusable.
    """
    try:
        return _execution(values, now)
    except _Unusable as exc:
        _skip(stats, exc.reason, values)
        return None


def _execution(values: Mapping[str, Any], now: float) -> Execution:
    order_no = fields.text(values.get("9203"), 32)
    symbol = fields.symbol(values.get("9001"))
    if not order_no or not symbol:
        raise _Unusable("00: no order number or code")
    kind = fields.text(values.get("905"))
    status = _status(fields.text(values.get("913")), kind)
    if status is None:
        raise _Unusable("00: unknown status")
    order_qty = _need("00", "900", fields.read_int(values.get("900"), 0, MAX_QTY))
    order_price = _opt("00", "901", fields.read_price(values.get("901")), 0)
    unit_qty, unit_price = fields.read_qty(values.get("915")), fields.read_price(values.get("914"))
    fill_qty = _opt("00", "915", unit_qty, 0) or _opt(
        "00", "911", fields.read_qty(values.get("911")), 0
    )
    fill_price = _opt("00", "914", unit_price, 0) or _opt(
        "00", "910", fields.read_price(values.get("910")), 0
    )
    filled = status == "filled"
    if filled and (fill_qty <= 0 or fill_price <= 0):
        raise _Unusable("00: fill without quantity or price")
    remaining = fields.read_qty(values.get("902"))
    if filled or remaining is not ABSENT:
        remaining_qty = _need("00", "902", remaining)
    else:
        remaining_qty = order_qty if status == "accepted" else 0
    raw_hms = values.get("908")
    hms = fields.hhmmss(raw_hms)
    if not hms and fields.text(raw_hms):
        raise _Unusable("00: field 908 garbled")
    original = fields.text(values.get("904"), 32)
    return Execution(
        broker_order_no=order_no,
        symbol=symbol,
        side=_side(fields.text(values.get("907")), kind),
        status=status,
        order_qty=order_qty,
        order_price=order_price,
        fill_qty=abs(fill_qty) if filled else 0,
        fill_price=fill_price if filled else 0,
        remaining_qty=max(0, remaining_qty),
        ts=at_time_of_day(hms, now),
        original_order_no="" if original.strip("0") == "" else original,
        commission=max(0, _opt("00", "938", fields.read_int(values.get("938"), high=MAX_FEE), 0)),
        tax=max(0, _opt("00", "939", fields.read_int(values.get("939"), high=MAX_FEE), 0)),
    )


def parse_balance_update(
    values: Mapping[str, Any], now: float, stats: ParseStats | None = None
) -> BalanceUpdate | None:
    """A ``04`` entry's values -> ``BalanceUpdate`` (the frame has no time: ``now``).

    Required: 9001 and 930; absent 931 is 0 (no holding has no cost), absent 933 is the
    whole holding; a garbled field makes the entry unusable.
    """
    try:
        symbol = fields.symbol(values.get("9001"))
        if not symbol:
            raise _Unusable("04: no code")
        qty = _need("04", "930", fields.read_int(values.get("930"), 0, MAX_QTY))
        return BalanceUpdate(
            symbol=symbol,
            qty=qty,
            avg_price=_opt("04", "931", fields.read_price(values.get("931")), 0),
            sellable_qty=_opt("04", "933", fields.read_int(values.get("933"), 0, MAX_QTY), qty),
            ts=now,
        )
    except _Unusable as exc:
        _skip(stats, exc.reason, values)
        return None


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


def _skip(stats: ParseStats | None, reason: str, excerpt: object = "") -> None:
    if stats is not None:
        stats.skip(reason, excerpt)

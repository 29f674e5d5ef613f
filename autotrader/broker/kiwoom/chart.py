"""Historical bars from Kiwoom's chart TRs, as ``model.Bar`` values.

``ka10079`` (tick chart), ``ka10080`` (minute bars, ``tic_scope`` minutes) and
``ka10081`` (daily bars) on ``/api/dostk/chart``, and ``ka10086`` (daily prices) on
``/api/dostk/mrkcond``. Field names come from secondary sources (NOTES.md); a row
missing a field, or a field that is not a number, is a ``BrokerError`` naming it: never
a bar of zeros. Answers list the newest rows first and page with ``cont-yn``/
``next-key``; every page goes through ``KiwoomRest``'s per-api-id throttle.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.errors import BrokerError
from autotrader.model.bars import DAY_OPEN, DAY_SPAN, Bar

ChartKind = Literal["tick", "minute", "day", "daily-prices"]
MINUTE_SCOPES = frozenset({1, 3, 5, 10, 15, 30, 45, 60})
TICK_SCOPES = frozenset({1, 3, 5, 10, 30})
MAX_PAGES = 500


@dataclass(frozen=True, slots=True)
class ChartTR:
    api_id: str
    list_key: str
    time_field: str  # YYYYMMDDHHMMSS, or YYYYMMDD for daily rows
    close_field: str
    daily: bool


TRS: dict[ChartKind, ChartTR] = {
    "tick": ChartTR("ka10079", "stk_tic_chart_qry", "cntr_tm", "cur_prc", False),
    "minute": ChartTR("ka10080", "stk_min_pole_chart_qry", "cntr_tm", "cur_prc", False),
    "day": ChartTR("ka10081", "stk_dt_pole_chart_qry", "dt", "cur_prc", True),
    "daily-prices": ChartTR("ka10086", "daly_stkpc", "date", "close_pric", True),
}


def request_body(
    kind: ChartKind, symbol: str, *, scope: int, until: datetime.date, adjusted: bool
) -> dict[str, str]:
    """The TR's body; ``until`` is the newest day wanted (daily TRs take it)."""
    upd = "1" if adjusted else "0"
    if kind == "minute":
        if scope not in MINUTE_SCOPES:
            raise ValueError(f"minute bars come in {sorted(MINUTE_SCOPES)} minutes, not {scope}")
        return {"stk_cd": symbol, "tic_scope": str(scope), "upd_stkpc_tp": upd}
    if kind == "tick":
        if scope not in TICK_SCOPES:
            raise ValueError(f"tick bars come in {sorted(TICK_SCOPES)} trades, not {scope}")
        return {"stk_cd": symbol, "tic_scope": str(scope), "upd_stkpc_tp": upd}
    if kind == "day":
        return {"stk_cd": symbol, "base_dt": f"{until:%Y%m%d}", "upd_stkpc_tp": upd}
    return {"stk_cd": symbol, "qry_dt": f"{until:%Y%m%d}", "indc_tp": "0"}


def _number(row: Mapping[str, Any], name: str, api_id: str) -> int:
    if name not in row:
        raise BrokerError(None, f"chart row has no '{name}' field", api_id=api_id)
    text = str(row[name]).strip().lstrip("+-").lstrip("0") or "0"
    if not text.isdigit():
        raise BrokerError(
            None, f"chart field '{name}' is not a number: {row[name]!r}", api_id=api_id
        )
    return int(text)


def parse_row(tr: ChartTR, row: Mapping[str, Any], symbol: str, scope: int) -> Bar:
    """One answer row as a bar; prices lose their direction sign."""
    if tr.time_field not in row:
        raise BrokerError(None, f"chart row has no '{tr.time_field}' field", api_id=tr.api_id)
    stamp = str(row[tr.time_field]).strip()
    want = 8 if tr.daily else 14
    if len(stamp) < want or not stamp[:want].isdigit():
        raise BrokerError(
            None, f"chart field '{tr.time_field}' is not a time: {stamp!r}", api_id=tr.api_id
        )
    try:
        day = datetime.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        raise BrokerError(None, f"chart date out of range: {stamp!r}", api_id=tr.api_id) from None
    if tr.daily:
        start, span = DAY_OPEN, DAY_SPAN
    else:
        start = int(stamp[8:10]) * 3600 + int(stamp[10:12]) * 60 + int(stamp[12:14])
        # minute bars last scope minutes; a tick bar is one trade, or N within the second
        span = scope * 60 if tr.api_id == "ka10080" else 0 if scope == 1 else 1
    num = _number
    bar = Bar(
        symbol,
        day,
        start,
        span,
        num(row, "open_pric", tr.api_id),
        num(row, "high_pric", tr.api_id),
        num(row, "low_pric", tr.api_id),
        num(row, tr.close_field, tr.api_id),
        num(row, "trde_qty", tr.api_id),
    )
    if bar.problem() is not None and bar.volume > 0:
        raise BrokerError(None, f"chart row for {stamp}: {bar.problem()}", api_id=tr.api_id)
    return bar


async def fetch_bars(
    rest: KiwoomRest,
    kind: ChartKind,
    symbol: str,
    *,
    since: datetime.date,
    until: datetime.date,
    scope: int = 1,
    adjusted: bool = True,
) -> list[Bar]:
    """Every bar of ``symbol`` from ``since`` to ``until`` (inclusive), oldest first.

    Pages are read newest first until one reaches before ``since`` or none is left.
    """
    tr = TRS[kind]
    body = request_body(kind, symbol, scope=scope, until=until, adjusted=adjusted)
    bars: list[Bar] = []
    next_key = ""
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = await rest.call_page(tr.api_id, body, next_key=next_key)
        rows = page.body.get(tr.list_key)
        if not isinstance(rows, list):
            raise BrokerError(None, f"answer has no '{tr.list_key}' list", api_id=tr.api_id)
        parsed = [parse_row(tr, r, symbol, scope) for r in rows if isinstance(r, Mapping)]
        bars.extend(b for b in parsed if since <= b.day <= until and b.volume > 0)
        if not page.more or not page.next_key or page.next_key in seen:
            break
        if parsed and min(b.day for b in parsed) < since:
            break
        seen.add(page.next_key)
        next_key = page.next_key
    bars.sort(key=lambda b: (b.day, b.start))
    return bars

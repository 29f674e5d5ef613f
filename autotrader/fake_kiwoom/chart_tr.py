"""Chart TRs served from the fake's tape: ``ka10079``/``ka10080``/``ka10081`` on
``/api/dostk/chart`` and ``ka10086`` on ``/api/dostk/mrkcond``.

The tape's ``0B`` trades are aggregated into the bars asked for (tick bars of
``tic_scope`` trades, minute bars of ``tic_scope`` minutes, one daily bar for the tape's
day), listed newest first and paged with ``cont-yn``/``next-key`` like the account lists.
Prices carry Kiwoom's direction sign against the base price, as secondary sources say
the real answers do; field names are those of NOTES.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.orders import Refused
from autotrader.fake_kiwoom.replay import TapeCursor, seconds, to_int
from autotrader.fake_kiwoom.rest import Body, RestContext, choice, json_response, page, text

CHART_IDS = frozenset({"ka10079", "ka10080", "ka10081"})
DAILY_PRICES_ID = "ka10086"
_LIST = {
    "ka10079": "stk_tic_chart_qry",
    "ka10080": "stk_min_pole_chart_qry",
    "ka10081": "stk_dt_pole_chart_qry",
    "ka10086": "daly_stkpc",
}
_MINUTES = {"1", "3", "5", "10", "15", "30", "45", "60"}
_TICKS = {"1", "3", "5", "10", "30"}


@dataclass
class _Trades:
    date: str = ""
    by_symbol: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # hms, p, qty
    base: dict[str, int] = field(default_factory=dict)


_cache: dict[tuple[Path, int, int], _Trades] = {}  # (path, mtime ns, size): rewritten tapes


def _trades(tape: Path) -> _Trades:
    st = tape.stat()
    key = (tape, st.st_mtime_ns, st.st_size)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    cursor = TapeCursor(tape)
    out = _Trades(date=str(cursor.header.get("date", "")))
    while (frame := cursor.next()) is not None:
        for entry in frame.get("data") or []:
            if entry.get("type") != "0B" or "_" in str(entry.get("item", "")):
                continue
            values = entry.get("values") or {}
            price, qty = to_int(values.get("10")), to_int(values.get("15"))
            hms = str(values.get("20", ""))
            if price and qty and len(hms) == 6:
                sym = str(entry["item"])
                out.by_symbol.setdefault(sym, []).append((hms, price, qty))
                if sym not in out.base:
                    out.base[sym] = price - to_int(values.get("11"), signed=True)
    _cache[key] = out
    return out


def handle_chart(
    ctx: RestContext, tape: Path | None, api_id: str, body: Body, headers: dict[str, str]
) -> Response:
    symbol = text(body, "stk_cd")
    if api_id == DAILY_PRICES_ID:
        text(body, "qry_dt")
        choice(body, "indc_tp", {"0", "1"})
    else:
        choice(body, "upd_stkpc_tp", {"0", "1"})
    if api_id == "ka10080":
        scope = int(choice(body, "tic_scope", _MINUTES))
    elif api_id == "ka10079":
        scope = int(choice(body, "tic_scope", _TICKS))
    else:
        scope = 1
        if api_id == "ka10081":
            text(body, "base_dt")
    trades = _trades(tape) if tape is not None else _Trades()
    ticks = trades.by_symbol.get(symbol)
    if ticks is None:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.UNKNOWN_STOCK, symbol))
    base = trades.base.get(symbol, ticks[0][1])
    if api_id == "ka10080":
        groups = _by_minutes(ticks, scope)
    elif api_id == "ka10079":
        groups = [ticks[i : i + scope] for i in range(0, len(ticks), scope)]
    else:
        groups = [ticks]
    rows = [_row(api_id, trades.date, g, base, scope) for g in reversed(groups)]  # newest first
    chunk, out_headers = page(ctx, api_id, rows, headers)
    answer: Body = {"stk_cd": symbol, _LIST[api_id]: chunk}
    answer |= {"return_code": 0, "return_msg": "정상적으로 처리되었습니다"}
    return json_response(answer, api_id=api_id, headers=out_headers)


def _by_minutes(
    ticks: list[tuple[str, int, int]], minutes: int
) -> list[list[tuple[str, int, int]]]:
    groups: dict[int, list[tuple[str, int, int]]] = {}
    for tick in ticks:
        groups.setdefault(seconds(tick[0]) // (60 * minutes), []).append(tick)
    return [groups[k] for k in sorted(groups)]


def _signed(price: int, base: int) -> str:
    return f"+{price}" if price > base else f"-{price}" if price < base else str(price)


def _row(api_id: str, date: str, group: list[tuple[str, int, int]], base: int, scope: int) -> Body:
    prices = [p for _, p, _ in group]
    open_, close, high, low = prices[0], prices[-1], max(prices), min(prices)
    volume = sum(q for _, _, q in group)
    row: Body = {
        "open_pric": _signed(open_, base),
        "high_pric": _signed(high, base),
        "low_pric": _signed(low, base),
        "trde_qty": str(volume),
    }
    if api_id == "ka10086":
        return row | {"date": date, "close_pric": _signed(close, base)}
    row["cur_prc"] = _signed(close, base)
    if api_id == "ka10081":
        value = sum(p * q for _, p, q in group)
        return row | {"dt": date, "trde_prica": str(value // 1_000_000)}
    if api_id == "ka10080":
        step = 60 * scope  # a minute bar is labelled by its start
        start = seconds(group[0][0]) // step * step
        hms = f"{start // 3600:02d}{start // 60 % 60:02d}{start % 60:02d}"
    else:
        hms = group[0][0]
    return row | {"cntr_tm": date + hms}

"""Program trading by stock, ``ka90004`` (종목별프로그램매매현황요청, ``/api/dostk/stkinfo``),
as ``0w`` entries.

A live run reading ``program.*`` names would see 0 until each stock's first ``0w``; the
day's figures so far come from ``ka90004`` (one list per market, paged) at start. Its rows
are renamed to the ``0w`` field numbers (202/204 sold quantity/amount, 206/208 bought,
210/212 net) so they reach the engine through the same decoder as the live reports. The
document gives no unit for the amounts; they are taken to be millions of KRW like ``0w``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.rest import KiwoomRest

PROGRAM_API = "ka90004"
MARKETS = ("P00101", "P10102")  # KOSPI, KOSDAQ


def program_entry(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """One ``stk_prm_trde_prst`` row -> a ``0w`` REAL entry; None without a stock code."""
    symbol = fields.symbol(row.get("stk_cd"))
    if not symbol:
        return None
    buy_q, buy_a = fields.int_or(row.get("buy_cntr_qty")), fields.int_or(row.get("buy_cntr_amt"))
    sell_q, sell_a = fields.int_or(row.get("sel_cntr_qty")), fields.int_or(row.get("sel_cntr_amt"))
    net_a = fields.parse_int(row.get("netprps_prica"))
    values = {"202": str(sell_q), "204": str(sell_a), "206": str(buy_q), "208": str(buy_a)}
    values |= {"210": str(buy_q - sell_q), "212": str(buy_a - sell_a if net_a is None else net_a)}
    return {"type": "0w", "name": "종목별프로그램매매", "item": symbol, "values": values}


class ProgramQueries:
    """Asks ka90004 for a day's program trading, market by market."""

    def __init__(self, rest: KiwoomRest) -> None:
        self.rest = rest

    async def day(self, day: str, markets: Iterable[str] = MARKETS) -> list[dict[str, Any]]:
        """``0w`` entries for every stock listed on ``day`` (YYYYMMDD), KRX figures."""
        entries = []
        for market in markets:
            body = {"dt": day, "mrkt_tp": market, "stex_tp": "1"}
            for row in await self.rest.call_all(PROGRAM_API, body, "stk_prm_trde_prst"):
                entry = program_entry(row)
                if entry is not None:
                    entries.append(entry)
        return entries

"""The quote snapshot ``ka10004`` (주식호가요청, ``/api/dostk/mrkcond``) as a ``0D`` entry.

At start a live run has no tick yet: without a snapshot, ``ask``, ``bid`` and the
``book.*`` names read 0 until the first trade or book frame. ``ka10004`` answers the
ten-level book by name (``sel_fpr_bid`` best ask, ``sel_2th_pre_bid``..., ``buy_fpr_bid``
best bid, ``..._req`` the sizes, ``tot_sel_req``/``tot_buy_req`` totals); this module
renames them to the ``0D`` field numbers so the snapshot goes through the same decoder as
the live book (``feed/orderbook.py``), and nothing downstream learns a second format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.rest import KiwoomRest

QUOTE_API = "ka10004"
LEVELS = 10


def _ask_name(n: int, what: str) -> str:
    return f"sel_fpr_{what}" if n == 1 else f"sel_{n}th_pre_{what}"


def _bid_name(n: int, what: str) -> str:
    return f"buy_fpr_{what}" if n == 1 else f"buy_{n}th_pre_{what}"


def snapshot_entry(symbol: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """A ka10004 answer -> a ``0D`` REAL entry for ``symbol``; None without a best quote."""
    values: dict[str, str] = {}
    for n in range(1, LEVELS + 1):
        values[str(40 + n)] = fields.text(body.get(_ask_name(n, "bid")))
        values[str(60 + n)] = fields.text(body.get(_ask_name(n, "req")))
        values[str(50 + n)] = fields.text(body.get(_bid_name(n, "bid")))
        values[str(70 + n)] = fields.text(body.get(_bid_name(n, "req")))
    values["121"] = fields.text(body.get("tot_sel_req"))
    values["125"] = fields.text(body.get("tot_buy_req"))
    values["21"] = fields.hhmmss(body.get("bid_req_base_tm"))
    if not fields.price(values["41"]) and not fields.price(values["51"]):
        return None
    return {"type": "0D", "name": "주식호가잔량", "item": symbol, "values": values}


class QuoteQueries:
    """Asks ka10004 for the book of each symbol (one request each, throttled as queries)."""

    def __init__(self, rest: KiwoomRest) -> None:
        self.rest = rest

    async def snapshot(self, symbol: str) -> dict[str, Any] | None:
        return snapshot_entry(symbol, await self.rest.call(QUOTE_API, {"stk_cd": symbol}))

    async def snapshots(self, symbols: Iterable[str]) -> list[dict[str, Any]]:
        out = []
        for symbol in symbols:
            entry = await self.snapshot(symbol)
            if entry is not None:
                out.append(entry)
        return out

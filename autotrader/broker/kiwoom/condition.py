"""Kiwoom's condition search (조건검색) over the websocket: CNSRLST, CNSRREQ, CNSRCLR.

The trader saves condition formulas in the HTS; after LOGIN the websocket lists them
(``CNSRLST``, ka10171: ``data`` is ``[seq, name]`` pairs, and it must come first in a
session), runs one (``CNSRREQ``: ``search_type`` 0 once, ka10172, or 1 realtime,
ka10173; the answer lists the stocks matching now, in pages chained by
``cont_yn``/``next_key``) and stops a realtime one (``CNSRCLR``, ka10174). A realtime
search then sends ``REAL`` ``02`` frames as stocks enter (``I``) or leave (``D``).

This module only talks: it returns the answers as Kiwoom sent them, checked (a refused
or unreadable answer raises ``BrokerError``, never passes as an empty list). The feed
decoder turns them, like the ``02`` frames, into the engine's neutral condition events,
so a tape that recorded them replays the same way.
"""

from __future__ import annotations

from typing import Any, Protocol

from autotrader.broker.kiwoom.codes import error_from_answer
from autotrader.errors import BrokerError

MAX_PAGES = 50  # a condition's initial list, at most this many pages


class Requester(Protocol):
    async def request(self, trnm: str, message: dict[str, Any]) -> dict[str, Any]: ...


class ConditionSearch:
    """Lists, starts and stops condition searches on a logged-in websocket."""

    def __init__(self, ws: Requester, *, exchange: str = "K", max_pages: int = MAX_PAGES) -> None:
        self.ws = ws
        self.exchange = exchange  # stex_tp: K (KRX)
        self.max_pages = max_pages
        self.running: set[str] = set()  # seqs with a realtime search started

    async def conditions(self) -> dict[str, Any]:
        """The CNSRLST answer: ``data`` holds ``[seq, name]`` pairs."""
        answer = await self.ws.request("CNSRLST", {"trnm": "CNSRLST"})
        _check(answer, "CNSRLST")
        data = answer.get("data")
        if data is None:
            data = answer["data"] = []  # no saved condition: an empty list, answered
        if not isinstance(data, list) or not all(
            isinstance(row, list | tuple) and len(row) >= 2 for row in data
        ):
            raise BrokerError(None, f"CNSRLST answer without [seq, name] pairs: {data!r:.200}")
        return answer

    async def search(self, seq: str, *, realtime: bool = True) -> list[dict[str, Any]]:
        """Start condition ``seq`` (realtime by default); its answer's pages, in order."""
        pages: list[dict[str, Any]] = []
        next_key = ""
        for _ in range(self.max_pages):
            message = {
                "trnm": "CNSRREQ",
                "seq": seq,
                "search_type": "1" if realtime else "0",
                "stex_tp": self.exchange,
                "cont_yn": "Y" if next_key else "N",
                "next_key": next_key,
            }
            answer = await self.ws.request("CNSRREQ", message)
            _check(answer, f"CNSRREQ {seq}")
            answer.setdefault("seq", seq)
            rows = answer.get("data") or []
            if not isinstance(rows, list) or not all(
                isinstance(r, dict) and r.get("9001") for r in rows
            ):
                raise BrokerError(None, f"CNSRREQ {seq}: rows without a stock code (9001)")
            answer["data"] = rows
            pages.append(answer)
            more = str(answer.get("cont_yn", "N")).upper() == "Y"
            next_key = str(answer.get("next_key") or "")
            if not more or not next_key:
                answer["cont_yn"] = "N"  # the decoder closes the list on this page
                break
        else:
            pages[-1]["cont_yn"] = "N"
        if realtime:
            self.running.add(seq)
        return pages

    async def clear(self, seq: str) -> None:
        """Stop the realtime search ``seq`` (CNSRCLR)."""
        answer = await self.ws.request("CNSRCLR", {"trnm": "CNSRCLR", "seq": seq})
        self.running.discard(seq)
        _check(answer, f"CNSRCLR {seq}")


def _check(answer: dict[str, Any], what: str) -> None:
    error = error_from_answer(200, answer, what)
    if error is not None:
        raise error

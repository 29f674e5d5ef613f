"""What every REST handler shares: the server's state, body parsing, JSON answers, paging.

Parsing follows the guide: every value is a string, a missing required field is 1511 and
a malformed one 1517, both as HTTP 200 with a non-zero ``return_code``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.book import Book
from autotrader.fake_kiwoom.faults import FaultState
from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.market_facts import CreditList, Depths, Programs
from autotrader.fake_kiwoom.orders import BookEvent, Refused

Body = dict[str, Any]


@dataclass(slots=True)
class RestContext:
    """The parts of the server a TR handler may touch."""

    book: Book
    faults: FaultState
    publish: Callable[[list[BookEvent]], Awaitable[None]]
    account: str
    mock: bool
    page_size: int
    tape: Path | None = None  # what the chart TRs aggregate (chart_tr.py)
    depths: Depths = field(default_factory=Depths)  # the 0D books (quotes.py)
    credit: CreditList = field(default_factory=CreditList)  # kt20016/kt20017 (credit_tr.py)
    programs: Programs = field(default_factory=Programs)  # the 0w reports (program_tr.py)


def json_response(
    body: Body, *, api_id: str = "", status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    extra = {"api-id": api_id, "cont-yn": "N", "next-key": ""} if api_id else {}
    extra |= headers or {}
    return Response(status, orjson.dumps(body), extra)


def text(body: Body, name: str, *, required: bool = True) -> str:
    """The string value of ``name``; 1511 if required and missing or empty."""
    value = body.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, name, "문자열 아님"))
    value = str(value).strip()
    if required and not value:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.REQUIRED_MISSING, name))
    return value


def number(body: Body, name: str, *, required: bool = True, minimum: int = 0) -> int:
    """An integer carried as a string; 1517 when it is not one, or below ``minimum``."""
    value = text(body, name, required=required)
    if not value:
        return 0
    if not value.isdigit() or int(value) < minimum:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, name, value))
    return int(value)


def choice(
    body: Body, name: str, allowed: set[str] | frozenset[str], *, required: bool = True
) -> str:
    value = text(body, name, required=required)
    if value and value not in allowed:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, name, value))
    return value


def page(
    ctx: RestContext, api_id: str, rows: list[Body], headers: dict[str, str]
) -> tuple[list[Body], dict[str, str]]:
    """Cut ``rows`` to one page; answer ``cont-yn: Y`` and a ``next-key`` while more remain.

    The key is opaque to clients: it encodes the api-id and the next offset.
    """
    offset = 0
    if headers.get("cont-yn", "N").upper() == "Y":
        key = headers.get("next-key", "")
        prefix, _, tail = key.partition("-")
        if prefix != api_id or not tail.isdigit():
            raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, "next-key", key))
        offset = int(tail)
    end = offset + ctx.page_size
    more = end < len(rows)
    out = {
        "api-id": api_id,
        "cont-yn": "Y" if more else "N",
        "next-key": f"{api_id}-{end}" if more else "",
    }
    return rows[offset:end], out


def pad(value: int, width: int) -> str:
    """Zero-padded as Kiwoom sends amounts (``000000017598258``), sign first if negative."""
    return f"-{str(-value).zfill(width - 1)}" if value < 0 else str(value).zfill(width)

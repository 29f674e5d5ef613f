"""Builders for Kiwoom-format realtime frames, shared by the tests."""

from __future__ import annotations

from typing import Any

import orjson


def trade(
    item: str,
    hms: str,
    price: int,
    *,
    ask: int | None = None,
    bid: int | None = None,
    volume: int = 10,
    rate: str = "+0.50",
    sign: str = "+",
) -> dict[str, Any]:
    """A 0B entry; prices carry Kiwoom's direction sign."""
    return {
        "type": "0B",
        "name": "주식체결",
        "item": item,
        "values": {
            "20": hms,
            "10": f"{sign}{price}",
            "12": rate,
            "27": f"{sign}{ask if ask is not None else price}",
            "28": f"{sign}{bid if bid is not None else price}",
            "15": f"{volume:+d}",
            "13": "1000",
        },
    }


def real(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"trnm": "REAL", "data": list(entries)}


def line(*entries: dict[str, Any]) -> bytes:
    return orjson.dumps(real(*entries))


def header(date: str = "20261120", symbols: tuple[str, ...] = ()) -> bytes:
    return orjson.dumps(
        {"trnm": "TAPE", "version": 1, "date": date, "tz": "Asia/Seoul", "symbols": list(symbols)}
    )


def write_tape(path: Any, frames: list[bytes], date: str = "20261120") -> None:
    path.write_bytes(b"\n".join([header(date), *frames]) + b"\n")

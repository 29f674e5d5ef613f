"""Prices written as expressions of the tick: ``ask``, ``bid - 2 ticks``, ``vwap * 0.99``.

A price is a numeric expression in the condition language, optionally followed by
``+ N ticks`` / ``- N ticks``, which move it along the KRX tick grid after it has been
rounded onto the grid (down for buys, up for sells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autotrader.rules.expr import Node, Num, parse
from autotrader.rules.names import NameInfo
from autotrader.rules.typecheck import check_number

_TICKS_RE = re.compile(r"\s*([+-])\s*(\d{1,2})\s*ticks?\s*$")
MAX_TICKS = 50


@dataclass(frozen=True, slots=True)
class PriceExpr:
    node: Node
    ticks: int  # grid steps added after rounding
    text: str


def parse_price(value: int | str, names: dict[str, NameInfo] | None = None) -> PriceExpr:
    """Parse and type-check a price (``names``: the rule's vocabulary); raises
    ExprSyntaxError or ConditionError."""
    if isinstance(value, int):
        return PriceExpr(Num(value, "", 0), 0, str(value))
    text = value
    ticks = 0
    m = _TICKS_RE.search(text)
    if m is not None:
        ticks = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        text = text[: m.start()]
        if abs(ticks) > MAX_TICKS:
            from autotrader.rules.expr import ExprSyntaxError

            raise ExprSyntaxError(f"at most {MAX_TICKS} ticks", m.start(2))
    node = parse(text)
    check_number(node, names)
    return PriceExpr(node, ticks, value)

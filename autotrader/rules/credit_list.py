"""Warnings for credit rules on stocks outside the broker's credit-loan list (kt20016).

``autotrader credit-list`` saves Kiwoom's list as JSON (``{"day", "source", "stocks"}``);
``validate`` and ``explain`` read it with ``--credit-list`` and warn about each
``credit_buy`` on a stock the list does not carry. Without a list they say the check was
not made: the list needs a Kiwoom connection, and validation works offline. The live
risk guard asks kt20017 per stock anyway (risk/credit.py); this is the early warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from autotrader.errors import AutotraderError
from autotrader.rules.schema import StrategySpec


@dataclass(frozen=True, slots=True)
class CreditList:
    """The stocks a credit loan was available for on ``day`` (code -> deposit rate)."""

    day: str
    stocks: dict[str, str]


def load_credit_list(path: Path) -> CreditList:
    """Read a file written by ``autotrader credit-list``; a clear error when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stocks = data["stocks"]
        if not isinstance(stocks, dict):
            raise TypeError("stocks is not an object")
        return CreditList(str(data.get("day", "")), {str(k): str(v) for k, v in stocks.items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AutotraderError(f"{path}: not a credit list ({type(exc).__name__}: {exc})") from None


def credit_warnings(spec: StrategySpec, listed: CreditList | None, source: str) -> list[str]:
    """One line per credit buy on a stock outside ``listed`` (or one note without a list)."""
    pairs = [
        (rule.name, symbol)
        for rule in spec.rules
        if any(action.kind == "credit_buy" for action in rule.do)
        for symbol in (rule.symbols or spec.symbols)
    ]
    if not pairs:
        return []
    if listed is None:
        rules = ", ".join(sorted({name for name, _ in pairs}))
        return [
            f"{source}: note: credit eligibility of the credit_buy rules ({rules}) not checked: "
            "offline, no kt20017/kt20016 list (save one with 'autotrader credit-list', pass "
            "--credit-list); a live run asks kt20017 before each credit buy"
        ]
    return [
        f"{source}: warning: rule '{name}' credit-buys {symbol}, which is not on the credit "
        f"list of {listed.day or 'unknown day'}: its credit buys will be refused"
        for name, symbol in pairs
        if symbol not in listed.stocks
    ]

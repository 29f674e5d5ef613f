"""Screens: condition formulas over a stock's day so far, evaluated without ``eval``.

The fake Kiwoom and the synthetic tape generator play condition search (조건검색): a
saved formula such as ``change_rate > 3 and cum_volume > 100000`` over each stock's
latest trade. A screen is configuration, so it is parsed by this tiny parser into a
tree of tuples and walked; nothing in it can name or run Python. Grammar::

    or := and ("or" and)* ; and := not ("and" not)* ; not := "not" not | cmp
    cmp := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum := prod (("+" | "-") prod)* ; prod := atom (("*" | "/") atom)*
    atom := NUMBER | NAME | "-" atom | "(" or ")"

Names (``SCREEN_NAMES``): ``price``, ``change_rate`` (percent, as the HTS shows it:
``3`` is +3 %), ``change``, ``cum_volume`` (also ``volume``), ``open``, ``high``,
``low``, ``value`` (price x cumulative volume, KRW).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

SCREEN_NAMES = ("price", "change_rate", "change", "cum_volume", "volume", "open", "high", "low",
                "value")  # fmt: skip
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]+)|(<=|>=|==|!=|[<>+\-*/()]))")
_CMP: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip
_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul,
}  # fmt: skip
Tree = tuple[Any, ...]


class ScreenError(ValueError):
    """A screen that cannot be parsed; the message says where."""


class Screen:
    """A parsed formula; ``matches(values)`` tests one stock's latest values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._tokens = _tokenize(text)
        self._i = 0
        self.tree = self._or()
        if self._i != len(self._tokens):
            raise ScreenError(f"screen {text!r}: unexpected {self._tokens[self._i]!r}")

    def matches(self, values: Mapping[str, float]) -> bool:
        return bool(_eval(self.tree, values))

    def _peek(self) -> str | None:
        return self._tokens[self._i] if self._i < len(self._tokens) else None

    def _take(self) -> str:
        tok = self._peek()
        if tok is None:
            raise ScreenError(f"screen {self.text!r}: ends too early")
        self._i += 1
        return tok

    def _or(self) -> Tree:
        node = self._and()
        while self._peek() == "or":
            self._take()
            node = ("or", node, self._and())
        return node

    def _and(self) -> Tree:
        node = self._not()
        while self._peek() == "and":
            self._take()
            node = ("and", node, self._not())
        return node

    def _not(self) -> Tree:
        if self._peek() == "not":
            self._take()
            return ("not", self._not())
        left = self._sum()
        if self._peek() in _CMP:
            op = self._take()
            return ("cmp", op, left, self._sum())
        return left

    def _sum(self) -> Tree:
        node = self._prod()
        while self._peek() in ("+", "-"):
            node = ("arith", self._take(), node, self._prod())
        return node

    def _prod(self) -> Tree:
        node = self._atom()
        while self._peek() in ("*", "/"):
            node = ("arith", self._take(), node, self._atom())
        return node

    def _atom(self) -> Tree:
        tok = self._take()
        if tok == "-":
            return ("arith", "-", ("num", 0.0), self._atom())
        if tok == "(":
            node = self._or()
            if self._take() != ")":
                raise ScreenError(f"screen {self.text!r}: missing ')'")
            return node
        if tok[0].isdigit():
            return ("num", float(tok))
        if tok in SCREEN_NAMES:
            return ("name", tok)
        raise ScreenError(
            f"screen {self.text!r}: unknown name {tok!r} (known: {', '.join(SCREEN_NAMES)})"
        )


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ScreenError(f"screen {text!r}: cannot read at column {pos + 1}")
        tokens.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    if not tokens:
        raise ScreenError("an empty screen")
    return tokens


def _eval(node: Tree, values: Mapping[str, float]) -> Any:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "name":
        return float(values.get(node[1], 0.0))
    if kind == "not":
        return not _eval(node[1], values)
    if kind == "and":
        return bool(_eval(node[1], values)) and bool(_eval(node[2], values))
    if kind == "or":
        return bool(_eval(node[1], values)) or bool(_eval(node[2], values))
    if kind == "cmp":
        return _CMP[node[1]](_eval(node[2], values), _eval(node[3], values))
    left, right = float(_eval(node[2], values)), float(_eval(node[3], values))
    if node[1] == "/":
        return left / right if right else 0.0
    return _ARITH[node[1]](left, right)


def day_values(fields: Mapping[str, Any]) -> dict[str, float]:
    """A ``0B`` entry's values (Kiwoom field numbers) as the names a screen reads."""
    price = abs(_num(fields.get("10")))
    cum = abs(_num(fields.get("13")))
    return {
        "price": price,
        "change": _num(fields.get("11")),
        "change_rate": _num(fields.get("12")),
        "cum_volume": cum,
        "volume": cum,
        "open": abs(_num(fields.get("16"))),
        "high": abs(_num(fields.get("17"))),
        "low": abs(_num(fields.get("18"))),
        "value": price * cum,
    }


def _num(value: Any) -> float:
    try:
        return float(str(value).strip() or 0)
    except ValueError:
        return 0.0


def condition_option(text: str) -> tuple[str, str, str]:
    """``"4:surge:change_rate > 3"`` (a command-line option) -> (seq, name, screen)."""
    parts = text.split(":", 2)
    if len(parts) != 3 or not parts[0].strip() or not parts[1].strip():
        raise ScreenError(
            f"a condition is SEQ:NAME:SCREEN, e.g. '4:surge:change_rate > 3'; got {text!r}"
        )
    seq, name, screen = (p.strip() for p in parts)
    Screen(screen)
    return seq, name, screen

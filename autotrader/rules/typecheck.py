"""Check a parsed condition against the vocabulary: known names, consistent types.

Runs at load time so that a misspelt name or a comparison of text with a number is an
error at file:line:column, with a did-you-mean hint, before anything runs.
"""

from __future__ import annotations

import difflib

from autotrader.rules.expr import Between, Bool, Name, Node, Num, Str, Unary
from autotrader.rules.names import NAMES, NameInfo

_COMPARE = frozenset({"<", "<=", ">", ">=", "==", "!="})
_WANT = {"num": "a number", "bool": "true or false", "str": "text"}


class ConditionError(ValueError):
    """A name or type error at ``offset`` inside the expression."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def suggest(name: str, known: list[str]) -> str:
    """A did-you-mean hint, or ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_condition(node: Node, names: dict[str, NameInfo] | None = None) -> None:
    """Raise ConditionError unless ``node`` is a well-typed true/false expression."""
    kind = kind_of(node, NAMES if names is None else names)
    if kind != "bool":
        raise ConditionError(f"a condition must be true or false, not {_WANT[kind]}", node.pos)


def kind_of(node: Node, names: dict[str, NameInfo]) -> str:
    """The type of an expression: 'num', 'bool' or 'str'."""
    if isinstance(node, Num):
        return "num"
    if isinstance(node, Str):
        return "str"
    if isinstance(node, Bool):
        return "bool"
    if isinstance(node, Name):
        info = names.get(node.name)
        if info is None:
            hint = suggest(node.name, list(names))
            raise ConditionError(f"unknown name '{node.name}'{hint}", node.pos)
        return info.kind
    if isinstance(node, Unary):
        _need(node.operand, "bool" if node.op == "not" else "num", names)
        return "bool" if node.op == "not" else "num"
    if isinstance(node, Between):
        for part in (node.value, node.low, node.high):
            _need(part, "num", names)
        return "bool"
    if node.op in ("and", "or"):
        _need(node.left, "bool", names)
        _need(node.right, "bool", names)
        return "bool"
    left, right = kind_of(node.left, names), kind_of(node.right, names)
    if node.op in _COMPARE:
        if left != right:
            raise ConditionError(
                f"cannot compare {_WANT[left]} with {_WANT[right]} using '{node.op}'", node.pos
            )
        if left != "num" and node.op not in ("==", "!="):
            raise ConditionError(f"'{node.op}' needs numbers, not {_WANT[left]}", node.pos)
        return "bool"
    _need(node.left, "num", names)
    _need(node.right, "num", names)
    return "num"


def _need(node: Node, kind: str, names: dict[str, NameInfo]) -> None:
    found = kind_of(node, names)
    if found != kind:
        raise ConditionError(f"expected {_WANT[kind]} here, found {_WANT[found]}", node.pos)

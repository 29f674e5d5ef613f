"""Check a parsed condition against the vocabulary: known names, consistent types.

Runs at load time so that a misspelt name or a comparison of text with a number is an
error at file:line:column, with a did-you-mean hint, before anything runs.
"""

from __future__ import annotations

import difflib

from autotrader.rules.expr import Between, Bool, Call, Name, Node, Num, Str, Unary
from autotrader.rules.names import (
    FUNCTIONS,
    MAX_TICK_WINDOW,
    MAX_TIME_WINDOW,
    NAMES,
    NameInfo,
    event_triggers,
)

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


def check_number(node: Node, names: dict[str, NameInfo] | None = None) -> None:
    """Raise ConditionError unless ``node`` is a well-typed number (a price expression)."""
    kind = kind_of(node, NAMES if names is None else names)
    if kind != "num":
        raise ConditionError(f"expected a number here, not {_WANT[kind]}", node.pos)


_UNIT_WORDS = {"": "a count of ticks", "s": "a duration (30s, 5m)", "tod": "a time (09:30)"}


def _check_call(node: Call) -> None:
    info = FUNCTIONS.get(node.name)
    if info is None:
        hint = suggest(node.name, list(FUNCTIONS))
        raise ConditionError(f"unknown function '{node.name}'{hint}", node.pos)
    least = len(info.args) - info.optional
    if not least <= len(node.args) <= len(info.args):
        count = f"{least} to {len(info.args)}" if info.optional else str(len(info.args))
        raise ConditionError(
            f"{node.name}() takes {count} argument(s), got {len(node.args)}", node.pos
        )
    for arg, units in zip(node.args, info.args, strict=False):
        if "x" in units:
            if arg.unit or not 0 < arg.value <= 10:
                raise ConditionError(
                    f"{node.name}() expects a plain number above 0, at most 10, here", arg.pos
                )
            continue
        if arg.unit not in units:
            want = " or ".join(_UNIT_WORDS[u] for u in sorted(units))
            raise ConditionError(f"{node.name}() expects {want} here", arg.pos)
        if arg.unit == "" and not (
            isinstance(arg.value, int) and 1 <= arg.value <= MAX_TICK_WINDOW
        ):
            raise ConditionError(
                f"a tick count must be a whole number from 1 to {MAX_TICK_WINDOW}", arg.pos
            )
        if arg.unit == "s" and not 1 <= arg.value <= MAX_TIME_WINDOW:
            raise ConditionError(
                f"a time window must be from 1s to {MAX_TIME_WINDOW // 3600}h", arg.pos
            )
    tods = info.args and all(u == frozenset({"tod"}) for u in info.args)
    if tods and node.args[0].value >= node.args[1].value:
        raise ConditionError(f"{node.name}(): the start must be before the end", node.pos)


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
            raise ConditionError(_unknown(node.name, names), node.pos)
        return info.kind
    if isinstance(node, Call):
        _check_call(node)
        return "num"
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
    if node.op in _COMPARE:
        _unquoted(node.left, node.right, names)
        _unquoted(node.right, node.left, names)
    left, right = kind_of(node.left, names), kind_of(node.right, names)
    if node.op in _COMPARE:
        if left != right:
            raise ConditionError(
                f"cannot compare {_WANT[left]} with {_WANT[right]} using '{node.op}'", node.pos
            )
        if left != "num" and node.op not in ("==", "!="):
            raise ConditionError(f"'{node.op}' needs numbers, not {_WANT[left]}", node.pos)
        _check_units(node.left, node.right, names)
        _check_units(node.right, node.left, names)
        return "bool"
    _need(node.left, "num", names)
    _need(node.right, "num", names)
    return "num"


def _unquoted(word: Node, other: Node, names: dict[str, NameInfo]) -> None:
    """``side == buy``: a bare word compared with a text name is text left unquoted."""
    if not isinstance(word, Name) or word.name in names or event_triggers(word.name):
        return
    if isinstance(other, Name) and names.get(other.name, NameInfo("num", "")).kind == "str":
        raise ConditionError(
            f"unknown name '{word.name}': text is written in quotes, \"{word.name}\"", word.pos
        )


def _unknown(name: str, names: dict[str, NameInfo]) -> str:
    kinds = event_triggers(name)
    if kinds:
        where = " or ".join(f"'on: {k}'" for k in kinds)
        return f"'{name}' describes the triggering event: only rules with {where} can read it"
    hint = suggest(name, list(names))
    if not hint and name.split(".")[-1] in ("__import__", "__class__"):
        hint = " (strategy files cannot reach Python objects)"
    return f"unknown name '{name}'{hint}"


def _need(node: Node, kind: str, names: dict[str, NameInfo]) -> None:
    found = kind_of(node, names)
    if found != kind:
        raise ConditionError(f"expected {_WANT[kind]} here, found {_WANT[found]}", node.pos)


def _unit(node: Node, names: dict[str, NameInfo]) -> str | None:
    if isinstance(node, Name) and node.name in names:
        return names[node.name].unit
    if isinstance(node, Call) and node.name in FUNCTIONS:
        return FUNCTIONS[node.name].unit
    return None


def _check_units(named: Node, other: Node, names: dict[str, NameInfo]) -> None:
    """Catch the classic slips: ``time < 1500`` and ``change_rate < -1`` (meant -1%)."""
    unit = _unit(named, names)
    literal = other.operand if isinstance(other, Unary) and other.op == "-" else other
    if unit is None or not isinstance(literal, Num) or literal.unit:
        return
    if unit == "tod":
        raise ConditionError("compare a time of day with a time like 15:00", other.pos)
    if unit == "%" and abs(literal.value) >= 1:
        sign = "-" if literal is not other else ""
        raise ConditionError(
            f"this is a ratio: write {sign}{literal.value}% for {sign}{literal.value} percent",
            other.pos,
        )

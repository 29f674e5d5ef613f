"""Turn a checked condition into one fast Python function over ``SymbolState``.

The condition was parsed by our own parser into our own AST and type-checked against
the vocabulary; user text never reaches ``eval``. This module renders that AST as a
Python expression built only from fixed fragments: each name maps to a fixed slot read
(``position.qty`` -> ``s.pos_qty``), each operator to a fixed token, and each constant
to the ``repr`` of a number, bool or str we parsed ourselves. The source is compiled
once, with no builtins, into a function: a rule then costs one call and a few slot
reads per tick instead of a chain of closures (about 5x faster).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from autotrader.rules.expr import Between, Binary, Bool, Name, Node, Num, Str, Unary
from autotrader.rules.typecheck import check_condition

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

Condition = Callable[["SymbolState"], bool]

# name -> Python fragment over the state ``s``; the only things a condition can read.
FRAGMENTS: dict[str, str] = {
    "price": "s.price",
    "ask": "s.ask",
    "bid": "s.bid",
    "volume": "_abs(s.volume)",
    "buy_volume": "(s.volume if s.volume > 0 else 0)",
    "sell_volume": "(-s.volume if s.volume < 0 else 0)",
    "cum_volume": "s.cum_volume",
    "change_rate": "s.change_rate",
    "open": "s.open",
    "high": "s.high",
    "low": "s.low",
    "strength": "s.strength",
    "position.qty": "s.pos_qty",
    "position.avg_price": "s.pos_avg",
    "position.pnl": "((s.price - s.pos_avg) * s.pos_qty)",
    "position.pnl_pct": "((s.price - s.pos_avg) / s.pos_avg if s.pos_qty and s.pos_avg else 0.0)",
    "open_orders": "s.open_orders",
    "vi.active": "s.vi_active",
    "time": "s.market.sod",
    "session": "s.market.session",
}
_OPS = frozenset({"<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "and", "or"})


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0  # division by zero is 0, never an exception


_GLOBALS: dict[str, Any] = {"__builtins__": {}, "_abs": abs, "_div": _div}


def render(node: Node) -> str:
    """The Python expression for a checked AST; every piece comes from a fixed table."""
    if isinstance(node, Bool):
        return "True" if node.value else "False"
    if isinstance(node, Num):
        value = node.value
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise TypeError("number expected")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("non-finite number")
        return repr(value)
    if isinstance(node, Str):
        return repr(str(node.value))
    if isinstance(node, Name):
        return FRAGMENTS[node.name]
    if isinstance(node, Unary):
        inner = render(node.operand)
        return f"(not {inner})" if node.op == "not" else f"(-{inner})"
    if isinstance(node, Between):
        return f"({render(node.low)} <= {render(node.value)} <= {render(node.high)})"
    if node.op == "/":
        return f"_div({render(node.left)}, {render(node.right)})"
    if node.op not in _OPS:
        raise ValueError(f"operator {node.op!r}")
    return f"({render(node.left)} {node.op} {render(node.right)})"


def compile_condition(node: Node, label: str = "condition") -> Condition:
    """A function computing the condition; raises ConditionError for bad names or types."""
    check_condition(node)
    # Type-checked as true/false, so every branch already yields a bool.
    source = f"def _condition(s):\n    return {render(node)}\n"
    fn: Condition = build_function(source, "_condition", label)
    return fn


def build_function(source: str, name: str, label: str) -> Any:
    """Compile generated source into a function that runs with no builtins.

    Safe because every caller builds ``source`` from ``render`` of a checked AST and
    fixed templates, never from user text.
    """
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<{label}>", "exec"), dict(_GLOBALS), namespace)  # noqa: S102
    fn = namespace[name]
    fn.__doc__ = source
    return fn


def used_names(node: Node) -> Iterator[str]:
    """Every vocabulary name a condition reads (lets the decoder skip unused fields)."""
    if isinstance(node, Name):
        yield node.name
    elif isinstance(node, Unary):
        yield from used_names(node.operand)
    elif isinstance(node, Between):
        for part in (node.value, node.low, node.high):
            yield from used_names(part)
    elif isinstance(node, Binary):
        yield from used_names(node.left)
        yield from used_names(node.right)

"""Turn a checked condition into a closure over ``SymbolState``.

Each name of the vocabulary maps to a getter of a fixed slot, so a strategy can reach
nothing else. ``name OP constant``, the common case, compiles to one closure: a typical
rule evaluates in a few hundred nanoseconds. The loader has already type-checked the
expression; ``compile_condition`` checks again so it is safe to call on its own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autotrader.rules.expr import Between, Binary, Bool, Name, Node, Num, Str, Unary
from autotrader.rules.typecheck import check_condition

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

Getter = Callable[["SymbolState"], Any]
Condition = Callable[["SymbolState"], bool]

_slot = operator.attrgetter

GETTERS: dict[str, Getter] = {
    "price": _slot("price"),
    "ask": _slot("ask"),
    "bid": _slot("bid"),
    "volume": lambda s: abs(s.volume),
    "buy_volume": lambda s: s.volume if s.volume > 0 else 0,
    "sell_volume": lambda s: -s.volume if s.volume < 0 else 0,
    "cum_volume": _slot("cum_volume"),
    "change_rate": _slot("change_rate"),
    "open": _slot("open"),
    "high": _slot("high"),
    "low": _slot("low"),
    "strength": _slot("strength"),
    "position.qty": _slot("pos_qty"),
    "position.avg_price": _slot("pos_avg"),
    "position.pnl": lambda s: s.unrealized,
    "position.pnl_pct": lambda s: s.pnl_pct,
    "open_orders": _slot("open_orders"),
    "vi.active": _slot("vi_active"),
    "time": lambda s: s.market.sod,
    "session": lambda s: s.market.session,
}

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: a / b if b else 0.0,  # division by zero is 0, never an exception
}
_NO_CONST = object()


def compile_condition(node: Node) -> Condition:
    """A closure computing the condition; raises ConditionError for bad names or types."""
    check_condition(node)
    fn, const = _compile(node)
    if const is not _NO_CONST:
        value = bool(const)
        return lambda s: value
    return fn


def _compile(node: Node) -> tuple[Getter, Any]:
    """(getter, constant value or _NO_CONST): constants fold at compile time."""
    if isinstance(node, Num | Str | Bool):
        value = node.value
        return (lambda s: value), value
    if isinstance(node, Name):
        return GETTERS[node.name], _NO_CONST
    if isinstance(node, Unary):
        f, c = _compile(node.operand)
        if node.op == "not":
            return (lambda s: not f(s)), (not c if c is not _NO_CONST else _NO_CONST)
        return (lambda s: -f(s)), (-c if c is not _NO_CONST else _NO_CONST)
    if isinstance(node, Between):
        fx, _ = _compile(node.value)
        flo, lo = _compile(node.low)
        fhi, hi = _compile(node.high)
        if lo is not _NO_CONST and hi is not _NO_CONST:
            return (lambda s: lo <= fx(s) <= hi), _NO_CONST
        return (lambda s: flo(s) <= fx(s) <= fhi(s)), _NO_CONST
    return _binary(node)


def _binary(node: Binary) -> tuple[Getter, Any]:
    fl, cl = _compile(node.left)
    fr, cr = _compile(node.right)
    op = node.op
    if op == "and":
        return (lambda s: fl(s) and fr(s)), _NO_CONST
    if op == "or":
        return (lambda s: fl(s) or fr(s)), _NO_CONST
    fn = _CMP.get(op) or _ARITH[op]
    if cl is not _NO_CONST and cr is not _NO_CONST:
        value = fn(cl, cr)
        return (lambda s: value), value
    if cr is not _NO_CONST:
        # The hot case, name OP constant: one closure, one call.
        return (lambda s: fn(fl(s), cr)), _NO_CONST
    if cl is not _NO_CONST:
        return (lambda s: fn(cl, fr(s))), _NO_CONST
    return (lambda s: fn(fl(s), fr(s))), _NO_CONST

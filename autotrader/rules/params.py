"""Strategy parameters: ``params:`` names defaults that conditions and actions use.

    params:
      dip: -1%          # a percent
      budget: 2_000_000 # a number
      wait: 10m         # a duration
      cutoff: "15:00"   # a time of day
    rules:
      - name: dip-buy
        when: change_rate < params.dip and time < params.cutoff
        cooldown: params.wait
        do:
          - buy: {amount: params.budget, type: market}

A parameter is one literal of the condition language (a number, ``1.5%``, ``5m``,
``09:30``), optionally negative. ``params.NAME`` may stand anywhere inside a condition or
a price (it is replaced by the literal's text before parsing, so ``sma(params.n)`` and
``bid - params.k ticks`` work), or as the whole value of any other setting (``qty:
params.size``), which then takes the parameter's value. A sweep sets parameters from
outside (``load_strategy(path, params={...})``); setting one the file does not declare
is an error. Errors point at the reference in the file, as every strategy error does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autotrader.errors import StrategyError
from autotrader.rules.expr import ExprSyntaxError, Num, Unary, parse
from autotrader.rules.typecheck import ConditionError, suggest

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
REF_RE = re.compile(r"(?<![A-Za-z0-9_.])params\.([A-Za-z_][A-Za-z0-9_]*)")
TEXT_KEYS = frozenset({"when", "price", "condition_price"})  # expressions: replaced inside
Loc = tuple[str | int, ...]
Spans = list[tuple[int, int, int, int]]  # (new start, new end, old start, old end)
Locate = Callable[[Loc, int], tuple[int, int]]  # (loc, offset in the text) -> line, col
ParamValue = int | float | str


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    value: ParamValue  # what a whole-value setting receives
    text: str  # what stands in for params.NAME inside an expression


def make_param(name: str, raw: object) -> Param:
    """Check one parameter; raises ValueError with a message for the user."""
    if not NAME_RE.fullmatch(name):
        raise ValueError(f"parameter name {name!r}: letters, digits and '_' only")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError(
            f"params.{name}: a parameter is a number, a percent (1.5%), a duration (5m) "
            "or a time (09:30)"
        )
    text = str(raw).strip()
    try:
        node = parse(text)
    except ExprSyntaxError:
        node = None
    literal = node.operand if isinstance(node, Unary) and node.op == "-" else node
    if not isinstance(literal, Num):
        raise ValueError(
            f"params.{name}: {raw!r} is not a number, a percent (1.5%), a duration (5m) "
            "or a time (09:30)"
        )
    return Param(name, raw, f"({text})" if text.startswith("-") else text)


def substitute(text: str, params: Mapping[str, Param]) -> tuple[str, Spans]:
    """Replace each ``params.NAME`` by its literal; raises ConditionError (old offset)."""
    out: list[str] = []
    spans: Spans = []
    pos = length = 0
    for m in REF_RE.finditer(text):
        param = params.get(m.group(1))
        if param is None:
            hint = suggest(m.group(1), list(params))
            known = f" (declared: {', '.join(params)})" if params and not hint else ""
            raise ConditionError(f"unknown parameter 'params.{m.group(1)}'{hint}{known}", m.start())
        out.append(text[pos : m.start()])
        length += m.start() - pos
        out.append(param.text)
        spans.append((length, length + len(param.text), m.start(), m.end()))
        length += len(param.text)
        pos = m.end()
    if not spans:
        return text, spans
    out.append(text[pos:])
    return "".join(out), spans


def back(spans: Spans, offset: int) -> int:
    """An offset in the substituted text -> the offset in the text as written."""
    shift = 0
    for new_start, new_end, old_start, old_end in spans:
        if offset < new_start:
            break
        if offset < new_end:
            return old_start
        shift = old_end - new_end
    return offset + shift


def bind_params(
    plain: dict[str, Any],
    path: str,
    locate_key: Callable[[Loc], tuple[int, int]],
    locate_text: Locate,
    errors: list[StrategyError],
    overrides: Mapping[str, ParamValue] | None = None,
) -> dict[Loc, Spans]:
    """Read ``params:``, apply ``overrides``, and replace every reference in ``plain``.

    Returns, per substituted expression, the spans that map error offsets back to the
    text as written. Problems are appended to ``errors``.
    """
    declared = plain.get("params")
    if declared is None:
        declared = {}
    if not isinstance(declared, dict):
        line, col = locate_key(("params",))
        errors.append(StrategyError(path, line, col, "params: a mapping of name: value"))
        declared = {}
    params: dict[str, Param] = {}
    for name, raw in declared.items():
        try:
            params[name] = make_param(str(name), raw)
        except ValueError as exc:
            line, col = locate_key(("params", name))
            errors.append(StrategyError(path, line, col, str(exc)))
            params[name] = Param(name, 1, "1")  # reported once: its uses stay quiet
    for name, raw in (overrides or {}).items():
        if name not in declared:
            line, col = locate_key(("params",)) if declared else (1, 1)
            hint = suggest(name, list(declared))
            errors.append(
                StrategyError(path, line, col, f"params: no parameter '{name}' to set{hint}")
            )
            continue
        try:
            params[name] = make_param(name, raw)
        except ValueError as exc:
            errors.append(StrategyError(path, 0, 0, f"{exc} (set from outside the file)"))
            params[name] = Param(name, 1, "1")
    if isinstance(declared, dict) and overrides:
        plain["params"] = {**declared, **{k: v for k, v in overrides.items() if k in declared}}
    spans: dict[Loc, Spans] = {}
    for key in ("rules", "risk"):  # not strategy/description: free text stays as written
        if key in plain:
            plain[key] = _walk(plain[key], (key,), params, spans, path, locate_text, errors)
    return spans


def _walk(
    value: Any,
    loc: Loc,
    params: Mapping[str, Param],
    spans: dict[Loc, Spans],
    path: str,
    locate_text: Locate,
    errors: list[StrategyError],
) -> Any:
    if isinstance(value, dict):
        return {
            k: _walk(v, (*loc, k), params, spans, path, locate_text, errors)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _walk(v, (*loc, i), params, spans, path, locate_text, errors)
            for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "params." not in value:
        return value
    whole = REF_RE.fullmatch(value.strip())
    if whole is not None and loc[-1] not in TEXT_KEYS and whole.group(1) in params:
        return params[whole.group(1)].value
    try:
        text, found = substitute(value, params)
    except ConditionError as exc:
        line, col = locate_text(loc, exc.offset)
        field = ".".join(str(p) for p in loc)
        errors.append(StrategyError(path, line, col, f"{field}: {exc.message}"))
        # reported: a neutral stand-in keeps later checks from piling onto this error
        return "true" if loc[-1] == "when" else "1" if loc[-1] in TEXT_KEYS else value
    if found:
        spans[loc] = found
    return text

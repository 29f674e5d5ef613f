"""Load strategy files: YAML with positions, schema validation, expression checks.

Every problem in a file is collected and raised together as ``StrategyErrors``, each
with its path, line and column, the way a compiler reports. Nothing in a strategy file
is executed: the fast reader (``document.py``) builds only plain values and hands
anything unusual (tags, anchors...) to ruamel's safe round-trip loader, which refuses
tags that would build Python objects; conditions are parsed by our own parser.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from autotrader.errors import StrategyError, StrategyErrors
from autotrader.market.ticks import is_on_grid, round_to_tick, tick_size
from autotrader.rules import bounds, document
from autotrader.rules.ambiguity import ambiguous_names
from autotrader.rules.expr import ExprSyntaxError, Node, parse
from autotrader.rules.gold_rules import check_gold_rules
from autotrader.rules.keys import known_keys
from autotrader.rules.locate import Marks, locate, marks_of, value_start
from autotrader.rules.names import NameInfo, names_for
from autotrader.rules.params import Loc, ParamValue, Spans, back, bind_params
from autotrader.rules.prices import parse_price
from autotrader.rules.protect import parse_level_safe
from autotrader.rules.schema import StrategySpec
from autotrader.rules.triggers import TRIGGER_KEYS
from autotrader.rules.typecheck import ConditionError, check_condition, suggest

MAX_FILE_BYTES = bounds.MAX_FILE_BYTES


@dataclass(frozen=True)
class LoadedStrategy:
    """A validated strategy, its parsed conditions, and where it came from."""

    spec: StrategySpec
    path: str
    sha256: str
    conditions: dict[str, Node]  # rule name -> parsed 'when'
    warnings: tuple[StrategyError, ...] = ()  # names that read two ways (ambiguity.py)


def load_strategy(
    path: str | Path, *, params: Mapping[str, ParamValue] | None = None
) -> LoadedStrategy:
    """Read and validate one strategy file; raises StrategyErrors listing every problem.

    ``params`` sets declared parameters (a sweep's point) over the file's defaults."""
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise StrategyErrors(
            [StrategyError(name, 0, 0, f"cannot read file: {exc.strerror}")]
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise StrategyErrors(
            [StrategyError(name, 1, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - raw.rfind(b"\n", 0, exc.start)
        bad = raw[exc.start : exc.start + 1].hex()
        raise StrategyErrors(
            [StrategyError(name, line, col, f"not UTF-8 text (byte 0x{bad})")]
        ) from None
    return load_strategy_text(text, name, params=params)


def load_strategy_text(
    text: str, path: str = "<string>", *, params: Mapping[str, ParamValue] | None = None
) -> LoadedStrategy:
    """Validate strategy text; ``path`` is only used in error messages."""
    if len(text) > MAX_FILE_BYTES:
        raise StrategyErrors(
            [StrategyError(path, 1, 1, f"file is larger than {MAX_FILE_BYTES:,} bytes")]
        )
    with document.gc_paused():
        try:
            return _load(text, path, params)
        except StrategyErrors as exc:
            raise _capped(exc) from None


def _capped(exc: StrategyErrors) -> StrategyErrors:
    """At most ``MAX_ERRORS`` errors, and a last line counting the others."""
    errors = exc.errors
    if len(errors) <= bounds.MAX_ERRORS:
        return exc
    last = errors[bounds.MAX_ERRORS - 1]
    more = len(errors) - bounds.MAX_ERRORS
    rest = StrategyError(last.path, last.line, last.column, f"... and {more:,} more errors")
    return StrategyErrors([*errors[: bounds.MAX_ERRORS], rest])


def _read(text: str, path: str) -> tuple[dict[str, Any], Marks]:
    """Plain data and positions: libyaml when it can, else ruamel (exact YAML errors)."""
    _check_tabs(text, path)
    try:
        fast = document.read(text)
        if fast is None:
            bounds.scan(text)  # before ruamel's recursive composer and our tree walks
    except bounds.BoundsError as exc:
        raise StrategyErrors([StrategyError(path, exc.line, exc.column, exc.message)]) from None
    if fast is None:
        root = _parse_yaml(text, path)
        fast = _to_plain(root), marks_of(root) or Marks()
    wrong = bounds.check_sizes(*fast) + bounds.check_numbers(*fast)
    if wrong:
        raise StrategyErrors(StrategyError(path, e.line, e.column, e.message) for e in wrong)
    return fast


def _load(text: str, path: str, params: Mapping[str, ParamValue] | None = None) -> LoadedStrategy:
    plain, root = _read(text, path)
    errors: list[StrategyError] = []
    spans = bind_params(
        plain,
        path,
        lambda loc: locate(root, loc, key=True),
        lambda loc, offset: _text_position(root, text, loc, offset),
        errors,
        params,
    )
    conditions = _check_conditions(plain, root, text, path, errors, spans)
    _check_prices(plain, root, text, path, errors, spans)
    spec: StrategySpec | None = None
    try:
        spec = StrategySpec.model_validate(plain)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            is_key = err["type"] == "extra_forbidden"
            line, col = locate(root, loc, key=is_key)
            field = ".".join(str(p) for p in loc if not _is_tag(p)) or "file"
            msg = err["msg"].removeprefix("Value error, ")
            if is_key:
                msg = f"unknown key '{loc[-1]}'{suggest(str(loc[-1]), known_keys(loc[:-1]))}"
            errors.append(StrategyError(path, line, col, f"{field}: {msg}"))
    if spec is not None:
        _check_rules(spec, root, path, errors)
    if errors or spec is None:
        raise StrategyErrors(errors)
    digest = hashlib.sha256(text.encode()).hexdigest()
    warnings = tuple(
        StrategyError(path, *locate(root, loc), message) for loc, message in ambiguous_names(plain)
    )
    return LoadedStrategy(
        spec=spec, path=path, sha256=digest, conditions=conditions, warnings=warnings
    )


def _check_tabs(text: str, path: str) -> None:
    if "\t" in text:
        line_no = next(i for i, line in enumerate(text.splitlines(), 1) if "\t" in line)
        col = text.splitlines()[line_no - 1].index("\t") + 1
        raise StrategyErrors(
            [StrategyError(path, line_no, col, "tab character: indent with spaces")]
        )


def _parse_yaml(text: str, path: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = False
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if any(p in problem for p in _INDENT_PROBLEMS):
            problem += (
                ": check the indentation of this line (keys of one mapping start in the same "
                "column; indent with spaces)"
            )
        raise StrategyErrors([StrategyError(path, line, col, problem)]) from None
    except YAMLError as exc:
        raise StrategyErrors([StrategyError(path, 1, 1, f"invalid YAML: {exc}")]) from None
    except (ValueError, TypeError, LookupError, ArithmeticError) as exc:  # e.g. "._", "-_"
        raise StrategyErrors([StrategyError(path, 1, 1, f"invalid YAML value: {exc}")]) from None
    except RecursionError:  # pragma: no cover - bounds.scan stops deep files first
        raise StrategyErrors([StrategyError(path, 1, 1, "nested too deeply")]) from None
    if not isinstance(root, CommentedMap):
        raise StrategyErrors([StrategyError(path, 1, 1, "a strategy file must be a mapping")])
    return root


# ruamel's words for a line indented more or less than its neighbours
_INDENT_PROBLEMS = (
    "mapping values are not allowed here",
    "expected <block end>",
    "could not find expected ':'",
    "did not find expected key",
    "did not find expected '-' indicator",
)


def _to_plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _to_plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("int", "str", "float", "bool"))


def _check_conditions(
    plain: Any,
    root: Marks,
    source: str,
    path: str,
    errors: list[StrategyError],
    spans: dict[Loc, Spans] | None = None,
) -> dict[str, Node]:
    """Parse and type-check every rule's 'when', whether or not the rest is valid."""
    conditions: dict[str, Node] = {}
    rules = plain.get("rules") if isinstance(plain, dict) else None
    if not isinstance(rules, list):
        return conditions
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        text = rule.get("when", "true")
        text = "true" if text is True else "false" if text is False else text
        if not isinstance(text, str):
            continue  # the schema reports the wrong type
        loc: tuple[str | int, ...] = ("rules", i, "when")
        try:
            node = parse(text)
            check_condition(node, _vocabulary(rule))
            conditions[str(rule.get("name", i))] = node
        except (ExprSyntaxError, ConditionError) as exc:
            offset = back((spans or {}).get(loc, []), exc.offset)
            line, col = _text_position(root, source, loc, offset)
            errors.append(StrategyError(path, line, col, f"rules.{i}.when: {exc.message}"))
    return conditions


def _vocabulary(rule: dict[str, Any]) -> dict[str, NameInfo]:
    """The names a rule may read, by its trigger as written ('vi', {order: filled}...)."""
    on = rule.get("on", "tick")
    if isinstance(on, dict):
        on = next((k for k in TRIGGER_KEYS if k in on), "tick")
    return names_for(on if isinstance(on, str) else "tick")


_PRICED = ("buy", "sell", "credit_buy", "credit_sell", "modify", "credit_modify", "flatten")


def _check_prices(
    plain: Any,
    root: Marks,
    source: str,
    path: str,
    errors: list[StrategyError],
    spans: dict[Loc, Spans] | None = None,
) -> None:
    """Parse every price written as text ('bid - 1 tick'), where it stands in the file."""
    rules = plain.get("rules") if isinstance(plain, dict) else None
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        protect = rule.get("protect") if isinstance(rule, dict) else None
        for key, text in protect.items() if isinstance(protect, dict) else ():
            if key not in ("stop", "take_profit") or not isinstance(parse_level_safe(text), str):
                continue
            loc: tuple[str | int, ...] = ("rules", i, "protect", key)
            try:
                parse_price(text, _vocabulary(rule))
            except (ExprSyntaxError, ConditionError) as exc:
                offset = back((spans or {}).get(loc, []), exc.offset)
                line, col = _text_position(root, source, loc, offset)
                field = ".".join(str(p) for p in loc)
                what = "neither a distance ('2%', '5 ticks') nor a price"
                errors.append(StrategyError(path, line, col, f"{field}: {what}: {exc.message}"))
        steps = rule.get("do") if isinstance(rule, dict) else None
        for j, step in enumerate(steps if isinstance(steps, list) else ()):
            for kind in _PRICED:
                spec = step.get(kind) if isinstance(step, dict) else None
                if not isinstance(spec, dict):
                    continue
                for key in ("price", "condition_price"):
                    text = spec.get(key)
                    loc = ("rules", i, "do", j, kind, key)
                    off_grid = _off_grid(text)
                    if off_grid:
                        line, col = locate(root, loc)
                        field = ".".join(str(p) for p in loc)
                        errors.append(StrategyError(path, line, col, f"{field}: {off_grid}"))
                    if not isinstance(text, str) or text == "market":
                        continue
                    try:
                        parse_price(text, _vocabulary(rule))
                    except (ExprSyntaxError, ConditionError) as exc:
                        offset = back((spans or {}).get(loc, []), exc.offset)
                        line, col = _text_position(root, source, loc, offset)
                        field = ".".join(str(p) for p in loc)
                        errors.append(StrategyError(path, line, col, f"{field}: {exc.message}"))


def _off_grid(price: Any) -> str:
    """Why a literal price is off the KRX tick grid (the risk guard would refuse it), or ''."""
    if type(price) is not int or price <= 0 or is_on_grid(price):
        return ""
    low = round_to_tick(price, "down")
    high = round_to_tick(price, "up")
    return (
        f"{price:,} is off the KRX tick grid ({tick_size(price):,} KRW steps at this price): "
        f"use {low:,} or {high:,}"
    )


def _check_rules(spec: StrategySpec, root: Marks, path: str, errors: list[StrategyError]) -> None:
    seen: set[str] = set()
    for i, rule in enumerate(spec.rules):
        if rule.name in seen:
            line, col = locate(root, ("rules", i, "name"))
            errors.append(StrategyError(path, line, col, f"two rules are named '{rule.name}'"))
        seen.add(rule.name)
        _check_condition_trigger(spec, i, root, path, errors)
        for j, sym in enumerate(rule.symbols or ()):
            if sym not in spec.symbols:
                line, col = locate(root, ("rules", i, "symbols", j))
                errors.append(
                    StrategyError(path, line, col, f"symbol {sym} is not in the strategy's symbols")
                )
    check_gold_rules(spec, root, path, errors)


def _check_condition_trigger(
    spec: StrategySpec, i: int, root: Marks, path: str, errors: list[StrategyError]
) -> None:
    """``on: {condition: X}`` names one of the universe's condition searches."""
    name = spec.rules[i].on.condition
    if name is None:
        return
    line, col = locate(root, ("rules", i, "on", "condition"))
    if spec.universe is None:
        errors.append(
            StrategyError(
                path,
                line,
                col,
                f"condition {name!r}: the strategy has no 'universe: {{condition}}'",
            )
        )
    elif name not in spec.universe.condition:
        known = ", ".join(repr(c) for c in spec.universe.condition)
        errors.append(
            StrategyError(
                path, line, col, f"condition {name!r} is not in the universe (it has {known})"
            )
        )


@functools.lru_cache(maxsize=1)
def _lines(source: str) -> list[str]:
    return source.splitlines()


def _text_position(
    root: Marks, source: str, loc: tuple[str | int, ...], offset: int
) -> tuple[int, int]:
    """File line and column of the character at ``offset`` in the text value at ``loc``.

    A scalar may span lines: a block (``|``, ``>``) starts on the line after its
    indicator, at the block's indent; a plain or quoted scalar continues on the next
    lines, each line break being one character of the value (newline or space).
    """
    line, col, style = value_start(root, loc)
    lines = _lines(source)
    segments: list[tuple[int, int, str]] = []  # (line, column of its first char, text)
    if style in ("|", ">"):
        body = lines[line:]
        first = next((t for t in body if t.strip()), "")
        indent = len(first) - len(first.lstrip(" "))
        segments = [(line + 1 + k, indent, t[indent:]) for k, t in enumerate(body)]
    elif 0 < line <= len(lines):
        start = col - 1 + (1 if style in ('"', "'") else 0)
        segments = [(line, start, lines[line - 1][start:].rstrip())]
        for k, t in enumerate(lines[line:], line + 1):
            stripped = t.strip()
            segments.append((k, len(t) - len(t.lstrip(" ")), stripped))
    pos = 0
    for at_line, at_col, text in segments:
        if offset <= pos + len(text):
            return at_line, at_col + offset - pos + 1
        pos += len(text) + 1
    return line, col + offset

"""Limits on what a strategy file may hold, checked before anything is built from it.

Strategy files travel (forums, chats, copied repositories), so the loader reads them as
hostile input. Every limit here is an error at file:line:column that names the limit,
and together they keep a hostile file to well under a second and a few MB:

- size: ``MAX_FILE_BYTES``; structure: ``MAX_NESTING`` levels and ``MAX_NODES`` values
  counted *after* alias expansion (a few hundred bytes of ``&a``/``*a`` can stand for
  billions of values), both measured on the parser's event stream, before any tree exists;
- numbers: a plain scalar of more than ``MAX_NUMBER_CHARS`` characters that looks like a
  number, a non-finite float (``.nan``, ``.inf``, ``1e999``) and an integer outside int64
  are refused where they stand; each field then has its own KRX-plausible range
  (``Price``, ``Qty``, ``Money``, ``DURATION_MAX``);
- text: names, tags and descriptions are one printable line (``printable_line``): no
  control characters, NUL, terminal escapes, bidirectional overrides or zero-width marks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from autotrader.market.limits import INT64_MAX, MAX_MONEY, MAX_PRICE, MAX_QTY
from autotrader.rules.durations import DURATION_MAX
from autotrader.rules.locate import Marks
from autotrader.safetext import first_unsafe

MAX_FILE_BYTES = 256 * 1024  # 1,000 ordinary rules take about 155 KB
MAX_NESTING = 64  # a strategy is a few levels deep; deeper input is not a strategy
MAX_NODES = 100_000  # mappings, sequences and scalars, aliases expanded
MAX_NUMBER_CHARS = 32
MAX_ERRORS = 100  # errors listed per file; the rest are counted
MAX_ITEMS = {"rules": 1_000, "symbols": 1_000}  # top-level lists; more is not hand-written


Price = Annotated[int, Field(gt=0, le=MAX_PRICE)]
Qty = Annotated[int, Field(gt=0, le=MAX_QTY)]
Money = Annotated[int, Field(gt=0, le=MAX_MONEY)]
Count = Annotated[int, Field(gt=0, le=1_000_000)]
Seconds = Annotated[float, Field(ge=0, le=DURATION_MAX, allow_inf_nan=False)]

__all__ = ["DURATION_MAX", "MAX_PRICE", "MAX_QTY", "BoundsError", "Label", "Money", "Qty"]

_NUMBERISH = re.compile(r"[-+]?\.?[0-9]")


class BoundsError(ValueError):
    """A limit was exceeded at ``line``:``column`` (1-based)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.message = message


def printable_line(value: str) -> str:
    """Pydantic validator: ``value`` is one line of printable characters."""
    at = first_unsafe(value)
    if at >= 0:
        code = f"U+{ord(value[at]):04X}"
        raise ValueError(
            f"must be one printable line: character {at + 1} is {code} "
            f"({unicodedata.name(value[at], 'a control character')})"
        )
    return value


Label = Annotated[str, AfterValidator(printable_line)]


def scan(text: str) -> None:
    """Walk the YAML event stream once: nesting, alias expansion, over-long numbers.

    For the files the fast reader hands to ruamel (anchors, aliases, tags...), so that
    ruamel's recursive composer and our tree walks never see a file beyond the limits.
    Raises BoundsError; a YAML syntax error is left to ruamel, which words it better.
    """
    try:
        for _ in _checked(_events(text)):
            pass
    except BoundsError:
        raise
    except Exception:  # noqa: S110 - syntax errors: ruamel reports them, located
        pass


def _events(text: str) -> Iterator[Any]:
    try:
        import yaml as pyyaml  # type: ignore[import-untyped,unused-ignore]

        loader = getattr(pyyaml, "CSafeLoader", None)
        if loader is not None:
            yield from pyyaml.parse(text, Loader=loader)
            return
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        pass
    from ruamel.yaml import YAML  # pragma: no cover - without libyaml only

    yield from YAML(typ="safe", pure=True).parse(text)  # pragma: no cover


def _checked(events: Iterator[Any]) -> Iterator[Any]:
    # Per open collection: [values inside it, deepest level below it, anchor name].
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int]] = {}  # name -> (values, levels below)
    total = 0
    for ev in events:
        kind = type(ev).__name__
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            if len(stack) >= MAX_NESTING:
                raise _at(ev, f"nested deeper than {MAX_NESTING} levels")
            stack.append([1, 0, ev.anchor])
            total += 1
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            size, below, anchor = stack.pop()
            if anchor:
                anchors[anchor] = (size, below + 1)
            if stack:
                stack[-1][0] += size
                stack[-1][1] = max(stack[-1][1], below + 1)
        elif kind == "ScalarEvent":
            value = ev.value
            if (
                len(value) > MAX_NUMBER_CHARS
                and not ev.style
                and _NUMBERISH.match(value)
                and value.replace("_", "").lstrip("+-.").isdigit()
            ):
                raise _at(ev, f"number longer than {MAX_NUMBER_CHARS} characters")
            total += 1
            if ev.anchor:
                anchors[ev.anchor] = (1, 0)
            if stack:
                stack[-1][0] += 1
        elif kind == "AliasEvent":
            if any(frame[2] == ev.anchor for frame in stack):
                raise _at(ev, "an alias inside the value it names (a recursive structure)")
            size, below = anchors.get(ev.anchor, (1, 0))
            if len(stack) + below > MAX_NESTING:
                raise _at(ev, f"nested deeper than {MAX_NESTING} levels (through an alias)")
            total += size
            if stack:
                stack[-1][0] += size
                stack[-1][1] = max(stack[-1][1], below)
        if total > MAX_NODES:
            raise _at(ev, f"more than {MAX_NODES:,} values (each alias counted as expanded)")
        yield ev


def _at(ev: Any, message: str) -> BoundsError:
    mark = ev.start_mark
    return BoundsError(mark.line + 1, mark.column + 1, message)


def check_sizes(plain: dict[str, Any], marks: Marks) -> list[BoundsError]:
    """Top-level lists longer than ``MAX_ITEMS`` allows, located at the first one too many."""
    found: list[BoundsError] = []
    for key, most in MAX_ITEMS.items():
        items = plain.get(key)
        if isinstance(items, list) and len(items) > most:
            child = marks.children.get(key)
            entry = child.at.get(most) if child is not None else None
            line, col = (entry[2] + 1, entry[3] + 1) if entry else (1, 1)
            found.append(BoundsError(line, col, f"{key}: more than {most:,} items"))
    return found


def check_numbers(plain: Any, marks: Marks) -> list[BoundsError]:
    """Every float that is not finite and every integer outside int64, located."""
    found: list[BoundsError] = []
    _walk(plain, marks, None, found)
    return found


def _walk(node: Any, marks: Marks | None, entry: Any, found: list[BoundsError]) -> None:
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        if isinstance(node, float) and not math.isfinite(node):
            line, col = (entry[2] + 1, entry[3] + 1) if entry else (1, 1)
            found.append(BoundsError(line, col, f"{node} is not a finite number"))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > INT64_MAX:
            line, col = (entry[2] + 1, entry[3] + 1) if entry else (1, 1)
            found.append(BoundsError(line, col, "number out of range (more than 2^63 - 1)"))
        return
    for key, value in items:
        at = marks.at.get(key) if marks is not None else None
        child = marks.children.get(key) if marks is not None else None
        _walk(value, child, at or entry, found)

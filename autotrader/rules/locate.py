"""Where every key and value of a strategy file stands, and a pydantic ``loc`` -> line:col.

Both YAML readers (``document.py``: libyaml's event parser; the ruamel fallback) record,
for each mapping and sequence, the 0-based position of every key and value and how a
scalar was written (plain, quoted, block), in a ``Marks`` tree parallel to the plain
data. pydantic reports errors as a ``loc`` tuple; walking it through the tree gives the
offending key or value; when the path ends at something missing, the nearest existing
parent is the best place to point at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

# key line, key column, value line, value column (0-based), and the value's scalar style:
# "" plain (or not a scalar), '"' or "'" quoted, "|" literal or ">" folded block.
Entry = tuple[int, int, int, int, str]


@dataclass(slots=True)
class Marks:
    """Positions inside one mapping (keyed by str) or sequence (keyed by index)."""

    at: dict[str | int, Entry] = field(default_factory=dict)
    children: dict[str | int, Marks] = field(default_factory=dict)


def locate(marks: Marks, loc: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
    """(line, column), 1-based, of the value at ``loc`` (or of its key if ``key``)."""
    node: Marks | None = marks
    line, col = 1, 1
    last = loc[-1] if loc else None
    for part in loc:
        # pydantic adds model or union tags ("function-after[...]", "int") that are
        # not in the document: skip them and keep the deepest real position.
        if node is None or isinstance(part, bool):
            continue
        entry = node.at.get(part)
        if entry is None:
            continue
        kl, kc, vl, vc, _ = entry
        line, col = (kl + 1, kc + 1) if key and part == last else (vl + 1, vc + 1)
        node = node.children.get(part)
    return line, col


def value_start(marks: Marks, loc: Sequence[str | int]) -> tuple[int, int, str]:
    """Where a scalar stands: (line, column, style); a block scalar's is its ``|``/``>``."""
    node: Marks | None = marks
    for part in loc[:-1]:
        node = node.children.get(part) if node is not None else None
    entry = node.at.get(loc[-1]) if node is not None else None
    if entry is None:
        line, col = locate(marks, loc)
        return line, col, ""
    return entry[2] + 1, entry[3] + 1, entry[4]


_STYLES = {
    "DoubleQuotedScalarString": '"',
    "SingleQuotedScalarString": "'",
    "LiteralScalarString": "|",
    "FoldedScalarString": ">",
}


def _style(value: Any) -> str:
    return _STYLES.get(type(value).__name__, "")


def marks_of(node: Any, near: tuple[int, int] = (0, 0)) -> Marks | None:
    """The position tree of a ruamel round-trip document (its ``.lc`` data).

    A node ruamel built without positions (a tagged one) takes ``near``, its parent's.
    """
    if isinstance(node, CommentedMap):
        marks = Marks()
        for k, v in node.items():
            kl, kc = node.lc.key(k) or near
            vl, vc = node.lc.value(k) or near
            name = str(k)
            marks.at[name] = (kl, kc, vl, vc, _style(v))
            child = marks_of(v, (vl, vc))
            if child is not None:
                marks.children[name] = child
        return marks
    if isinstance(node, CommentedSeq):
        marks = Marks()
        for i, v in enumerate(node):
            il, ic = node.lc.item(i) or near
            marks.at[i] = (il, ic, il, ic, _style(v))
            child = marks_of(v, (il, ic))
            if child is not None:
                marks.children[i] = child
        return marks
    return None

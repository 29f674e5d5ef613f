"""Map a path inside the loaded YAML (keys and indexes) to a 1-based line and column.

ruamel's round-trip loader remembers where every key and item stood (``.lc``, 0-based);
pydantic reports errors as a ``loc`` tuple. Walking the loc through the loaded document
gives the position of the offending key or value; when the path ends at something that
is missing, the nearest existing parent is the best place to point at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq


def locate(root: Any, loc: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
    """(line, column), 1-based, of the value at ``loc`` (or of its key if ``key``)."""
    node = root
    line, col = 1, 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            pos = node.lc.key(part) if key and part == loc[-1] else node.lc.value(part)
            line, col = pos[0] + 1, pos[1] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            pos = node.lc.item(part)
            line, col = pos[0] + 1, pos[1] + 1
            node = node[part]
        else:
            # pydantic adds model or union tags ("function-after[...]", "int") that are
            # not in the document: skip them and keep the deepest real position.
            continue
    return line, col


def value_start(root: Any, loc: Sequence[str | int]) -> tuple[int, int, bool]:
    """Where a scalar's text starts: (line, column, quoted)."""
    line, col = locate(root, loc)
    parent: Any = root
    for part in loc[:-1]:
        parent = parent[part]
    value = parent[loc[-1]]
    quoted = type(value).__name__ in ("DoubleQuotedScalarString", "SingleQuotedScalarString")
    return line, col, quoted

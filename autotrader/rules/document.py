"""Read a strategy's YAML quickly: libyaml's event parser -> plain values + positions.

ruamel's round-trip loader (pure Python) spends about 1 ms per rule building commented
objects we only use for their positions. Here libyaml (PyYAML's C parser) produces the
events, and one pass builds the plain data (dicts, lists, str, int, float, bool, None)
and the ``Marks`` tree of positions, resolving plain scalars exactly as ruamel's YAML 1.2
resolver does (``005930`` is the integer 5930, ``on`` and ``yes`` are text).

This reader handles the YAML strategy files use: block and flow mappings and sequences,
plain, quoted and block scalars. Anything else (a tag, an anchor or alias, a merge key,
a duplicate key, a timestamp, a hex or octal number, a syntax error...) returns None, and
the loader reads the file with ruamel instead, which reports errors in its own words or
builds what that YAML means. Without PyYAML's C extension every file goes that way.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from autotrader.rules.bounds import MAX_NESTING, MAX_NUMBER_CHARS, BoundsError
from autotrader.rules.locate import Marks

try:
    import yaml as _yaml  # type: ignore[import-untyped,unused-ignore]

    _CLoader: Any = getattr(_yaml, "CSafeLoader", None)
except ImportError:  # pragma: no cover - PyYAML is a dependency
    _yaml = None
    _CLoader = None

_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}
_BOOLS["FALSE"] = False
_NULLS = frozenset({"~", "null", "Null", "NULL", ""})
_INT = re.compile(r"[-+]?[0-9]+(?:_[0-9]+)*")
_FLOAT = re.compile(r"[-+]?[0-9]+(?:_[0-9]+)*\.[0-9]*")


class _Unsupported(Exception):
    pass


class NestingError(BoundsError):
    """The document nests deeper than ``MAX_NESTING``; ``line``/``column`` are 1-based."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column, f"nested deeper than {MAX_NESTING} levels")


def available() -> bool:
    """Whether the fast reader can run (PyYAML built with libyaml)."""
    return _CLoader is not None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building many small acyclic objects (3x faster)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read(text: str) -> tuple[dict[str, Any], Marks] | None:
    """The document's plain data and positions, or None: read it with ruamel instead."""
    if _CLoader is None:
        return None
    loader = _CLoader(text)
    try:
        return _Reader(loader).document()
    except _Unsupported:
        return None
    except _yaml.YAMLError:
        return None  # ruamel reports the syntax error, in the messages users know
    finally:
        loader.dispose()


def resolve(value: str) -> Any:
    """A plain (unquoted, untagged) scalar as ruamel's YAML 1.2 resolver reads it."""
    if value in _NULLS:
        return None
    flag = _BOOLS.get(value)
    if flag is not None:
        return flag
    if _INT.fullmatch(value):
        return int(value.replace("_", ""))
    if _FLOAT.fullmatch(value):
        return float(value.replace("_", ""))
    if _SPECIAL.fullmatch(value):
        raise _Unsupported(value)
    return value


# Plain scalars ruamel reads as something else than _INT, _FLOAT or text: other numbers
# (hex, octal, binary, exponents, .5, inf, nan, odd underscores), timestamps, the merge
# key and the 'value' key. Files holding one take the ruamel path.
_SPECIAL = re.compile(
    r"""[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+
    |[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|<<|=""",
    re.VERBOSE | re.DOTALL,
)


class _Reader:
    def __init__(self, loader: Any) -> None:
        self.next = loader.get_event
        ev = _yaml
        self.scalar = ev.ScalarEvent
        self.map_start = ev.MappingStartEvent
        self.map_end = ev.MappingEndEvent
        self.seq_start = ev.SequenceStartEvent
        self.seq_end = ev.SequenceEndEvent

    def document(self) -> tuple[dict[str, Any], Marks]:
        get = self.next
        if type(get()) is not _yaml.StreamStartEvent:
            raise _Unsupported
        if type(get()) is not _yaml.DocumentStartEvent:
            raise _Unsupported  # empty file: ruamel says what is wrong
        ev = get()
        if type(ev) is not self.map_start:
            raise _Unsupported  # not a mapping
        root, marks = self.mapping(ev, 1)
        if type(get()) is not _yaml.DocumentEndEvent or type(get()) is not _yaml.StreamEndEvent:
            raise _Unsupported  # several documents
        return root, marks

    def node(self, ev: Any, depth: int) -> tuple[Any, Marks | None, str]:
        """(value, positions inside it, scalar style)."""
        kind = type(ev)
        if kind is self.scalar:
            if ev.tag is not None or ev.anchor is not None:
                raise _Unsupported
            style = ev.style
            if style:
                return ev.value, None, style
            try:
                return resolve(ev.value), None, ""
            except ValueError:  # int() refuses more than 4300 digits
                mark = ev.start_mark
                raise BoundsError(
                    mark.line + 1,
                    mark.column + 1,
                    f"number longer than {MAX_NUMBER_CHARS} characters",
                ) from None
        if depth > MAX_NESTING:
            mark = ev.start_mark
            raise NestingError(mark.line + 1, mark.column + 1)
        if kind is self.map_start:
            return (*self.mapping(ev, depth + 1), "")
        if kind is self.seq_start:
            return (*self.sequence(ev, depth + 1), "")
        raise _Unsupported  # an alias

    def mapping(self, start: Any, depth: int) -> tuple[dict[str, Any], Marks]:
        if start.tag is not None or start.anchor is not None:
            raise _Unsupported
        get, scalar, end = self.next, self.scalar, self.map_end
        out: dict[str, Any] = {}
        marks = Marks()
        at, children = marks.at, marks.children
        while True:
            kev = get()
            if type(kev) is end:
                return out, marks
            if type(kev) is not scalar or kev.tag is not None or kev.anchor is not None:
                raise _Unsupported  # a complex or tagged key
            key = kev.value
            if not kev.style and not isinstance(resolve(key), str):
                raise _Unsupported  # a number, bool or null as a key
            if key in out:
                raise _Unsupported  # a duplicate key: ruamel reports it
            vev = get()
            value, child, style = self.node(vev, depth)
            out[key] = value
            km, vm = kev.start_mark, vev.start_mark
            at[key] = (km.line, km.column, vm.line, vm.column, style)
            if child is not None:
                children[key] = child

    def sequence(self, start: Any, depth: int) -> tuple[list[Any], Marks]:
        if start.tag is not None or start.anchor is not None:
            raise _Unsupported
        get, end = self.next, self.seq_end
        out: list[Any] = []
        marks = Marks()
        at, children = marks.at, marks.children
        while True:
            ev = get()
            if type(ev) is end:
                return out, marks
            value, child, style = self.node(ev, depth)
            i = len(out)
            out.append(value)
            m = ev.start_mark
            at[i] = (m.line, m.column, m.line, m.column, style)
            if child is not None:
                children[i] = child

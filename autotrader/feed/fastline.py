"""A tape line of ``0B`` trade ticks decoded by msgspec into typed values: the replay's
fast path.

``orjson.loads`` builds every tick's 50-key dict, though the engine reads a dozen
fields; decoding that dict is most of a replay's cost. msgspec decodes a line straight
into ``Line`` / ``Entry`` / ``Tick`` structs holding only the fields something in the
engine reads (``feed/fields.py``), typed ``str``, and skips the rest in C: about half
the cost of the full decode.

Only a line that fits exactly takes this path: ``trnm`` a string, every entry a ``0B``
with an ``item`` string and ``values`` whose fields are strings (or absent). Anything
else (VI and session entries, a number where a string belongs, a line that is not
JSON) fails ``decode_line`` and is decoded again by orjson and judged by the general
``FrameDecoder.feed``, so a bad line is told exactly as before; that path turns the
entry's values dict into the same ``Tick`` (``Tick.of``). Text the engine never reads
(the stock's name, the fields outside ``TICK_FIELDS``) is skipped, not decoded: msgspec
checks its JSON shape but not its bytes, so a name that is not UTF-8 does not cost a
tick whose fields are good (decoding the name cost 0.13 us a frame, for no reader).
Rules and ``SymbolState`` read a field as an attribute (``f12``); a ``Tick`` also reads
like a values dict (``get``, ``[fid]``, ``items``) for error excerpts and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import msgspec

from autotrader.feed import fields

# The 0B fields the engine can read, in Kiwoom's order (the order error excerpts show).
TICK_FIELDS: tuple[str, ...] = (
    fields.TIME,
    fields.PRICE,
    fields.CHANGE,
    fields.RATE,
    fields.ASK,
    fields.BID,
    fields.VOLUME,
    fields.CUM_VOLUME,
    "14",  # cumulative value: only shown in excerpts
    fields.OPEN,
    fields.HIGH,
    fields.LOW,
    fields.STRENGTH,
)
ATTR: dict[str, str] = {fid: "f" + fid for fid in TICK_FIELDS}


GARBLED = "\x00"
"""What ``Tick.of`` keeps for a value that is not text: no field pattern accepts it."""


class Tick(msgspec.Struct, gc=False, rename=lambda name: name[1:]):
    """A ``0B`` tick's values: the fields the engine reads (None when absent).

    Every trade tick the engine keeps is one, from either path: msgspec decodes it
    straight from a tape line, ``Tick.of`` builds it from a dict decoded by orjson (live
    frames, lines the fast path declines). Rules read its fields by attribute."""

    f20: str
    f10: str
    f11: str | None = None
    f12: str | None = None
    f27: str | None = None
    f28: str | None = None
    f15: str | None = None
    f13: str | None = None
    f14: str | None = None
    f16: str | None = None
    f17: str | None = None
    f18: str | None = None
    f228: str | None = None

    @classmethod
    def of(cls, values: Any) -> Tick:
        """The tick of a values dict as orjson decodes it; a value that is not a string
        is kept as ``GARBLED`` (a field a rule reads then refuses the tick)."""
        get = values.get
        return cls(*[_text(get(fid)) for fid in TICK_FIELDS])

    def get(self, fid: str, default: Any = None) -> Any:
        attr = ATTR.get(fid)
        value = getattr(self, attr) if attr is not None else None
        return default if value is None else value

    def __getitem__(self, fid: str) -> str:
        value = self.get(fid)
        if value is None:
            raise KeyError(fid)
        return str(value)

    def __contains__(self, fid: object) -> bool:
        return type(fid) is str and self.get(fid) is not None

    def keys(self) -> list[str]:
        return [fid for fid in TICK_FIELDS if getattr(self, ATTR[fid]) is not None]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def items(self) -> list[tuple[str, str]]:
        return [(fid, self[fid]) for fid in self.keys()]


def _text(value: Any) -> Any:
    return value if value is None or type(value) is str else GARBLED


EMPTY = Tick("", "")
"""A symbol's values before its first trade."""


class Entry(msgspec.Struct, gc=False):
    type: Literal["0B"]
    item: str
    values: Tick


class Line(msgspec.Struct, gc=False):
    trnm: str
    data: list[Entry]
    rt: str | None = None


decode_line = msgspec.json.Decoder(Line).decode
"""bytes -> ``Line``; raises ``msgspec.DecodeError`` for any line the fast path does not take."""

NotFast = msgspec.DecodeError

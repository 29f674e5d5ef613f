"""Check a ``0B`` tick's fields once, at decoding, before any rule can read them.

Rules read tick fields lazily (``compile/conditions.py`` renders ``ask`` as a read of
field 27), so a garbled value would otherwise surface in the middle of an evaluation,
after earlier rules already ran on the tick, or be misread: ``int()`` accepts ``"١٢"``
(Arabic-Indic digits), ``" 12 "`` and ``"1_2"``, and reads 400 digits happily. Instead
the decoder checks, per tick, the price, the time and exactly the fields the rules of
its symbol read (``SymbolChecks``), and skips the whole tick, counted with its reason,
when one is absent, not ASCII digits with an optional sign, or out of range. Prices
must also stay inside the day's band (``PriceBand``): +-30% of the base price, which a
tick's field 11 (change against the previous close) gives; without it, the band that
any price of the same day must lie in, from the first price seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from autotrader.feed import fields
from autotrader.feed.fastline import Tick
from autotrader.market.limits import MAX_PRICE, band_for, within_band

_INT = re.compile(r"[+-]?[0-9]{1,15}", re.ASCII).fullmatch
_HMS = re.compile(r"(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]", re.ASCII).fullmatch

Match = Callable[[str], Any]  # a compiled pattern's fullmatch: None when the text is unusable

# The shape of each 0B field a rule can read, as one anchored ASCII pattern: the digit
# counts bound the range, so a check is one regex call and no int() (this runs per tick).
_PRICE_RE = r"[+-]?[0-9]{1,9}"  # then the day's band
_SHAPE_RES: dict[str, str] = {
    fields.VOLUME: r"[+-]?[0-9]{1,9}",  # < 10^9 shares
    fields.CUM_VOLUME: r"[+-]?[0-9]{1,12}",
    fields.RATE: r"[+-]?[0-9]{1,2}(?:\.[0-9]{1,4})?",  # percent
    fields.STRENGTH: r"[+-]?[0-9]{1,6}(?:\.[0-9]{1,4})?",
}
_PRICE = re.compile(_PRICE_RE, re.ASCII).fullmatch
_LAST = re.compile(r"[+-]?0*[1-9][0-9]{0,8}", re.ASCII).fullmatch  # field 10: above 0
_SHAPES: dict[str, Match] = {f: re.compile(p, re.ASCII).fullmatch for f, p in _SHAPE_RES.items()}
_PRICES = (fields.ASK, fields.BID, fields.OPEN, fields.HIGH, fields.LOW)

# The 0B fields behind each vocabulary name (compile/conditions.py FRAGMENTS reads them).
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    "ask": (fields.ASK,),
    "bid": (fields.BID,),
    "spread": (fields.ASK, fields.BID),
    "volume": (fields.VOLUME,),
    "buy_volume": (fields.VOLUME,),
    "sell_volume": (fields.VOLUME,),
    "side": (fields.VOLUME,),
    "cum_volume": (fields.CUM_VOLUME,),
    "change_rate": (fields.RATE,),
    "open": (fields.OPEN,),
    "high": (fields.HIGH,),
    "low": (fields.LOW,),
    "pct_from_open": (fields.OPEN,),
    "strength": (fields.STRENGTH,),
}
ALL_NAMES = frozenset(NAME_FIELDS)


CACHE_LIMIT = 65_536  # distinct strings remembered per cache before it starts afresh


class ShapeCache:
    """Remembers which strings passed a field's pattern (as their value, for prices).

    Ticks repeat the same few hundred price and volume strings all day: a dict lookup is
    several times cheaper than a regex match, and this runs for every tick.
    """

    __slots__ = ("known", "match", "as_int")

    def __init__(self, match: Match, *, as_int: bool) -> None:
        self.known: dict[str, int] = {}  # text that fits -> |value| (prices) or 0
        self.match = match
        self.as_int = as_int

    def learn(self, raw: str) -> int:
        """-1 when ``raw`` does not fit the pattern, else its absolute value (or 0)."""
        if type(raw) is not str:
            return -1  # absent (None), or not text
        if self.match(raw) is None:
            return -1  # not remembered: garbled text is rare, and told every time
        value = abs(int(raw)) if self.as_int else 0
        known = self.known
        if len(known) >= CACHE_LIMIT:
            known.clear()
        known[raw] = value
        return value


class Caches:
    """One decoder's ``ShapeCache`` per field: every symbol's checks share them, so a
    text judged for one symbol is known for the next."""

    __slots__ = ("last_price", "prices", "shapes")

    def __init__(self) -> None:
        self.last_price = ShapeCache(_LAST, as_int=True)
        self.prices = ShapeCache(_PRICE, as_int=True)
        self.shapes = {fid: ShapeCache(match, as_int=False) for fid, match in _SHAPES.items()}


class TickChecks:
    """The 0B fields some rules read, checked by one function made for that set of fields.

    ``problem(tick, low, high)`` reads each field by attribute and looks its text up in
    the field's ``ShapeCache`` (a regex runs only for text not seen before), then holds
    the prices to the day's band ``low``-``high``; it returns why the tick is unusable,
    or ``""``. The function is generated from the field numbers alone (fixed templates,
    no outside text), so the per-tick cost is a few dict lookups and no Python loop."""

    __slots__ = ("prices", "shaped", "last_price", "price_cache", "problem", "n")

    def __init__(
        self,
        prices: tuple[str, ...] = (),
        shaped: tuple[str, ...] = (),
        caches: Caches | None = None,
    ) -> None:
        """``caches``: the text already judged, shared by the checks of one decoder."""
        caches = caches or Caches()
        self.prices = prices
        self.shaped = tuple((fid, caches.shapes[fid]) for fid in shaped)
        self.last_price = caches.last_price  # field 10, on every tick
        self.price_cache = caches.prices
        self.n = len(prices) + len(shaped)
        self.problem: Callable[[Tick, int, int], str] = self._build()

    def __bool__(self) -> bool:
        return self.n > 0

    @property
    def fields(self) -> list[str]:
        return sorted([*self.prices, *(fid for fid, _ in self.shaped)], key=int)

    def _build(self) -> Callable[[Tick, int, int], str]:
        """Every field's shape first (prices, then the others), then the prices' band.
        A text in a field's cache fit its pattern before: ``in`` and no call."""
        env: dict[str, Any] = {
            "__builtins__": {},
            "_pk": self.price_cache.known,
            "_pl": self.price_cache.learn,
            "_why": _why,
        }
        lines = ["def _problem(v, low, high):"]
        for i, fid in enumerate(self.prices):
            lines += [
                f"    r = v.f{fid}",
                f"    if r in _pk: p{i} = _pk[r]",
                "    else:",
                f"        p{i} = _pl(r)",
                f"        if p{i} < 0: return _why({fid!r}, r)",
            ]
        for i, (fid, cache) in enumerate(self.shaped):
            env[f"_sk{i}"], env[f"_sl{i}"] = cache.known, cache.learn
            lines += [
                f"    r = v.f{fid}",
                f"    if r not in _sk{i} and _sl{i}(r) < 0: return _why({fid!r}, r)",
            ]
        for i, fid in enumerate(self.prices):
            outside = f"field {fid} outside the day's price band"
            lines.append(f"    if p{i} and not low <= p{i} <= high: return {outside!r}")
        lines.append("    return ''")
        namespace: dict[str, Any] = {}
        exec(compile("\n".join(lines) + "\n", "<tick checks>", "exec"), env, namespace)  # noqa: S102
        problem: Callable[[Tick, int, int], str] = namespace["_problem"]
        return problem


def checks_for(names: Iterable[str], caches: Caches | None = None) -> TickChecks:
    """The checks for every 0B field that the vocabulary ``names`` read."""
    prices, shaped = _fields(names)
    return TickChecks(prices, shaped, caches)


def _fields(names: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The price fields and the other shaped fields behind ``names``, in check order."""
    fids = {fid for name in names for fid in NAME_FIELDS.get(name, ())}
    return tuple(f for f in _PRICES if f in fids), tuple(f for f in _SHAPES if f in fids)


class SymbolChecks:
    """Each symbol's tick check: the fields *its* rules read, not every rule's.

    A plan whose rules watch different symbols reads different fields of each (one
    rule's ``strength`` on five stocks, another's ``low`` on five others): checking
    every field the plan reads on every tick cost those symbols a check per field no
    rule of theirs reads (0.4 us a frame on ``bench/engine.py``'s day). ``reads_of``
    names what a symbol's rules read; the checks of one field set are made once and
    share one decoder's caches."""

    def __init__(self, reads_of: Callable[[str], Iterable[str]]) -> None:
        self.reads_of = reads_of
        self.caches = Caches()
        self._by_fields: dict[tuple[tuple[str, ...], tuple[str, ...]], TickChecks] = {}

    def of(self, item: str) -> TickChecks:
        key = _fields(self.reads_of(item))
        checks = self._by_fields.get(key)
        if checks is None:
            checks = self._by_fields[key] = TickChecks(*key, self.caches)
        return checks


def _why(fid: str, raw: Any) -> str:
    return f"field {fid} absent" if raw is None or raw == "" else f"field {fid} garbled"


def valid_hms(raw: Any) -> bool:
    return type(raw) is str and _HMS(raw) is not None


class PriceBand:
    """The day's +-30% band per symbol, fixed by its first usable tick."""

    def __init__(self) -> None:
        self.bands: dict[str, tuple[int, int]] = {}

    def first(self, item: str, price: int, values: Tick) -> tuple[int, int] | None:
        """Fix ``item``'s band from this tick; None when the tick contradicts itself."""
        change = values.f11
        if change is not None and _INT(change):
            base = price - int(change)
            if base <= 0 or not within_band(price, base):
                return None
            band = (-(-base * 7 // 10), base * 13 // 10)
        else:
            band = band_for(price)
        self.bands[item] = band
        return band


def price_ok(raw: Any) -> bool:
    """A price field: ASCII digits, an optional sign, at most MAX_PRICE."""
    return type(raw) is str and _INT(raw) is not None and abs(int(raw)) <= MAX_PRICE

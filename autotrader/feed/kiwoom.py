"""Decode Kiwoom ``REAL`` frames into engine state, with the hot path kept allocation-free.

A ``0B`` trade tick is written straight into its symbol's ``SymbolState`` (its price, time
and a reference to its values, parsed lazily) and the engine is called with that state:
no tick object is built. ``1h`` and ``0s`` entries, which
are rare, become ``ViEvent`` and ``SessionChange`` values; ``02`` entries (condition
search hits) and the answers that start a condition search (``CNSRLST``, the pages of a
``CNSRREQ``) become ``ConditionHit``, ``ConditionList`` and ``ConditionSnapshot``: live,
the runner hands those answers to this decoder, and a recorded tape carries them, so a
replay applies them exactly as the live run did. Kiwoom's field numbers stay
in this module. Anything malformed is counted and skipped: a bad frame must never stop
a run. Prices arrive with a direction sign (``+60700``): the absolute value is the price.
A tick is checked whole before any rule runs (``feed/validate.py``): its price (ASCII
digits, inside the day's +-30% band), its time, and every field its symbol's rules read;
a tick that fails is skipped, counted, and told to ``FeedCounters.listener`` (type,
item, reason, a short excerpt), which a run points at its journal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from autotrader.clock import hms_to_seconds, receive_second
from autotrader.feed import validate
from autotrader.feed.fastline import Tick
from autotrader.feed.orderbook import price_limits
from autotrader.market.limits import MAX_PRICE
from autotrader.market.sessions import session_name
from autotrader.model import (
    ConditionEvent,
    ConditionHit,
    ConditionList,
    ConditionSnapshot,
    Depth,
    SessionChange,
    ViEvent,
)
from autotrader.model.quotes import PriceLimits
from autotrader.safetext import escape

if TYPE_CHECKING:
    from autotrader.feed.fastline import Line

# 1h fields (see NOTES.md: 9068 is the VI kind, 1224 "000000" while triggered)
_VI_KIND = {"1": "static", "2": "dynamic", "3": "both"}
_VI_DIR = {"1": "up", "2": "down"}
_CONDITION_TRNMS = frozenset({"CNSRLST", "CNSRREQ"})
# A receive time's ".fff" -> seconds: the same float ``_receive`` computes from it.
_MILLIS = {f".{ms:03d}": ms * 0.001 for ms in range(1000)}


@dataclass(slots=True)
class FeedCounters:
    """What the decoder saw; a run reports these so nothing is skipped silently."""

    frames: int = 0
    unsubscribed: int = 0
    control: int = 0  # PING, LOGIN, REG, SYSTEM answers
    malformed: int = 0
    skipped_types: dict[str, int] = field(default_factory=dict)
    last_error: str = ""
    # Hears every skipped frame or entry: (reason, a short escaped excerpt).
    listener: Callable[[str, str], None] | None = None


def _entry(source: bytes, i: int) -> Any:
    """Entry ``i`` of a tape line as orjson decodes it: what a skip shows (rare path)."""
    return orjson.loads(source)["data"][i]


class Unusable(ValueError):
    """An entry the decoder refuses; the message names the type, item and field."""


class TradeTarget(Protocol):
    """Where a trade tick is written (the engine's ``SymbolState``): the feed stands below
    the engine, so it names what it writes, not the engine's type."""

    price: int
    values: Tick
    ts: float
    ticks: int
    depth: dict[str, Any]  # the latest 0D values, as decoded
    program: dict[str, Any]  # the latest 0w values
    limits: PriceLimits | None  # today's 0g limits


class FrameDecoder:
    """Routes the entries of decoded frames to the engine's callbacks."""

    def __init__(
        self,
        states: Mapping[str, TradeTarget],
        market: object,
        day_start: float,
        on_trade: Callable[[Any], None],  # given the state it was written into
        on_vi: Callable[[ViEvent], None],
        on_session: Callable[[SessionChange], None],
        set_time: Callable[[float], None],
        *,
        wall_clock: bool = False,
        on_condition: Callable[[ConditionEvent], None] | None = None,
        reads: Iterable[str] | Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        """``reads``: the vocabulary names the rules read, the same for every symbol, or
        a function of the symbol (``Plan.reads_of``: what that symbol's rules read);
        those fields are checked on every tick. None checks every field a rule could
        read."""
        self.states = states
        self.market = market
        self.day_start = day_start
        self.on_trade = on_trade
        self.on_vi = on_vi
        self.on_session = on_session
        self.set_time = set_time
        self.on_condition = on_condition
        self._pages: dict[str, list[str]] = {}  # condition seq -> stocks of its pages so far
        self.counters = FeedCounters()
        # Live: frame times only validate; the clock is the wall clock, given by stamp().
        # A tape whose lines carry their receive time ("rt") is clocked the same way.
        self.wall_clock = wall_clock
        self.live = wall_clock  # a live feed's "rt" (none from Kiwoom) is no clock
        self._rt_second = ""  # the HHMMSS of the last receive time, and its epoch seconds
        self._rt_base = day_start
        self._last_hms = ""
        self._last_ts = day_start
        self.reads = reads  # sets the checks
        self.bands = validate.PriceBand()
        self._bands = self.bands.bands
        self._band_day_end = day_start + 86_400.0  # a new day has new bases (live runs)
        self.on_depth: Callable[[Depth], None] | None = None  # 0D, for a simulated venue

    def feed(self, frame: Any) -> None:
        """Consume one decoded websocket frame (a dict); never raises on bad input."""
        c = self.counters
        c.frames += 1
        try:
            if frame["trnm"] != "REAL":
                c.control += 1
                if frame["trnm"] in _CONDITION_TRNMS:
                    rt = frame.get("rt")  # a recorded answer: the clock to its arrival
                    if rt is None or self.live or self._receive(rt):
                        self._condition_answer(frame)
                return
            entries = frame["data"]
            rt = frame.get("rt")
        except (KeyError, TypeError, IndexError, AttributeError):
            self._malformed("frame without trnm/data")
            return
        if rt is not None and not self._clock_to(rt):
            return
        if type(entries) is not list:
            self._malformed("data is not a list")
            return
        for entry in entries:
            try:
                kind = entry["type"]
                if kind != "0B":
                    self._other(kind, entry)
                    continue
                values = entry["values"]
                if type(values) is not dict:
                    raise Unusable("0B: values are not an object")
                self._trade(entry["item"], Tick.of(values))
            except Unusable as exc:
                self._malformed(str(exc), entry)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self._malformed(f"{type(exc).__name__}: {exc}", entry)

    def feed_line(self, line: Line, source: bytes) -> None:
        """``feed`` for a tape line msgspec decoded (feed/fastline.py): only 0B ticks,
        their fields strings or absent. The same steps and checks; a skipped entry is
        shown as ``feed`` shows it, from the ``source`` line."""
        c = self.counters
        c.frames += 1
        if line.trnm != "REAL":
            c.control += 1
            return
        rt = line.rt
        if rt is not None and not self._clock_to(rt):
            return
        trade = self._trade
        for i, entry in enumerate(line.data):
            try:
                trade(entry.item, entry.values)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self._refused(exc, source, i)

    def _refused(self, exc: Exception, source: bytes, i: int) -> None:
        """Entry ``i`` of a tape line raised ``exc`` (``Unusable`` or a lookup error):
        counted and told, as ``feed`` tells an entry (the compiled loop calls it too)."""
        why = str(exc) if isinstance(exc, Unusable) else f"{type(exc).__name__}: {exc}"
        self._malformed(why, _entry(source, i))

    def _trade(self, item: str, v: Tick) -> None:
        """The hot path: one 0B trade tick, checked whole, then handed to the engine."""
        hms = v.f20
        if hms != self._last_hms:  # every trade moves the clock, subscribed or not
            if not validate.valid_hms(hms):
                raise Unusable(f"0B {item}: field 20 garbled")
            self._advance(hms)
        st = self.states.get(item)
        if st is None:
            self.counters.unsubscribed += 1
            return
        raw = v.f10  # the one field parsed per tick; see fields.py
        price = self._known_last(raw)
        if price is None:
            price = self._last_price.learn(raw)
        if price <= 0:
            raise Unusable(f"0B {item}: field 10 garbled")
        low, high = self._bands.get(item) or self._first_band(item, price, v)
        if not low <= price <= high:
            raise Unusable(f"0B {item}: price {price} outside the day's band")
        try:
            problem = self._problems[item]
        except KeyError:
            problem = self._problem_of(item)
        if problem is not None:
            why = problem(v, low, high)
            if why:
                raise Unusable(f"0B {item}: {why}")
        st.price = price
        st.values = v
        st.ts = self._last_ts
        st.ticks += 1
        self.on_trade(st)

    @property
    def reads(self) -> Callable[[str], Iterable[str]]:
        """What the rules of a symbol read: its ticks' checked fields (see ``__init__``)."""
        return self._symbol_checks.reads_of

    @reads.setter
    def reads(self, reads: Iterable[str] | Callable[[str], Iterable[str]] | None) -> None:
        """New rules (a reload): each symbol's checks are made afresh on its next tick."""
        if reads is None or not callable(reads):
            names = frozenset(validate.ALL_NAMES if reads is None else reads)
            self._symbol_checks = validate.SymbolChecks(lambda item: names)
        else:
            self._symbol_checks = validate.SymbolChecks(reads)
        self._last_price = self._symbol_checks.caches.last_price  # field 10, every tick
        self._known_last = self._last_price.known.get
        self._problems: dict[str, Callable[[Tick, int, int], str] | None] = {}

    def checks_of(self, item: str) -> validate.TickChecks:
        """The fields checked on ``item``'s ticks: those its rules read."""
        return self._symbol_checks.of(item)

    def _problem_of(self, item: str) -> Callable[[Tick, int, int], str] | None:
        checks = self._symbol_checks.of(item)
        problem = self._problems[item] = checks.problem if checks else None
        return problem

    def _first_band(self, item: str, price: int, values: Tick) -> tuple[int, int]:
        if not 0 < price <= MAX_PRICE:
            raise Unusable(f"0B {item}: price {price} out of range")
        band = self.bands.first(item, price, values)
        if band is None:
            raise Unusable(f"0B {item}: fields 10 and 11 disagree on the base price")
        return band

    def _other(self, kind: Any, entry: Any) -> None:
        if kind == "1h":
            self._vi(entry)
        elif kind == "0s":
            self._session(entry)
        elif kind == "0D" or kind == "0g" or kind == "0w":
            self._keep_latest(kind, entry)
            if kind == "0D" and self.on_depth is not None:
                self._depth(entry)  # the paper venue's book sizes (docs/paper-fills.md)
        elif kind == "02":
            self._condition_hit(entry)
        else:
            skipped = self.counters.skipped_types
            skipped[kind] = skipped.get(kind, 0) + 1

    def _keep_latest(self, kind: str, entry: Any) -> None:
        # 0D and 0w: keep the values as they came (feed/orderbook.py, feed/program.py
        # read them on demand); 0g: today's exact price limits. None moves the clock or
        # runs rules: rules read them when the next trade arrives.
        st = self.states.get(entry["item"])
        if st is None:
            self.counters.unsubscribed += 1
            return
        values = entry["values"]
        if type(values) is not dict:
            raise TypeError(f"{kind} values are not an object")
        if kind == "0D":
            st.depth = values
            return
        if kind == "0w":
            st.program = values
            return
        limits = price_limits(values)
        if limits is None:
            raise ValueError("0g without readable upper/lower/base prices")
        st.limits = limits

    def _malformed(self, why: str, excerpt: object = "") -> None:
        c = self.counters
        c.malformed += 1
        c.last_error = escape(why[:200])
        if c.listener is not None:
            shown = escape(str(excerpt)[:240])[:120] if excerpt else ""
            with suppress(Exception):  # a listener's failure must not stop the feed
                c.listener(c.last_error, shown)

    def stamp(self, ts: float) -> None:
        """Live mode: the wall-clock reading for the frames that follow (never backwards)."""
        if ts > self._last_ts:
            self._last_ts = ts
            if ts >= self._band_day_end:
                self.bands.bands.clear()
                while self._band_day_end <= ts:
                    self._band_day_end += 86_400.0
            self.set_time(ts)

    def _clock_to(self, rt: Any) -> bool:
        """A line's receive time moves the clock; False (counted malformed) when unreadable.
        The common case first: a receive time in the second of the previous one, its
        ``.fff`` read by one lookup (a live feed never sets ``_rt_second``)."""
        if type(rt) is str and rt[:6] == self._rt_second:
            ms = _MILLIS.get(rt[6:])
            if ms is not None:
                ts = self._rt_base + ms
                if ts > self._last_ts:
                    self._last_ts = ts
                    self.set_time(ts)
                return True
        return self._receive(rt)

    def _receive(self, rt: Any) -> bool:
        """A tape line's receive time ("HHMMSS.fff") drives the clock, to the millisecond."""
        if self.live:
            return True
        try:
            second = receive_second(rt)  # checks the whole of HHMMSS.fff
            self._rt_base = base = self.day_start + second  # for the lines of this second
            self._rt_second = rt[:6]
            ts = base + int(rt[7:]) * 0.001  # the same sum as the inline path's
        except (ValueError, TypeError) as exc:
            self._malformed(f"bad receive time: {exc}")
            return False
        self.wall_clock = True  # from now on the entries' whole seconds only validate
        if ts > self._last_ts:
            self._last_ts = ts
            self.set_time(ts)
        return True

    def _advance(self, hms: str) -> None:
        if self.wall_clock and hms == self._rt_second:  # checked with the receive time
            self._last_hms = hms
            return
        ts = self.day_start + hms_to_seconds(hms)
        self._last_hms = hms
        if self.wall_clock:
            return
        if ts > self._last_ts:
            self._last_ts = ts
            self.set_time(ts)

    def _clock(self, hms: str) -> float:
        if hms != self._last_hms:
            self._advance(hms)
        return self._last_ts

    def _vi(self, entry: Any) -> None:
        v = entry["values"]
        item = entry.get("item") or v.get("9001", "")
        if type(item) is not str or not 6 <= len(item) <= 9 or not item.isascii():
            raise Unusable("1h: no item")
        release = v.get("1224", "000000") or "000000"
        released = release != "000000"
        hms = release if released else v.get("1223", "")
        if hms and not validate.valid_hms(hms):
            raise Unusable(f"1h {item}: field {1224 if released else 1223} garbled")
        ts = self._clock(hms) if hms else self._last_ts
        raw_price = v.get("1221") or "0"
        if type(raw_price) is not str or not validate.price_ok(raw_price):
            raise Unusable(f"1h {item}: field 1221 garbled")
        event = ViEvent(
            symbol=item,
            kind=_VI_KIND.get(v.get("9068", ""), "unknown"),
            released=released,
            direction=_VI_DIR.get(v.get("9069", ""), ""),
            trigger_price=abs(int(raw_price)),
            ts=ts,
        )
        self.on_vi(event)

    def _depth(self, entry: Any) -> None:
        v = entry["values"]
        hms = v.get("21", "")
        ts = self._clock(hms) if hms else self._last_ts
        handler = self.on_depth
        if handler is not None:
            handler(Depth(str(entry["item"]), ts, lambda: (_levels(v, 41, 61), _levels(v, 51, 71))))

    def _session(self, entry: Any) -> None:
        v = entry["values"]
        code = v["215"]
        if type(code) is not str or not 0 < len(code) <= 2 or not code.isascii():
            raise Unusable("0s: field 215 garbled")
        hms = v.get("20", "")
        if hms and not validate.valid_hms(hms):
            raise Unusable("0s: field 20 garbled")
        ts = self._clock(hms) if hms else self._last_ts
        self.on_session(SessionChange(code=code, name=session_name(code), ts=ts))

    # -- condition search ---------------------------------------------------------------

    def _condition_hit(self, entry: Any) -> None:
        v = entry["values"]
        side = v.get("843")
        if side not in ("I", "D"):
            raise Unusable(f"02: field 843 is {str(side)[:8]!r}, not I or D")
        seq = v["841"]
        if type(seq) is not str or not 0 < len(seq) <= 8 or not seq.isascii():
            raise Unusable("02: field 841 garbled")
        hms = v.get("20", "")
        if hms and not validate.valid_hms(hms):
            raise Unusable("02: field 20 garbled")
        ts = self._clock(hms) if hms else self._last_ts
        code = _code(v.get("9001") or entry.get("item"))
        if self.on_condition is not None:
            self.on_condition(ConditionHit(seq, code, side == "I", ts))

    def _condition_answer(self, frame: Any) -> None:
        """A CNSRLST answer (the saved conditions) or one page of a CNSRREQ answer."""
        try:
            if str(frame.get("return_code", 0)) not in ("0", ""):
                self._malformed(f"{frame['trnm']} refused: return_code {frame['return_code']}")
                return
            data = frame.get("data") or []
            if frame["trnm"] == "CNSRLST":
                pairs = tuple((str(row[0]), str(row[1])) for row in data)
                event: ConditionEvent = ConditionList(pairs, self._last_ts)
            else:
                seq = str(frame["seq"])
                page = self._pages.setdefault(seq, [])
                page.extend(_code(row["9001"]) for row in data)
                if str(frame.get("cont_yn", "N")).upper() == "Y":
                    return  # more pages follow
                del self._pages[seq]
                unique = tuple(dict.fromkeys(page))
                event = ConditionSnapshot(seq, unique, self._last_ts)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
            self._malformed(f"{frame.get('trnm')}: {type(exc).__name__}: {exc}")
            return
        if self.on_condition is not None:
            self.on_condition(event)


def _code(value: Any) -> str:
    """A condition search's stock code: ``A005930`` -> ``005930``."""
    text = str(value or "").strip()
    if len(text) == 7 and text[0] == "A":
        text = text[1:]
    if len(text) != 6 or not text.isascii() or not text.isalnum():
        raise Unusable(f"condition search: stock code {text[:12]!r} garbled")
    return text


def _levels(v: Any, price_fid: int, size_fid: int) -> tuple[tuple[int, int], ...]:
    """The ten (price, size) levels of one side of a 0D. Empty levels are dropped, and so
    is a level whose price or size cannot be read: the book is read late (``Depth``), by
    the paper venue as an order arrives, where a garbled frame must not stop the order,
    and the ``book.*`` readers take the same frame defensively (feed/orderbook.py)."""
    out = []
    for i in range(10):
        try:
            price = abs(int(v.get(str(price_fid + i)) or 0))
            size = abs(int(v.get(str(size_fid + i)) or 0))
        except (ValueError, TypeError):
            continue
        if 0 < price <= MAX_PRICE:
            out.append((price, size))
    return tuple(out)

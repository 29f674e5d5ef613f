"""Decode Kiwoom ``REAL`` frames into engine state, with the hot path kept allocation-free.

A ``0B`` trade tick is written straight into its symbol's ``SymbolState`` and the engine
is called with that state: no tick object is built. ``1h`` and ``0s`` entries, which
are rare, become ``ViEvent`` and ``SessionChange`` values. Kiwoom's field numbers stay
in this module. Anything malformed is counted and skipped: a bad frame must never stop
a run. Prices arrive with a direction sign (``+60700``): the absolute value is the price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autotrader.clock import hms_to_seconds
from autotrader.market.sessions import session_name
from autotrader.model import SessionChange, ViEvent

if TYPE_CHECKING:
    from autotrader.engine.state import MarketState, SymbolState

# 0B fields
_TIME, _PRICE, _RATE, _ASK, _BID, _VOL, _CUMVOL = "20", "10", "12", "27", "28", "15", "13"
_OPEN, _HIGH, _LOW, _STRENGTH = "16", "17", "18", "228"
# 1h fields (see NOTES.md: 9068 is the VI kind, 1224 "000000" while triggered)
_VI_KIND = {"1": "static", "2": "dynamic", "3": "both"}
_VI_DIR = {"1": "up", "2": "down"}


@dataclass(slots=True)
class FeedCounters:
    """What the decoder saw; a run reports these so nothing is skipped silently."""

    frames: int = 0
    trades: int = 0
    unsubscribed: int = 0
    control: int = 0  # PING, LOGIN, REG, SYSTEM answers
    malformed: int = 0
    skipped_types: dict[str, int] = field(default_factory=dict)
    last_error: str = ""


class FrameDecoder:
    """Routes the entries of decoded frames to the engine's callbacks."""

    def __init__(
        self,
        states: Mapping[str, SymbolState],
        market: MarketState,
        day_start: float,
        on_trade: Callable[[SymbolState], None],
        on_vi: Callable[[ViEvent], None],
        on_session: Callable[[SessionChange], None],
        set_time: Callable[[float], None],
    ) -> None:
        self.states = states
        self.market = market
        self.day_start = day_start
        self.on_trade = on_trade
        self.on_vi = on_vi
        self.on_session = on_session
        self.set_time = set_time
        self.counters = FeedCounters()
        self._last_hms = ""
        self._last_ts = day_start

    def feed(self, frame: Any) -> None:
        """Consume one decoded websocket frame (a dict); never raises on bad input."""
        c = self.counters
        c.frames += 1
        try:
            if frame["trnm"] != "REAL":
                c.control += 1
                return
            entries = frame["data"]
        except (KeyError, TypeError):
            self._malformed("frame without trnm/data")
            return
        if type(entries) is not list:
            self._malformed("data is not a list")
            return
        for entry in entries:
            try:
                kind = entry["type"]
                if kind == "0B":
                    self._trade(entry)
                elif kind == "1h":
                    self._vi(entry)
                elif kind == "0s":
                    self._session(entry)
                else:
                    c.skipped_types[kind] = c.skipped_types.get(kind, 0) + 1
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                self._malformed(f"{type(exc).__name__}: {exc}")

    def _malformed(self, why: str) -> None:
        self.counters.malformed += 1
        self.counters.last_error = why[:200]

    def _clock(self, hms: str) -> float:
        if hms != self._last_hms:
            self._last_hms = hms
            ts = self.day_start + hms_to_seconds(hms)
            if ts > self._last_ts:
                self._last_ts = ts
                self.set_time(ts)
        return self._last_ts

    def _trade(self, entry: Any) -> None:
        st = self.states.get(entry["item"])
        if st is None:
            self.counters.unsubscribed += 1
            return
        v = entry["values"]
        # Parse every field before touching the state, so a bad value leaves it intact.
        price = abs(int(v[_PRICE]))
        ask = abs(int(v[_ASK]))
        bid = abs(int(v[_BID]))
        volume = int(v[_VOL])
        rate = float(v[_RATE])
        ts = self._clock(v[_TIME])
        if price <= 0:
            raise ValueError("non-positive price")
        st.price = price
        st.ask = ask
        st.bid = bid
        st.volume = volume
        st.change_rate = rate / 100.0
        st.ts = ts
        st.ticks += 1
        # Day statistics are optional in a frame; keep the last good value.
        get = v.get
        if (x := get(_CUMVOL)) is not None and x != "":
            st.cum_volume = int(x)
        if (x := get(_OPEN)) is not None and x != "":
            st.open = abs(int(x))
        if (x := get(_HIGH)) is not None and x != "":
            st.high = abs(int(x))
        if (x := get(_LOW)) is not None and x != "":
            st.low = abs(int(x))
        if (x := get(_STRENGTH)) is not None and x != "":
            st.strength = float(x)
        self.counters.trades += 1
        self.on_trade(st)

    def _vi(self, entry: Any) -> None:
        v = entry["values"]
        item = entry.get("item") or v.get("9001", "")
        release = v.get("1224", "000000") or "000000"
        released = release != "000000"
        hms = release if released else v.get("1223", "")
        ts = self._clock(hms) if hms else self._last_ts
        event = ViEvent(
            symbol=str(item),
            kind=_VI_KIND.get(v.get("9068", ""), "unknown"),
            released=released,
            direction=_VI_DIR.get(v.get("9069", ""), ""),
            trigger_price=abs(int(v.get("1221") or 0)),
            ts=ts,
        )
        self.on_vi(event)

    def _session(self, entry: Any) -> None:
        v = entry["values"]
        code = str(v["215"])
        hms = v.get("20", "")
        ts = self._clock(hms) if hms else self._last_ts
        self.on_session(SessionChange(code=code, name=session_name(code), ts=ts))

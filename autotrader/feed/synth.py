"""Synthetic KRX trading days as Kiwoom realtime frames, byte-identical for a given seed.

Tests, benchmarks and demos need a full day of realistic traffic without a broker
account, and they need the same bytes every time so a failure can be replayed. The day
follows the KRX timetable: ``0s`` notices at 08:40 (``0``), 09:00 (``3``), 15:20 (``2``)
and 15:30 (``4``); an opening single-price trade per symbol at 09:00:00; continuous
``0B`` trades until 15:19:59; nothing during the closing auction; one closing trade per
symbol at 15:30:00. One symbol runs into a VI: the price climbs (static, +10% from the
open) or jumps (dynamic) to the trigger, ``1h`` arrives with 1224 ``000000`` under the
bare code and the ``_AL`` item, the symbol is silent for the 2-minute call auction plus
0-30 s, then the release ``1h`` (1224 filled) and one auction trade. Every line carries
its receive time ``rt`` (docs/tape-format.md): the frames of one exchange second are
spread evenly over its milliseconds.
With ``conditions``, condition search is played over the day (``with_conditions``):
``02`` hits follow the trades that cross each screen.

Prices live on the KRX tick grid, inside the daily +-30% limits and within 8% of the
static VI reference (so no other VI would have fired). Gold spot codes (``M04020000``,
``M04020100``) trade on gold's grid instead: 10 won a gram, +-10% limits, no VI. The
path is a mean-reverting walk in log price toward a slow daily trend. ``cfg.ticks`` is
the exact number of ``0B`` entries (opening, continuous, VI auction and closing trades
together).

Three options (off by default, so a seed's base day stays byte-identical) add the rest of
the venue, drawn from their own random stream: ``auctions`` adds ``0H`` expected-price
frames in the opening auction (each minute 08:30-08:59), in the VI auction (every 10 s)
and in the closing auction (each minute 15:20-15:29); ``after_hours`` adds the
pre-market closing-price session (prints at the previous close, 08:30-08:39), the
post-close closing-price session (prints at the close, 15:40-15:59) and the after-hours
single price (one print every 10 minutes, 16:10-18:00, within +-10% of the close), with
their ``0s`` codes; ``nextrade`` names codes that also trade on Nextrade: ``_NX`` prints
in its pre-market (08:00-08:49), main (each minute 09:00-15:19) and after-market
(every 10 minutes 15:30-19:50) sessions, with the ``P``/``Q``/``R``/``S``/``U``/``V``
codes. ``0H`` carries 20 (time), 10 (expected price), 11/12 (change), 15 (expected
volume): the guide excerpt does not list the type, so these follow ``0B``'s numbering.

The bundled sample was made with::

    write_tape("examples/sample-day.jsonl.gz", SAMPLE_CONFIG)
    # SAMPLE_CONFIG == SynthConfig(seed=7, date="20261120", n_symbols=12, ticks=30_000,
    #                              vi_symbol="005930", vi_kind="static", vi_time="103000")
"""

from __future__ import annotations

import datetime
import math
import os
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from autotrader.feed.tape import TAPE_VERSION, TapeHeader, TapeWriter
from autotrader.market.calendar import KrxCalendar
from autotrader.market.gold import GOLD_PRODUCTS, is_gold
from autotrader.market.grid import limits, round_price, shift_price, tick_down, tick_up
from autotrader.market.screen import Screen, day_values
from autotrader.market.ticks import round_to_tick

_OPEN_S = 9 * 3600  # 09:00:00
_CONT_END = 22_800  # 15:20:00, seconds after the open: continuous trading stops
_CLOSE_T = "153000"
_CODE_RE = re.compile(r"^[0-9A-Z]{6}$")

# (code, name, previous close, shares outstanding, relative liquidity); all KOSPI 200.
_REAL: tuple[tuple[str, str, int, int, float], ...] = (
    ("005930", "삼성전자", 71_500, 5_969_782_550, 10.0),
    ("000660", "SK하이닉스", 215_000, 728_002_365, 6.0),
    ("035720", "카카오", 43_650, 444_070_000, 3.0),
    ("005380", "현대차", 231_500, 209_416_191, 3.0),
    ("035420", "NAVER", 214_500, 158_437_008, 2.5),
    ("068270", "셀트리온", 181_300, 216_858_000, 2.5),
    ("051910", "LG화학", 312_500, 70_592_343, 2.0),
    ("207940", "삼성바이오로직스", 1_043_000, 71_174_000, 1.5),
)
_REAL_BY_CODE = {r[0]: r for r in _REAL}


@dataclass(frozen=True)
class SynthConfig:
    """What day to generate. ``symbols`` (explicit codes) overrides ``n_symbols``.

    ``ticks`` counts every ``0B`` entry. ``vi_symbol`` ``None`` means the first symbol;
    ``vi_kind`` ``None`` means no VI. ``vi_time`` is the trigger time, HHMMSS.
    ``multi_entry_ratio`` is the share of frames that carry two entries.
    ``order_book_ratio`` is the share of continuous-trading frames that are ``0D`` order
    books (after a trade, the traded symbol's book); 0, the default, emits none and leaves
    the day byte-identical to one made before books existed (books draw from their own
    random stream). ``price_limit_frames`` adds one ``0g`` entry per symbol after the
    08:40 notice (upper/lower limit and base price), as Kiwoom sends on registration.
    """

    seed: int = 7
    date: str = "20261120"
    n_symbols: int = 12
    symbols: tuple[str, ...] | None = None
    ticks: int = 30_000
    vi_symbol: str | None = None
    vi_kind: Literal["static", "dynamic"] | None = "static"
    vi_direction: Literal["up", "down"] = "up"
    vi_time: str = "103000"
    multi_entry_ratio: float = 0.03
    # Condition searches to play over the day, (seq, name, screen): market/screen.py.
    conditions: tuple[tuple[str, str, str], ...] = ()
    receive_times: bool = True  # each line's "rt", to the millisecond
    auctions: bool = False
    after_hours: bool = False
    nextrade: tuple[str, ...] = ()
    order_book_ratio: float = 0.0  # share of frames that are 0D books (0 = none)
    price_limit_frames: bool = False  # a 0g per symbol at 08:40: the exact daily limits

    def __post_init__(self) -> None:
        datetime.datetime.strptime(self.date, "%Y%m%d")  # noqa: DTZ007 - a bare date
        codes = self.codes()
        if not codes:
            raise ValueError("a synthetic day needs at least one symbol")
        if len(set(codes)) != len(codes) or not all(_CODE_RE.match(c) or is_gold(c) for c in codes):
            raise ValueError(
                f"symbols must be distinct 6-character KRX codes or gold products: {codes}"
            )
        if self.vi_symbol is not None and is_gold(self.vi_symbol):
            raise ValueError("gold has no VI: vi_symbol must be a stock")
        if self.ticks < 2 * len(codes) + 1:
            raise ValueError(f"ticks must be at least {2 * len(codes) + 1} (open, close, VI)")
        if self.vi_symbol is not None and self.vi_symbol not in codes:
            raise ValueError(f"vi_symbol {self.vi_symbol} is not one of the symbols")
        vi_s = _hms_to_offset(self.vi_time)
        if self.vi_kind is not None and not 300 <= vi_s <= _CONT_END - 300:
            raise ValueError("vi_time must lie between 09:05:00 and 15:15:00")
        if not 0.0 <= self.multi_entry_ratio <= 1.0:
            raise ValueError("multi_entry_ratio must lie in [0, 1]")
        if not set(self.nextrade) <= set(codes):
            raise ValueError(f"nextrade codes must be among the symbols: {self.nextrade}")
        if not 0.0 <= self.order_book_ratio < 1.0:
            raise ValueError("order_book_ratio must lie in [0, 1)")
        for _, _, text in self.conditions:
            Screen(text)  # a ScreenError (a ValueError) names what is wrong

    def codes(self) -> tuple[str, ...]:
        """The symbol codes of the day, in header order."""
        if self.symbols is not None:
            return tuple(self.symbols)
        return _default_codes(self.n_symbols)


def day_codes(codes: Iterable[str], strategy_symbols: Iterable[str] = ()) -> tuple[str, ...] | None:
    """The codes a synthetic day trades, from ``--code`` and a strategy's symbols (None:
    the generator's default list)."""
    return tuple(dict.fromkeys([*codes, *strategy_symbols])) or None


def session_day(date: str) -> str:
    """``date`` (YYYYMMDD) if KRX trades that day; a multi-day replay refuses other days."""
    try:
        day = datetime.datetime.strptime(date, "%Y%m%d").date()  # noqa: DTZ007 - a bare date
    except ValueError:
        raise ValueError(f"--date must be YYYYMMDD, got {date[:20]!r}") from None
    if not KrxCalendar().is_session(day):
        raise ValueError(f"{date} is not a KRX trading day (a weekend or a holiday)")
    return date


def _hms_to_offset(hms: str) -> int:
    if len(hms) != 6 or not hms.isdigit():
        raise ValueError(f"time must be HHMMSS, got {hms!r}")
    return int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:]) - _OPEN_S


def _default_codes(n: int) -> tuple[str, ...]:
    codes = [r[0] for r in _REAL[:n]]
    # Generated codes do not depend on the seed, so a universe stays stable across seeds.
    rng = random.Random("autotrader.synth.codes")
    seen = set(codes)
    while len(codes) < n:
        code = f"{rng.randrange(100, 48_000):05d}0"
        if code not in seen and code not in _REAL_BY_CODE:
            seen.add(code)
            codes.append(code)
    return tuple(codes)


# the bundled examples/sample-day.jsonl.gz; tests regenerate it and compare
SAMPLE_CONFIG = SynthConfig(
    seed=7,
    date="20261120",
    n_symbols=12,
    ticks=30_000,
    vi_symbol="005930",
    vi_kind="static",
    vi_time="103000",
)


@dataclass(slots=True)
class _Symbol:
    code: str
    name: str
    base: int
    shares: int
    weight: float
    kospi200: bool
    market: str  # 9008: "101" KOSPI, "201" KOSDAQ
    lot: float  # mean shares per trade
    cost: str  # field 32
    lower: int = 0
    upper: int = 0
    prev_vol: int = 0
    prev_value: int = 0
    # walk state: log price relative to base, its target line, clamp band
    x: float = 0.0
    sd: float = 0.0
    pull: float = 0.0
    c0: float = 0.0
    c1: float = 0.0
    t0: int = 0
    span: float = 1.0
    pmin: int = 0
    pmax: int = 0
    ref: int = 0  # static VI reference: the last single price
    last: int = 0
    # day state
    open: int = 0
    high: int = 0
    low: int = 0
    high_t: str = "090000"
    low_t: str = "090000"
    cum_vol: int = 0
    cum_value: int = 0
    buy_vol: int = 0
    sell_vol: int = 0
    buy_n: int = 0
    sell_n: int = 0


def _make_symbols(cfg: SynthConfig) -> list[_Symbol]:
    out: list[_Symbol] = []
    for i, code in enumerate(cfg.codes()):
        r = random.Random(f"{cfg.seed}:{code}")
        real = _REAL_BY_CODE.get(code)
        if real is not None:
            _, name, base, shares, weight = real
            kospi200, market = True, "101"
        elif is_gold(code):  # KRW a gram on a 10-won grid, +-10% a day (market/gold.py)
            name = GOLD_PRODUCTS[code]
            base = round_price(code, int(r.uniform(140_000, 200_000)), "nearest")
            shares = r.randrange(1_000_000, 5_000_000)  # grams in the KRX depository
            weight = 1.0 / (1 + i) ** 0.6 * r.uniform(0.5, 1.5)
            kospi200, market = False, "101"
        else:
            name = f"합성종목{i:03d}"
            raw = int(math.exp(r.uniform(math.log(1_500), math.log(400_000))))
            base = round_to_tick(raw, "nearest")
            shares = r.randrange(10_000_000, 300_000_000)
            weight = 2.0 / (1 + i) ** 0.6 * r.uniform(0.5, 1.5)
            kospi200 = False
            market = "101" if r.random() < 0.4 else "201"
        lot = max(1.0, r.uniform(2e6, 8e6) / base)
        out.append(
            _Symbol(code, name, base, shares, weight, kospi200, market, lot, str(r.randint(5, 90)))
        )
    return out


def tape_header(cfg: SynthConfig) -> TapeHeader:
    """The header ``write_tape`` puts on line 1 for ``cfg``."""
    d = datetime.datetime.strptime(cfg.date, "%Y%m%d").date()  # noqa: DTZ007 - a bare date
    extra = {"source": "synth", "seed": cfg.seed, "ticks": cfg.ticks}
    return TapeHeader(TAPE_VERSION, d, "Asia/Seoul", cfg.codes(), extra)


def _signed(p: int, base: int) -> str:
    if p > base:
        return f"+{p}"
    if p < base:
        return f"-{p}"
    return str(p)


def _plus(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def _pct(v: float) -> str:
    s = f"{v:+.2f}"
    return "0.00" if s in ("+0.00", "-0.00") else s


def _hms(offset: int) -> str:
    t = _OPEN_S + offset
    return f"{t // 3600:02d}{t // 60 % 60:02d}{t % 60:02d}"


def _frame(*entries: dict[str, Any]) -> bytes:
    return orjson.dumps({"trnm": "REAL", "data": list(entries)})


def _session(code: str, hms: str) -> bytes:
    values = {"215": code, "20": hms, "214": "000000"}
    return _frame({"type": "0s", "name": "장시작시간", "item": "", "values": values})


class _Day:
    """The generator's mutable state: one instance per ``generate_frames`` call."""

    def __init__(self, cfg: SynthConfig) -> None:
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.syms = _make_symbols(cfg)
        self.times = [_hms(s) for s in range(_CONT_END + 1)]
        rng = self.rng
        total_w = sum(s.weight for s in self.syms)
        n_cont = cfg.ticks - 2 * len(self.syms) - (1 if cfg.vi_kind else 0)
        self.n_cont = n_cont
        # 0D books: their own stream, so trades stay byte-identical with or without them
        self.book_rng = random.Random(cfg.seed * 1_000_003 + 17)
        r = cfg.order_book_ratio
        self.books_per_trade = r / (1.0 - r)
        self.book_debt = 0.0
        for s in self.syms:
            expected = max(1.0, n_cont * s.weight / total_w)
            s.lower, s.upper = limits(s.code, s.base)
            gap = max(-0.03, min(0.03, rng.gauss(0.0, 0.008)))
            trend = max(-0.04, min(0.04, rng.gauss(0.0, 0.012)))
            daily_sd = rng.uniform(0.012, 0.025)
            s.sd = max(daily_sd / math.sqrt(expected), 0.3 * tick_up(s.code, s.base) / s.base)
            s.pull = min(0.2, max(0.002, 2.0 / expected))
            s.open = self._clamp_limits(s, round_price(s.code, int(s.base * (1 + gap)), "nearest"))
            s.x = math.log(s.open / s.base)
            self._set_line(s, s.x, s.x + trend, 0)
            self._set_band(s, s.open)
            day_vol = int(expected * s.lot * 1.1)
            s.prev_vol = max(1, int(day_vol * rng.uniform(0.7, 1.3)))
            s.prev_value = s.prev_vol * s.base
        self.vi: _Symbol | None = None
        stocks = [s.code for s in self.syms if not is_gold(s.code)]  # gold has no VI
        if cfg.vi_kind is not None and (cfg.vi_symbol is not None or stocks):
            code = cfg.vi_symbol if cfg.vi_symbol is not None else stocks[0]
            self.vi = next(s for s in self.syms if s.code == code)
        self.vi_up = cfg.vi_direction == "up"
        self.vi_trig = _hms_to_offset(cfg.vi_time)
        self.vi_rel = self.vi_trig + 120 + rng.randint(0, 30)
        self.vi_ramp = max(1, self.vi_trig - 1_200)  # a static VI is a 20-minute run
        self.vi_price = 0
        self.vi_ref = 0
        self.vi_x0: float | None = None
        self.venue = _Venue(self)

    # --- price path ---------------------------------------------------------------

    @staticmethod
    def _clamp_limits(s: _Symbol, p: int) -> int:
        return max(shift_price(s.code, s.lower, 1), min(shift_price(s.code, s.upper, -1), p))

    @staticmethod
    def _set_line(s: _Symbol, c0: float, c1: float, t0: int) -> None:
        s.c0, s.c1, s.t0 = c0, c1, t0
        s.span = float(max(1, _CONT_END - t0))

    def _set_band(self, s: _Symbol, ref: int) -> None:
        # within 8% of the static reference, so no unplanned static VI would fire
        s.ref = ref
        low, high = int(ref * 0.92) + 1, int(ref * 1.08)
        s.pmin = max(shift_price(s.code, s.lower, 1), round_price(s.code, low, "up"))
        s.pmax = min(shift_price(s.code, s.upper, -1), round_price(s.code, high, "down"))

    def _step(self, s: _Symbol, t: int) -> int:
        target = s.c0 + (s.c1 - s.c0) * (t - s.t0) / s.span
        pull = s.pull
        if s is self.vi and self.cfg.vi_kind == "static" and self.vi_ramp <= t < self.vi_trig:
            if self.vi_x0 is None:
                self.vi_x0 = s.x
                self.vi_price = self._static_trigger(s)
                if self.vi_up:
                    s.pmax = shift_price(s.code, self.vi_price, -1)
                else:
                    s.pmin = shift_price(s.code, self.vi_price, 1)
            goal = math.log(self.vi_price / s.base)
            frac = (t - self.vi_ramp) / max(1, self.vi_trig - self.vi_ramp)
            target = self.vi_x0 + (goal - self.vi_x0) * frac
            pull = 0.25
        x = s.x + pull * (target - s.x) + self.rng.gauss(0.0, s.sd)
        s.x = x
        p = round_price(s.code, int(s.base * math.exp(x) + 0.5), "nearest")
        return s.pmin if p < s.pmin else s.pmax if p > s.pmax else p

    def _static_trigger(self, s: _Symbol) -> int:
        if self.vi_up:
            return self._clamp_limits(s, round_price(s.code, -(-s.ref * 11 // 10), "up"))
        return self._clamp_limits(s, round_price(s.code, s.ref * 9 // 10, "down"))

    # --- entries ------------------------------------------------------------------

    def _trade(self, s: _Symbol, t: int, p: int, vol: int, buyer: bool) -> dict[str, Any]:
        base = s.base
        hms = self.times[t] if t <= _CONT_END else _CLOSE_T
        if s.cum_vol == 0:
            s.open = s.high = s.low = p
        elif p > s.high:
            s.high, s.high_t = p, hms
        elif p < s.low:
            s.low, s.low_t = p, hms
        if buyer:
            ask, bid = p, p - tick_down(s.code, p)
            s.buy_vol += vol
            s.buy_n += 1
        else:
            ask, bid = p + tick_up(s.code, p), p
            s.sell_vol += vol
            s.sell_n += 1
        s.last = p
        s.cum_vol += vol
        s.cum_value += p * vol
        cum_vol, buy, sell = s.cum_vol, s.buy_vol, s.sell_vol
        diff = p - base
        # yesterday's volume by this time, assuming a quarter of it traded in the auctions
        prev_same = s.prev_vol * (0.15 + 0.75 * t / (_CONT_END + 600))
        values = {
            "20": hms,
            "10": _signed(p, base),
            "11": _plus(diff),
            "12": _pct(diff * 100 / base),
            "27": _signed(ask, base),
            "28": _signed(bid, base),
            "15": f"+{vol}" if buyer else f"-{vol}",
            "13": str(cum_vol),
            "14": str(s.cum_value // 1_000_000),
            "16": _signed(s.open, base),
            "17": _signed(s.high, base),
            "18": _signed(s.low, base),
            "25": "2" if diff > 0 else "5" if diff < 0 else "3",
            "26": _plus(cum_vol - s.prev_vol),
            "29": _plus(s.cum_value - s.prev_value),
            "30": _pct(cum_vol * 100 / s.prev_vol),
            "31": f"{cum_vol * 100 / s.shares:.2f}",
            "32": s.cost,
            "228": f"{min(999.99, buy * 100 / sell):.2f}" if sell else "999.99",
            "311": str(p * s.shares // 100_000_000),
            "290": "2",
            "691": "0",
            "567": "000000",
            "568": "000000",
            "851": _pct(cum_vol * 100 / prev_same),
            "1890": "090000",
            "1891": s.high_t,
            "1892": s.low_t,
            "1030": str(sell),
            "1031": str(buy),
            "1032": f"{buy * 100 / cum_vol:.2f}",
            "1071": str(s.sell_n),
            "1072": str(s.buy_n),
            "1313": _plus(p * vol if buyer else -p * vol),
            "1315": "0" if buyer else str(vol),
            "1316": str(vol) if buyer else "0",
            "1314": _plus(buy - sell),
            "1497": "0",
            "1498": "0",
            "620": str(s.cum_value // cum_vol),
            "732": "0",
            "852": "0",
            "9081": "KRX",
        }
        return {"type": "0B", "name": "주식체결", "item": s.code, "values": values}

    @staticmethod
    def _limits(s: _Symbol) -> dict[str, Any]:
        values = {"297": "", "592": "", "593": "", "305": str(s.upper), "306": str(s.lower)}
        values |= {"307": str(s.base), "689": "", "594": "", "382": "", "370": ""}
        return {"type": "0g", "name": "주식종목정보", "item": s.code, "values": values}

    def _books(self, s: _Symbol, t: int, p: int, buyer: bool) -> Iterator[bytes]:
        """The 0D frames owed after this trade (``order_book_ratio``, paid in whole books)."""
        self.book_debt += self.books_per_trade
        while self.book_debt >= 1.0:
            self.book_debt -= 1.0
            yield _frame(self._book(s, t, p, buyer))

    def _book(self, s: _Symbol, t: int, p: int, buyer: bool) -> dict[str, Any]:
        """Ten levels a side around the trade, one tick apart; depth grows away from the
        touch, and each side's size is drawn so the imbalance wanders."""
        base, rng = s.base, self.book_rng
        ask = p if buyer else p + tick_up(s.code, p)
        bid = p - tick_down(s.code, p) if buyer else p
        ask_f, bid_f = rng.uniform(0.3, 3.0), rng.uniform(0.3, 3.0)
        values: dict[str, str] = {"21": self.times[t]}
        total_ask = total_bid = 0
        a, b = ask, bid
        for n in range(10):
            qa = 1 + int(s.lot * ask_f * (1 + 0.4 * n))
            qb = 1 + int(s.lot * bid_f * (1 + 0.4 * n)) if b > s.lower else 0
            values[str(41 + n)] = _signed(a, base) if a <= s.upper else "0"
            values[str(61 + n)] = str(qa if a <= s.upper else 0)
            values[str(81 + n)] = "0"
            values[str(51 + n)] = _signed(b, base) if b >= s.lower else "0"
            values[str(71 + n)] = str(qb if b >= s.lower else 0)
            values[str(91 + n)] = "0"
            total_ask += qa if a <= s.upper else 0
            total_bid += qb if b >= s.lower else 0
            a += tick_up(s.code, a)
            b -= tick_down(s.code, b) if b > 1 else 0
        values |= {"121": str(total_ask), "122": "0", "125": str(total_bid), "126": "0"}
        values |= {"23": "0", "24": "0", "128": _plus(total_bid - total_ask)}
        values["129"] = f"{total_bid * 100 / max(1, total_ask):.2f}"
        values["138"] = _plus(total_ask - total_bid)
        values["139"] = f"{total_ask * 100 / max(1, total_bid):.2f}"
        values |= {"13": str(s.cum_vol), "215": "0"}
        return {"type": "0D", "name": "주식호가잔량", "item": s.code, "values": values}

    def _auction_trade(self, s: _Symbol, t: int, p: int, size: float) -> dict[str, Any]:
        vol = max(1, int(s.lot * size * self.rng.uniform(0.6, 1.4)))
        buyer = self.rng.random() < 0.5
        return self._trade(s, t, p, vol, buyer)

    def _vi_entries(self, s: _Symbol, released: bool) -> list[dict[str, Any]]:
        static = self.cfg.vi_kind == "static"
        sign = "+" if self.vi_up else "-"
        dev = f"{sign}{abs(self.vi_price - self.vi_ref) * 100 / self.vi_ref:.2f}"
        values = {
            "9001": s.code,
            "302": s.name,
            "13": str(s.cum_vol),
            "14": str(s.cum_value // 1_000_000),
            "9068": "1" if static else "2",
            "9008": s.market,
            "9075": "1",
            "1221": str(self.vi_price),
            "1223": self.times[self.vi_trig],
            "1224": self.times[self.vi_rel] if released else "000000",
            "1225": "정적" if static else "동적",
            "1236": str(self.vi_ref) if static else "0",
            "1237": "0" if static else str(self.vi_ref),
            "1238": dev if static else "0.00",
            "1239": "0.00" if static else dev,
            "1489": dev,
            "1490": "1",
            "9069": "1" if self.vi_up else "2",
            "1279": sign + ("정적" if static else "동적"),
        }
        return [
            {"type": "1h", "name": "VI발동/해제", "item": item, "values": values}
            for item in (s.code, s.code + "_AL")
        ]

    def _trigger(self, s: _Symbol) -> list[bytes]:
        if self.cfg.vi_kind == "static":
            self.vi_ref = s.ref
            if self.vi_x0 is None:  # no trade in the ramp window
                self.vi_price = self._static_trigger(s)
        else:
            self.vi_ref = s.last
            th = 3 if s.kospi200 else 6
            if self.vi_up:
                raw = round_price(s.code, -(-s.last * (100 + th) // 100), "up")
            else:
                raw = round_price(s.code, s.last * (100 - th) // 100, "down")
            self.vi_price = self._clamp_limits(s, raw)
        return [_frame(e) for e in self._vi_entries(s, released=False)]

    def _release(self, s: _Symbol) -> list[bytes]:
        frames = [_frame(e) for e in self._vi_entries(s, released=True)]
        n = self.rng.randint(-2, 3) * (1 if self.vi_up else -1)
        p = self._clamp_limits(s, shift_price(s.code, self.vi_price, n))
        frames.append(_frame(self._auction_trade(s, self.vi_rel, p, 40)))
        s.x = math.log(p / s.base)
        self._set_line(s, s.x, s.x + (-0.02 if self.vi_up else 0.02), self.vi_rel)
        self._set_band(s, p)
        return frames

    # --- the day ------------------------------------------------------------------

    def frames(self) -> Iterator[bytes]:
        rng, syms, cfg = self.rng, self.syms, self.cfg
        n = len(syms)
        yield from self.venue.pre_open()  # with the 08:40 pre-open notice in its place
        if cfg.price_limit_frames:
            yield _frame(*(self._limits(s) for s in syms))
        yield _session("3", "090000")
        if cfg.nextrade:
            yield _session("R", "090000")
        for s in syms:
            yield _frame(self._auction_trade(s, 0, s.open, 30))
        # continuous trades: a U-shaped intraday profile, binned per second
        counts = [0] * _CONT_END
        rand, cos, pi = rng.random, math.cos, math.pi
        for _ in range(self.n_cont):
            v = rand()
            if rand() >= 0.6:
                v = 0.5 - 0.5 * cos(pi * v)
            counts[int(v * _CONT_END)] += 1
        cum_w: list[float] = []
        acc = 0.0
        for s in syms:
            acc += s.weight
            cum_w.append(acc)
        idx = range(n)
        vi = self.vi
        vi_i = syms.index(vi) if vi is not None else -1
        ratio = cfg.multi_entry_ratio
        expo = rng.expovariate
        venue = self.venue
        for t in range(_CONT_END):
            if vi is not None:
                if t == self.vi_trig:
                    yield from self._trigger(vi)
                elif t == self.vi_rel:
                    yield from self._release(vi)
                elif cfg.auctions and self.vi_trig < t < self.vi_rel and t % 10 == 0:
                    yield venue.expected(vi, self.times[t], self.vi_price)
            if cfg.nextrade and t % 60 == 0:
                yield from venue.nx_main(t)
            c = counts[t]
            if not c:
                continue
            picks = rng.choices(idx, cum_weights=cum_w, k=c)
            in_auction = vi is not None and self.vi_trig <= t <= self.vi_rel
            pending: dict[str, Any] | None = None
            for i in picks:
                if in_auction and i == vi_i:
                    if n == 1:
                        continue  # nothing else to trade while the only symbol is halted
                    i = (i + 1) % n
                s = syms[i]
                prev = s.last
                p = self._step(s, t)
                buyer = p > prev or (p == prev and rand() < 0.5)
                vol = 1 + int(expo(1.0) * s.lot)
                entry = self._trade(s, t, p, vol, buyer)
                if pending is not None:
                    yield _frame(pending, entry)
                    pending = None
                elif rand() < ratio:
                    pending = entry
                else:
                    yield _frame(entry)
                if self.books_per_trade:
                    yield from self._books(s, t, p, buyer)
            if pending is not None:
                yield _frame(pending)
        yield _session("2", "152000")
        if cfg.nextrade:
            yield _session("S", "152000")
        yield from venue.closing_auction()
        for s in syms:
            n_ticks = rng.randint(-2, 2)
            p = min(s.pmax, max(s.pmin, shift_price(s.code, s.last, n_ticks)))
            yield _frame(self._auction_trade(s, _CONT_END + 600, p, 60))
        yield _session("4", _CLOSE_T)
        yield from venue.after_close()


class _Venue:
    """The options' extra frames (auctions, after-hours, Nextrade), from their own random
    stream so the base day is the same bytes with or without them."""

    def __init__(self, day: _Day) -> None:
        self.day = day
        self.cfg = day.cfg
        self.rng = random.Random(f"{day.cfg.seed}:venue")
        self.nx = [s for s in day.syms if s.code in day.cfg.nextrade]

    def _print(self, s: _Symbol, item: str, hms: str, p: int, vol: int, session: str) -> bytes:
        diff = p - s.base
        values = {
            "20": hms,
            "10": _signed(p, s.base),
            "11": _plus(diff),
            "12": _pct(diff * 100 / s.base),
            "27": _signed(p + tick_up(s.code, p), s.base),
            "28": _signed(p, s.base),
            "15": f"-{vol}",
            "13": str(vol),
            "290": session,
            "9081": "NXT" if item.endswith("_NX") else "KRX",
        }
        return _frame({"type": "0B", "name": "주식체결", "item": item, "values": values})

    def expected(self, s: _Symbol, hms: str, near: int) -> bytes:
        """A ``0H`` expected price near ``near``: it never fills anything."""
        p = min(s.upper, max(s.lower, shift_price(s.code, near, self.rng.randint(-3, 3))))
        diff = p - s.base
        values = {
            "20": hms,
            "10": _signed(p, s.base),
            "11": _plus(diff),
            "12": _pct(diff * 100 / s.base),
            "15": f"+{max(1, int(s.lot * self.rng.uniform(5, 30)))}",
        }
        return _frame({"type": "0H", "name": "주식예상체결", "item": s.code, "values": values})

    def _lot(self, size: float) -> int:
        return max(1, int(size * self.rng.uniform(0.5, 1.5)))

    def _near(self, s: _Symbol, p: int, ticks: int = 2) -> int:
        return min(s.pmax, max(s.pmin, shift_price(s.code, p, self.rng.randint(-ticks, ticks))))

    def pre_open(self) -> Iterator[bytes]:
        timed: list[tuple[str, bytes]] = [("084000", _session("0", "084000"))]
        if self.nx:
            timed.append(("080000", _session("P", "080000")))
            timed.append(("085000", _session("Q", "085000")))
            for m in range(0, 50, 5):
                for s in self.nx:
                    hms = f"08{m:02d}{self.rng.randint(0, 59):02d}"
                    p = self._near(s, s.base)
                    timed.append(
                        (hms, self._print(s, s.code + "_NX", hms, p, self._lot(s.lot), "1"))
                    )
        if self.cfg.after_hours:  # the pre-market closing-price session, at the previous close
            for s in self.day.syms:
                for _ in range(2):
                    hms = f"083{self.rng.randint(0, 9)}{self.rng.randint(0, 59):02d}"
                    timed.append((hms, self._print(s, s.code, hms, s.base, self._lot(s.lot), "1")))
        if self.cfg.auctions:
            for m in range(30, 60):
                for s in self.day.syms:
                    hms = f"08{m:02d}00"
                    timed.append((hms, self.expected(s, hms, s.open)))
        timed.sort(key=lambda x: x[0])
        yield from (frame for _, frame in timed)

    def nx_main(self, t: int) -> Iterator[bytes]:
        hms = self.day.times[t]
        for s in self.nx:
            p = self._near(s, s.last or s.open, 1)
            yield self._print(s, s.code + "_NX", hms, p, self._lot(s.lot), "2")

    def closing_auction(self) -> Iterator[bytes]:
        if not self.cfg.auctions:
            return
        for m in range(20, 30):
            for s in self.day.syms:
                yield self.expected(s, f"15{m:02d}00", s.last)

    def after_close(self) -> Iterator[bytes]:
        timed: list[tuple[str, bytes]] = []
        if self.nx:
            timed.append(("153000", _session("U", "153000")))
            timed.append(("200000", _session("V", "200000")))
            for m in range(0, 270, 10):
                t = 15 * 60 + 30 + m
                hms = f"{t // 60:02d}{t % 60:02d}{self.rng.randint(0, 59):02d}"
                for s in self.nx:
                    p = self._near(s, s.last)
                    timed.append(
                        (hms, self._print(s, s.code + "_NX", hms, p, self._lot(s.lot), "3"))
                    )
        if self.cfg.after_hours:
            timed += [("154000", _session("a", "154000")), ("160000", _session("b", "160000"))]
            timed += [("160000", _session("c", "160000")), ("180000", _session("d", "180000"))]
            for s in self.day.syms:
                close = s.last
                for _ in range(3):  # the post-close closing-price session, at the close
                    hms = f"15{self.rng.randint(40, 59):02d}{self.rng.randint(0, 59):02d}"
                    timed.append((hms, self._print(s, s.code, hms, close, self._lot(s.lot), "3")))
                band = close // 10
                p = close
                for k in range(1, 13):  # a single price every 10 minutes, 16:10-18:00
                    t = 16 * 60 + 10 * k
                    hms = f"{t // 60:02d}{t % 60:02d}00"
                    p = shift_price(s.code, p, self.rng.randint(-2, 2))
                    p = min(
                        round_price(s.code, close + band, "down"),
                        max(round_price(s.code, close - band, "up"), p),
                    )
                    timed.append((hms, self._print(s, s.code, hms, p, self._lot(s.lot), "3")))
        timed.sort(key=lambda x: x[0])
        yield from (frame for _, frame in timed)


def generate_frames(cfg: SynthConfig = SAMPLE_CONFIG) -> Iterator[bytes]:
    """The day's frames as raw websocket bytes, in time order (no header); each line
    carries its receive time (``rt``, see docs/tape-format.md) when ``cfg`` says so, and
    condition search is played over them when ``cfg.conditions`` names screens."""
    frames = _Day(cfg).frames()
    if cfg.conditions:
        frames = with_conditions(frames, cfg.conditions)
    return with_receive_times(frames) if cfg.receive_times else frames


def with_conditions(
    frames: Iterator[bytes], conditions: tuple[tuple[str, str, str], ...]
) -> Iterator[bytes]:
    """The frames with condition search played over them, as a recorded run has it: the
    CNSRLST answer and each condition's (empty) initial list after the first frame (the
    pre-open notice, before any trade), then a ``02`` hit (``I``/``D``) right after each
    trade that moves a stock into or out of a screen."""
    screens = [(seq, Screen(text)) for seq, _, text in conditions]
    pairs = [[seq, name] for seq, name, _ in conditions]
    answers = [orjson.dumps({"trnm": "CNSRLST", "return_code": 0, "data": pairs})]
    answers += [
        orjson.dumps({"trnm": "CNSRREQ", "seq": seq, "return_code": 0, "cont_yn": "N", "data": []})
        for seq, _ in screens
    ]
    matching: dict[str, set[str]] = {seq: set() for seq, _ in screens}
    for raw in frames:
        yield raw
        if answers:
            yield from answers
            answers = []
        if b'"0B"' not in raw:
            continue
        hits: list[dict[str, Any]] = []
        for entry in orjson.loads(raw)["data"]:
            if entry["type"] != "0B":
                continue
            code, fields = entry["item"], entry["values"]
            values = day_values(fields)
            for seq, screen in screens:
                now, was = screen.matches(values), code in matching[seq]
                if now == was:
                    continue
                (matching[seq].add if now else matching[seq].discard)(code)
                hit = {"841": seq, "9001": "A" + code, "843": "I" if now else "D",
                       "20": fields["20"], "907": "2" if now else "1"}  # fmt: skip
                hits.append({"type": "02", "name": "조건검색", "item": code, "values": hit})
        for entry in hits:
            yield _frame(entry)


def _exchange_second(frame: bytes) -> str:
    decoded = orjson.loads(frame)
    if decoded["trnm"] != "REAL":
        return ""  # a condition search's answer: it arrives with the frames around it
    for entry in decoded["data"]:
        v = entry["values"]
        if entry["type"] == "1h":
            return str(v["1224"] if v["1224"] != "000000" else v["1223"])
        if entry["type"] == "0D":
            return str(v.get("21", ""))
        return str(v.get("20", ""))  # 0g carries no time: it arrives with its neighbours
    return ""


def with_receive_times(frames: Iterator[bytes]) -> Iterator[bytes]:
    """Prefix every frame with ``"rt"``: the frames of one exchange second spread evenly
    over its milliseconds, in order (the k-th of n arrives at k*1000/n ms)."""
    second = ""
    batch: list[bytes] = []
    for frame in frames:
        hms = _exchange_second(frame) or second
        if hms != second and batch:
            yield from _stamped(second, batch)
            batch = []
        second = hms
        batch.append(frame)
    if batch:
        yield from _stamped(second, batch)


def _stamped(second: str, batch: list[bytes]) -> Iterator[bytes]:
    n = len(batch)
    for k, frame in enumerate(batch):
        yield b'{"rt":"%s.%03d",' % (second.encode(), k * 1000 // n) + frame[1:]


def write_tape(
    path: str | os.PathLike[str], cfg: SynthConfig = SAMPLE_CONFIG, *, compresslevel: int = 6
) -> TapeHeader:
    """Generate the day for ``cfg`` and write it as a tape at ``path``; return its header.

    ``compresslevel`` applies to ``.gz`` paths; 1 roughly halves the time of a big tape.
    """
    header = tape_header(cfg)
    with TapeWriter(path, header, compresslevel=compresslevel) as writer:
        for frame in generate_frames(cfg):
            writer.write_frame(frame)
    return header


__all__ = [
    "SAMPLE_CONFIG",
    "SynthConfig",
    "generate_frames",
    "tape_header",
    "with_conditions",
    "write_tape",
]

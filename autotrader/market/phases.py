"""Which trading phase a venue is in, and which order types it accepts then.

KRX and Nextrade facts (docs/paper-fills.md): the phase follows the clock (Asia/Seoul
seconds of day) and, on KRX, a symbol's VI auction. The paper broker, the fake Kiwoom and
the risk guard all ask here, so a type refused by the venue is refused the same way
everywhere, with the same words.
"""

from __future__ import annotations

import enum

from autotrader.model.orders import OrderType


class Venue(enum.StrEnum):
    """Where an order trades: KRX (bare code), Nextrade (``_NX``), SOR (``_AL``)."""

    KRX = "KRX"
    NXT = "NXT"
    SOR = "SOR"


class Phase(enum.StrEnum):
    KRX_PRE_CLOSE = "krx_pre_close"  # 08:30-08:40, type 61 at the previous close
    KRX_OPENING_AUCTION = "krx_opening_auction"  # 08:30-09:00 call auction
    KRX_CONTINUOUS = "krx_continuous"  # 09:00-15:20
    KRX_VI_AUCTION = "krx_vi_auction"  # a VI's single-price auction
    KRX_CLOSING_AUCTION = "krx_closing_auction"  # 15:20-15:30 call auction
    KRX_POST_CLOSE = "krx_post_close"  # 15:40-16:00, type 81 at the close
    KRX_AFTER_HOURS = "krx_after_hours"  # 16:00-18:00 single price every 10 minutes
    NXT_PRE = "nxt_pre"  # 08:00-08:50
    NXT_MAIN = "nxt_main"  # 09:00-15:20
    NXT_AFTER = "nxt_after"  # 15:30-20:00
    CLOSED = "closed"

    @property
    def is_auction(self) -> bool:
        return self in _AUCTIONS


_AUCTIONS = frozenset({Phase.KRX_OPENING_AUCTION, Phase.KRX_VI_AUCTION, Phase.KRX_CLOSING_AUCTION})


def _s(hhmm: str) -> int:
    return int(hhmm[:2]) * 3600 + int(hhmm[3:5]) * 60


# Session boundaries, seconds of day (KST).
KRX_ORDERS_FROM = _s("08:30")
KRX_PRE_CLOSE_END = _s("08:40")
KRX_OPEN = _s("09:00")
KRX_CLOSING_AUCTION = _s("15:20")
KRX_CLOSE = _s("15:30")
KRX_POST_CLOSE = _s("15:40")
KRX_AFTER_HOURS = _s("16:00")
KRX_AFTER_HOURS_END = _s("18:00")
NXT_PRE = _s("08:00")
NXT_PRE_END = _s("08:50")
NXT_MAIN = _s("09:00")
NXT_MAIN_END = _s("15:20")
NXT_AFTER = _s("15:30")
NXT_AFTER_END = _s("20:00")
AFTER_HOURS_STEP = 600  # the after-hours single price matches every 10 minutes
AFTER_HOURS_BAND = 0.10  # ... within +-10% of the close

_LIMITS = frozenset({OrderType.LIMIT, OrderType.LIMIT_IOC, OrderType.LIMIT_FOK})
_CALL = frozenset({OrderType.LIMIT, OrderType.MARKET, OrderType.CONDITIONAL_LIMIT})
_AFTER_TYPES = frozenset(
    {OrderType.PRE_MARKET_CLOSE, OrderType.AFTER_HOURS_SINGLE, OrderType.AFTER_HOURS_CLOSE}
)
_REGULAR = frozenset(OrderType) - _AFTER_TYPES
_NXT_MAIN = _REGULAR - {OrderType.CONDITIONAL_LIMIT}

# What each phase accepts (the table in docs/paper-fills.md).
ACCEPTS: dict[Phase, frozenset[OrderType]] = {
    Phase.KRX_PRE_CLOSE: frozenset({OrderType.PRE_MARKET_CLOSE}),
    Phase.KRX_OPENING_AUCTION: _CALL,
    Phase.KRX_CONTINUOUS: _REGULAR,
    Phase.KRX_VI_AUCTION: _CALL,
    Phase.KRX_CLOSING_AUCTION: _CALL - {OrderType.CONDITIONAL_LIMIT},
    Phase.KRX_POST_CLOSE: frozenset({OrderType.AFTER_HOURS_CLOSE}),
    Phase.KRX_AFTER_HOURS: frozenset({OrderType.AFTER_HOURS_SINGLE}),
    Phase.NXT_PRE: _LIMITS,
    Phase.NXT_MAIN: _NXT_MAIN,
    Phase.NXT_AFTER: _LIMITS,
    Phase.CLOSED: frozenset(),
}

TYPE_NAMES: dict[OrderType, str] = {t: t.name.lower() for t in OrderType}


def venue_of(symbol: str) -> Venue:
    """The venue a feed item trades on: '_NX' Nextrade, '_AL' SOR, else KRX."""
    if symbol.endswith("_NX"):
        return Venue.NXT
    if symbol.endswith("_AL"):
        return Venue.SOR
    return Venue.KRX


def krx_phase(sod: int, order_type: OrderType | None = None, *, vi: bool = False) -> Phase:
    """KRX's phase at ``sod`` seconds of day; 08:30-08:40 is the pre-market closing-price
    session for type 61 and the opening auction for every other type."""
    if sod < KRX_ORDERS_FROM:
        return Phase.CLOSED
    if sod < KRX_OPEN:
        if sod < KRX_PRE_CLOSE_END and order_type is OrderType.PRE_MARKET_CLOSE:
            return Phase.KRX_PRE_CLOSE
        return Phase.KRX_OPENING_AUCTION
    if sod < KRX_CLOSING_AUCTION:
        return Phase.KRX_VI_AUCTION if vi else Phase.KRX_CONTINUOUS
    if sod < KRX_CLOSE:
        return Phase.KRX_CLOSING_AUCTION
    if sod < KRX_POST_CLOSE:
        return Phase.CLOSED
    if sod < KRX_AFTER_HOURS:
        return Phase.KRX_POST_CLOSE
    if sod < KRX_AFTER_HOURS_END:
        return Phase.KRX_AFTER_HOURS
    return Phase.CLOSED


def nxt_phase(sod: int) -> Phase:
    """Nextrade's phase at ``sod``: three continuous sessions, no auctions."""
    if NXT_PRE <= sod < NXT_PRE_END:
        return Phase.NXT_PRE
    if NXT_MAIN <= sod < NXT_MAIN_END:
        return Phase.NXT_MAIN
    if NXT_AFTER <= sod < NXT_AFTER_END:
        return Phase.NXT_AFTER
    return Phase.CLOSED


def phase_for(venue: Venue, sod: int, order_type: OrderType, *, vi: bool = False) -> Phase:
    """The phase an order of ``order_type`` meets on ``venue``; SOR routes to KRX when KRX
    takes the type then, else to Nextrade."""
    if venue is Venue.NXT:
        return nxt_phase(sod)
    krx = krx_phase(sod, order_type, vi=vi)
    if venue is Venue.KRX or order_type in ACCEPTS[krx]:
        return krx
    nxt = nxt_phase(sod)
    return nxt if order_type in ACCEPTS[nxt] else krx


def refusal(phase: Phase, order_type: OrderType) -> str | None:
    """Why the venue refuses ``order_type`` in ``phase``, or None when it accepts it."""
    if order_type in ACCEPTS[phase]:
        return None
    if phase is Phase.CLOSED:
        return f"the market is closed: no {describe(order_type)} orders"
    return f"{phase.value} does not accept {describe(order_type)}"


def describe(order_type: OrderType) -> str:
    """'conditional_limit': the strategy language's name (Kiwoom's trde_tp codes stay in
    the client and the fake)."""
    return TYPE_NAMES[order_type]


def phases_accepting(order_type: OrderType) -> tuple[Phase, ...]:
    """Every phase in which some venue takes ``order_type``."""
    return tuple(p for p in Phase if order_type in ACCEPTS[p])


def session_end(phase: Phase) -> int:
    """The second of day after which an order of ``phase`` can no longer trade today."""
    return _ENDS[phase]


_ENDS: dict[Phase, int] = {
    Phase.KRX_PRE_CLOSE: KRX_PRE_CLOSE_END,
    Phase.KRX_OPENING_AUCTION: KRX_POST_CLOSE,  # day orders live to the closing auction
    Phase.KRX_CONTINUOUS: KRX_POST_CLOSE,
    Phase.KRX_VI_AUCTION: KRX_POST_CLOSE,
    Phase.KRX_CLOSING_AUCTION: KRX_POST_CLOSE,
    Phase.KRX_POST_CLOSE: KRX_AFTER_HOURS,
    Phase.KRX_AFTER_HOURS: KRX_AFTER_HOURS_END + 1,  # the 18:00:00 match still fills
    Phase.NXT_PRE: NXT_PRE_END,
    Phase.NXT_MAIN: NXT_MAIN_END,
    Phase.NXT_AFTER: NXT_AFTER_END,
    Phase.CLOSED: 0,
}

"""Pre-trade checks: pure functions from an order and what we know to a reason or None.

Each check looks at one thing and says, in words a user understands, why an order must
not leave; ``None`` means pass. A check writes the values it compared into ``seen`` (the
journal keeps them beside the verdict). Checks never do I/O and never change state; the
guard runs them and turns an exception inside one into a rejection.

Buys are entries, sells (cash or credit) exits: a kill switch at ``reducing`` and a
daily loss limit with ``exits_after_loss_limit`` still let exits through. A cancel only
takes risk away: no check of time, session, VI, price, loss, kill switch, open-order
count or duplicates stops it. A modify is checked on its new price.

Session policy (docs/paper-fills.md, issue 11): the venue's own phases come first, an
order type the venue refuses now never leaves (``venue_phase``). Beyond that, by
default entries pass only in the regular session (trading hours 09:00-15:20, ``0s``
session ``open``) and exits wherever the venue takes them; a rule running for the
``closing_notice`` session event is never refused by a default, only by a setting the
user made (``RiskLimits.explicit``).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autotrader.market.grid import limits, on_grid
from autotrader.market.phases import ACCEPTS, TYPE_NAMES, phase_for, refusal, venue_of
from autotrader.model import Loan, OrderAction, OrderRequest, OrderType, Side
from autotrader.risk.book import ANSWERS, RiskBook, TradingLevel
from autotrader.risk.credit import CreditLoans, korea_day
from autotrader.risk.view import SymbolView

LOANS = frozenset(Loan)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """The limits in force for one strategy (the tighter of global and its own)."""

    max_order_value: int = 10_000_000  # KRW per order
    max_position_qty: int = 1_000  # shares per symbol
    trading_start: int = 9 * 3600  # seconds since midnight, Asia/Seoul
    trading_end: int = 15 * 3600 + 20 * 60
    max_order_qty: int = 10_000  # shares per order
    max_position_value: int = 100_000_000  # KRW per symbol, held + working + this order
    max_gross_exposure: int = 300_000_000  # KRW, every symbol
    max_open_orders: int = 20
    daily_loss_limit: int = 1_000_000  # KRW, realized + unrealized after fees and tax
    exits_after_loss_limit: bool = True  # sells still allowed once the limit is hit
    max_orders_per_minute: int = 60  # every symbol; Kiwoom allows a few per second
    max_orders_per_symbol_per_minute: int = 10
    duplicate_window: float = 2.0  # seconds: same rule, symbol, side, qty and price
    max_price_deviation: float = 0.05  # limit price vs last trade, as a ratio
    # entries: 0s names (KRX's for KRX and SOR items, Nextrade's for _NX); unknown passes
    allowed_sessions: tuple[str, ...] = ("open", "nxt_main_start")
    vi_blocks: str = "market"  # entries in a VI auction: block "market" orders, "all", "none"
    exit_hours: tuple[int, int] | None = None  # exits: None = whenever the venue takes them
    exit_sessions: tuple[str, ...] | None = None  # exits: None = any session
    # Session settings the user made (trading_hours, allowed_sessions, exit_hours,
    # exit_sessions): a default yields to a rule on the closing_notice event, these do not.
    explicit: frozenset[str] = frozenset()


@dataclass(slots=True)
class CheckInput:
    """What a check may look at (checks only read it; not frozen: one is built per
    order, and a frozen init costs a microsecond)."""

    order: OrderRequest
    state: SymbolView
    limits: RiskLimits
    pending_buy_qty: int  # shares in working buy orders for this symbol
    pending_sell_qty: int
    book: RiskBook
    now: float = 0.0  # epoch seconds, the engine's clock
    _ref: int = field(default=-1, init=False, repr=False, compare=False)

    def reference(self) -> int:
        """``reference_price(order, state)``, read once: four checks value the order at
        it, and the quote behind it is parsed on each read."""
        if self._ref < 0:
            self._ref = reference_price(self.order, self.state)
        return self._ref


Seen = dict[str, Any]
Check = Callable[[CheckInput, Seen], str | None]


def reference_price(order: OrderRequest, state: SymbolView) -> int:
    """The price an order's value is judged at: its limit, else the side's best quote."""
    if order.price:
        return order.price
    if order.action.side is Side.BUY:
        return state.ask or state.price
    return state.bid or state.price


def base_price(state: SymbolView) -> int:
    """The day's base (previous close) price, or 0 when unknown."""
    return state.base_price


def _is_entry(order: OrderRequest) -> bool:
    return order.side is Side.BUY


_CANCELS = frozenset({OrderAction.CANCEL, OrderAction.CREDIT_CANCEL})


def is_cancel(order: OrderRequest) -> bool:
    """A cancel only takes risk away: most checks let it through."""
    return order.action in _CANCELS


LEDGER_SIZED = "ledger_sized"  # an order tag: its quantity is what the ledger left free


def duplicate_key(order: OrderRequest) -> tuple[str, str, str, int, int, str]:
    """What makes two new orders the same: rule, symbol, side, quantity and price, and
    the event they answer when they say (two fills' stops are two orders)."""
    side = order.action.side
    side_name = "" if side is None else side._value_  # .value: a slow enum property
    return (
        order.rule,
        order.symbol,
        side_name,
        order.qty,
        order.price,
        order.tags.get(ANSWERS, ""),
    )


# -- the trading state ---------------------------------------------------------------


def kill_switch(x: CheckInput, seen: Seen) -> str | None:
    level = x.book.level
    seen["level"] = level._value_
    if level is TradingLevel.ACTIVE:
        return None
    if level.blocks(x.order.side) and not is_cancel(x.order):
        why = f" ({x.book.level_reason})" if x.book.level_reason else ""
        kind = "no new orders" if level.value == "halted" else "exits only"
        return f"kill switch is {level.value}{why}: {kind}"
    return None


def account_loaded(x: CheckInput, seen: Seen) -> str | None:
    loaded = seen["account_loaded"] = x.state.market.account_loaded
    if not loaded:
        return "the account state is not loaded yet"
    return None


def daily_loss(x: CheckInput, seen: Seen) -> str | None:
    pnl = x.book.day_pnl()
    limit = x.limits.daily_loss_limit
    seen["day_pnl"] = pnl
    seen["limit"] = -limit
    action = x.order.action
    if pnl > -limit or action in _CANCELS:
        return None
    if action.side is Side.SELL and x.limits.exits_after_loss_limit:
        return None
    return f"day P&L {pnl:,} KRW has reached the daily loss limit of -{limit:,} KRW"


# -- market state ------------------------------------------------------------------------


def _closing_notice_rule(x: CheckInput, setting: str) -> bool:
    """The order comes from a rule on ``on: session closing_notice`` and ``setting`` is a
    default: defaults never refuse such a rule's orders (flattening before the close)."""
    return setting not in x.limits.explicit and x.state.market.event.session == "closing_notice"


def trading_hours(x: CheckInput, seen: Seen) -> str | None:
    action = x.order.action
    if action in _CANCELS:
        return None
    entry = action.side is not Side.SELL  # entry rules: buys, and modifies (no side)
    limits = x.limits
    window = (limits.trading_start, limits.trading_end) if entry else limits.exit_hours
    sod = x.state.market.sod
    seen["time"] = _hms(sod)
    seen["side"] = "entry" if entry else "exit"
    if window is None:
        return None  # exits: whenever the venue takes them (venue_phase)
    start, end = window
    seen["start"] = _hms(start)
    seen["end"] = _hms(end)
    if start <= sod < end or _closing_notice_rule(x, "trading_hours" if entry else "exit_hours"):
        return None
    what = "trading hours" if entry else "exit hours"
    return f"{_hms(sod)} is outside {what} {_hms(start)}-{_hms(end)}"


def session(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    action = order.action
    if action in _CANCELS:
        return None
    entry = action.side is not Side.SELL  # entry rules: buys, and modifies (no side)
    allowed = x.limits.allowed_sessions if entry else x.limits.exit_sessions
    market = x.state.market
    nxt = order.symbol.endswith("_NX")  # venue_of(...) is Venue.NXT
    name = market.nxt_session if nxt else market.session  # each venue's own 0s codes
    seen["session"] = name
    seen["allowed"] = None if allowed is None else list(allowed)
    if allowed is None or not name or name in allowed:
        return None
    if _closing_notice_rule(x, "allowed_sessions" if entry else "exit_sessions"):
        return None
    return f"session '{name}' is not one of {', '.join(allowed)}"


def vi_auction(x: CheckInput, seen: Seen) -> str | None:
    """Entries only: KRX takes exits in a VI auction, and a flattening rule wants out."""
    order = x.order
    if order.action in _CANCELS or order.action.side is Side.SELL:  # exits: no VI rule
        return None
    st = x.state
    market_order = not order.order_type.needs_price
    seen["vi_active"] = st.vi_active
    seen["market_order"] = market_order
    seen["blocks"] = x.limits.vi_blocks
    if not st.vi_active or x.limits.vi_blocks == "none":
        return None
    if x.limits.vi_blocks == "all":
        return f"{st.symbol} is in a VI auction ({st.vi_kind}): all orders blocked"
    if market_order:
        return f"{st.symbol} is in a VI auction ({st.vi_kind}): no market orders"
    return None


def venue_phase(x: CheckInput, seen: Seen) -> str | None:
    """The order type must be one the venue takes in its phase now (docs/paper-fills.md)."""
    order = x.order
    if not order.action.is_new:
        return None  # a modify keeps its order's type; a cancel only takes risk away
    st = x.state
    venue = venue_of(order.symbol)
    order_type = order.order_type
    phase = phase_for(venue, st.market.sod, order_type, vi=st.vi_active)
    seen["venue"] = venue._value_  # not .value: a slow enum property
    seen["phase"] = phase._value_
    seen["type"] = TYPE_NAMES[order_type]  # describe()
    if order_type in ACCEPTS[phase]:  # refusal() is None
        return None
    return f"{venue._value_} {refusal(phase, order_type)} at {_hms(st.market.sod)}"


def credit_eligibility(x: CheckInput, seen: Seen) -> str | None:
    """A credit buy needs today's yes from the broker for its symbol (kt20017, risk/credit.py)."""
    if x.order.action is not OrderAction.CREDIT_BUY:
        return None
    loans: CreditLoans = x.book.credit
    symbol = x.order.symbol
    if loans.assumed:
        seen["source"] = "assumed eligible (dry-run: no broker to ask)"
        return None
    today = korea_day(x.now)
    answer = loans.answers.get(symbol)
    seen.update(source="broker", today=today)
    if answer is None:
        return f"no credit-loan answer for {symbol} from the broker (not answered): no credit buy"
    seen.update(eligible=answer.eligible, detail=answer.detail, day=answer.day)
    if answer.day != today:
        return (
            f"the credit-loan answer for {symbol} is from {answer.day}, not today ({today}): "
            "ask the broker again"
        )
    if not answer.eligible:
        return f"no credit loan for {symbol}: the broker says {answer.detail!r}"
    return None


# -- size and position -------------------------------------------------------------------


def max_order_qty(x: CheckInput, seen: Seen) -> str | None:
    qty = seen["qty"] = x.order.qty
    limit = seen["limit"] = x.limits.max_order_qty
    if qty > limit:
        return f"order of {x.order.qty:,} shares exceeds max_order_qty {x.limits.max_order_qty:,}"
    return None


def max_order_value(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    price = x.reference()
    qty = seen["qty"] = order.qty
    seen["price"] = price
    value = seen["value"] = qty * price
    limit = seen["limit"] = x.limits.max_order_value
    if value > limit:
        return f"order value {value:,} KRW exceeds max_order_value {x.limits.max_order_value:,} KRW"
    return None


def max_position_qty(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    if order.action.side is not Side.BUY:  # entries only
        return None
    held = seen["held"] = x.state.pos_qty
    working = seen["working"] = x.pending_buy_qty
    qty = seen["qty"] = order.qty
    after = seen["after"] = held + working + qty
    limit = seen["limit"] = x.limits.max_position_qty
    if after > limit:
        return (
            f"position would reach {after:,} shares (held {x.state.pos_qty:,}, "
            f"working {x.pending_buy_qty:,}, this {x.order.qty:,}), "
            f"over max_position_qty {x.limits.max_position_qty:,}"
        )
    return None


def max_position_value(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    if order.action.side is not Side.BUY:  # entries only
        return None
    price = x.reference()
    shares = seen["shares"] = x.state.pos_qty + x.pending_buy_qty + order.qty
    seen["price"] = price
    value = seen["value"] = shares * price
    limit = seen["limit"] = x.limits.max_position_value
    if value > limit:
        return (
            f"position in {x.order.symbol} would be worth {value:,} KRW ({shares:,} shares "
            f"at {price:,}), over max_position_value {x.limits.max_position_value:,} KRW"
        )
    return None


def gross_exposure(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    if order.action.side is not Side.BUY:  # entries only
        return None
    now = seen["exposure"] = x.book.exposure()
    value = seen["order_value"] = order.qty * x.reference()
    limit = seen["limit"] = x.limits.max_gross_exposure
    if now + value > limit:
        return (
            f"gross exposure would reach {now + value:,} KRW (now {now:,}, this {value:,}), "
            f"over max_gross_exposure {x.limits.max_gross_exposure:,} KRW"
        )
    return None


def max_open_orders(x: CheckInput, seen: Seen) -> str | None:
    if x.order.action.side is None:  # a modify or cancel adds no working order
        return None
    n = seen["open_orders"] = x.book.open_orders
    limit = seen["limit"] = x.limits.max_open_orders
    if n >= limit:
        return f"{n} orders already working, max_open_orders is {x.limits.max_open_orders}"
    return None


# -- rate and duplicates -----------------------------------------------------------------


def order_rate(x: CheckInput, seen: Seen) -> str | None:
    book = x.book
    n = seen["last_minute"] = book.recent(book.sent_times, x.now)
    limit = seen["limit"] = x.limits.max_orders_per_minute
    if n >= limit:
        return f"{n} orders in the last minute, max_orders_per_minute is {seen['limit']}"
    return None


def symbol_order_rate(x: CheckInput, seen: Seen) -> str | None:
    book = x.book
    n = seen["last_minute"] = book.recent(book.sent_by_symbol.get(x.order.symbol), x.now)
    limit = seen["limit"] = x.limits.max_orders_per_symbol_per_minute
    if n >= limit:
        return (
            f"{n} orders for {x.order.symbol} in the last minute, "
            f"max_orders_per_symbol_per_minute is {limit}"
        )
    return None


def duplicate(x: CheckInput, seen: Seen) -> str | None:
    """The same rule sending the same order (symbol, side, qty, price) again within the
    window; other rules, or other quantities or prices, are distinct orders. A sell the
    order ledger sized (a flatten's: the shares held and offered by no working sell)
    cannot repeat one: two parts of one flatten may be equal, and are not duplicates."""
    order = x.order
    side = order.action.side
    if side is None or LEDGER_SIZED in order.tags:
        return None
    last = seen["last_sent"] = x.book.last_sent.get(duplicate_key(order))
    window = seen["window"] = x.limits.duplicate_window
    if last is not None and x.now - last < window:
        what = f"{x.order.qty:,} @ {x.order.price:,}" if x.order.price else f"{x.order.qty:,}"
        return (
            f"rule '{x.order.rule}' sent the same {side.value} of {x.order.symbol} ({what}) "
            f"{x.now - last:.1f} s ago (duplicate_window {x.limits.duplicate_window:g} s)"
        )
    return None


# -- price sanity --------------------------------------------------------------------------


def tick_grid(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    if order.action in _CANCELS:
        return None
    price = seen["price"] = order.price
    if order.order_type.needs_price and not on_grid(order.symbol, price):
        return f"limit price {price:,} is not on the KRX tick grid"
    return None


def daily_price_limit(x: CheckInput, seen: Seen) -> str | None:
    """Within today's limits: the exchange's own (``SymbolView.limits``, from the feed)
    when they arrived, else +-30% of the base price estimated from the last tick."""
    if not x.order.order_type.needs_price or x.order.action in _CANCELS:
        return None
    exact = x.state.limits
    if exact is not None:
        base, lower, upper = exact.base, exact.lower, exact.upper
        seen.update(price=x.order.price, base=base, source="exchange")
    else:
        base = base_price(x.state)
        seen.update(price=x.order.price, base=base, source="estimate")
        if base <= 0:
            return f"no base price known for {x.order.symbol} yet: cannot check the daily limits"
        lower, upper = limits(x.order.symbol, base)  # +-30%, gold +-10%
    seen.update(lower=lower, upper=upper)
    if not lower <= x.order.price <= upper:
        return (
            f"limit price {x.order.price:,} is outside today's limits {lower:,}-{upper:,} "
            f"(base {base:,}, {'published by the exchange' if exact else 'estimated'})"
        )
    return None


def price_distance(x: CheckInput, seen: Seen) -> str | None:
    if not x.order.order_type.needs_price or x.order.action in _CANCELS:
        return None
    last = x.state.price
    seen.update(price=x.order.price, last=last, limit=x.limits.max_price_deviation)
    if last <= 0:
        return f"no trade seen for {x.order.symbol} yet: cannot judge the limit price"
    off = abs(x.order.price - last) / last
    seen["deviation"] = round(off, 6)
    if off > x.limits.max_price_deviation:
        return (
            f"limit price {x.order.price:,} is {off:.1%} from the last trade {last:,}, "
            f"over max_price_deviation {x.limits.max_price_deviation:.1%}"
        )
    return None


# -- account -------------------------------------------------------------------------------


def sellable_qty(x: CheckInput, seen: Seen) -> str | None:
    if x.order.action.side is not Side.SELL:
        return None
    free = x.state.pos_qty - x.pending_sell_qty
    seen.update(qty=x.order.qty, held=x.state.pos_qty, working=x.pending_sell_qty, free=free)
    if x.order.qty > free:
        return f"sell of {x.order.qty:,} shares exceeds the {free:,} held and not already offered"
    return None


def orderable_cash(x: CheckInput, seen: Seen) -> str | None:
    order = x.order
    if order.action.side is not Side.BUY:  # entries only
        return None
    book = x.book
    value = order.qty * x.reference()
    cost = seen["cost"] = value + book.fees.commission(value)
    cash = seen["cash"] = book.cash
    reserved = seen["reserved"] = book.reserved
    free = seen["available"] = cash - reserved  # book.available_cash
    if cost > free:
        return f"buy costs {cost:,} KRW with commission, only {free:,} KRW is orderable"
    return None


def credit_loan(x: CheckInput, seen: Seen) -> str | None:
    if x.order.action is not OrderAction.CREDIT_SELL:
        return None
    kind, date = x.order.loan_type, x.order.loan_date
    seen.update(loan_type=kind, loan_date=date)
    if kind not in LOANS:
        return f"credit sell needs loan 'single' (one loan) or 'combined' (all), got {kind!r}"
    if kind == Loan.SINGLE:
        try:
            datetime.datetime.strptime(date, "%Y%m%d")  # noqa: DTZ007 - a date, no time
        except ValueError:
            return f"credit sell of a single loan needs its loan date as YYYYMMDD, got {date!r}"
    return None


@functools.lru_cache(maxsize=4096)
def _hms(sod: int) -> str:
    """'HH:MM:SS' (cached: the trading-hours check formats three on every order)."""
    return f"{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}"


DEFAULT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("kill_switch", kill_switch),
    ("account_loaded", account_loaded),
    ("trading_hours", trading_hours),
    ("session", session),
    ("vi_auction", vi_auction),
    ("venue_phase", venue_phase),
    ("daily_loss", daily_loss),
    ("max_order_qty", max_order_qty),
    ("max_order_value", max_order_value),
    ("max_position_qty", max_position_qty),
    ("max_position_value", max_position_value),
    ("gross_exposure", gross_exposure),
    ("max_open_orders", max_open_orders),
    ("order_rate", order_rate),
    ("symbol_order_rate", symbol_order_rate),
    ("duplicate", duplicate),
    ("tick_grid", tick_grid),
    ("daily_price_limit", daily_price_limit),
    ("price_distance", price_distance),
    ("sellable_qty", sellable_qty),
    ("orderable_cash", orderable_cash),
    ("credit_loan", credit_loan),
    ("credit_eligibility", credit_eligibility),
)


# Orders a check says nothing about (it returns None and writes no value before it reads
# anything else): judged by the order's action and type alone, so the guard leaves the
# check out of their pass (guard.py). tests/risk/test_guard.py holds each entry to its
# check on every action and type.
Quiet = Callable[[OrderAction, OrderType], bool]


def _cancel(a: OrderAction, t: OrderType) -> bool:
    return a in _CANCELS


def _not_buy(a: OrderAction, t: OrderType) -> bool:
    return a.side is not Side.BUY


def _unpriced(a: OrderAction, t: OrderType) -> bool:
    return not t.needs_price or a in _CANCELS


QUIET_FOR: dict[Check, Quiet] = {
    trading_hours: _cancel,
    session: _cancel,
    vi_auction: lambda a, t: a in _CANCELS or a.side is Side.SELL,
    venue_phase: lambda a, t: not a.is_new,
    max_position_qty: _not_buy,
    max_position_value: _not_buy,
    gross_exposure: _not_buy,
    max_open_orders: lambda a, t: a.side is None,
    duplicate: lambda a, t: a.side is None,
    tick_grid: _cancel,
    daily_price_limit: _unpriced,
    price_distance: _unpriced,
    sellable_qty: lambda a, t: a.side is not Side.SELL,
    orderable_cash: _not_buy,
    credit_loan: lambda a, t: a is not OrderAction.CREDIT_SELL,
    credit_eligibility: lambda a, t: a is not OrderAction.CREDIT_BUY,
}

"""Property: for any sequence of ticks, fired orders, cancels, kill switch moves, VI,
session and account events, no order the risk guard approves breaches a configured limit.

The limits come in families. Each family runs the engine (paper broker) with its own
limits drawn small against the orders it generates, so they bind in most examples, and
every other limit loose, so that no other check hides a hole in its own. Examples are
long (tens of orders), hypothesis ``target()`` steers towards examples where the
family's checks reject the most, and an explicit ``@example`` per family walks straight
into its limits.

Every request that leaves through ``Engine.place`` is judged as it reaches the broker by
an ``Oracle`` that keeps its own books and never reads the engine's: positions and cash
from the fills the broker emitted, working orders from the broker's events, quotes and
base prices from the ticks the test fed, approvals per minute and duplicates from the
requests it saw leave, kill switch, VI, session and account state from the calls it
made. ``test_property_mutations.py`` proves the property sensitive: with any one check
loosened, it finds a breach of that very limit.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, target
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from autotrader.broker.base import OrderCancelled, OrderFilled, OrderRejected
from autotrader.broker.paper import PaperBroker
from autotrader.clock import day_start
from autotrader.compile import compile_strategy
from autotrader.engine import Engine
from autotrader.engine.killswitch import KillSwitch
from autotrader.engine.replay import make_decoder
from autotrader.journal import Journal
from autotrader.market.fees import Fees
from autotrader.model import OrderAction, OrderRequest, OrderType, SessionChange, Side, ViEvent
from autotrader.risk import RiskBook, RiskGuard, RiskLimits, Verdict
from autotrader.risk.book import TradingLevel
from autotrader.risk.checks import DEFAULT_CHECKS, Check, CheckInput
from autotrader.rules import load_strategy_text
from tests.frames import real, trade

SYMBOLS = ("005930", "000660")
BASE = {"005930": 60_000, "000660": 30_000}  # previous close, KRW
TICK = {"005930": 100, "000660": 50}  # a multiple of the KRX tick over the whole +-30%
HELD = 20  # shares of each symbol held at the start, bought at the base price
COMMISSION_PPM, SELL_TAX_PPM = 20_000, 2_000  # commission exaggerated: its gaps show
DAY0 = day_start(datetime.date(2026, 11, 20))
START = 9 * 3600 + 5 * 60  # 09:05: the clock of the opening ticks
KRX_TAKES_ORDERS = (8 * 3600 + 30 * 60, 15 * 3600 + 30 * 60)  # limit/market: 08:30-15:30
VALID_LOANS = {("combined", ""), ("combined", "20261015"), ("single", "20261015")}
LOANS = (*sorted(VALID_LOANS), ("single", ""), ("single", "20261345"), ("", ""), ("12", ""))
PLAN = compile_strategy(
    load_strategy_text(
        'strategy: prop\nsymbols: ["005930", "000660"]\nrules:\n'
        "  - name: never\n    when: price < 0\n    do:\n      - buy: {qty: 1}\n",
        "prop.yaml",
    )
)

# Nothing binds: each family tightens only its own limits.
LOOSE = RiskLimits(
    max_order_value=10**12,
    max_position_qty=10**9,
    trading_start=0,
    trading_end=24 * 3600,
    max_order_qty=10**9,
    max_position_value=10**12,
    max_gross_exposure=10**13,
    max_open_orders=10**6,
    daily_loss_limit=10**12,
    max_orders_per_minute=10**6,
    max_orders_per_symbol_per_minute=10**6,
    duplicate_window=0.0,
    max_price_deviation=1.0,
    allowed_sessions=("open",),
    vi_blocks="market",
)


# -- steps ---------------------------------------------------------------------------------


class Tick(NamedTuple):
    symbol: str
    move: int  # ticks from the base price
    dt: int  # seconds since the previous tick


class Fire(NamedTuple):
    symbol: str
    side: Side
    qty: int
    off: int | None  # None: a market order; else a limit this many ticks off the last trade
    rule: str = "a"
    offgrid: int = 0  # KRW added to the limit price: off the tick grid unless 0
    loan: tuple[str, str] | None = None  # a credit sell's loan type and date


class Cancel(NamedTuple):
    symbol: str  # a rule cancels the oldest working order in this symbol


class Level(NamedTuple):
    level: TradingLevel


class Vi(NamedTuple):
    symbol: str
    active: bool


class Session(NamedTuple):
    name: str


class Account(NamedTuple):
    loaded: bool


Step = Tick | Fire | Cancel | Level | Vi | Session | Account


# -- the oracle ----------------------------------------------------------------------------


def commission(value: int) -> int:
    return value * COMMISSION_PPM // 1_000_000


def on_grid(price: int) -> bool:
    # the KRX grid for the prices these tests reach (20,000 to 200,000 KRW)
    assert 20_000 <= price < 200_000 or price % 50, price
    return price % (50 if price < 50_000 else 100) == 0


@dataclass
class Working:
    symbol: str
    side: Side
    remaining: int
    ref: int  # KRW per share the order was judged at


class Breach(AssertionError):
    """An approved request broke limits; ``names`` says which."""

    def __init__(self, names: list[str], order: OrderRequest, detail: str) -> None:
        super().__init__(f"{', '.join(names)}: {order} ({detail})")
        self.names = names


@dataclass
class Oracle:
    """The test's own books: what it fed, what the broker emitted, what left."""

    limits: RiskLimits
    cash: int
    held: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYMBOLS, HELD))
    quote: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # price, ask, bid
    working: dict[int, Working] = field(default_factory=dict)
    sent: list[tuple[float, str]] = field(default_factory=list)  # every approved request
    last_key: dict[tuple[str, str, str, int, int], float] = field(default_factory=dict)
    level: TradingLevel = TradingLevel.ACTIVE
    vi: set[str] = field(default_factory=set)
    session: str = ""
    loaded: bool = True

    # -- what the broker says -------------------------------------------------------
    def on_event(self, ev: object) -> None:
        if isinstance(ev, OrderFilled):
            f = ev.fill
            value = f.qty * f.price
            if f.side is Side.BUY:
                self.held[f.symbol] += f.qty
                self.cash -= value + f.commission
            else:
                self.held[f.symbol] -= f.qty
                self.cash += value - f.commission - f.tax
            w = self.working.get(f.order_id)
            if w is not None:
                w.remaining -= f.qty
                if w.remaining <= 0:
                    del self.working[f.order_id]
        elif isinstance(ev, OrderCancelled | OrderRejected):
            self.working.pop(ev.order_id, None)

    # -- judging a request as it leaves -------------------------------------------------
    def ref_price(self, order: OrderRequest) -> int:
        if order.price:
            return order.price
        price, ask, bid = self.quote[order.symbol]
        return (ask or price) if order.side is Side.BUY else (bid or price)

    def _buys(self) -> Iterator[Working]:
        return (w for w in self.working.values() if w.side is Side.BUY)

    def judge(self, order: OrderRequest, now: float) -> list[str]:
        """The limits ``order`` breaks if it leaves now."""
        lim, side, symbol = self.limits, order.side, order.symbol
        bad: list[str] = []
        recent = [s for t, s in self.sent if t > now - 60.0]
        if len(recent) >= lim.max_orders_per_minute:
            bad.append("order_rate")
        if recent.count(symbol) >= lim.max_orders_per_symbol_per_minute:
            bad.append("symbol_order_rate")
        if side is None:  # a cancel: only the rate limits apply
            return bad
        buy, market = side is Side.BUY, order.order_type is OrderType.MARKET
        if self.level is TradingLevel.HALTED:
            bad.append("kill_switch_halted")
        elif self.level is TradingLevel.REDUCING and buy:
            bad.append("kill_switch_reducing")
        if not self.loaded:
            bad.append("account_loaded")
        # the session policy holds entries; exits go wherever KRX takes them
        if buy and not lim.trading_start <= (now - DAY0) % 86_400 < lim.trading_end:
            bad.append("trading_hours")
        if buy and self.session and self.session not in lim.allowed_sessions:
            bad.append("session")
        if buy and symbol in self.vi and (market or lim.vi_blocks == "all"):
            bad.append("vi_auction")
        if not KRX_TAKES_ORDERS[0] <= (now - DAY0) % 86_400 < KRX_TAKES_ORDERS[1]:
            bad.append("venue_phase")  # limit and market: the auctions and continuous
        ref = self.ref_price(order)
        value = order.qty * ref
        if order.qty > lim.max_order_qty:
            bad.append("max_order_qty")
        if value > lim.max_order_value:
            bad.append("max_order_value")
        if len(self.working) >= lim.max_open_orders:
            bad.append("max_open_orders")
        last = self.last_key.get(self.key(order))
        if last is not None and now - last < lim.duplicate_window:
            bad.append("duplicate")
        if not market:
            price, trade = order.price, self.quote[symbol][0]
            if not on_grid(price):
                bad.append("tick_grid")
            if not 7 * BASE[symbol] <= 10 * price <= 13 * BASE[symbol]:
                bad.append("daily_price_limit")
            if Fraction(abs(price - trade), trade) > Fraction(str(lim.max_price_deviation)):
                bad.append("price_distance")
        if buy:
            working = sum(w.remaining for w in self._buys() if w.symbol == symbol)
            shares = self.held[symbol] + working + order.qty
            if shares > lim.max_position_qty:
                bad.append("max_position_qty")
            if shares * ref > lim.max_position_value:
                bad.append("max_position_value")
            exposure = sum(self.held[s] * self.quote[s][0] for s in SYMBOLS)
            exposure += sum(w.remaining * w.ref for w in self._buys())
            if exposure + value > lim.max_gross_exposure:
                bad.append("gross_exposure")
            committed = sum(
                w.remaining * w.ref + commission(w.remaining * w.ref) for w in self._buys()
            )
            if value + commission(value) > self.cash - committed:
                bad.append("orderable_cash")
        else:
            offered = sum(
                w.remaining
                for w in self.working.values()
                if w.symbol == symbol and w.side is Side.SELL
            )
            if order.qty > self.held[symbol] - offered:
                bad.append("sellable_qty")
            loan = (order.loan_type, order.loan_date)
            if order.action is OrderAction.CREDIT_SELL and loan not in VALID_LOANS:
                bad.append("credit_loan")
        return bad

    @staticmethod
    def key(order: OrderRequest) -> tuple[str, str, str, int, int]:
        side = order.side
        return (order.rule, order.symbol, side.value if side else "", order.qty, order.price)

    def left(self, order: OrderRequest, now: float) -> None:
        """Book a request the guard let through."""
        self.sent.append((now, order.symbol))
        if order.side is not None:
            self.last_key[self.key(order)] = now
            w = Working(order.symbol, order.side, order.qty, self.ref_price(order))
            self.working[order.order_id] = w


class Watcher(PaperBroker):
    """The paper broker, judging every request ``place`` lets out before it executes."""

    def __init__(self, oracle: Oracle) -> None:
        super().__init__(Fees(COMMISSION_PPM, SELL_TAX_PPM))
        self.oracle = oracle
        self.placing: OrderRequest | None = None  # what the test handed to place()
        self.now = 0.0
        self.approved = 0

    def submit(self, order: OrderRequest) -> None:
        if order is self.placing:  # not a kill switch cancel (those bypass the guard)
            bad = self.oracle.judge(order, self.now)
            if bad:
                raise Breach(bad, order, f"at {self.now - DAY0:.0f} s of the day")
            self.oracle.left(order, self.now)
            self.approved += 1
        super().submit(order)

    def _send(self, event: object) -> None:
        self.oracle.on_event(event)
        super()._send(event)


class CountingGuard(RiskGuard):
    """The guard, counting rejections per check: coverage figures, never the oracle."""

    def __init__(self, checks: tuple[tuple[str, Check], ...]) -> None:
        super().__init__(checks)
        self.rejected: Counter[str] = Counter()

    def review(self, x: CheckInput) -> Verdict:
        verdict = super().review(x)
        self.rejected.update(r.name for r in verdict.results if not r.passed)
        return verdict


# -- running one example ---------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """Limits to stress, the checks that enforce them, and steps that reach them."""

    name: str
    limits: RiskLimits
    binds: tuple[str, ...]  # checks that must reject orders in most examples
    steps: SearchStrategy[list[Step]]
    cash: int = 10**11
    examples: tuple[list[Step], ...] = ()


@dataclass
class Outcome:
    approved: int
    rejected: Counter[str]


def run(
    steps: list[Step],
    family: Family,
    journal: Journal,
    checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS,
) -> Outcome:
    """Feed ``steps`` to a fresh engine; raises ``Breach`` when an approved request breaks
    one of the family's limits."""
    journal.start_run(strategy="prop", mode="test")
    oracle = Oracle(family.limits, family.cash)
    broker = Watcher(oracle)
    guard = CountingGuard(checks)
    book = RiskBook(cash=family.cash, fees=Fees(COMMISSION_PPM, SELL_TAX_PPM))
    switch = KillSwitch(journal.path.with_name("no-such.halt"))
    engine = Engine(PLAN, broker, journal, limits=family.limits, guard=guard, book=book,
                    killswitch=switch)  # fmt: skip
    for symbol, state in engine.states.items():  # held at start: sells can pass too
        state.pos_qty, state.pos_avg = HELD, BASE[symbol]
        engine.book.track(state)
    decoder = make_decoder(engine, DAY0)
    clock = START
    engine.set_time(DAY0 + clock)
    opening: list[Step] = [Tick(s, 0, 0) for s in SYMBOLS]
    for step in opening + steps:
        broker.now = DAY0 + clock
        if isinstance(step, Tick):
            clock += step.dt
            broker.now = DAY0 + clock
            size = TICK[step.symbol]
            p = BASE[step.symbol] + step.move * size
            oracle.quote[step.symbol] = (p, p + size, p)
            hms = f"{clock // 3600:02d}{clock // 60 % 60:02d}{clock % 60:02d}"
            frame = trade(step.symbol, hms, p, ask=p + size, bid=p)
            frame["values"]["11"] = f"{p - BASE[step.symbol]:+d}"  # change vs. the base
            decoder.feed(real(frame))
        elif isinstance(step, Fire):
            place(engine, broker, step, journal.next_order_id())
        elif isinstance(step, Cancel):
            target_id = next((i for i, w in oracle.working.items() if w.symbol == step.symbol), 0)
            if target_id:
                cancel = OrderRequest(
                    order_id=journal.next_order_id(), action=OrderAction.CANCEL,
                    symbol=step.symbol, qty=0, rule="c", strategy="prop",
                    created_at=broker.now, target_id=target_id,
                )  # fmt: skip
                broker.placing = cancel
                engine.place(cancel, engine.states[step.symbol])
        elif isinstance(step, Level):
            oracle.level = step.level
            engine.set_level(step.level, "property test")
        elif isinstance(step, Vi):
            (oracle.vi.add if step.active else oracle.vi.discard)(step.symbol)
            engine.on_vi(ViEvent(step.symbol, "dynamic", not step.active, "up", 0, broker.now))
        elif isinstance(step, Session):
            oracle.session = step.name
            engine.on_session(SessionChange(step.name[:2], step.name, broker.now))
        else:
            oracle.loaded = step.loaded
            (engine.enable_rules if step.loaded else engine.hold_rules)()
    return Outcome(broker.approved, guard.rejected)


def place(engine: Engine, broker: Watcher, step: Fire, order_id: int) -> None:
    price = 0
    if step.off is not None:
        price = broker.oracle.quote[step.symbol][0] + step.off * TICK[step.symbol] + step.offgrid
    action = OrderAction.BUY if step.side is Side.BUY else OrderAction.SELL
    if step.loan is not None and step.side is Side.SELL:
        action = OrderAction.CREDIT_SELL
    loan_type, loan_date = step.loan or ("", "")
    order = OrderRequest(
        order_id=order_id, action=action, symbol=step.symbol, qty=step.qty,
        order_type=OrderType.MARKET if step.off is None else OrderType.LIMIT,
        price=price, rule=step.rule, strategy="prop", created_at=broker.now,
        loan_type=loan_type, loan_date=loan_date,
    )  # fmt: skip
    broker.placing = order
    engine.place(order, engine.states[step.symbol])


@contextmanager
def journal_for(name: str) -> Iterator[Journal]:
    """One journal for a family's examples (each example is a run in it)."""
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / f"{name}.db")
        try:
            yield journal
        finally:
            journal.close()


# -- generators --------------------------------------------------------------------------------


def grid(make: Callable[..., Step], *dims: Sequence[Any]) -> SearchStrategy[Step]:
    """``make(*values)`` over every combination of ``dims``, drawn as one integer: long
    step lists stay cheap to generate (nested ``builds`` cost more than the engine)."""
    sizes = [len(d) for d in dims]

    def decode(i: int) -> Step:
        values = []
        for d, n in zip(dims, sizes, strict=True):
            i, k = divmod(i, n)
            values.append(d[k])
        return make(*values)

    return st.integers(0, math.prod(sizes) - 1).map(decode)


def ticks(moves: Sequence[int] = range(-3, 4), dts: Sequence[int] = (0, 1, 2)
          ) -> SearchStrategy[Step]:  # fmt: skip
    return grid(Tick, SYMBOLS, moves, dts)


def fires(
    qty: tuple[int, int] = (1, 10),
    *,
    sides: Sequence[Side] = (Side.BUY, Side.BUY, Side.SELL),
    offs: Sequence[int | None] = (None, None, 0, -1, 1, -2, 2),
    rules: Sequence[str] = ("a", "b", "c"),
    offgrid: Sequence[int] = (0,),
    loans: Sequence[tuple[str, str] | None] = (None,),
) -> SearchStrategy[Step]:
    qtys = range(qty[0], qty[1] + 1)
    return grid(Fire, SYMBOLS, sides, qtys, offs, rules, offgrid, loans)


cancels = grid(Cancel, SYMBOLS)
levels = grid(Level, list(TradingLevel))
vis = grid(Vi, SYMBOLS, (True, False))
sessions = grid(Session, ("open", "open", "open", "closing_auction", "after_hours"))
accounts = grid(Account, (True, False))


def program(*parts: tuple[SearchStrategy[Step], int], size: tuple[int, int] = (30, 70)
            ) -> SearchStrategy[list[Step]]:  # fmt: skip
    """Lists of steps, each part drawn with its weight."""
    weighted = [p for p, w in parts for _ in range(w)]
    return st.lists(st.one_of(weighted), min_size=size[0], max_size=size[1])


def tight(**kw: Any) -> RiskLimits:
    return dataclasses.replace(LOOSE, **kw)


def burst(*fires_: Fire, tick: Tick | None = None, times: int = 4) -> list[Step]:
    """The same fires again and again, with a tick between the rounds (fills)."""
    out: list[Step] = []
    for _ in range(times):
        out.extend(fires_)
        out.append(tick or Tick(SYMBOLS[0], 0, 1))
    return out


B, S = Side.BUY, Side.SELL
FAMILIES: tuple[Family, ...] = (
    Family(
        "order_size",
        tight(max_order_qty=30, max_order_value=1_500_000),
        ("max_order_qty", "max_order_value"),
        program((ticks(), 2), (fires((1, 45)), 3), (fires((28, 33)), 3)),  # around the limit
        examples=(burst(Fire("000660", B, 40, None), Fire("005930", B, 28, 0)),),
    ),
    Family(
        "position",
        tight(max_position_qty=60, max_position_value=3_000_000),
        ("max_position_qty", "max_position_value"),
        program((ticks(), 1), (fires((1, 25)), 3)),
        examples=(burst(Fire("000660", B, 25, None), Fire("005930", B, 15, 1)),),
    ),
    Family(
        "exposure",
        tight(max_gross_exposure=4_000_000),
        ("gross_exposure",),
        program((ticks(), 1), (fires((1, 25)), 3)),
        examples=(burst(Fire("005930", B, 20, None), Fire("000660", B, 20, 0)),),
    ),
    Family(
        "cash",
        LOOSE,
        ("orderable_cash",),
        program((ticks(), 1), (fires((1, 8), offs=(None, 0, -1, -2, -3)), 4)),
        cash=1_500_000,
        examples=(burst(Fire("005930", B, 9, 0), Fire("000660", B, 11, None)),),
    ),
    Family(
        "sellable",
        LOOSE,
        ("sellable_qty", "credit_loan"),
        program(
            (ticks(), 1),
            (fires((1, 15), sides=(B, S, S, S), loans=(None, None, *LOANS)), 3),
        ),
        examples=(burst(Fire("005930", S, 8, None), Fire("000660", S, 9, 0, loan=LOANS[2])),),
    ),
    Family(
        "open_orders",
        tight(max_open_orders=3),
        ("max_open_orders",),
        program(
            (ticks(), 1),
            # mostly limits off the market: marketable orders fill on arrival, only
            # resting ones keep counting against max_open_orders
            (fires(sides=(B, B, S), offs=(-3, -4, -5, -3, None)), 4),
            (cancels, 1),
        ),
        examples=([Fire("005930", B, 1, -3, rule=r) for r in "abcdef"],),
    ),
    Family(
        "rate",
        tight(max_orders_per_minute=6, max_orders_per_symbol_per_minute=4),
        ("order_rate", "symbol_order_rate"),
        program((ticks(dts=(0, 1, 2, 5, 20, 40)), 1), (fires(), 3), (cancels, 1)),
        examples=(
            [Fire("005930", B, 1, None, rule=r) for r in "abcde"]
            + [Fire("000660", B, 1, None, rule=r) for r in "abcde"],
        ),
    ),
    Family(
        "duplicate",
        tight(duplicate_window=2.0),
        ("duplicate",),
        program(
            (ticks(range(-1, 2), dts=(0, 1, 1, 2, 3)), 1),
            (fires((1, 2), offs=(None, 0), rules=("a", "b")), 3),
        ),
        examples=(burst(Fire("005930", B, 1, None), Fire("005930", B, 1, None), times=2),),
    ),
    Family(
        "kill_switch",
        LOOSE,
        ("kill_switch",),
        program((ticks(), 1), (fires((1, 5), sides=(B, S)), 3), (levels, 1), (cancels, 1)),
        examples=(
            [
                Level(TradingLevel.REDUCING),
                Fire("005930", B, 1, None),
                Fire("005930", S, 1, 0),
                Level(TradingLevel.HALTED),
                Fire("005930", B, 1, None),
                Fire("005930", S, 1, 0),
            ],
        ),
    ),
    Family(
        "market_state",
        tight(trading_start=START + 30, trading_end=START + 300),
        ("trading_hours", "session", "account_loaded"),
        program((ticks(dts=(0, 5, 15, 30)), 1), (fires((1, 5)), 3), (sessions, 1), (accounts, 2)),
        examples=(
            [
                Fire("005930", B, 1, None),
                Tick("005930", 0, 60),
                Session("after_hours"),
                Fire("005930", B, 1, None),
                Session("open"),
                Account(loaded=False),
                Fire("005930", B, 1, None),
                Account(loaded=True),
                Tick("005930", 0, 200),
                Fire("005930", B, 1, None),
            ],
        ),
    ),
    Family(
        "venue",
        LOOSE,
        ("venue_phase",),
        program((ticks(dts=(0, 600, 3600, 7200)), 1), (fires((1, 5)), 3)),
        examples=(
            [Tick("005930", 0, 7 * 3600), Fire("005930", B, 1, None), Fire("005930", S, 1, 0)],
        ),  # fmt: skip
    ),
    Family(
        "vi",
        LOOSE,
        ("vi_auction",),
        program((ticks(), 1), (fires((1, 5)), 3), (vis, 1)),
        examples=([Vi("005930", True), Fire("005930", B, 1, None), Fire("005930", B, 1, 0)],),
    ),
    Family(
        "vi_all",
        tight(vi_blocks="all"),
        ("vi_auction",),
        program((ticks(), 1), (fires((1, 5)), 3), (vis, 1)),
        examples=([Vi("005930", True), Fire("005930", B, 1, None), Fire("005930", B, 1, 0)],),
    ),
    Family(
        "price",
        tight(max_price_deviation=0.01),
        ("price_distance", "tick_grid"),
        program(
            (ticks(), 1),
            (fires((1, 5), offs=range(-12, 13), offgrid=(0, 0, 0, 1, 7, 25, 49)), 3),
        ),
        examples=(
            [Fire("005930", B, 1, 7), Fire("000660", S, 1, -7), Fire("005930", B, 1, 0, offgrid=7)],
        ),
    ),
    Family(
        "daily_limit",
        LOOSE,
        ("daily_price_limit",),
        program(
            (ticks((-180, -179, -178, 0, 178, 179, 180)), 1),
            (fires((1, 5), offs=range(-3, 4)), 3),
        ),
        examples=(
            [
                Tick("005930", 180, 1),
                Fire("005930", S, 1, 1),
                Tick("000660", -180, 1),
                Fire("000660", B, 1, -2),
            ],
        ),
    ),
    Family(
        "everything",
        RiskLimits(
            max_order_value=2_000_000,
            max_order_qty=40,
            max_position_qty=60,
            max_position_value=3_000_000,
            max_gross_exposure=4_500_000,
            max_open_orders=3,
            daily_loss_limit=10**12,
            max_orders_per_minute=6,
            max_orders_per_symbol_per_minute=4,
            duplicate_window=2.0,
            max_price_deviation=0.02,
            trading_start=START,
            trading_end=START + 600,
            vi_blocks="market",
        ),  # fmt: skip
        (),
        program(
            (ticks(dts=(0, 0, 1, 2, 5, 30)), 2),
            (
                fires(
                    (1, 45),
                    offs=(None, *range(-4, 5)),
                    offgrid=(0, 0, 0, 0, 30),
                    loans=(None, None, None, *LOANS),
                ),
                4,
            ),
            (cancels, 1),
            (levels, 1),
            (vis, 1),
            (sessions, 1),
        ),  # fmt: skip
        cash=4_000_000,
    ),
)
FAMILY = {f.name: f for f in FAMILIES}
EXAMPLES = 40  # per family
REACHED = 0.5  # each bound check rejects orders in at least this share of the examples

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_family(family: Family, checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS,
                 settings_: settings = PROPERTY_SETTINGS) -> Counter[str]:  # fmt: skip
    """Run the property over ``family``; returns in how many examples each check rejected."""
    reached: Counter[str] = Counter()
    with journal_for(family.name) as journal:

        def prop(steps: list[Step]) -> None:
            outcome = run(steps, family, journal, checks)
            reached.update(outcome.rejected.keys())
            reached["examples"] += 1
            for name in family.binds:  # steer towards examples where the limit bites
                target(float(outcome.rejected[name]), label=name)

        test: Callable[..., None] = given(family.steps)(prop)
        for steps in family.examples:
            test = example(steps)(test)
        settings_(test)()
    return reached


@pytest.mark.parametrize("family", FAMILIES, ids=[f.name for f in FAMILIES])
def test_no_approved_order_breaches_a_configured_limit(family: Family) -> None:
    """Random ticks, orders (either side, market or limit, on and off the grid, credit
    sells), cancels and kill switch, VI, session and account events: every request the
    guard lets out satisfies every limit, and the family's own limits really bite."""
    reached = check_family(family)
    n = reached["examples"]
    for name in family.binds:
        assert reached[name] >= REACHED * n, f"{name} bit in {reached[name]} of {n} examples"


def test_the_oracle_judges_orders_the_guard_lets_through() -> None:
    """The property is not vacuous: plain orders pass both guard and oracle, and an
    order beyond a limit that a loosened guard lets out is a breach of that limit."""
    family = FAMILY["order_size"]
    steps: list[Step] = [Fire("005930", B, 10, None), Tick("005930", 0, 1),
                         Fire("005930", S, 5, 0)]  # fmt: skip
    loose = tuple((n, c) for n, c in DEFAULT_CHECKS if n != "max_order_qty")
    with journal_for("sanity") as journal:
        assert run(steps, family, journal).approved == 2
        with pytest.raises(Breach) as caught:
            run([Fire("000660", B, 31, None)], family, journal, loose)
    assert caught.value.names == ["max_order_qty"]


SEARCH_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],  # the random examples alone, no explicit ones, no shrinking
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_a_modify_cannot_raise_a_working_buy_past_max_order_value() -> None:
    """Re-pricing a working buy upwards must not leave an order worth more than
    max_order_value working (nor hold back less cash than it may spend)."""
    family = FAMILY["order_size"]  # max_order_value 1,500,000
    with journal_for("modify") as journal:
        oracle = Oracle(family.limits, family.cash)
        broker = Watcher(oracle)
        engine = Engine(PLAN, broker, journal, limits=family.limits,
                        killswitch=KillSwitch(journal.path.with_name("no-such.halt")))  # fmt: skip
        engine.set_time(DAY0 + START)
        decoder = make_decoder(engine, DAY0)
        for symbol in SYMBOLS:
            p = BASE[symbol]
            oracle.quote[symbol] = (p, p + TICK[symbol], p)
            decoder.feed(real(trade(symbol, "090500", p, ask=p + TICK[symbol], bid=p)))
        broker.now = DAY0 + START
        place(engine, broker, Fire("005930", B, 25, -1), journal.next_order_id())  # 1,497,500
        buy = next(iter(engine.ledger.working.values()))
        modify = OrderRequest(
            order_id=journal.next_order_id(), action=OrderAction.MODIFY, symbol="005930", qty=0,
            order_type=OrderType.LIMIT, price=60_200, rule="a", created_at=broker.now,
            target_id=buy.order_id,
        )  # fmt: skip
        broker.placing = modify
        sent = engine.place(modify, engine.states["005930"])
    assert not sent or buy.remaining * buy.price <= family.limits.max_order_value

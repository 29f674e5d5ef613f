"""Property: the daily loss limit halts the strategy (issue #5).

Random ticks push two held symbols down and up while rules buy and sell (market and
limit orders) under a small ``daily_loss_limit``; every other limit is loose. An
``LossOracle`` keeps its own books and never reads the engine's: positions at average
cost (integer KRW, the average rounded down) and realized P&L from the fills the broker
emitted, marks from the ticks the test fed, and the documented fee arithmetic
(commission = value * commission_ppm // 10**6 per fill, sell tax likewise; unrealized P&L
nets the commission and sell tax of selling everything, computed on the total marked
value). The limit *trips* when the oracle's day P&L (realized + unrealized) is at or
below -limit where the engine is documented to look: after every fill, and when the
clock passes each ``LOSS_CHECK_INTERVAL`` (with the marks before that tick). Then:

(a) no entry (buy) leaves while the day P&L is at or below -limit, nor ever after a trip;
(b) an exit (sell of shares held and not already offered) leaves in that state when
    ``exits_after_loss_limit`` is true, and none leaves when it is false;
(c) at a trip, every order that was working gets a cancel request before the step ends.

The mutation cases at the end prove it sensitive: with ``daily_loss`` always passing, or
``Engine._check_loss`` disabled, or exits blocked regardless of the setting, it fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from autotrader.broker.base import OrderCancelled, OrderFilled, OrderRejected
from autotrader.broker.paper import PaperBroker
from autotrader.engine import Engine
from autotrader.engine.engine import LOSS_CHECK_INTERVAL
from autotrader.engine.killswitch import KillSwitch
from autotrader.engine.replay import make_decoder
from autotrader.journal import Journal
from autotrader.market.fees import Fees
from autotrader.model import OrderAction, OrderRequest, OrderType, Side
from autotrader.risk import RiskBook, RiskGuard, checks
from autotrader.risk.checks import DEFAULT_CHECKS, Check, CheckInput, Seen
from tests.frames import real, trade
from tests.risk.test_properties import (
    BASE,
    DAY0,
    HELD,
    LOOSE,
    PLAN,
    START,
    SYMBOLS,
    TICK,
    Fire,
    Step,
    Tick,
    fires,
    journal_for,
    program,
    ticks,
)

COMMISSION_PPM, SELL_TAX_PPM = 1_500, 2_000  # 0.15% a side, 0.20% sell tax
LIMITS = (8_000, 15_000, 30_000)  # KRW; holding 1.8M KRW, a few ticks down reach them
CASH = 100_000_000
B, S = Side.BUY, Side.SELL


class LossBreach(AssertionError):
    """The engine broke the daily loss limit's contract; ``kind`` says how."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def fee(value: int, ppm: int) -> int:
    return value * ppm // 1_000_000


@dataclass
class LossOracle:
    """The test's own P&L, marks, working orders and trip, from what it fed and saw."""

    limit: int
    qty: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SYMBOLS, HELD))
    avg: dict[str, int] = field(default_factory=lambda: dict(BASE))
    mark: dict[str, int] = field(default_factory=lambda: dict(BASE))
    realized: int = 0
    working: dict[int, tuple[str, Side, int]] = field(default_factory=dict)  # symbol, side, left
    loss_at: float = float("-inf")  # the clock of the next periodic check
    tripped: bool = False
    must_cancel: set[int] = field(default_factory=set)  # working when the limit tripped
    cancel_sent: set[int] = field(default_factory=set)  # targets of cancels that left
    trips: int = 0

    def pnl(self) -> int:
        value = sum(self.qty[s] * self.mark[s] for s in SYMBOLS)
        cost = sum(self.qty[s] * self.avg[s] for s in SYMBOLS)
        unrealized = value - cost - fee(value, COMMISSION_PPM) - fee(value, SELL_TAX_PPM)
        return self.realized + unrealized

    def at_loss(self) -> bool:
        return self.pnl() <= -self.limit

    def check(self) -> None:
        if not self.tripped and self.at_loss():
            self.tripped = True
            self.trips += 1
            self.must_cancel = set(self.working)

    def clock(self, now: float) -> None:
        """The clock moved to ``now`` (before the tick that moved it is marked)."""
        if now >= self.loss_at:
            self.loss_at = now + LOSS_CHECK_INTERVAL
            self.check()

    def on_event(self, ev: object) -> None:
        if isinstance(ev, OrderFilled):
            f = ev.fill
            value = f.qty * f.price
            sym = f.symbol
            if f.side is Side.BUY:
                total = self.avg[sym] * self.qty[sym] + value
                self.qty[sym] += f.qty
                self.avg[sym] = total // self.qty[sym]
                self.realized -= fee(value, COMMISSION_PPM)
            else:
                self.realized += (f.price - self.avg[sym]) * f.qty
                self.realized -= fee(value, COMMISSION_PPM) + fee(value, SELL_TAX_PPM)
                self.qty[sym] -= f.qty
                if not self.qty[sym]:
                    self.avg[sym] = 0
            w = self.working.pop(f.order_id, None)
            if w is not None and w[2] > f.qty:
                self.working[f.order_id] = (w[0], w[1], w[2] - f.qty)
            self.check()  # documented: a fill checks the limit at once
        elif isinstance(ev, OrderCancelled | OrderRejected):
            self.working.pop(ev.order_id, None)

    def sellable(self, symbol: str) -> int:
        offered = sum(w[2] for w in self.working.values() if w[0] == symbol and w[1] is S)
        return self.qty[symbol] - offered


class LossWatcher(PaperBroker):
    """The paper broker, judging each request as it leaves the engine."""

    def __init__(self, oracle: LossOracle, exits: bool) -> None:
        super().__init__(Fees(COMMISSION_PPM, SELL_TAX_PPM))
        self.oracle = oracle
        self.exits = exits
        self.placing: OrderRequest | None = None
        self.left = False  # whether ``placing`` reached the broker

    def submit(self, order: OrderRequest) -> None:
        o = self.oracle
        if order is self.placing:
            self.left = True
            stopped = o.at_loss() or o.tripped
            what = f"{order.side} {order.qty} {order.symbol}; day P&L {o.pnl():,}"
            if order.side is B and stopped:
                raise LossBreach("entry", f"{what}, limit -{o.limit:,}, tripped {o.tripped}")
            if order.side is S and stopped and not self.exits:
                raise LossBreach("exit_halted", f"{what}, limit -{o.limit:,}")
            assert order.side is not None
            o.working[order.order_id] = (order.symbol, order.side, order.qty)
        elif order.action is OrderAction.CANCEL and order.target_id is not None:
            o.cancel_sent.add(order.target_id)
        super().submit(order)

    def _send(self, event: object) -> None:
        self.oracle.on_event(event)
        super()._send(event)


@dataclass
class Result:
    oracle: LossOracle
    engine: Engine
    approved: int = 0
    entries: int = 0  # buys that left before any trip
    at_loss_orders: int = 0  # orders placed with the limit reached or tripped


def run(
    limit: int,
    exits: bool,
    steps: list[Step],
    journal: Journal,
    checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS,
) -> Result:
    """Feed ``steps`` to a fresh engine; raises ``LossBreach`` on a broken contract."""
    journal.start_run(strategy="prop-loss", mode="test")
    limits = dataclasses.replace(LOOSE, daily_loss_limit=limit, exits_after_loss_limit=exits)
    oracle = LossOracle(limit)
    broker = LossWatcher(oracle, exits)
    book = RiskBook(cash=CASH, fees=Fees(COMMISSION_PPM, SELL_TAX_PPM))
    switch = KillSwitch(journal.path.with_name("no-such.halt"))
    engine = Engine(PLAN, broker, journal, limits=limits, guard=RiskGuard(checks), book=book,
                    killswitch=switch)  # fmt: skip
    for symbol, state in engine.states.items():  # held at the base price: a P&L to lose
        state.pos_qty, state.pos_avg = HELD, BASE[symbol]
        engine.book.track(state)
    result = Result(oracle, engine)
    decoder = make_decoder(engine, DAY0)
    clock = START
    oracle.clock(DAY0 + clock)
    engine.set_time(DAY0 + clock)
    for step in [Tick(s, 0, 0) for s in SYMBOLS] + steps:
        broker.now = DAY0 + clock
        if isinstance(step, Tick):
            if step.dt:
                clock += step.dt
                oracle.clock(DAY0 + clock)  # the engine looks before marking the tick
            broker.now = DAY0 + clock
            size = TICK[step.symbol]
            p = BASE[step.symbol] + step.move * size
            oracle.mark[step.symbol] = p
            hms = f"{clock // 3600:02d}{clock // 60 % 60:02d}{clock % 60:02d}"
            frame = trade(step.symbol, hms, p, ask=p + size, bid=p)
            frame["values"]["11"] = f"{p - BASE[step.symbol]:+d}"  # change vs. the base
            decoder.feed(real(frame))
        elif isinstance(step, Fire):
            stopped = oracle.at_loss() or oracle.tripped
            sellable = step.side is S and step.qty <= oracle.sellable(step.symbol)
            broker.left = False
            place(engine, broker, step)
            result.approved += broker.left
            result.entries += broker.left and step.side is B
            result.at_loss_orders += stopped
            if stopped and exits and sellable and not broker.left:
                raise LossBreach(
                    "exit_blocked",
                    f"sell {step.qty} {step.symbol} (sellable) refused at day P&L "
                    f"{oracle.pnl():,}, limit -{limit:,}, tripped {oracle.tripped}",
                )
        missed = oracle.must_cancel - oracle.cancel_sent
        if missed:
            raise LossBreach("not_cancelled", f"orders {sorted(missed)} working at the trip")
    if decoder.counters.malformed:
        raise LossBreach("feed", f"a tick failed in the engine: {decoder.counters.last_error}")
    return result


def place(engine: Engine, broker: LossWatcher, step: Fire) -> None:
    """A rule's order: market, or a limit ``step.off`` ticks from the last trade."""
    price = (
        0 if step.off is None else broker.oracle.mark[step.symbol] + step.off * TICK[step.symbol]
    )
    order = OrderRequest(
        order_id=engine.journal.next_order_id(),
        action=OrderAction.BUY if step.side is B else OrderAction.SELL,
        symbol=step.symbol, qty=step.qty,
        order_type=OrderType.MARKET if step.off is None else OrderType.LIMIT,
        price=price, rule=step.rule, strategy="prop-loss", created_at=broker.now,
    )  # fmt: skip
    broker.placing = order
    engine.place(order, engine.states[step.symbol])


# -- the property ------------------------------------------------------------------------

LOSS_STEPS = program(
    (ticks(moves=range(-9, 4), dts=(0, 1, 1, 2, 3)), 2),  # drifting down, with rebounds
    (fires((1, 12), sides=(B, B, S), offs=(None, None, 0, -1, 1, -2, 2)), 3),
    size=(30, 80),
)
EXAMPLES = 150

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEARCH_SETTINGS = settings(  # mutation runs: random examples only, first failure ends it
    PROPERTY_SETTINGS,
    phases=[Phase.generate],
    report_multiple_bugs=False,
)

# Straight into the limit: working limit orders, a fall, an entry, exits, a rebound.
WALK: list[Step] = [
    Fire("005930", B, 5, -6),  # works below the fall
    Fire("000660", S, 4, 3),  # works above it
    Tick("005930", -4, 1),  # 20 x 400 KRW down: the limit is reached before any check
    Fire("005930", B, 2, None),  # refused by the guard's daily_loss check
    Fire("000660", S, 3, None),  # an exit: leaves only when exits are allowed
    Tick("000660", -1, 6),  # the periodic check trips it: every working order cancelled
    Fire("005930", S, 2, 0),
    Tick("005930", 3, 6),  # a rebound: still no entries
    Fire("000660", B, 1, None),
]


def check_property(
    checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS, settings_: settings = PROPERTY_SETTINGS
) -> dict[str, int]:
    """Run the property; returns how often the interesting states were reached."""
    seen = dict.fromkeys(("examples", "tripped", "entries", "at_loss_orders", "cancels"), 0)
    with journal_for("daily-loss") as journal:

        def prop(limit: int, exits: bool, steps: list[Step]) -> None:
            result = run(limit, exits, steps, journal, checks)
            seen["examples"] += 1
            seen["tripped"] += result.oracle.tripped
            seen["entries"] += result.entries
            seen["at_loss_orders"] += result.at_loss_orders
            seen["cancels"] += len(result.oracle.must_cancel)

        test: Callable[..., None] = given(st.sampled_from(LIMITS), st.booleans(), LOSS_STEPS)(prop)
        for limit in (8_000,):
            for exits in (True, False):
                test = example(limit, exits, WALK)(test)
        settings_(test)()
    return seen


def test_the_daily_loss_limit_stops_entries_allows_exits_and_cancels_working_orders() -> None:
    """Random falls and rebounds with buys and sells: at or past the loss limit no buy
    leaves, sells leave only if exits are allowed, and a trip cancels every working order;
    the limit really is reached in most examples."""
    seen = check_property()
    n = seen["examples"]
    assert n // 2 <= seen["tripped"] < n, seen
    assert seen["entries"] >= n, seen
    assert seen["at_loss_orders"] >= n, seen
    assert seen["cancels"] >= n // 4, seen


def test_the_oracle_day_pnl_is_the_books() -> None:
    """The oracle's own average-cost P&L agrees with the engine's book on the walk, so
    the property compares like with like."""
    with journal_for("daily-loss-sanity") as journal:
        result = run(10**9, True, WALK, journal)  # a limit never reached: everything fills
        assert result.oracle.pnl() == result.engine.book.day_pnl()
        assert result.approved == 6
        assert result.oracle.realized != 0


# -- mutations: the property notices a broken loss limit -------------------------------------


def passes(x: CheckInput, seen: Seen) -> str | None:
    return None


def exits_always_blocked(x: CheckInput, seen: Seen) -> str | None:
    lim = dataclasses.replace(x.limits, exits_after_loss_limit=False)
    return checks.daily_loss(dataclasses.replace(x, limits=lim), seen)


MUTATED_CHECKS = ("daily_loss",)  # the guard's checks the cases below loosen


def mutated(mutant: Check) -> tuple[tuple[str, Check], ...]:
    return tuple((n, mutant if n == "daily_loss" else c) for n, c in DEFAULT_CHECKS)


MUTANT_SETTINGS = settings(SEARCH_SETTINGS, max_examples=60)


@pytest.mark.parametrize(
    ("mutant", "kinds"),
    [(passes, {"entry", "exit_halted"}), (exits_always_blocked, {"exit_blocked"})],
    ids=["daily_loss/always-passes", "daily_loss/exits-blocked"],
)
def test_the_property_catches_a_loosened_daily_loss_check(mutant: Check, kinds: set[str]) -> None:
    """With the guard's daily loss check broken, random examples show the breach."""
    with pytest.raises(LossBreach) as caught:
        check_property(mutated(mutant), MUTANT_SETTINGS)
    assert caught.value.kind in kinds, caught.value


def test_the_property_catches_the_engine_never_tripping_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``Engine._check_loss`` disabled, working orders are not cancelled at the
    limit (and entries resume once the P&L recovers)."""
    monkeypatch.setattr(Engine, "_check_loss", lambda self: None)
    with pytest.raises(LossBreach) as caught:
        check_property(settings_=MUTANT_SETTINGS)
    assert caught.value.kind in {"not_cancelled", "entry"}, caught.value


def test_the_property_catches_a_trip_that_cancels_only_buys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the trip cancelling working buys alone, a working sell is left behind."""
    cancel_open = Engine.cancel_open

    def buys_only(self: Engine, reason: str) -> None:
        sells = [o for o in self.ledger.new_orders() if o.side is S and not o.state.is_final]
        self.ledger.halting.update(o.order_id for o in sells)  # as if already cancelling
        cancel_open(self, reason)

    monkeypatch.setattr(Engine, "cancel_open", buys_only)
    with pytest.raises(LossBreach) as caught:
        check_property(settings_=MUTANT_SETTINGS)
    assert caught.value.kind == "not_cancelled", caught.value

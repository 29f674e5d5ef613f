"""Property: for any sequence of ticks, fired orders and kill switch moves, no order the
risk guard approves breaches a configured limit.

The engine runs with a paper broker (fills on later ticks) and tight limits. Each
approved order is checked as it leaves (``broker.submit``) against figures the test
derives itself: working quantities from the engine's order list, approvals per minute
from its own record, the kill switch level it last set.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.broker.paper import PaperBroker
from autotrader.clock import day_start, seconds_of_day
from autotrader.compile import compile_strategy
from autotrader.engine import Engine
from autotrader.engine.replay import make_decoder
from autotrader.journal import Journal
from autotrader.model import OrderAction, OrderRequest, OrderType, Side
from autotrader.risk import RiskBook, RiskLimits
from autotrader.risk.book import TradingLevel
from autotrader.risk.checks import reference_price
from autotrader.rules import load_strategy_text
from tests.frames import real, trade

LIMITS = RiskLimits(
    max_order_value=2_000_000,
    max_order_qty=40,
    max_position_qty=60,
    max_position_value=3_000_000,
    max_gross_exposure=4_500_000,
    max_open_orders=3,
    daily_loss_limit=300_000,
    max_orders_per_minute=6,
    max_orders_per_symbol_per_minute=4,
    duplicate_window=2.0,
    max_price_deviation=0.02,
)
CASH = 4_000_000
BASES = {"005930": (60_000, 100), "000660": (30_000, 50)}  # base price, tick size
PLAN = compile_strategy(
    load_strategy_text(
        'strategy: prop\nsymbols: ["005930", "000660"]\nrules:\n'
        "  - name: never\n    when: price < 0\n    do:\n      - buy: {qty: 1}\n",
        "prop.yaml",
    )
)
DAY0 = day_start(datetime.date(2026, 11, 20))
START = 9 * 3600 + 5 * 60  # 09:05, inside the default trading hours

symbols = st.sampled_from(sorted(BASES))
seconds = st.sampled_from([0, 0, 1, 2, 5, 30])  # mostly fast: the rate limits must bind
tick_op = st.tuples(st.just("tick"), symbols, st.integers(-20, 20), seconds)
fire_op = st.tuples(
    st.just("fire"),
    symbols,
    st.sampled_from([Side.BUY, Side.BUY, Side.SELL]),
    st.integers(1, 45),
    st.one_of(st.none(), st.integers(-4, 4)),  # market, or limit this many ticks off
    st.sampled_from(["a", "b"]),
)
levels = [TradingLevel.ACTIVE, TradingLevel.ACTIVE, TradingLevel.REDUCING, TradingLevel.HALTED]
level_op = st.tuples(st.just("level"), st.sampled_from(levels))
ops = st.lists(
    st.one_of(tick_op, tick_op, fire_op, fire_op, fire_op, fire_op, level_op),
    min_size=10,
    max_size=100,
)


@dataclass
class Approved:
    order: OrderRequest
    now: float


class Watcher(PaperBroker):
    """The paper broker, asserting the limits on every order that leaves."""

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None
        self.level = TradingLevel.ACTIVE
        self.sent: list[Approved] = []

    def submit(self, order: OrderRequest) -> None:
        engine = self.engine
        assert engine is not None
        now = engine.market.now
        if order.side is not None:  # the kill switch's cancels bypass the guard by design
            check_new_order(engine, order, self.level, now, self.sent)
            self.sent.append(Approved(order, now))
        super().submit(order)


def working(engine: Engine, symbol: str, side: Side) -> int:
    return sum(
        o.remaining
        for o in engine.orders.values()
        if o.symbol == symbol and o.side is side and not o.state.is_final
    )


def check_new_order(
    engine: Engine, order: OrderRequest, level: TradingLevel, now: float, sent: list[Approved]
) -> None:
    state = engine.states[order.symbol]
    book = engine.book
    price = reference_price(order, state)
    assert level is not TradingLevel.HALTED, "an order left while halted"
    assert not (level is TradingLevel.REDUCING and order.side is Side.BUY), "entry while reducing"
    assert LIMITS.trading_start <= seconds_of_day(now) < LIMITS.trading_end
    assert order.qty <= LIMITS.max_order_qty
    assert order.qty * price <= LIMITS.max_order_value
    recent = [a for a in sent if a.now > now - 60.0]
    assert len(recent) < LIMITS.max_orders_per_minute
    same = [a for a in recent if a.order.symbol == order.symbol]
    assert len(same) < LIMITS.max_orders_per_symbol_per_minute
    news = [o for o in engine.orders.values() if o.side is not None and not o.state.is_final]
    assert len(news) <= LIMITS.max_open_orders  # this order included
    if order.side is Side.SELL:
        assert working(engine, order.symbol, Side.SELL) <= state.pos_qty, "sold unheld shares"
        return
    shares = state.pos_qty + working(engine, order.symbol, Side.BUY)
    assert shares <= LIMITS.max_position_qty
    assert shares * price <= LIMITS.max_position_value
    assert book.exposure() <= LIMITS.max_gross_exposure
    assert book.reserved <= book.cash, "buys beyond the orderable cash"
    if order.order_type.needs_price:
        assert abs(order.price - state.price) <= state.price * LIMITS.max_price_deviation


def run(steps: list[tuple[object, ...]], folder: Path) -> int:
    broker = Watcher()
    journal = Journal(folder / "journal.db")
    try:
        journal.start_run(strategy="prop", mode="test")
        engine = Engine(PLAN, broker, journal, limits=LIMITS, book=RiskBook(cash=CASH))
        broker.engine = engine
        for symbol, state in engine.states.items():  # held at start: sells can pass too
            state.pos_qty, state.pos_avg = 20, BASES[symbol][0]
            engine.book.track(state)
        decoder = make_decoder(engine, DAY0)
        clock = START
        engine.set_time(DAY0 + clock)
        prices = {s: base for s, (base, _) in BASES.items()}
        opening: list[tuple[object, ...]] = [("tick", s, 0, 0) for s in sorted(BASES)]
        for step in opening + steps:
            if step[0] == "tick":
                _, symbol, moves, dt = step
                base, size = BASES[str(symbol)]
                clock += int(str(dt))
                prices[str(symbol)] = base + int(str(moves)) * size
                hms = f"{clock // 3600:02d}{clock // 60 % 60:02d}{clock % 60:02d}"
                p = prices[str(symbol)]
                decoder.feed(real(trade(str(symbol), hms, p, ask=p + size, bid=p)))
            elif step[0] == "fire":
                _, symbol, side, qty, off, rule = step
                sym = str(symbol)
                state = engine.states[sym]
                if not state.price:
                    continue  # no tick yet: nothing to price an order at
                limit = off is not None
                price = prices[sym] + int(str(off)) * BASES[sym][1] if limit else 0
                order = OrderRequest(
                    order_id=journal.next_order_id(),
                    action=OrderAction.BUY if side is Side.BUY else OrderAction.SELL,
                    symbol=sym, qty=int(str(qty)),
                    order_type=OrderType.LIMIT if limit else OrderType.MARKET,
                    price=price, rule=str(rule), strategy="prop", created_at=engine.market.now,
                )  # fmt: skip
                engine.place(order, state)
            else:
                level = step[1]
                assert isinstance(level, TradingLevel)
                broker.level = level
                engine.set_level(level, "property test")
        return len(broker.sent)
    finally:
        journal.close()


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(ops)
def test_no_approved_order_ever_breaches_a_configured_limit(
    steps: list[tuple[object, ...]],
) -> None:
    """Random ticks, orders (either side, market or limit, any size) and kill switch
    levels: every order that leaves satisfies every limit."""
    with tempfile.TemporaryDirectory() as folder:
        run(steps, Path(folder))


def test_the_property_run_does_send_orders() -> None:
    """The generator is not vacuous: a plain sequence gets orders through the guard."""
    steps: list[tuple[object, ...]] = [
        ("tick", "005930", 0, 1),
        ("fire", "005930", Side.BUY, 10, None, "a"),
        ("tick", "005930", 0, 1),
        ("fire", "005930", Side.SELL, 5, 0, "b"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        assert run(steps, Path(folder)) == 2

"""Paper fills through the broker: market at the quote on arrival, a resting limit at its
limit when the tape trades through it (docs/paper-fills.md; rule by rule in tests/market)."""

from __future__ import annotations

from pathlib import Path

from autotrader.broker.base import OrderCancelled, OrderFilled
from autotrader.broker.paper import PaperBroker
from autotrader.model import OrderAction, OrderRequest
from tests.frames import real, trade
from tests.harness import Harness

MARKET_BUY = """
strategy: t
symbols: ["005930"]
rules:
  - name: buy
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {qty: 10, type: market}
"""


def test_market_buy_fills_on_arrival_at_the_ask_it_meets(tmp_path: Path) -> None:
    """A market buy placed on a tick fills at once at that tick's ask, with commission."""
    h = Harness(MARKET_BUY, tmp_path)
    h.feed([real(trade("005930", "090001", 70000, ask=70100, bid=70000))])
    fills = h.rows("SELECT side, qty, price, commission, tax, ts FROM fills")
    assert [f[:5] for f in fills] == [("buy", 10, 70100, 701000 * 150 // 1_000_000, 0)]
    st = h.engine.states["005930"]
    assert (st.pos_qty, st.pos_avg) == (10, 70100)
    assert h.rows("SELECT state, filled_qty FROM orders") == [("filled", 10)]


LIMIT_SELL = """
strategy: t
symbols: ["005930"]
rules:
  - name: buy
    max_per_day: 1
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {qty: 10, type: market}
  - name: sell-high
    when: position.qty > 0 and open_orders == 0
    do:
      - sell: {qty: all, type: limit, price: 71000}
"""


def test_limit_sell_waits_until_the_tape_crosses_it(tmp_path: Path) -> None:
    """A limit sell at 71,000 stays working below it and fills at 71,000 when crossed."""
    h = Harness(LIMIT_SELL, tmp_path)
    h.feed(
        [
            real(trade("005930", "090001", 70000)),  # buy fills on arrival; sell placed
            real(trade("005930", "090002", 70000)),
            real(trade("005930", "090003", 70500, ask=70600, bid=70500)),  # not crossed
        ]
    )
    assert h.rows("SELECT side FROM fills") == [("buy",)]
    assert h.rows("SELECT state FROM orders WHERE side = 'sell'") == [("accepted",)]
    h.feed([real(trade("005930", "090004", 71000, ask=71100, bid=71000))])  # at it, queue 0
    fills = h.rows("SELECT side, qty, price, tax FROM fills ORDER BY id")
    assert fills[1] == ("sell", 10, 71000, 710000 * 2000 // 1_000_000)
    st = h.engine.states["005930"]
    assert st.pos_qty == 0
    commission = 700000 * 150 // 1_000_000 + 710000 * 150 // 1_000_000
    assert st.realized == 10_000 - commission - 1420


def test_limit_buy_fills_at_ask_when_marketable(tmp_path: Path) -> None:
    """A limit buy above the ask it meets fills at that ask, not at the limit."""
    strat = MARKET_BUY.replace("type: market", "type: limit, price: 70500")
    h = Harness(strat, tmp_path)
    h.feed([real(trade("005930", "090001", 70000, ask=70100))])
    assert h.rows("SELECT price FROM fills") == [(70100,)]


def test_an_order_cancelled_by_an_earlier_fill_of_the_same_tick_does_not_fill() -> None:
    """A fill whose handler cancels another working order of the symbol (the daily loss
    limit tripping) leaves that order cancelled: no fill, no KeyError out of the tick."""
    broker = PaperBroker()
    events: list[object] = []

    def on_event(ev: object) -> None:
        events.append(ev)
        if isinstance(ev, OrderFilled) and ev.fill.order_id == 1:  # cancel order 2 at once
            cancel = OrderRequest(order_id=3, action=OrderAction.CANCEL, symbol="005930", qty=0,
                                  target_id=2)  # fmt: skip
            broker.submit(cancel)

    broker.attach(on_event)
    for order_id in (1, 2):
        broker.submit(OrderRequest(order_id=order_id, action=OrderAction.BUY, symbol="005930",
                                   qty=1))  # fmt: skip
    broker.on_tick("005930", 70000, 70100, 70000, 1.0)
    filled = [ev.fill.order_id for ev in events if isinstance(ev, OrderFilled)]
    cancelled = [ev.order_id for ev in events if isinstance(ev, OrderCancelled)]
    assert (filled, cancelled) == ([1], [2])
    assert not broker.has_working("005930")


def test_paper_modify_of_quantity_keeps_pending_quantities_in_step(tmp_path: Path) -> None:
    """Modifying a working buy from 10 to 4 shares leaves 4 pending, not 10."""
    from autotrader.model import OrderAction, OrderRequest, OrderType, Side

    strat = MARKET_BUY.replace("type: market", "type: limit, price: 69000")
    h = Harness(strat, tmp_path)
    h.feed([real(trade("005930", "090001", 70000, ask=70100))])
    (buy,) = h.placed()
    assert h.engine.ledger.pending[("005930", Side.BUY)] == 10
    modify = OrderRequest(
        order_id=h.journal.next_order_id(), action=OrderAction.MODIFY, symbol="005930",
        qty=4, order_type=OrderType.LIMIT, price=69_500, rule="buy",
        created_at=h.engine.market.now, target_id=buy.order_id,
    )  # fmt: skip
    assert h.engine.place(modify, h.engine.states["005930"])
    assert (buy.qty, buy.price) == (4, 69_500)
    assert h.engine.ledger.pending[("005930", Side.BUY)] == 4


def test_queue_ahead_from_the_paper_table_decides_fills_at_the_limit(tmp_path: Path) -> None:
    """[paper] queue_ahead = "through": a print at the limit fills nothing, one through
    it fills at the limit; the default (0 ahead) fills on the print at the limit."""
    import datetime
    import tomllib

    from autotrader.clock import day_start
    from autotrader.config import AppConfig

    nine = day_start(datetime.date(2026, 11, 20)) + 9 * 3600
    strat = MARKET_BUY.replace("type: market", "type: limit, price: 69900")
    ticks = [
        real(trade("005930", "090001", 70000, ask=70100, bid=70000)),
        real(trade("005930", "090002", 69900, volume=50)),
        real(trade("005930", "090003", 69800, volume=50)),
    ]
    for queue, second in (('"through"', 3), ("0", 2)):
        cfg = AppConfig.model_validate(tomllib.loads(f"[paper]\nqueue_ahead = {queue}\n"))
        run = tmp_path / queue.strip('"')
        run.mkdir()
        h = Harness(strat, run, broker=PaperBroker(matching=cfg.paper.matching()))
        h.feed(ticks)
        assert h.rows("SELECT ts, qty, price FROM fills") == [(nine + second, 10, 69900)]


SOR_BUY = """
strategy: t
symbols: ["005930", "005930_NX", "005930_AL"]
rules:
  - name: buy
    symbols: ["005930_AL"]
    max_per_day: 1
    do:
      - buy: {qty: 10, type: market}
"""


def test_an_sor_order_meets_the_better_of_the_krx_and_nextrade_books(tmp_path: Path) -> None:
    """A market buy on the _AL item fills at the lowest ask among the _AL, KRX and _NX
    items' last prints (docs/paper-fills.md F41)."""
    h = Harness(SOR_BUY, tmp_path)
    h.feed(
        [
            real(trade("005930", "100000", 70000, ask=70200, bid=70000, volume=50)),
            real(trade("005930_NX", "100001", 70000, ask=70100, bid=69900, volume=50)),
            real(trade("005930_AL", "100002", 70000, ask=70200, bid=70000, volume=50)),
        ]
    )
    assert h.rows("SELECT symbol, qty, price FROM fills") == [("005930_AL", 10, 70100)]

"""Live mode on the wall clock: time rules without ticks, start and stop rules, and a rule
that raises while firing (journaled and held; the run goes on)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.base import Emit
from autotrader.clock import SEOUL
from autotrader.model import OrderRequest, OrderState
from tests.integration.live_support import ManualClock, live_run, placed, rows, tick

NINE_TWENTY_NINE = datetime(2026, 11, 20, 9, 29, 58, tzinfo=SEOUL).timestamp()

AT_0930 = """\
  - name: at-0930
    symbols: ["005930"]
    on: {at: "09:30"}
    do:
      - buy: {qty: 1, type: limit, price: 59000}
"""

START_STOP = """\
  - name: hello
    symbols: ["005930"]
    on: start
    do:
      - buy: {qty: 1, type: limit, price: 59000}
  - name: entry
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 1, type: limit, price: 59000}
  - name: exit
    symbols: ["005930"]
    on: stop
    do:
      - cancel: {tag: entry}
"""

TWO_SYMBOLS = """\
  - name: buy-samsung
    symbols: ["005930"]
    when: position.qty == 10
    do:
      - buy: {qty: 1, type: limit, price: 59000}
  - name: buy-hynix
    symbols: ["000660"]
    when: open_orders == 0 and position.qty == 0
    do:
      - buy: {qty: 1, type: limit, price: 199000}
"""


@pytest.mark.anyio
async def test_at_rule_fires_at_its_time_with_no_ticks(tmp_path: Path) -> None:
    """The wall clock alone (no frame after 09:29:58) reaches 09:30 and the 'at' rule orders."""
    clock = ManualClock(NINE_TWENTY_NINE)
    async with live_run(tmp_path, AT_0930, clock=clock) as live:
        st = live.runner.engine.states["005930"]
        await live.push(tick("005930", 60_000))  # a price for the risk guard, at 09:29:58
        await live.until(lambda: st.ticks == 1)
        assert live.orders() == []
        clock.advance(3.0)  # 09:30:01; no frame arrives from now on
        await live.until(lambda: placed(live))
        (order,) = live.orders()
        assert (order.rule, order.qty, order.price) == ("at-0930", 1, 59_000)
        assert st.ticks == 1
        (server,) = live.fake.orders
        assert server.ord_no == order.broker_order_no
    (decision,) = rows(live.journal_path, "SELECT * FROM decisions")
    assert decision["event"] == "at" and decision["ts"] >= NINE_TWENTY_NINE + 2


@pytest.mark.anyio
async def test_start_rules_run_once_ready_and_stop_rules_before_shutdown(tmp_path: Path) -> None:
    """'on: start' runs once the account is loaded (its order meets the risk guard with
    the account loaded); 'on: stop' cancels the working entry at shutdown, and the cancel
    request's row ends 'done'."""
    async with live_run(tmp_path, START_STOP) as live:
        assert live.runner.engine.stats["fired"] == 1  # 'hello', before any frame
        await live.push(tick("005930", 60_000))
        await live.until(lambda: placed(live))
        await live.stop()
        assert live.fake.open_orders() == []
    journaled = [
        (r["rule"], r["action"], r["state"])
        for r in rows(live.journal_path, "SELECT * FROM orders ORDER BY id")
    ]
    assert journaled == [
        ("hello", "buy", "rejected"),
        ("entry", "buy", "cancelled"),
        ("exit", "cancel", "done"),
    ]
    (reason,) = rows(live.journal_path, "SELECT reason FROM orders WHERE rule = 'hello'")
    assert "account" not in reason["reason"]  # rejected for want of a price, not the account
    events = [r["event"] for r in rows(live.journal_path, "SELECT event FROM decisions")]
    assert events == ["start", "0B", "stop"]


class ExplodingBroker:
    """Wraps the live broker; ``submit`` raises (a broker bug) for one symbol."""

    def __init__(self, inner: Any, symbol: str) -> None:
        self.inner = inner
        self.symbol = symbol
        self.name = inner.name
        self.wants_ticks = inner.wants_ticks

    def attach(self, emit: Emit) -> None:
        self.inner.attach(emit)

    def submit(self, order: OrderRequest) -> None:
        if order.symbol == self.symbol:
            raise ValueError("broker bug")  # a type the feed decoder counts as malformed
        self.inner.submit(order)

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        self.inner.on_tick(symbol, price, ask, bid, ts)


@pytest.mark.anyio
async def test_rule_that_raises_is_journaled_and_held_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """An exception inside a firing rule is an error row naming rule and symbol, not a
    malformed frame; that rule places nothing more, the other rule still trades."""
    async with live_run(tmp_path, TWO_SYMBOLS) as live:
        engine = live.runner.engine
        engine.broker = ExplodingBroker(engine.broker, "005930")
        await live.push(tick("005930", 60_000))
        await live.until(lambda: "buy-samsung" in engine.failed_rules)
        await live.push(tick("005930", 60_000))
        await live.until(lambda: engine.states["005930"].ticks == 2)
        assert engine.stats["fired"] == 1 and engine.stats["held"] == 1
        await live.push(tick("000660", 200_000))
        await live.until(
            lambda: any(
                o.rule == "buy-hynix" and o.state is OrderState.ACCEPTED for o in live.orders()
            )
        )
        assert live.runner.decoder.counters.malformed == 0
        assert not live.task.done()
    errors = rows(live.journal_path, "SELECT source, detail FROM errors WHERE source = 'rule'")
    assert len(errors) == 1
    assert "buy-samsung" in errors[0]["detail"] and "005930" in errors[0]["detail"]
    assert "ValueError: broker bug" in errors[0]["detail"]

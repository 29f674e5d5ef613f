"""The guard inside the engine: journaled values, kill switch, daily loss limit, fail closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autotrader.engine.killswitch import halt_path, read_command, write_command
from autotrader.errors import JournalError
from autotrader.model import OrderAction, OrderRequest, OrderState
from autotrader.risk import RiskLimits, TradingLevel
from tests.frames import real, trade
from tests.harness import Harness

RESTING_BUY = """
strategy: t
symbols: ["005930"]
rules:
  - name: rest
    when: open_orders == 0 and position.qty == 0
    cooldown: 1h
    do:
      - buy: {qty: 1, type: limit, price: 69000}
"""

BUY_THEN_SELL = """
strategy: t
symbols: ["005930"]
rules:
  - name: entry
    when: position.qty == 0 and open_orders == 0 and price >= 70000
    do:
      - buy: {qty: 100, type: market}
  - name: exit
    when: position.qty > 0 and open_orders == 0 and price < 60000
    do:
      - sell: {qty: all, type: market}
"""


def test_risk_check_rows_hold_name_values_and_reason(tmp_path: Path) -> None:
    """A failed check is a row with its values and reason; the passing ones share a
    'passed' row mapping each check's name to the values it compared."""
    h = Harness(RESTING_BUY, tmp_path, limits=RiskLimits(max_order_value=50_000))
    h.feed([real(trade("005930", "100000", 70_000))])
    rows = h.rows("SELECT check_name, passed, reason, values_json FROM risk_checks")
    by = {r[0]: r for r in rows}
    assert by["max_order_value"][1] == 0
    assert by["max_order_value"][2] == "order value 69,000 KRW exceeds max_order_value 50,000 KRW"
    assert json.loads(by["max_order_value"][3]) == {
        "qty": 1, "price": 69_000, "value": 69_000, "limit": 50_000,
    }  # fmt: skip
    passed = json.loads(by["passed"][3])
    assert by["passed"][1] == 1 and passed["tick_grid"] == {"price": 69_000}
    assert len(rows) == 2  # the failed check, and one row for every passing check
    from autotrader.risk.checks import DEFAULT_CHECKS

    assert set(passed) == {name for name, _ in DEFAULT_CHECKS} - {"max_order_value"}


def test_halt_file_cancels_open_orders_and_blocks_new_ones(tmp_path: Path) -> None:
    """'autotrader halt' writes the file; the engine cancels the working buy and sends nothing."""
    h = Harness(RESTING_BUY, tmp_path)
    h.feed([real(trade("005930", "100000", 70_000))])
    (working,) = h.placed()
    assert working.state is OrderState.ACCEPTED
    write_command(halt_path(h.journal.path), TradingLevel.HALTED, "test")
    h.engine.watch(force=True)
    assert working.state is OrderState.CANCELLED
    assert h.engine.book.level is TradingLevel.HALTED and h.engine.book.open_orders == 0
    sent = h.engine.stats["orders"]
    h.feed([real(trade("005930", "100100", 70_000))])
    assert h.engine.stats["orders"] == sent
    cancels = h.rows("SELECT action, target_id, rule FROM orders WHERE action = 'cancel'")
    assert cancels == [("cancel", working.order_id, "kill-switch")]


def test_reduce_lets_exits_through_and_refuses_entries(tmp_path: Path) -> None:
    """At 'reducing' a sell leaves and a buy is rejected by kill_switch."""
    h = Harness(BUY_THEN_SELL, tmp_path, limits=RiskLimits(daily_loss_limit=10**9))
    h.feed(
        [
            real(trade("005930", "100000", 70_000, volume=1_000)),
            real(trade("005930", "100001", 70_000, volume=1_000)),
        ]
    )
    assert h.engine.states["005930"].pos_qty == 100
    write_command(halt_path(h.journal.path), TradingLevel.REDUCING, "test")
    h.engine.watch(force=True)
    h.feed(
        [
            real(trade("005930", "100002", 59_000, volume=1_000)),
            real(trade("005930", "100003", 59_000, volume=1_000)),
        ]
    )
    assert h.engine.states["005930"].pos_qty == 0
    h.feed([real(trade("005930", "100005", 70_000, volume=1_000))])
    (reason,) = h.rows("SELECT reason FROM orders WHERE state = 'rejected'")[0]
    assert reason == "risk: kill_switch: kill switch is reducing (test): exits only"


def test_resume_lifts_the_kill_switch(tmp_path: Path) -> None:
    """After halt then resume, a new entry leaves again."""
    h = Harness(BUY_THEN_SELL, tmp_path)
    path = halt_path(h.journal.path)
    write_command(path, TradingLevel.HALTED, "test")
    h.engine.watch(force=True)
    h.feed([real(trade("005930", "100000", 70_000))])
    assert h.engine.stats["orders"] == 0
    write_command(path, TradingLevel.ACTIVE, "resume")
    h.engine.watch(force=True)
    h.feed([real(trade("005930", "100003", 70_000))])
    assert h.engine.stats["orders"] == 1


def test_daily_loss_limit_halts_entries_cancels_and_persists(tmp_path: Path) -> None:
    """A loss past the limit moves the engine to reducing and writes the halt file."""
    h = Harness(BUY_THEN_SELL, tmp_path, limits=RiskLimits(daily_loss_limit=500_000))
    h.engine.killswitch.persist = True  # as a live run does
    h.feed(
        [
            real(trade("005930", "100000", 70_000, volume=1_000)),
            real(trade("005930", "100001", 70_000, volume=1_000)),
        ]
    )
    assert h.engine.book.level is TradingLevel.ACTIVE
    # marked at 64,000 (-600,000 and fees); checked every 5 clock seconds, not per tick
    h.feed(
        [
            real(trade("005930", "100003", 64_000, volume=1_000)),
            real(trade("005930", "100009", 64_000, volume=1_000)),
        ]
    )
    assert h.engine.book.level is TradingLevel.REDUCING
    command = read_command(halt_path(h.journal.path))
    assert command is not None and command.level is TradingLevel.REDUCING
    assert command.reason.startswith("daily loss limit: day P&L -")


class FailingJournalBroker:
    """Records submits; the test breaks the journal before an order."""

    name = "spy"
    wants_ticks = False

    def __init__(self) -> None:
        self.submitted: list[OrderRequest] = []

    def attach(self, emit: object) -> None:
        pass

    def submit(self, order: OrderRequest) -> None:
        self.submitted.append(order)

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        pass


def test_intent_that_cannot_be_committed_never_leaves_and_halts(tmp_path: Path) -> None:
    """A journal failure at the intent raises JournalError; the broker sees nothing."""
    spy = FailingJournalBroker()
    h = Harness(RESTING_BUY, tmp_path, broker=spy)
    h.journal.conn.execute(
        "CREATE TRIGGER no_orders BEFORE INSERT ON orders "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    h.journal.conn.commit()
    with pytest.raises(JournalError, match="disk on fire"):
        h.feed([real(trade("005930", "100000", 70_000))])
    assert spy.submitted == []
    assert h.engine.book.level is TradingLevel.HALTED
    assert OrderAction.BUY not in {o.action for o in h.placed()}


def test_a_check_that_raises_inside_the_engine_rejects_and_is_journaled(tmp_path: Path) -> None:
    """Fail closed in the engine: the order never reaches the broker; the failed check's
    row names the exception, the decision and the order row say 'refused' and why."""
    from typing import Any

    from autotrader.risk import RiskGuard
    from autotrader.risk.checks import DEFAULT_CHECKS, CheckInput

    def broken(x: CheckInput, seen: dict[str, Any]) -> str | None:
        seen["qty"] = x.order.qty
        raise KeyError("no such field")

    spy = FailingJournalBroker()
    h = Harness(RESTING_BUY, tmp_path, broker=spy)
    h.engine.guard = RiskGuard((*DEFAULT_CHECKS, ("broken", broken)))
    h.feed([real(trade("005930", "100000", 70_000))])
    h.journal.flush()
    assert spy.submitted == [] and h.engine.stats["rejected"] == 1
    why = "broken: check failed with KeyError: 'no such field'"
    failed = h.rows("SELECT check_name, passed, reason, values_json FROM risk_checks "
                    "WHERE check_name != 'passed'")  # fmt: skip
    assert failed == [("broken", 0, why.split(": ", 1)[1], '{"qty":1}')]
    assert h.rows("SELECT state, reason FROM orders") == [("rejected", "risk: " + why)]
    assert h.rows("SELECT outcome FROM decisions") == [("refused",)]

"""Restart recovery on a real journal: what earlier runs left is read, settled, written once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from autotrader.broker.kiwoom.account import Balance, FillRow, OrderRow
from autotrader.broker.kiwoom.broker import AccountSnapshot
from autotrader.errors import BrokerError
from autotrader.journal import Journal
from autotrader.live.recovery import BrokerView, apply, load_inputs, recover_account, resolve
from autotrader.market import Fees
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType
from tests.recovery.test_resolve import MORNING, SYM, TODAY, fill_row, open_order

BROKER = "kiwoom-mock"


def start(journal: Journal, mode: str = "live", strategy: str = "s") -> int:
    return journal.start_run(strategy=strategy, mode=mode, broker=BROKER, tape="")


def intent(
    journal: Journal, oid: int, state: OrderState, number: str = "", strategy: str = "s"
) -> None:
    order = OrderRequest(
        order_id=oid, action=OrderAction.BUY, symbol=SYM, qty=2, order_type=OrderType.LIMIT,
        price=200_000, strategy=strategy, created_at=MORNING,
    )  # fmt: skip
    journal.commit_intent(order, MORNING)
    if state is not OrderState.PENDING:
        order.state, order.broker_order_no = state, number
        journal.order_state(order, MORNING)
    journal.flush()


def recover(journal: Journal, broker: BrokerView) -> list[str]:
    inputs = load_inputs(
        journal.conn, strategy="s", broker=BROKER, run_id=journal.run_id, today_start=TODAY
    )
    plan = resolve(
        inputs.orders, broker, today_start=TODAY, claimed=inputs.claimed,
        expected=inputs.expected, symbols=[SYM],
    )  # fmt: skip
    apply(plan, inputs, journal, fees=Fees(), now=MORNING + 60)
    return plan.problems


def column(journal: Journal, sql: str) -> list[object]:
    return [r[0] for r in journal.conn.execute(sql)]


def test_a_fill_made_while_down_is_journaled_once_over_two_restarts(tmp_path: Path) -> None:
    """Restart 1 journals the missing fill and ends the order filled; restart 2 adds
    nothing and finds the positions in agreement (snapshot + fills since)."""
    j = Journal(tmp_path / "j.db")
    start(j)
    recover(j, BrokerView([], [], {}))  # the first run: opening position 0
    intent(j, 1, OrderState.ACCEPTED, "0000003")
    broker = BrokerView([], [fill_row("0000003")], {SYM: 2})
    start(j)
    assert recover(j, broker) == []
    assert column(j, "SELECT qty FROM fills") == [2]
    assert column(j, "SELECT state FROM orders") == ["filled"]
    start(j)
    assert recover(j, broker) == []
    assert column(j, "SELECT qty FROM fills") == [2]
    j.close()


def test_a_pending_intent_is_finalised_with_its_reason_and_never_sent(tmp_path: Path) -> None:
    """The row ends rejected 'not sent before a restart', with an order_events row."""
    j = Journal(tmp_path / "j.db")
    start(j)
    intent(j, 1, OrderState.PENDING)
    start(j)
    assert recover(j, BrokerView([], [], {})) == []
    assert column(j, "SELECT state || ': ' || reason FROM orders") == [
        "rejected: not sent before a restart"
    ]
    assert "recovery: not sent before a restart" in column(j, "SELECT detail FROM order_events")
    j.close()


def test_a_share_nobody_journaled_is_an_error_row(tmp_path: Path) -> None:
    """Kiwoom holds 3 where the journal's baseline and fills give 0: one error row."""
    j = Journal(tmp_path / "j.db")
    start(j)
    recover(j, BrokerView([], [], {}))
    start(j)
    (problem,) = recover(j, BrokerView([], [], {SYM: 3}))
    assert column(j, "SELECT source || ': ' || detail FROM errors") == [f"recovery: {problem}"]
    j.close()


def test_orders_of_other_strategies_and_dry_runs_are_left_alone(tmp_path: Path) -> None:
    """Only live runs of the same strategy on the same domain are recovered."""
    j = Journal(tmp_path / "j.db")
    start(j, mode="dry-run")
    intent(j, 1, OrderState.ACCEPTED, "0000003")
    start(j, strategy="other")
    intent(j, 2, OrderState.PENDING, strategy="other")
    start(j)
    inputs = load_inputs(j.conn, strategy="s", broker=BROKER, run_id=j.run_id, today_start=TODAY)
    assert inputs.orders == [] and inputs.claimed == {"0000003"}
    j.close()


class _Broker:
    """Kiwoom answering every account query but the day's order history."""

    async def load_account(self) -> AccountSnapshot:
        return AccountSnapshot(Balance(0, 0, 0, 0), [open_order("0000003")])

    async def fills(self) -> list[FillRow]:
        return []

    async def order_history(self, day: str) -> list[OrderRow]:
        raise BrokerError(None, "API not supported in mock [8104]", api_id="kt00007")


def test_without_the_order_history_a_modify_in_doubt_halts_instead_of_guessing(
    tmp_path: Path,
) -> None:
    """kt00007 refused: a modify in doubt may have moved its order to a number the other
    lists cannot link, so recovery says so as a problem (the run starts halted)."""
    j = Journal(tmp_path / "j.db")
    start(j)
    intent(j, 1, OrderState.ACCEPTED, "0000003")
    change = OrderRequest(
        order_id=2, action=OrderAction.MODIFY, symbol=SYM, qty=0, order_type=OrderType.LIMIT,
        price=199_000, strategy="s", created_at=MORNING, target_id=1,
    )  # fmt: skip
    j.commit_intent(change, MORNING)
    j.flush()
    start(j)
    _, recovery = asyncio.run(
        recover_account(
            _Broker(), j, strategy="s", broker_name=BROKER, symbols=[SYM],  # type: ignore[arg-type]
            fees=Fees(), now=MORNING + 60,
        )
    )  # fmt: skip
    assert any("kt00007" in p and "8104" in p for p in recovery.problems), recovery.problems
    assert column(j, "SELECT source FROM errors") == ["recovery"] * len(recovery.problems)

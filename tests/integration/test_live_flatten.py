"""Live mode against the fake Kiwoom: the stop-loss idiom with Kiwoom's own timing.

The take-profit rests for all 10 held shares at the fake; the stop-loss ``flatten``
sends the cancel, sells nothing while the take-profit still offers the shares, and sells
the 10 shares once the fake confirms the cancel: the position ends flat, and the fake
never saw more shares offered than held.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.model import OrderAction, OrderState, Side
from tests.integration.live_support import live_run, rows, tick

RULES = """\
  - name: take-profit
    symbols: ["005930"]
    when: position.qty == 10 and open_orders == 0 and price < 60000
    once_per_symbol: true
    do:
      - sell: {qty: available, type: limit, price: 61000, tag: tp}
  - name: stop-loss
    symbols: ["005930"]
    when: position.qty > 0 and price <= 57000
    once_per_symbol: true
    do:
      - flatten: {type: market}
"""


@pytest.mark.anyio
async def test_flatten_cancels_the_take_profit_then_sells_everything(tmp_path: Path) -> None:
    async with live_run(tmp_path, RULES) as live:
        engine = live.runner.engine
        offered: list[tuple[int, int]] = []  # (offered for sale, held) after each transition
        engine.ledger.on_change = _watch(engine, offered, engine.ledger.on_change)
        await live.push(tick("005930", 59_500, ask=59_600, bid=59_500))
        await live.until(lambda: any(o.state is OrderState.ACCEPTED for o in live.orders()))
        await live.push(tick("005930", 57_000, ask=57_100, bid=57_000))  # the stop-loss
        await live.until(  # the sell, once the cancel is done, taken by the fake
            lambda: (
                len(live.orders()) == 3
                and live.orders()[2].state in (OrderState.ACCEPTED, OrderState.FILLED)
            )
        )
        assert live.orders()[0].state is OrderState.CANCELLED
        if live.orders()[2].state is not OrderState.FILLED:  # a market sell may wait a trade
            await live.push(tick("005930", 57_000, ask=57_100, bid=57_000))
        await live.until(lambda: engine.states["005930"].pos_qty == 0)
        live.runner.journal.flush()
        by_rule = [(o.rule, o.action, o.qty, o.state) for o in live.orders()]
        assert by_rule == [
            ("take-profit", OrderAction.SELL, 10, OrderState.CANCELLED),
            ("stop-loss", OrderAction.CANCEL, 0, OrderState.DONE),
            ("stop-loss", OrderAction.SELL, 10, OrderState.FILLED),
        ]
        assert max(o for o, _ in offered) == 10
        assert all(o <= held for o, held in offered)  # never more offered than held
        assert live.fake.open_orders() == []
    decisions = rows(
        live.journal_path,
        "SELECT event, outcome FROM decisions WHERE rule = 'stop-loss' ORDER BY id",
    )
    outcomes = [(d["event"], d["outcome"]) for d in decisions]
    assert outcomes[0] == ("0B", "flatten")
    assert ("0B", "flatten") not in outcomes[1:]  # one decision; a continuation may follow


def _watch(engine, offered, then):  # type: ignore[no-untyped-def]
    """After every order transition: the shares offered for sale, checked against held."""

    def seen(order):  # type: ignore[no-untyped-def]
        pending = engine.ledger.pending_qty("005930", Side.SELL)
        offered.append((pending, engine.states["005930"].pos_qty))
        if then is not None:
            then(order)

    return seen

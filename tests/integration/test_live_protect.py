"""Protective orders against the fake Kiwoom (issue 16 item 3): the stop-limit (28) rests
at the venue after each entry fill, grows with a partial fill, gives way to the
take-profit, and trails up with kt10002 carrying ``mdfy_cond_uv``, never down."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.engine.protect import PROTECT
from autotrader.model import OrderAction, OrderRequest, OrderState, Side
from autotrader.risk.book import TradingLevel
from tests.integration.live_support import Live, live_run, placed, rows, tick

SYM = "000660"


def entry(protect: str) -> str:
    return f"""\
  - name: entry
    symbols: ["{SYM}"]
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {{qty: 10, type: limit, price: 200000}}
    protect: {protect}
"""


def legs(live: Live, leg: str) -> list[OrderRequest]:
    return [o for o in live.orders() if o.side is not None and o.tags.get(PROTECT) == leg]


def stop_accepted(live: Live) -> bool:
    """The client has the stop's answer too (the fake's book may show it a moment before)."""
    stops = legs(live, "stop")
    return bool(stops) and all(o.state is OrderState.ACCEPTED for o in stops)


def venue_stops(live: Live) -> list[tuple[int, int, int]]:
    """The fake's resting stop-limit sells of SYM: (remaining, condition, limit)."""
    return [
        (o.remaining, o.cond_price, o.price)
        for o in live.fake.open_orders()
        if o.stk_cd == SYM and o.side is Side.SELL and o.trde_tp == "28"
    ]


@pytest.mark.anyio
async def test_the_stop_rests_at_kiwoom_after_a_fill_and_grows_with_a_partial_fill(
    tmp_path: Path,
) -> None:
    rules = entry("{stop: 2%}")
    async with live_run(tmp_path, rules, fake_options={"max_fill_qty": 4}) as live:
        await live.push(tick(SYM, 200_500, ask=200_500, bid=200_000))
        await live.until(lambda: placed(live))
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: len(venue_stops(live)) == 1)
        assert venue_stops(live) == [
            (4, 196_000, 195_700)
        ]  # 2% below, limit 3 ticks (100 won) under
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: sum(q for q, _, _ in venue_stops(live)) == 8)
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: sum(q for q, _, _ in venue_stops(live)) == 10)
        assert [q for q, _, _ in venue_stops(live)] == [4, 4, 2]  # one stop per fill
        engine = live.runner.engine
        assert engine.states[SYM].pos_qty == 10
        assert engine.ledger.pending_qty(SYM, Side.SELL) == 10
        assert all(s.state is OrderState.ACCEPTED for s in legs(live, "stop"))
    decisions = rows(live.journal_path, "SELECT values_json FROM decisions WHERE event = 'protect'")
    assert len(decisions) == 3


@pytest.mark.anyio
async def test_the_take_profit_filling_cancels_the_stop(tmp_path: Path) -> None:
    async with live_run(tmp_path, entry("{stop: 2%, take_profit: 3%}")) as live:
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: len(venue_stops(live)) == 1)
        (stop,) = legs(live, "stop")
        await live.push(tick(SYM, 206_000, ask=206_500, bid=206_000))  # the 3% level
        await live.until(lambda: bool(legs(live, "take_profit")))
        (tp,) = legs(live, "take_profit")
        await live.until(lambda: tp.state is OrderState.FILLED)
        assert stop.state is OrderState.CANCELLED
        assert venue_stops(live) == [] and live.fake.open_orders() == []
        assert live.runner.engine.states[SYM].pos_qty == 0
        assert tp.price == 206_000 and tp.qty == 10
    journal = rows(live.journal_path, "SELECT id, state FROM orders ORDER BY id")
    states = {r["id"]: r["state"] for r in journal}
    assert states[stop.order_id] == "cancelled" and states[tp.order_id] == "filled"


@pytest.mark.anyio
async def test_a_trailing_stop_moves_up_at_kiwoom_never_down(tmp_path: Path) -> None:
    async with live_run(tmp_path, entry("{stop: 2%, trail: 2%}")) as live:
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: len(venue_stops(live)) == 1)
        await live.until(lambda: stop_accepted(live))  # trailing moves working stops
        assert venue_stops(live) == [(10, 196_000, 195_700)]
        await live.push(tick(SYM, 210_000, ask=210_500, bid=210_000))  # high: 2% under 205,800
        await live.until(lambda: venue_stops(live) == [(10, 205_500, 204_000)])
        modifies = [o for o in live.orders() if o.action is OrderAction.MODIFY]
        await live.until(lambda: modifies[0].state is OrderState.DONE)
        assert modifies[0].condition_price == 205_500
        (stop,) = legs(live, "stop")
        assert stop.condition_price == 205_500 and stop.price == 204_000
        await live.push(tick(SYM, 207_000, ask=207_000, bid=206_500))  # lower: no move
        await live.push(tick(SYM, 206_000, ask=206_000, bid=205_500))
        await live.until(lambda: live.runner.engine.states[SYM].price == 206_000)
        assert venue_stops(live) == [(10, 205_500, 204_000)]
        assert len([o for o in live.orders() if o.action is OrderAction.MODIFY]) == 1


@pytest.mark.anyio
async def test_halt_reduce_leaves_the_stop_at_kiwoom_and_halt_cancels_it(tmp_path: Path) -> None:
    async with live_run(tmp_path, entry("{stop: 2%}")) as live:
        engine = live.runner.engine
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        await live.until(lambda: len(venue_stops(live)) == 1)
        await live.until(lambda: stop_accepted(live))
        engine.set_level(TradingLevel.REDUCING, "halt --reduce")
        engine.cancel_open("halt --reduce")  # as the loss limit does at reducing
        await live.push(tick(SYM, 200_000, ask=200_000, bid=199_500))
        assert venue_stops(live) == [(10, 196_000, 195_700)]
        engine.set_level(TradingLevel.HALTED, "halt")
        await live.until(lambda: venue_stops(live) == [])
        (stop,) = legs(live, "stop")
        await live.until(lambda: stop.state is OrderState.CANCELLED)
        live.runner.journal.flush()
    errors = rows(live.journal_path, "SELECT detail FROM errors WHERE source = 'killswitch'")
    assert any("cancelling 1 protective order(s) resting at the venue" in e["detail"]
               for e in errors)  # fmt: skip

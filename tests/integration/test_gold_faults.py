"""Gold spot through the live run's faults: a fill hidden by a socket gap or a garbled
``00`` is found in the gold account (kt50075/kt50031) by the resync, and a restart finds
the gold order an earlier run journaled and the gold it bought (kt50031, kt50020).

The stock account's lists (ka10075, ka10076, kt00018) leave gold out, as Kiwoom's do: a
resync or a recovery that asks only them loses gold fills and closes working gold orders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.model import OrderState
from tests.integration.live_support import (
    APPKEY,
    FEES,
    HEADER,
    SECRETKEY,
    MorningClock,
    accepted,
    fast_options,
    live_run,
    rows,
)
from tests.integration.test_gold_spot import GOLD, frame, gold_trade

GOLD_HEADER = HEADER.replace('symbols: ["005930", "000660"]', f'symbols: ["005930", "{GOLD}"]')
PRICES = {"005930": 60_000, "000660": 200_000, GOLD: 150_000}

RESTING_GOLD_BUY = f"""\
  - name: gold-rest
    symbols: ["{GOLD}"]
    when: position.qty == 0 and open_orders == 0
    max_per_day: 1
    do:
      - buy: {{qty: 2, type: limit, price: 149000}}
"""


def _options(**extra: Any) -> dict[str, Any]:
    return {"holdings": {}, "base_prices": PRICES} | extra


def _fills(path: Path) -> list[tuple[str, int, int]]:
    found = rows(path, "SELECT symbol, qty, price FROM fills")
    return [(f["symbol"], f["qty"], f["price"]) for f in found]


@pytest.mark.anyio
async def test_a_gold_fill_in_a_socket_gap_is_found_in_the_gold_account(tmp_path: Path) -> None:
    """A resting gold buy fills while the socket is down: the reconnect's catch-up finds
    the fill in kt50031 (ka10076 leaves gold out), so the order ends filled, not
    cancelled, and the journal holds the fill once."""
    async with live_run(
        tmp_path, RESTING_GOLD_BUY, fake_options=_options(), header=GOLD_HEADER
    ) as live:
        await live.push(frame(gold_trade("100000", 150_000, ask=150_010, bid=150_000)))
        await live.until(lambda: accepted(live))
        (order,) = live.orders()
        await live.fake.faults.drop_sockets()
        await live.push(frame(gold_trade("100001", 149_000, ask=149_000, bid=148_990)))
        assert live.fake.open_orders() == []  # filled at the venue, unseen by the run
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.engine.states[GOLD].pos_qty == 2
        assert live.runner.realtime.sessions == 2
    assert _fills(live.journal_path) == [(GOLD, 2, 149_000)]
    (row,) = rows(live.journal_path, "SELECT state, filled_qty FROM orders")
    assert (row["state"], row["filled_qty"]) == ("filled", 2)


@pytest.mark.anyio
async def test_a_garbled_gold_fill_is_taken_from_the_gold_account(tmp_path: Path) -> None:
    """The ``00`` of a gold fill arrives garbled: skipped, and the resync it triggers
    reads the fill from kt50031; positions agree with the fake's gold holdings."""
    async with live_run(
        tmp_path, RESTING_GOLD_BUY, fake_options=_options(), header=GOLD_HEADER
    ) as live:
        await live.push(frame(gold_trade("100000", 150_000, ask=150_010, bid=150_000)))
        await live.until(lambda: accepted(live))
        (order,) = live.orders()
        live.fake.faults.garble_next_fill()
        await live.push(frame(gold_trade("100001", 149_000, ask=149_000, bid=148_990)))
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.engine.states[GOLD].pos_qty == 2
        assert live.fake.holdings[GOLD].qty == 2
    assert _fills(live.journal_path) == [(GOLD, 2, 149_000)]


@pytest.mark.anyio
@pytest.mark.parametrize("answer", ["received", "lost"])
async def test_a_restart_finds_the_gold_order_and_fill_of_the_run_before(
    tmp_path: Path, answer: str
) -> None:
    """The run dies with a gold buy working (its number journaled, or its answer lost);
    it fills while nothing runs. The next start settles the journal row from kt50031
    (filled, the fill journaled once), adopts nothing, and starts from the 2 g that
    kt50020 holds: no order at the fake without its row."""
    clock = MorningClock()
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, fees=FEES, clock=clock, **_options()
    ) as fake:
        first = fast_options(reconcile_delay=60.0)  # the run ends before reconciling
        async with live_run(
            tmp_path, RESTING_GOLD_BUY, fake=fake, options=first, header=GOLD_HEADER
        ) as live:
            if answer == "lost":
                fake.faults.fail_next_order(after_accept=True, mode="timeout")
            await live.push(frame(gold_trade("100000", 150_000, ask=150_010, bid=150_000)))
            wanted = OrderState.UNKNOWN if answer == "lost" else OrderState.ACCEPTED
            await live.until(lambda: any(o.state is wanted for o in live.orders()))
            (before,) = live.orders()
        await fake.push_frame(frame(gold_trade("100001", 149_000, ask=149_000, bid=148_990)))
        (server,) = fake.orders
        assert server.filled == 2 and fake.holdings[GOLD].qty == 2
        async with live_run(tmp_path, RESTING_GOLD_BUY, fake=fake, header=GOLD_HEADER) as again:
            assert again.runner.adopted == [] and again.runner.resumed == []
            assert again.runner.engine.states[GOLD].pos_qty == 2
    (row,) = rows(again.journal_path, "SELECT * FROM orders")
    assert (row["id"], row["state"], row["broker_order_no"], row["filled_qty"]) == (
        before.order_id,
        "filled",
        server.ord_no,
        2,
    )
    assert _fills(again.journal_path) == [(GOLD, 2, 149_000)]
    problems = rows(again.journal_path, "SELECT detail FROM errors WHERE source = 'recovery'")
    assert [p["detail"] for p in problems] == []

"""Gold spot through the live run's faults: a fill hidden by a socket gap or a garbled
``00`` is found in the gold account (kt50075/kt50031) by the resync, a restart finds
the gold order an earlier run journaled and the gold it bought (kt50031, kt50020), and a
gold cancel whose answer was lost is found in kt50031's list of the day's numbers.

The stock account's lists (ka10075, ka10076, kt00018) leave gold out, as Kiwoom's do: a
resync or a recovery that asks only them loses gold fills and closes working gold orders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.base import BrokerEvent, OrderAccepted, OrderOutcomeUnknown
from autotrader.broker.kiwoom.broker import KiwoomBroker
from autotrader.broker.kiwoom.gold import parse_gold_fills, parse_gold_open_orders
from autotrader.broker.kiwoom.reconcile import candidates, match
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import Kind
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType
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
    settings_for,
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


@pytest.mark.anyio
async def test_a_gold_cancel_whose_answer_was_lost_is_found_in_kt50031() -> None:
    """The cancel of a working gold buy reaches the venue but its answer is lost: the
    reconciliation finds the cancel's number in kt50031's day list (kt00007 lists
    stocks only), so it is accepted with that number, not closed as never sent."""
    events: list[BrokerEvent] = []
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, fees=FEES, clock=MorningClock(), **_options()
    ) as fake:
        broker = KiwoomBroker(settings_for(fake), fees=FEES, clock=fake.clock)
        broker.attach(events.append)
        buy = OrderRequest(1, OrderAction.BUY, GOLD, 2, OrderType.LIMIT, 149_000)
        broker.submit(buy)
        await broker.drain(5.0)
        assert isinstance(events[-1], OrderAccepted)
        fake.faults.fail_next_order(after_accept=True, mode="timeout")
        cancel = OrderRequest(2, OrderAction.CANCEL, GOLD, 0, target_id=1)
        broker.submit(cancel)
        await broker.drain(5.0)
        assert isinstance(events[-1], OrderOutcomeUnknown) and events[-1].order_id == 2
        (r,) = await broker.reconcile([cancel])
        await broker.close(1.0)
    (server,) = [o for o in fake.orders if o.kind is Kind.CANCEL]
    assert (r.outcome, r.broker_order_no) == ("accepted", server.ord_no)


def test_gold_rows_do_not_claim_a_limit_type_and_keep_the_original_number() -> None:
    """kt50075 names its type in words (지정가), no trde_tp code: the row's type stays
    unknown, so an IOC gold order in doubt still matches it; a kt50031 row of a modify
    keeps the number it changed (``ori_ord``)."""
    open_rows = parse_gold_open_orders(
        [{"ord_no": "0000007", "stk_cd": GOLD, "io_tp_nm": "매도", "ord_qty": "5",
          "ord_uv": "150000", "ord_remnq": "5", "cntr_qty": "0", "trde_tp": "지정가",
          "orig_ord_no": "0000000"}]
    )  # fmt: skip
    fill_rows = parse_gold_fills(
        [{"ord_no": "0000009", "stk_cd": GOLD, "io_tp_nm": "매수정정", "ord_qty": "2",
          "ord_uv": "149000", "cntr_qty": "2", "cntr_uv": "149000", "ord_remnq": "0",
          "ori_ord": "0000008", "ord_tm": "100001"}]
    )  # fmt: skip
    assert open_rows[0].order_type == "" and fill_rows[0].original_order_no == "0000008"
    ioc = OrderRequest(3, OrderAction.SELL, GOLD, 5, OrderType.LIMIT_IOC, 150_000)
    (r,) = match([ioc], candidates(open_rows, []))
    assert (r.outcome, r.broker_order_no) == ("accepted", "0000007")

"""KiwoomBroker: submit outcomes, execution mapping, reconciliation, shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest

from autotrader.broker.base import (
    BrokerEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderOutcomeUnknown,
    OrderRejected,
)
from autotrader.broker.kiwoom.broker import KiwoomBroker
from autotrader.broker.kiwoom.parse import SEOUL
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.market import Fees
from autotrader.model import Exchange, Execution, OrderAction, OrderRequest, OrderType, Side
from tests.broker.kiwoom.kiwoom_fakes import FakeKiwoom, ok, settings

TIMEOUT = 5.0
SENT_AT = datetime(2026, 1, 5, 9, 40, 20, tzinfo=SEOUL).timestamp()


def buy(order_id: int = 1, **kw: object) -> OrderRequest:
    values: dict[str, object] = {
        "order_id": order_id, "action": OrderAction.BUY, "symbol": "005930", "qty": 10,
        "order_type": OrderType.LIMIT, "price": 60000, "created_at": SENT_AT,
    }  # fmt: skip
    values.update(kw)
    return OrderRequest(**values)  # type: ignore[arg-type]


def execution(status: str, order_no: str = "0000024", **kw: object) -> Execution:
    values: dict[str, object] = {"broker_order_no": order_no, "symbol": "005930", "side": Side.BUY,
                                 "status": status, "order_qty": 10, "order_price": 60000,
                                 "fill_qty": 0, "fill_price": 0, "remaining_qty": 10,
                                 "ts": SENT_AT + 5}  # fmt: skip
    values.update(kw)
    return Execution(**values)  # type: ignore[arg-type]


class Events:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[BrokerEvent] = asyncio.Queue()

    def __call__(self, event: BrokerEvent) -> None:
        self.queue.put_nowait(event)

    async def next(self) -> BrokerEvent:
        async with asyncio.timeout(TIMEOUT):
            return await self.queue.get()


@pytest.fixture
def broker(make_rest: Callable[..., KiwoomRest]) -> KiwoomBroker:
    return KiwoomBroker(
        settings(), rest=make_rest(), fees=Fees(commission_ppm=150, sell_tax_ppm=2000)
    )


@pytest.mark.anyio
async def test_accepted_order_is_reported_with_its_number(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """A success answer becomes OrderAccepted with Kiwoom's ord_no."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    broker.submit(buy())
    event = await events.next()
    assert isinstance(event, OrderAccepted) and event.broker_order_no == "0000024"


@pytest.mark.anyio
async def test_business_rejection_is_reported_with_its_code(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """return_code 20 becomes OrderRejected carrying 20."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", (200, {"return_code": 20, "return_msg": "주문가능금액 부족"}, {}))
    broker.submit(buy())
    event = await events.next()
    assert isinstance(event, OrderRejected) and event.return_code == 20


@pytest.mark.anyio
async def test_timeout_is_outcome_unknown_and_never_resent(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """A timed-out order is OrderOutcomeUnknown after one request."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", httpx.ReadTimeout("slow"))
    broker.submit(buy())
    assert isinstance(await events.next(), OrderOutcomeUnknown)
    assert len(kiwoom.calls("kt10000")) == 1


@pytest.mark.anyio
async def test_mock_domain_refuses_nextrade_orders(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """The mock domain is KRX only: an NXT order is rejected before it is sent."""
    events = Events()
    broker.attach(events)
    broker.submit(buy(exchange=Exchange.NXT))
    assert isinstance(await events.next(), OrderRejected)
    assert kiwoom.calls("kt10000") == []


@pytest.mark.anyio
async def test_fills_map_to_our_order_with_fees(kiwoom: FakeKiwoom, broker: KiwoomBroker) -> None:
    """A 00 fill of a known ord_no becomes OrderFilled with computed commission and tax."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10001", ok({"ord_no": "0000024"}))
    broker.submit(buy(action=OrderAction.SELL))
    await events.next()
    broker.on_execution(
        execution("filled", side=Side.SELL, fill_qty=4, fill_price=60000, remaining_qty=6)
    )
    broker.on_execution(
        execution("filled", side=Side.SELL, fill_qty=4, fill_price=60000, remaining_qty=6)
    )
    event = await events.next()
    assert isinstance(event, OrderFilled)
    assert (event.fill.qty, event.fill.price, event.fill.commission, event.fill.tax) == (
        4,
        60000,
        36,
        480,
    )
    assert events.queue.empty()  # the duplicate was dropped


@pytest.mark.anyio
async def test_execution_before_the_answer_is_held_then_matched(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """A fill that overtakes the order answer is matched once the answer arrives."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    broker.submit(buy())
    broker.on_execution(execution("filled", fill_qty=10, fill_price=60000, remaining_qty=0))
    assert isinstance(await events.next(), OrderAccepted)
    assert isinstance(await events.next(), OrderFilled)


@pytest.mark.anyio
async def test_unknown_executions_are_emitted_raw(broker: KiwoomBroker) -> None:
    """An execution for an order number we never saw goes out as is."""
    events = Events()
    broker.attach(events)
    raw = execution("filled", order_no="9999999", fill_qty=1, fill_price=1)
    broker.on_execution(raw)
    assert await events.next() is raw


@pytest.mark.anyio
async def test_cancel_confirmation_cancels_the_target(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """The cancel's confirmation is reported as OrderCancelled of the original order."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    kiwoom.script("kt10003", ok({"ord_no": "0000025", "base_orig_ord_no": "0000024"}))
    broker.submit(buy())
    await events.next()
    broker.submit(OrderRequest(2, OrderAction.CANCEL, "005930", 0, target_id=1))
    assert isinstance(await events.next(), OrderAccepted)
    assert kiwoom.calls("kt10003")[0].content == (
        b'{"dmst_stex_tp":"KRX","orig_ord_no":"0000024","stk_cd":"005930","cncl_qty":"0"}'
    )
    broker.on_execution(execution("cancelled", order_no="0000025", original_order_no="0000024"))
    event = await events.next()
    assert isinstance(event, OrderCancelled) and event.order_id == 1 and event.cancelled_qty == 10


def oso(order_no: str, tm: str, **kw: str) -> dict[str, str]:
    row = {"ord_no": order_no, "stk_cd": "005930", "io_tp_nm": "+매수", "ord_qty": "10",
           "ord_pric": "60000", "oso_qty": "10", "cntr_qty": "0", "tm": tm}  # fmt: skip
    return row | kw


@pytest.mark.anyio
async def test_reconcile_matches_on_symbol_side_qty_price(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """An in-doubt order is adopted from ka10075; one with no twin is not_found."""
    events = Events()
    broker.attach(events)
    kiwoom.script("ka10075", ok({"oso": [oso("0000030", "094021")]}))
    kiwoom.script("ka10076", ok({"cntr": []}))
    resolutions = await broker.reconcile([buy(1), buy(2, price=61000)])
    assert [(r.order_id, r.outcome, r.broker_order_no) for r in resolutions] == [
        (1, "accepted", "0000030"), (2, "not_found", "")]  # fmt: skip
    event = await events.next()
    assert isinstance(event, OrderAccepted) and event.broker_order_no == "0000030"


@pytest.mark.anyio
async def test_reconcile_without_a_reliable_clock_never_guesses_and_halts_the_symbol(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """Two unclaimed twins and no known clock offset: ambiguous, still in doubt, and new
    orders in that symbol are refused with the reason."""
    events = Events()
    broker.attach(events)
    kiwoom.script("ka10075", ok({"oso": [oso("0000030", "094021"), oso("0000031", "101500")]}))
    kiwoom.script("ka10076", ok({"cntr": []}))
    (r,) = await broker.reconcile([buy(1)])
    assert (r.outcome, r.candidates) == ("ambiguous", ("0000030", "0000031"))
    assert "not guessing" in r.detail
    broker.submit(buy(2))
    event = await events.next()
    assert isinstance(event, OrderRejected) and event.order_id == 2
    assert "halted" in event.reason and "0000030, 0000031" in event.reason
    assert kiwoom.calls("kt10000") == []


@pytest.mark.anyio
async def test_reconcile_uses_time_only_once_the_clock_offset_is_measured(
    kiwoom: FakeKiwoom, make_rest: Callable[..., KiwoomRest]
) -> None:
    """With one of our orders known at the venue 10 minutes 'late', the window follows
    the venue's clock and picks the twin placed right after our request. (Our clock
    reads 09:40:20 when both requests leave: the broker times a request when it sends.)"""
    broker = KiwoomBroker(settings(), rest=make_rest(), fees=Fees(), clock=lambda: SENT_AT)
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000029"}))
    broker.submit(buy(1, qty=1))
    assert isinstance(await events.next(), OrderAccepted)
    rows = [
        oso("0000029", "095020", ord_qty="1", oso_qty="1"),  # ours: sent 09:40:20 local
        oso("0000030", "095021"),  # the venue's clock runs 10 minutes ahead
        oso("0000031", "101500"),
    ]
    kiwoom.script("ka10075", ok({"oso": rows}))
    kiwoom.script("ka10076", ok({"cntr": []}))
    (r,) = await broker.reconcile([buy(2)])
    assert (r.outcome, r.broker_order_no) == ("accepted", "0000030")


@pytest.mark.anyio
async def test_close_revokes_the_token(kiwoom: FakeKiwoom, broker: KiwoomBroker) -> None:
    """close() waits for in-flight orders and revokes the token."""
    broker.attach(Events())
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    broker.submit(buy())
    await broker.close()
    assert len(kiwoom.calls("kt10000")) == 1 and len(kiwoom.revoked) == 1


@pytest.mark.anyio
async def test_a_fill_no_order_claims_triggers_a_resync(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """An unmatched fill is passed on raw and Kiwoom is asked what happened (open
    orders, fills, then holdings), once even if several arrive together."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    broker.submit(buy())
    assert isinstance(await events.next(), OrderAccepted)
    for _ in range(2):
        broker.on_execution(execution("filled", "0000077", fill_qty=1, fill_price=60000))
    await broker.drain(TIMEOUT)
    assert len(kiwoom.calls("ka10075")) == 1 and len(kiwoom.calls("ka10076")) == 1
    assert len(kiwoom.calls("kt00018")) == 1


@pytest.mark.anyio
async def test_a_cancel_refused_for_nothing_left_triggers_a_resync(
    kiwoom: FakeKiwoom, broker: KiwoomBroker
) -> None:
    """'No quantity left to cancel' means the target filled or went: resync."""
    events = Events()
    broker.attach(events)
    kiwoom.script("kt10000", ok({"ord_no": "0000024"}))
    broker.submit(buy())
    assert isinstance(await events.next(), OrderAccepted)
    refused = (200, {"return_code": 20, "return_msg": "정정/취소 가능수량이 없습니다"}, {})
    kiwoom.script("kt10003", refused)
    broker.submit(buy(2, action=OrderAction.CANCEL, target_id=1, qty=0))
    assert isinstance(await events.next(), OrderRejected)
    await broker.drain(TIMEOUT)
    assert len(kiwoom.calls("ka10075")) == 1

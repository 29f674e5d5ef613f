"""Fault scenarios on REST and on the order events: a 1700 storm, token expiry, lost or
garbled order answers before and after acceptance, duplicated and reordered ``00``
events, the venue's clock 10 minutes off, a production/mock mismatch.

Each runs the live runner against the fake Kiwoom for a few seconds and then checks the
journal against the fake's book (``fault_support``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from autotrader.errors import DomainMismatchError
from autotrader.model import OrderState
from tests.faults.fault_support import (
    FAULT_FAKE,
    FAULT_SETTINGS,
    RESTING_BUY,
    assert_books_agree,
    assert_clean,
    capture,
    journal_errors,
)
from tests.integration.live_support import BUY_WHILE_FLAT, WAIT, Live, live_run, rows, tick

pytestmark = pytest.mark.anyio

HYNIX = tick("000660", 200_000)  # fires buy-while-flat and fills its market order


def holding(live: Live, symbol: str = "000660") -> int:
    return live.runner.engine.states[symbol].pos_qty


async def test_1700_storm_is_paced_and_orders_are_resent_only_when_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Seven 429/1700 answers on the order, more on the queries: the order is sent again
    after back-offs (1700 proves it was not accepted), exactly one order reaches the
    fake, the resync queries get through, nothing is lost."""
    capture(caplog)
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        faults = live.fake.faults
        faults.rate_limit("kt10000", 7)
        faults.rate_limit("ka10075", 3)
        faults.rate_limit("ka10076", 3)
        await live.push(HYNIX)
        await live.until(lambda: any(o.broker_order_no for o in live.orders()))
        await live.push(HYNIX)
        await live.until(lambda: holding(live) == 3)
        await live.runner.broker.catch_up()  # a resync through the storm's tail
        assert len(live.fake.orders) == 1 and len(live.orders()) == 1
        assert not live.task.done()
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_1700_storm_longer_than_the_order_budget_refuses_the_order_unsent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Past its time budget a rate-limited order is rejected with the raw answer in the
    journal; nothing reached the fake, the run goes on."""
    capture(caplog)
    settings = FAULT_SETTINGS | {"order_budget": 0.3}
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=FAULT_FAKE, settings=settings
    ) as live:
        live.fake.faults.rate_limit("kt10000", 1_000)
        await live.push(HYNIX)
        await live.until(lambda: any(o.state is OrderState.REJECTED for o in live.orders()))
        assert live.fake.orders == [] and not live.task.done()
    (order,) = rows(live.journal_path, "SELECT reason FROM orders ORDER BY id LIMIT 1")
    assert "order budget 0.3s" in order["reason"]
    assert "return_code=5" in order["reason"] and "[1700:" in order["reason"]
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_token_expiry_mid_run_is_renewed_for_orders_queries_and_login(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Tokens live 3 s and are also expired by force mid-run: the order refused with 8005
    is sent again with a new token, the socket logs in again, and tokens are renewed ahead
    of expiry by a margin relative to their lifetime, not on every call."""
    capture(caplog)
    fake = FAULT_FAKE | {"token_ttl": 3.0}
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=fake, settings=FAULT_SETTINGS
    ) as live:
        assert live.runner.broker.rest.tokens.margin == pytest.approx(1.5, abs=0.1)
        live.fake.faults.expire_tokens()
        await live.push(HYNIX)  # the order meets 8005, renews, goes again
        await live.until(lambda: any(o.broker_order_no for o in live.orders()))
        live.fake.faults.expire_tokens()
        await live.fake.faults.drop_sockets()  # LOGIN with the dead token is refused
        await live.until(lambda: live.runner.realtime.sessions >= 2)
        await live.push(HYNIX)
        await live.until(lambda: holding(live) == 3)
        assert len(live.fake.tokens.issued) <= 6
        assert len(live.fake.orders) == 1
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


@pytest.mark.parametrize(
    ("mode", "after_accept"),
    [
        ("timeout", False),
        ("timeout", True),
        ("http500", False),
        ("http500", True),
        ("drop", True),
        ("no_return_code", True),
        ("no_return_code", False),
    ],
)
async def test_lost_order_answer_is_reconciled_never_resent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: str, after_accept: bool
) -> None:
    """The answer is lost (timeout, HTTP 500, dropped, no return_code): the order is in
    doubt, never resent; reconciliation adopts it if the fake booked it, else closes it."""
    capture(caplog)
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        live.fake.faults.fail_next_order(after_accept=after_accept, mode=mode)  # type: ignore[arg-type]
        await live.push(HYNIX)
        await live.until(lambda: len(live.orders()) >= 1)
        first = live.orders()[0]
        final = OrderState.ACCEPTED if after_accept else OrderState.REJECTED
        await live.until(lambda: first.state in (final, OrderState.FILLED))
        await live.push(HYNIX)  # fills the adopted order (the rule's next buy is a risk
        # duplicate within 2 s: nothing more is sent)
        await live.until(lambda: holding(live) == (3 if after_accept else 0))
        assert len(live.fake.orders) == (1 if after_accept else 0)
        assert live.runner.engine.held_rules == set()
    events = [r["state"] for r in rows(live.journal_path, "SELECT state FROM order_events")]
    assert "unknown" in events
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


@pytest.mark.parametrize("fault", ["duplicate", "reorder"])
async def test_duplicated_or_reordered_00_events_count_each_fill_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    """Three partial fills whose 00 frames come twice, or held and sent in reverse."""
    capture(caplog)
    fake: dict[str, Any] = FAULT_FAKE | {"max_fill_qty": 1}
    async with live_run(tmp_path, RESTING_BUY, fake_options=fake, settings=FAULT_SETTINGS) as live:
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: any(o.broker_order_no for o in live.orders()))
        if fault == "duplicate":
            live.fake.faults.duplicate_executions()
        else:
            live.fake.faults.reorder_executions(3)
        for _ in range(3):
            await live.push(tick("005930", 60_000, ask=60_000, bid=59_900))
        await live.until(lambda: holding(live, "005930") == 13)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.FILLED)
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


@pytest.mark.parametrize("offset", [-600, 600], ids=["venue-10min-behind", "venue-10min-ahead"])
async def test_venue_clock_ten_minutes_off_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, offset: int
) -> None:
    """The venue's clock 10 minutes off ours: the token's lifetime is read on the venue's
    clock, and an order whose answer was lost after acceptance is still found (by keys and
    order-number order, not by time) and its fill kept."""
    capture(caplog)

    def skew(fake: Any) -> None:
        fake.faults.offset_clock(offset)

    fake = FAULT_FAKE | {"token_ttl": 60.0}
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=fake, settings=FAULT_SETTINGS, before_start=skew
    ) as live:
        tokens = live.runner.broker.rest.tokens
        assert tokens.margin == pytest.approx(6.0, abs=0.5)  # 10% of 60 s, on either clock
        issued = len(live.fake.tokens.issued)
        live.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(HYNIX)
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.FILLED)  # at arrival, on the quote
        assert len(live.fake.tokens.issued) == issued  # not renewed on every call
        assert len(live.fake.orders) == 1
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_production_mock_mismatch_at_start_stops_with_the_setting_to_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """8030 from the token endpoint: the run stops at once, naming KIWOOM_DOMAIN."""
    capture(caplog)

    def mismatch(fake: Any) -> None:
        fake.faults.mismatch_domain()

    with pytest.raises(DomainMismatchError, match="KIWOOM_DOMAIN"):
        async with live_run(tmp_path, BUY_WHILE_FLAT, before_start=mismatch):
            pass


@pytest.mark.parametrize("via", ["order", "resync query"])
async def test_production_mock_mismatch_mid_run_stops_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, via: str
) -> None:
    """8031 on an order or on a background query mid-run: the run stops with the reason
    journaled (never a retry loop)."""
    capture(caplog)
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        live.fake.faults.mismatch_domain()
        if via == "order":
            await live.push(HYNIX)
        else:
            live.runner.broker.resync_soon("test")
        with pytest.raises(DomainMismatchError, match="KIWOOM_DOMAIN"):
            async with asyncio.timeout(WAIT):
                await live.task
    assert live.fake.orders == []
    assert any("KIWOOM_DOMAIN" in e for e in journal_errors(live, "kiwoom"))
    assert_clean(tmp_path, live.fake, caplog)


async def test_resync_answer_without_return_code_is_not_taken_for_an_empty_account(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After a drop, the resync's queries first answer without return_code: they are
    errors (retried), so the fill made in the gap is still found."""
    capture(caplog)
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: any(o.broker_order_no for o in live.orders()))
        await live.fake.faults.drop_sockets()
        live.fake.faults.omit_return_code(2)
        await live.push(tick("005930", 60_000, ask=60_000, bid=59_900))
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.FILLED)
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_fill_on_a_modifys_new_number_before_the_modify_ack(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The modify's 00 frames and the fill under its new number come reversed (fill
    first, then the confirmation, then the acceptance): the fill is the order's, counted
    once, at the new price; the modify ends done."""
    from autotrader.model import OrderAction, OrderType
    from tests.integration.test_live_order_changes import place

    capture(caplog)
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: any(o.broker_order_no for o in live.orders()))
        (order,) = live.orders()
        live.fake.faults.reorder_executions(3)  # 접수, 확인 of the modify, then its fill
        modify = place(
            live, OrderAction.MODIFY, target_id=order.order_id, qty=0,
            order_type=OrderType.LIMIT, price=60_100,
        )  # fmt: skip
        await live.until(lambda: modify.state is not OrderState.SENT)
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))  # fills 60,100
        await live.until(lambda: order.state is OrderState.FILLED)
        await live.until(lambda: modify.state is OrderState.DONE)
        assert order.price == 60_100 and holding(live, "005930") == 13
    fills = rows(live.journal_path, "SELECT qty, price FROM fills")
    assert [(f["qty"], f["price"]) for f in fills] == [(3, 60_100)]
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_an_order_in_doubt_with_two_possible_twins_halts_its_symbol_not_guessed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Our answer is lost after acceptance and, before reconciliation, an identical order
    (say, from the HTS) appears: either could be ours. Nothing is guessed: the order stays
    unknown, its rule held, the reason journaled, new orders in 000660 refused."""
    from autotrader.model import OrderAction, OrderType, Side
    from tests.integration.test_live_order_changes import place

    capture(caplog)
    async with live_run(
        tmp_path, BUY_WHILE_FLAT, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        live.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(HYNIX)
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        live.fake.book.place(Side.BUY, "000660", 3, "3", 0)  # the twin, numbered after ours
        await live.until(lambda: "000660" in live.runner.broker.halted_symbols, within=8.0)
        assert order.state is OrderState.UNKNOWN
        assert live.runner.engine.held_rules == {"buy-while-flat"}
        other = place(live, OrderAction.BUY, symbol="000660", qty=1, order_type=OrderType.MARKET)
        await live.until(lambda: other.state is OrderState.REJECTED)
        assert len(live.fake.orders) == 2  # ours and the twin; nothing more was sent
    (reason,) = journal_errors(live, "reconcile")
    assert "not guessing" in reason and "0000001, 0000002" in reason
    (row,) = rows(live.journal_path, "SELECT reason FROM orders WHERE id = ?", other.order_id)
    assert "halted" in row["reason"]
    assert_clean(tmp_path, live.fake, caplog)


async def test_an_identical_order_filled_earlier_today_does_not_make_a_doubt_ambiguous(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The same buy was placed and filled before this run started (numbers seen at start
    are below every later request's floor), so the lost answer still resolves to the one
    order that can be ours; its fill is kept."""
    from autotrader.market.venue_types import Print
    from autotrader.model import Side

    capture(caplog)

    def earlier_twin(fake: Any) -> None:
        fake.book.place(Side.BUY, "005930", 3, "0", 60_000)
        now = fake.book._now_ts()
        fake.book.on_print("005930", Print(60_000, 10, 60_000, 59_900, now))  # 7 + 3 held

    fake = FAULT_FAKE | {"holdings": {"005930": (7, 58_000)}}
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=fake, settings=FAULT_SETTINGS,
        before_start=earlier_twin,
    ) as live:  # fmt: skip
        live.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(tick("005930", 60_100, ask=60_100, bid=60_000))
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.ACCEPTED)
        assert order.broker_order_no == live.fake.orders[1].ord_no
        await live.push(tick("005930", 60_000, ask=60_000, bid=59_900))
        await live.until(lambda: order.state is OrderState.FILLED)
        assert "005930" not in live.runner.broker.halted_symbols
        assert holding(live, "005930") == 13 == live.fake.holdings["005930"].qty
    assert journal_errors(live, "reconcile") == []
    assert_clean(tmp_path, live.fake, caplog)

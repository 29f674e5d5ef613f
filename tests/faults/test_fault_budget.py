"""The request budget at run time against the fake Kiwoom: under a 1700 storm the exit
leaves before the entry that was waiting first, the waits are journaled and reported,
and an entry that would wait too long is refused with its reason, never dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.journal import open_journal
from autotrader.model import OrderState, Side
from autotrader.report.figures import build_report
from tests.faults.fault_support import FAULT_FAKE, FAULT_SETTINGS, assert_books_agree, capture
from tests.integration.live_support import live_run, rows, tick

pytestmark = pytest.mark.anyio

RULES = """\
  - name: enter-hynix
    symbols: ["000660"]
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {qty: 3, type: market}
  - name: exit-samsung
    symbols: ["005930"]
    when: position.qty == 10 and open_orders == 0 and price < 59000
    do:
      - sell: {qty: all, type: market}
"""
# A 1700 holds every order for the back-off: 0.5-1 s here, long enough to queue both.
STORM = FAULT_SETTINGS | {"backoff_base": 1.0, "backoff_cap": 1.0, "order_budget": 10.0}


async def test_under_a_1700_storm_the_exit_leaves_before_the_waiting_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The entry meets a 1700 and waits out the hold; the exit, decided after it, goes
    first once the hold ends; both waits are journaled and the report adds them up."""
    capture(caplog)
    async with live_run(tmp_path, RULES, fake_options=FAULT_FAKE, settings=STORM) as live:
        live.fake.faults.rate_limit("kt10000", 1)
        await live.push(tick("000660", 200_000))  # the entry: refused once by the gateway
        await live.until(lambda: live.runner.broker.rest.rate_limited == 1)
        await live.push(tick("005930", 58_000))  # the exit, while the hold lasts
        await live.until(lambda: len(live.fake.orders) == 2)
        assert [o.side for o in live.fake.orders] == [Side.SELL, Side.BUY]
        assert all(o.state is not OrderState.REJECTED for o in live.orders())
    waits = rows(live.journal_path, "SELECT order_id, detail FROM order_events "
                 "WHERE state = 'budget_wait' ORDER BY id")  # fmt: skip
    details = {r["order_id"]: r["detail"] for r in waits}
    (entry,) = [o for o in live.orders() if o.side is Side.BUY]
    (exit_,) = [o for o in live.orders() if o.side is Side.SELL]
    assert "kt10000 (entry)" in details[entry.order_id]
    assert "kt10001 (exit)" in details[exit_.order_id]
    db = open_journal(live.journal_path)
    summary = build_report(db, [live.runner.journal.run_id])["summary"]
    assert summary["budget_wait"]["waits"] == 2 and summary["budget_wait"]["total"] > 0
    assert_books_agree(live)


async def test_an_entry_that_would_wait_past_its_limit_is_refused_and_journaled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """entry_wait 0.2 s against a hold of 0.5-1 s: the entry is rejected unsent with the
    budget named in the journal; the fake never sees it."""
    capture(caplog)
    settings = STORM | {"entry_wait": 0.2}
    async with live_run(tmp_path, RULES, fake_options=FAULT_FAKE, settings=settings) as live:
        live.fake.faults.rate_limit("kt10000", 1)
        await live.push(tick("000660", 200_000))
        await live.until(lambda: any(o.state is OrderState.REJECTED for o in live.orders()))
        assert live.fake.orders == []
    (row,) = rows(live.journal_path, "SELECT state, reason FROM orders")
    assert row["state"] == "rejected"
    assert "request budget: refused" in row["reason"] and "not sent" in row["reason"]
    assert_books_agree(live)

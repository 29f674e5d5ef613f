"""ka10004 at start: quotes and the book before the first tick of a live run."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.broker.kiwoom.quotes import snapshot_entry
from autotrader.fake_kiwoom.market_facts import Depth
from autotrader.fake_kiwoom.quotes import quote_answer
from autotrader.model import OrderState
from tests.integration.live_support import fast_options, live_run, tick

pytestmark = pytest.mark.anyio

START_BUY = """\
  - name: open-at-market
    symbols: ["005930"]
    on: start
    when: ask > 0 and book.total_ask_qty > 0 and book.spread_ticks == 1
    do:
      - buy: {qty: 1, type: market}
"""


def test_snapshot_entry_renames_ka10004_to_0d_fields() -> None:
    """Best ask/bid and their sizes land on 41/51/61/71, level 10 on 50/60, totals on 121/125."""
    depth = Depth([(60_100 + 100 * i, 10 + i) for i in range(10)], [(60_000, 7)], "090001", 1, 7)
    entry = snapshot_entry("005930", quote_answer(depth, base=60_000))
    assert entry is not None and entry["type"] == "0D" and entry["item"] == "005930"
    v = entry["values"]
    assert (v["41"], v["61"], v["51"], v["71"]) == ("+60100", "10", "60000", "7")
    assert (v["50"], v["70"], v["125"], v["21"]) == ("+61000", "19", "7", "090001")
    assert snapshot_entry("005930", {"return_code": 0}) is None


async def test_start_rule_sees_the_snapshot_quotes_before_any_tick(tmp_path: Path) -> None:
    """An 'on: start' rule reading the ask and the book finds ka10004's (the fake's 60,100
    over 60,000) although no trade has arrived, and its market buy is valued at that ask;
    the last price stays 0 until a trade."""
    async with live_run(tmp_path, START_BUY) as live:
        st = live.runner.engine.states["005930"]
        assert (st.ask, st.bid, st.price) == (60_100, 60_000, 0)
        await live.until(lambda: any(o.state is OrderState.ACCEPTED for o in live.orders()))
        (order,) = live.orders()
        assert order.qty == 1 and order.rule == "open-at-market"
        await live.push(tick("005930", 60_500, ask=60_600, bid=60_500))
        await live.until(lambda: st.price == 60_500)
        assert st.bid == 60_500  # the first trade's quotes replace the snapshot


async def test_without_the_snapshot_the_start_rule_has_no_quote(tmp_path: Path) -> None:
    """quote_snapshot off: ask reads 0 at start and the rule does not fire."""
    options = fast_options(quote_snapshot=False)
    async with live_run(tmp_path, START_BUY, options=options) as live:
        st = live.runner.engine.states["005930"]
        assert (st.ask, st.bid) == (0, 0)
        assert live.orders() == []


async def test_book_names_register_0d_and_live_books_reach_the_state(tmp_path: Path) -> None:
    """A rule reading book.* registers 0D for its symbols (0g always, 0w not); a pushed
    book replaces the snapshot in the symbol's state."""
    async with live_run(tmp_path, START_BUY) as live:
        types = live.runner.realtime.symbol_types
        assert "0D" in types and "0g" in types and "0w" not in types
        await live.fake.hub.wait_registered("005930", "0D")
        values = {"41": "+60300", "61": "5", "51": "+60200", "71": "9", "121": "5", "125": "9"}
        entry = {"type": "0D", "name": "주식호가잔량", "item": "005930", "values": values}
        await live.push({"trnm": "REAL", "data": [entry]})
        st = live.runner.engine.states["005930"]
        await live.until(lambda: st.depth.get("41") == "+60300")

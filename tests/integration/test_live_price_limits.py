"""A live run against the fake: the 0g limits reach the risk guard, which refuses an order
beyond them that the ±30% estimate would have let out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.model.quotes import PriceLimits
from autotrader.risk.checks import RiskLimits
from tests.integration.live_support import live_run, rows, tick

pytestmark = pytest.mark.anyio

REACH = """\
  - name: reach-up
    symbols: ["005930"]
    when: position.qty == 0 and open_orders == 0
    max_per_day: 1
    do:
      - buy: {qty: 1, type: limit, price: price * 1.04}
"""


def zero_g(upper: int, lower: int, base: int) -> dict[str, Any]:
    values = {"297": "", "305": str(upper), "306": str(lower), "307": str(base)}
    entry = {"type": "0g", "name": "주식종목정보", "item": "005930", "values": values}
    return {"trnm": "REAL", "data": [entry]}


async def test_order_beyond_the_0g_upper_limit_is_refused_by_the_guard(tmp_path: Path) -> None:
    """0g says 61,000 at most; the rule's 62,400 buy (60,000 x 1.04) is refused before it
    leaves, naming the exchange's limits; nothing reaches the fake."""
    limits = RiskLimits(max_price_deviation=0.1)
    flat = {"holdings": {}}
    async with live_run(tmp_path, REACH, limits=limits, fake_options=flat) as live:
        await live.fake.hub.wait_registered("005930", "0g")
        await live.push(zero_g(61_000, 42_000, 60_000))
        st = live.runner.engine.states["005930"]
        await live.until(lambda: st.limits is not None)
        assert st.limits == PriceLimits(61_000, 42_000, 60_000)
        await live.push(tick("005930", 60_000))
        await live.until(lambda: live.runner.engine.stats["rejected"] == 1)
    (refused,) = rows(live.journal_path, "SELECT reason FROM orders WHERE state = 'rejected'")
    assert "outside today's limits 42,000-61,000" in refused["reason"]
    assert "published by the exchange" in refused["reason"]
    assert live.fake.orders == []

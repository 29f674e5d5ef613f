"""0g price limits: the decoder keeps the exchange's limits, and the ±30% check uses them
exactly instead of its estimate from the tick's change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autotrader.model.quotes import PriceLimits
from autotrader.risk import RiskLimits
from autotrader.risk import checks as c
from tests.frames import real, trade
from tests.harness import Harness
from tests.risk.support import check_input, order, state


def limits_entry(item: str, upper: int, lower: int, base: int) -> dict[str, Any]:
    """A 0g entry as the guide's example shows it (297 text, 305/306/307 prices)."""
    values = {"297": "동정적VT", "592": "", "593": "", "305": str(upper), "306": str(lower)}
    values |= {"307": str(base), "689": "", "594": "", "382": "", "370": ""}
    return {"type": "0g", "name": "주식종목정보", "item": item, "values": values}


def test_exact_limits_replace_the_estimate() -> None:
    """With 0g limits 42,300-78,300 a 79,000 buy is refused though the estimate
    (base 70,000 -> up to 91,000) would pass it; the verdict says where they came from."""
    st = state(71_000, change=1_000)
    assert c.daily_price_limit(check_input(order(price=79_000), st), {}) is None
    st.limits = PriceLimits(upper=78_300, lower=42_300, base=60_300)
    seen: dict[str, Any] = {}
    reason = c.daily_price_limit(check_input(order(price=79_000), st), seen)
    assert reason == (
        "limit price 79,000 is outside today's limits 42,300-78,300 "
        "(base 60,300, published by the exchange)"
    )
    assert seen["source"] == "exchange" and seen["upper"] == 78_300


def test_exact_limits_need_no_base_from_the_tick() -> None:
    """A tick without change or rate cannot give a base; the 0g limits still judge."""
    st = state(60_000, change=None)
    st.limits = PriceLimits(upper=78_300, lower=42_300, base=60_300)
    assert c.daily_price_limit(check_input(order(price=60_000), st), {}) is None
    assert c.daily_price_limit(check_input(order(price=42_200), st), {}) is not None


STRATEGY = """
strategy: t
symbols: ["005930"]
rules:
  - name: reach-up
    when: price > 0
    cooldown: 1h
    do:
      - buy: {qty: 1, type: limit, price: price * 1.25}
"""


def test_an_order_outside_the_0g_limits_is_rejected_end_to_end(tmp_path: Path) -> None:
    """Replayed 0g then 0B: the rule's 75,000 buy (60,000 x 1.25) is within the estimated
    +30% but above the 0g upper limit of 72,000: rejected and journaled with the reason."""
    h = Harness(STRATEGY, tmp_path, limits=RiskLimits(max_price_deviation=0.5))
    h.feed([real(limits_entry("005930", 72_000, 42_000, 60_000))])
    assert h.engine.states["005930"].limits == PriceLimits(72_000, 42_000, 60_000)
    tick = trade("005930", "090001", 60_000)
    tick["values"]["11"] = "0"
    h.feed([real(tick)])
    (reason,) = h.rows("SELECT reason FROM orders WHERE state = 'rejected'")[0]
    assert "daily_price_limit: limit price 75,000 is outside today's limits 42,000-72,000" in reason


def test_a_garbled_0g_is_counted_and_keeps_the_previous_limits(tmp_path: Path) -> None:
    """A 0g whose prices cannot be read is malformed; the limits already known stay."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([real(limits_entry("005930", 72_000, 42_000, 60_000))])
    h.feed([real(limits_entry("005930", 0, 42_000, 60_000))])
    assert h.decoder.counters.malformed == 1
    assert h.engine.states["005930"].limits == PriceLimits(72_000, 42_000, 60_000)

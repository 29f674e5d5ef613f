"""A rule's remainder policy: keep, cancel after a while, or re-price then cancel."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text
from tests.frames import real, trade
from tests.harness import Harness

BID_LOW = """
strategy: t
symbols: ["005930"]
rules:
  - name: bid-low
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    remainder: {policy}
    do:
      - buy: {{qty: 10, type: limit, price: 69000}}
"""


def _tick(hms: str, price: int, ask: int) -> dict:  # type: ignore[type-arg]
    return real(trade("005930", hms, price, ask=ask, bid=ask - 100))


def _orders(h: Harness) -> list[tuple[str, str, int, str]]:
    h.journal.flush()
    return [tuple(r) for r in h.rows("SELECT action, state, price, rule FROM orders ORDER BY id")]


def test_keep_leaves_the_order_working(tmp_path: Path) -> None:
    """With the default policy nothing happens to an unfilled order."""
    h = Harness(BID_LOW.format(policy="keep"), tmp_path)
    h.feed([_tick("100000", 70_000, 70_100), _tick("101000", 70_000, 70_100)])
    assert _orders(h) == [("buy", "accepted", 69_000, "bid-low")]


def test_cancel_after_cancels_the_unfilled_rest_on_time(tmp_path: Path) -> None:
    """cancel_after 30s: still working at +29 s, a cancel at +30 s, the order cancelled."""
    h = Harness(BID_LOW.format(policy="{cancel_after: 30s}"), tmp_path)
    h.feed([_tick("100000", 70_000, 70_100), _tick("100029", 70_000, 70_100)])
    assert [o[:2] for o in _orders(h)] == [("buy", "accepted")]
    h.feed([_tick("100030", 70_000, 70_100)])
    orders = _orders(h)
    assert [o[:2] for o in orders] == [("buy", "cancelled"), ("cancel", "done")]
    assert orders[1][3] == "bid-low"
    decisions = h.rows("SELECT event, outcome FROM decisions WHERE event = 'remainder'")
    assert decisions == [("remainder", "cancel")]


def test_reprice_moves_the_limit_to_the_touch_and_fills(tmp_path: Path) -> None:
    """reprice_after 10s: the bid moves to the ask (70,100) and then fills there."""
    h = Harness(BID_LOW.format(policy="{reprice_after: 10s}"), tmp_path)
    h.feed([_tick("100000", 70_000, 70_100), _tick("100010", 70_000, 70_100)])
    orders = _orders(h)
    assert orders[1][:3] == ("modify", "done", 70_100)
    h.feed([_tick("100011", 70_100, 70_100)])
    assert h.rows("SELECT side, qty, price FROM fills") == [("buy", 10, 70_100)]
    assert h.engine.states["005930"].pos_qty == 10


def test_reprice_gives_up_after_max_and_cancels(tmp_path: Path) -> None:
    """max: 1 - one re-price that the market runs away from, then a cancel."""
    h = Harness(BID_LOW.format(policy="{reprice_after: 10s, max: 1}"), tmp_path)
    h.feed(
        [
            _tick("100000", 70_000, 70_100),
            # the clock reaches 10:00:10: re-priced to the last ask, 70,100; then this
            # tick shows the market has run away: no fill
            _tick("100010", 70_500, 70_600),
            _tick("100020", 70_500, 70_600),  # max reached: cancel
        ]
    )
    assert [o[:2] for o in _orders(h)] == [
        ("buy", "cancelled"), ("modify", "done"), ("cancel", "done"),
    ]  # fmt: skip
    assert h.rows("SELECT COUNT(*) FROM fills") == [(0,)]


def test_bad_remainder_is_an_error_at_its_position() -> None:
    """An unknown policy key is reported at its line and column."""
    text = BID_LOW.format(policy="{cancel_afterr: 30s}")
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text, "s.yaml")
    first = info.value.errors[0]
    assert first.line == 8 and "remainder" in first.message


def test_a_deadline_inside_the_current_clock_second_is_met(tmp_path: Path) -> None:
    """The clock skips its checks until the next clock second when nothing is due; a
    deadline set inside the second (cancel after 250 ms) still lands on time."""
    h = Harness(BID_LOW.format(policy="{cancel_after: 250ms}"), tmp_path)
    placed = {**_tick("100000", 70_000, 70_100), "rt": "100000.100"}
    h.feed([placed, {**_tick("100000", 70_000, 70_100), "rt": "100000.300"}])
    assert [o[:2] for o in _orders(h)] == [("buy", "accepted")]  # due at .350
    h.feed([{**_tick("100000", 70_000, 70_100), "rt": "100000.400"}])
    assert [o[:2] for o in _orders(h)] == [("buy", "cancelled"), ("cancel", "done")]

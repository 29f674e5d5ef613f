"""Scenarios: the call auctions and the after-hours close on synthetic KRX days.

Each day is generated with the venue's frames (0H expected prices, after-hours sessions);
the expected fills are read off the same tape, so the assertions say where on the tape
the venue must fill (docs/paper-fills.md names the rules).
"""

from __future__ import annotations

from pathlib import Path

from autotrader.feed.synth import SynthConfig
from autotrader.risk import RiskLimits
from tests.scenarios.venue_support import run_day

VI_DAY = SynthConfig(
    seed=3, n_symbols=2, ticks=4_000, vi_symbol="005930", vi_kind="static", auctions=True
)
VI_BUY = """
strategy: vi-dip
symbols: ["005930"]
rules:
  - name: bid-in-auction
    on: {vi: triggered}
    do:
      - buy: {qty: 5, type: limit, price: event.trigger_price + 5 ticks}
"""


def test_a_limit_buy_placed_in_a_vi_auction_fills_at_the_release_single_price(
    tmp_path: Path,
) -> None:
    """The buy rests through the 2-minute auction though 0H expected prices cross it, then
    fills at the release print's price (not its limit), at the release time (F29)."""
    day = run_day(VI_BUY, VI_DAY, tmp_path)
    triggered = next(ts for released, ts in day.vi("005930") if not released)
    released = next(ts for released, ts in day.vi("005930") if released)
    ((created, state, _, limit, qty, filled, _),) = day.orders("bid-in-auction")
    assert created == triggered and state == "filled" and (qty, filled) == (5, 5)
    release_print = next(p for p in day.prints("005930") if p.ts >= released)
    assert release_print.ts == released and release_print.price <= limit
    assert day.fills("bid-in-auction") == [(released, 5, release_print.price)]


CLOSE_DAY = SynthConfig(seed=5, n_symbols=2, ticks=3_000, vi_kind=None, auctions=True)
CONDITIONAL = """
strategy: hold-to-close
symbols: ["000660"]
rules:
  - name: entry
    on: {at: "09:30"}
    do:
      - buy: {qty: 4, type: market}
  - name: exit-at-close
    on: {order: filled}
    when: position.qty == 4
    do:
      - sell: {qty: all, type: conditional_limit, price: last * 1.25}
"""


def test_a_conditional_limit_sell_converts_at_1520_and_fills_in_the_closing_auction(
    tmp_path: Path,
) -> None:
    """Far above the market all day, the conditional limit's remainder becomes a market
    order at 15:20 and fills at the 15:30:00 single price, below its limit (F24)."""
    day = run_day(CONDITIONAL, CLOSE_DAY, tmp_path, RiskLimits(max_price_deviation=0.3))
    ((_, state, order_type, limit, qty, filled, _),) = day.orders("exit-at-close")
    closing = next(p for p in day.prints("000660") if p.ts == day.at("153000"))
    assert order_type == "conditional_limit" and closing.price < limit
    assert max(p.price for p in day.prints("000660") if p.ts < day.at("152000")) < limit
    assert (state, qty, filled) == ("filled", 4, 4)
    assert day.fills("exit-at-close") == [(day.at("153000"), 4, closing.price)]


AFTER_DAY = SynthConfig(seed=9, n_symbols=2, ticks=3_000, vi_kind=None, after_hours=True)
AT_THE_CLOSE = """
strategy: close-price
symbols: ["005930"]
risk:
  trading_hours: none
  allowed_sessions: [open, close_price_start]
rules:
  - name: too-early
    on: {at: "10:00"}
    do:
      - buy: {qty: 2, type: after_hours_close}
  - name: after-close
    on: {at: "15:45"}
    do:
      - buy: {qty: 2, type: after_hours_close}
"""


def test_after_hours_close_fills_at_the_close_and_is_refused_at_ten(tmp_path: Path) -> None:
    """Placed at 10:00 it is refused before it leaves, naming the phase and the type;
    placed at 15:45 it fills at the day's close on the post-close prints (F34)."""
    day = run_day(AT_THE_CLOSE, AFTER_DAY, tmp_path)
    ((_, state, _, _, _, _, reason),) = day.orders("too-early")
    assert state == "rejected"
    assert "venue_phase: KRX krx_continuous does not accept after_hours_close" in reason
    ((created, state, _, _, _, filled, _),) = day.orders("after-close")
    close = next(p for p in day.prints("005930") if p.ts == day.at("153000")).price
    fills = day.fills("after-close")
    assert (state, filled) == ("filled", 2) and created >= day.at("154500")
    assert fills and {price for _, _, price in fills} == {close}
    assert all(day.at("154500") <= ts < day.at("160000") for ts, _, _ in fills)

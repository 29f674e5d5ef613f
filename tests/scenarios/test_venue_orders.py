"""Scenarios: stop-limit, IOC and Nextrade orders on synthetic days (docs/paper-fills.md)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from rich.console import Console

from autotrader.feed.synth import SynthConfig
from autotrader.market.ticks import shift_ticks
from autotrader.report.summary import print_report
from tests.scenarios.venue_support import run_day

DAY = SynthConfig(seed=21, n_symbols=2, ticks=4_000, vi_kind=None)
STOP_DAY = SynthConfig(seed=36, n_symbols=2, ticks=4_000, vi_kind=None)  # reached after 78 min
PROTECTIVE_STOP = """
strategy: protected-entry
symbols: ["005930"]
rules:
  - name: entry
    on: {at: "09:30"}
    do:
      - buy: {qty: 3, type: market}
  - name: stop
    on: {order: filled}
    when: position.qty == 3
    do:
      - sell: {qty: all, type: stop_limit, price: event.fill_price - 4 ticks,
               condition_price: event.fill_price - 2 ticks}
"""


def test_a_protective_stop_limit_triggers_only_when_the_tape_reaches_its_condition(
    tmp_path: Path,
) -> None:
    """It rests untriggered while prints stay above its condition, however long; the first
    print at or below the condition triggers it and it sells as a limit on that print's
    quote (F22, F23)."""
    day = run_day(PROTECTIVE_STOP, STOP_DAY, tmp_path)
    ((_, fill_qty, entry_price),) = day.fills("entry")
    ((created, state, _, limit, _, filled, _),) = day.orders("stop")
    condition = shift_ticks(entry_price, -2)  # a market buy fills at the ask, a tick or
    assert limit == shift_ticks(entry_price, -4)  # more above the last print
    after = [p for p in day.prints("005930") if p.ts > created]
    trigger = next(p for p in after if p.price <= condition)  # the tape does reach it
    assert any(p.ts < trigger.ts for p in after)  # ... after prints above it
    fills = day.fills("stop")
    assert (state, filled) == ("filled", 3) and fill_qty == 3
    assert fills[0][0] == trigger.ts  # not one print earlier
    assert fills[0][2] == trigger.bid >= limit  # marketable on the trigger print's quote
    assert all(price >= limit for _, _, price in fills)


def test_a_stop_limit_the_tape_never_reaches_expires_unfilled_at_the_close(
    tmp_path: Path,
) -> None:
    """On a day that stays above its condition, the stop never trades, not even in the
    closing auction: it expires at the end of continuous trading."""
    day = run_day(PROTECTIVE_STOP, DAY, tmp_path)
    ((_, state, _, _, _, filled, reason),) = day.orders("stop")
    assert (state, filled, day.fills("stop")) == ("cancelled", 0, [])
    assert "expired" in reason


IOC_BELOW = """
strategy: ioc-probe
symbols: ["005930"]
rules:
  - name: probe
    on: {at: "10:00"}
    do:
      - buy: {qty: 5, type: limit_ioc, price: bid - 2 ticks}
"""


def test_an_ioc_below_the_ask_is_cancelled_at_once_and_never_fills_later(
    tmp_path: Path,
) -> None:
    """The IOC finds nothing at its limit on arrival: cancelled in the same instant, with
    the reason in the journal; later prints through its limit fill nothing (F10)."""
    day = run_day(IOC_BELOW, DAY, tmp_path)
    ((created, state, _, limit, qty, filled, reason),) = day.orders("probe")
    assert (state, filled) == ("cancelled", 0) and "IOC remainder cancelled" in reason
    assert any(p.price < limit for p in day.prints("005930") if p.ts > created)
    assert day.fills("probe") == []
    events = day.harness.rows(
        "SELECT ts, state FROM order_events WHERE order_id = "
        "(SELECT id FROM orders WHERE rule = 'probe') ORDER BY id"
    )
    assert events[-1] == (created, "cancelled")
    assert qty == 5
    con = Console(record=True, width=200)
    print_report(sqlite_utils.Database(day.harness.journal.path), console=con)
    text = con.export_text()
    assert "Cancelled by the venue (1)" in text and "IOC remainder cancelled" in text


NX_DAY = SynthConfig(seed=4, n_symbols=2, ticks=3_000, vi_kind=None, nextrade=("005930",))
NX_AFTER = """
strategy: nextrade-evening
symbols: ["005930_NX"]
risk:
  trading_hours: none
  allowed_sessions: [open, nxt_after_market_start]
rules:
  - name: evening-buy
    on: {at: "16:00"}
    do:
      - buy: {qty: 2, type: limit, price: ask + 1 tick}
  - name: evening-market
    on: {at: "16:00"}
    do:
      - buy: {qty: 2, type: market}
"""


def test_a_nextrade_after_market_limit_on_an_nx_symbol_fills_on_the_nx_book(
    tmp_path: Path,
) -> None:
    """At 16:00 KRX runs its after-hours single price, Nextrade its after-market: the _NX
    limit fills at once at the _NX ask it meets (F36); a market order is refused there,
    before it leaves, naming Nextrade's phase and the type."""
    day = run_day(NX_AFTER, NX_DAY, tmp_path)
    ((created, state, _, _, _, filled, _),) = day.orders("evening-buy")
    last = [p for p in day.prints("005930_NX") if p.ts < created][-1]  # the quote it saw
    assert day.at("160000") <= created and last.ts >= day.at("153000")
    assert (state, filled) == ("filled", 2)
    assert day.fills("evening-buy") == [(created, 2, last.ask)]
    ((_, state, _, _, _, _, reason),) = day.orders("evening-market")
    assert state == "rejected" and "NXT nxt_after does not accept market" in reason

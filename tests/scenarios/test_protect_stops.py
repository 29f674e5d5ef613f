"""Scenarios: a protected entry on synthetic days, replayed with the paper broker (issue 16
item 3). The stop rests from the entry fill, trails up, and sells on the print that
reaches its (raised) condition, never earlier; the journal tells the whole story."""

from __future__ import annotations

import json
from pathlib import Path

from autotrader.engine.protect import PROTECT, below
from autotrader.feed.synth import SynthConfig
from autotrader.journal import open_journal
from autotrader.model import OrderAction
from autotrader.report.figures import build_report
from autotrader.rules.protect import Distance
from tests.scenarios.venue_support import run_day

STOP_DAY = SynthConfig(seed=36, n_symbols=2, ticks=4_000, vi_kind=None)  # falls after 78 min
PROTECTED = """
strategy: protected-entry
symbols: ["005930"]
rules:
  - name: entry
    on: {{at: "09:30"}}
    do:
      - buy: {{qty: 3, type: market}}
    protect: {protect}
"""


def test_a_protected_entry_rests_a_stop_that_sells_only_when_the_tape_reaches_it(
    tmp_path: Path,
) -> None:
    day = run_day(PROTECTED.format(protect="{stop: 2 ticks, limit_ticks: 2}"), STOP_DAY,
                  tmp_path)  # fmt: skip
    h = day.harness
    ((entry_ts, qty, entry_price),) = day.fills("entry")[:1]
    stops = [o for o in h.placed() if o.tags.get(PROTECT) == "stop"]
    assert [s.qty for s in stops] == [qty] == [3]
    stop = stops[0]
    assert stop.created_at == entry_ts  # rests from the fill on
    trigger = next(p for p in day.prints("005930") if p.ts > entry_ts
                   and p.price <= stop.condition_price)  # fmt: skip
    sells = [f for f in day.fills("entry") if f[0] > entry_ts]
    assert sells and sells[0][0] == trigger.ts  # not one print earlier
    assert all(price >= stop.price for _, _, price in sells)
    assert h.engine.states["005930"].pos_qty == 0
    (row,) = h.rows("SELECT values_json FROM decisions WHERE event = 'protect' "
                    "AND outcome = 'order'")  # fmt: skip
    assert "stop 3 at" in json.loads(row[0])["what"]


def test_a_trailing_stop_only_ever_rises_over_a_whole_day(tmp_path: Path) -> None:
    day = run_day(PROTECTED.format(protect="{trail: 1%}"), STOP_DAY, tmp_path)
    h = day.harness
    stop = next(o for o in h.placed() if o.tags.get(PROTECT) == "stop")
    modifies = [o for o in h.placed() if o.action is OrderAction.MODIFY]
    levels = [m.condition_price for m in modifies]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)  # up, never down
    assert len(modifies) >= 5  # this day climbs for a while after the 09:30 entry
    (entry_ts, _, _), (exit_ts, exit_qty, exit_price) = day.fills("entry")
    prints = [p for p in day.prints("005930") if entry_ts <= p.ts <= exit_ts]
    for m in modifies:  # each raise is 1% under the high seen by then
        high = max(p.price for p in prints if p.ts <= m.created_at)
        assert m.condition_price == below(high, Distance(1.0, "%"))
    assert stop.condition_price == levels[-1] and stop.price == levels[-1] - 3 * 100
    assert exit_qty == 3 and exit_price >= stop.price
    assert prints[-1].price <= stop.condition_price  # it sold on the print that reached it
    assert all(
        p.price > stop.condition_price for p in prints[:-1] if p.ts > modifies[-1].created_at
    )
    assert h.engine.states["005930"].pos_qty == 0


def test_the_take_profit_replaces_the_stop_when_the_day_reaches_it(tmp_path: Path) -> None:
    """One leg rests at a time: the stop until a print reaches the take-profit level,
    then (stop cancelled first) the take-profit, which sells there; both journaled."""
    day = run_day(PROTECTED.format(protect="{stop: 1%, take_profit: 0.5%}"), STOP_DAY,
                  tmp_path)  # fmt: skip
    h = day.harness
    (entry_ts, _, entry_price), (exit_ts, exit_qty, exit_price) = day.fills("entry")
    level = 72_000  # 71,600 * 1.005 = 71,958, up onto the 100-won grid
    assert entry_price == 71_600
    reached = next(p for p in day.prints("005930") if p.ts > entry_ts and p.price >= level)
    (stop,) = [o for o in h.placed() if o.tags.get(PROTECT) == "stop" and o.side]
    (tp,) = [o for o in h.placed() if o.tags.get(PROTECT) == "take_profit"]
    assert stop.state.value == "cancelled" and tp.created_at == reached.ts
    assert (exit_qty, exit_price, tp.price) == (3, level, level)
    assert exit_ts >= reached.ts and h.engine.states["005930"].pos_qty == 0
    whats = [json.loads(r[0])["what"] for r in h.rows(
        "SELECT values_json FROM decisions WHERE event = 'protect' ORDER BY id")]  # fmt: skip
    assert whats[1:] == [
        f"take-profit level {level} reached at {reached.price}",
        "cancel stop 2: take-profit reached",
        f"take-profit 3 at {level}",
        f"take_profit filled 3@{level}",
    ]


def test_reports_count_the_rule_s_fires_not_its_protective_orders(tmp_path: Path) -> None:
    """A trailing day writes a decision row per stop move: the report still shows one
    fire of the entry rule (its orders and fills include the stop's), and ``why`` finds
    the replay and the journal in agreement."""
    day = run_day(PROTECTED.format(protect="{trail: 1%}"), STOP_DAY, tmp_path)
    h = day.harness
    run_id = h.journal.run_id
    (entry,) = build_report(open_journal(tmp_path / "journal.db"), [run_id])["rules"]
    assert entry["rule"] == "entry" and entry["fired"] == 1
    assert entry["fills"] == 2 and entry["orders"] > 2  # the buy, the stop, its modifies
    assert entry["no_order"] == {}

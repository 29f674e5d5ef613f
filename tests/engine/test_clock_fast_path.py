"""The clock's fast path (``Engine.set_time``: a reading inside the current clock second
with nothing due moves only the time) replays a day exactly as waking on every reading
does: the same decisions at the same times, orders, fills and positions, with time rules,
``every``, remainder deadlines shorter than a second and time-of-day conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.engine import Engine
from autotrader.feed.synth import SynthConfig, write_tape
from tests.harness import replay_rows

STRATEGY = """\
strategy: clock
symbols: [{symbols}]
rules:
  - name: dip
    when: >-
      change_rate < -0.2% and position.qty == 0 and open_orders == 0
      and time between 09:05:30 and 14:30:15
    cooldown: 90s
    remainder: {{reprice_after: 700ms}}
    do:
      - buy: {{amount: 1_000_000, type: limit, price: bid, tag: entry}}
  - name: quick-out
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct >= 0.2%
    remainder: {{cancel_after: 400ms}}
    do:
      - sell: {{qty: available, type: limit, price: ask}}
  - name: sweep
    on: {{every: 3s}}
    when: open_orders.buy > 0 and open_orders.age >= 2s
    do:
      - cancel: {{tag: entry}}
  - name: ten-oclock
    on: {{at: "10:00:00"}}
    when: position.qty > 0
    do:
      - sell: {{qty: available, type: market}}
"""
TABLES = (
    "SELECT ts, rule, symbol, event, outcome FROM decisions ORDER BY id",
    "SELECT symbol, side, qty, price, state, filled_qty, created_at FROM orders ORDER BY id",
    "SELECT order_id, ts, qty, price FROM fills ORDER BY id",
    "SELECT ts, symbol, qty, avg_price, realized FROM position_snapshots ORDER BY id",
)


def _run(tape: Path, db: Path, symbols: tuple[str, ...]) -> tuple[Any, ...]:
    text = STRATEGY.format(symbols=", ".join(f'"{s}"' for s in symbols))
    result, rows = replay_rows(text, tape, db, TABLES)
    return (result.engine.stats, *rows)


def test_the_fast_path_replays_a_day_as_waking_on_every_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = tmp_path / "day.jsonl.gz"
    header = write_tape(tape, SynthConfig(seed=9, n_symbols=10, ticks=8_000))
    symbols = tuple(header.symbols)
    fast = _run(tape, tmp_path / "fast.db", symbols)
    monkeypatch.setattr(Engine, "set_time", lambda self, ts: self._wake(ts))
    every = _run(tape, tmp_path / "every.db", symbols)
    assert fast == every
    stats, decisions = fast[0], fast[1]
    assert stats["orders"] > 10 and stats["fills"] > 0  # the day traded
    events = {(rule, event) for _, rule, _, event, _ in decisions}
    assert {
        ("sweep", "every"),  # every 3 s
        ("ten-oclock", "at"),  # a time rule
        ("dip", "remainder"),  # re-priced after 700 ms
        ("quick-out", "remainder"),  # cancelled after 400 ms
    } <= events

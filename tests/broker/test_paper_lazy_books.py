"""The paper venue parses a ``0D`` book only when an order meets its item, and trades a
day exactly as when it took every book as it came: the same orders, fills (sizes capped
by the books) and positions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.model import Depth
from tests.frames import real, trade
from tests.harness import Harness, replay_rows

STRATEGY = """\
strategy: books
symbols: [{symbols}]
rules:
  - name: join-bid
    when: position.qty == 0 and open_orders == 0 and book.imbalance_5 >= 0.55
    cooldown: 2m
    do:
      - buy: {{qty: 300, type: limit, price: bid}}
  - name: lift
    when: position.qty == 0 and open_orders == 0 and change_rate < -0.4%
    cooldown: 5m
    do:
      - buy: {{qty: 200, type: limit, price: ask}}
  - name: out
    when: position.qty > 0 and open_orders == 0
    do:
      - sell: {{qty: available, type: limit, price: ask}}
"""
TABLES = (
    "SELECT symbol, side, qty, price, state, filled_qty FROM orders ORDER BY id",
    "SELECT order_id, ts, qty, price FROM fills ORDER BY id",
    "SELECT ts, symbol, qty, avg_price FROM position_snapshots ORDER BY id",
)


def _run(tape: Path, db: Path, symbols: tuple[str, ...]) -> tuple[Any, ...]:
    text = STRATEGY.format(symbols=", ".join(f'"{s}"' for s in symbols))
    result, rows = replay_rows(text, tape, db, TABLES)
    return (result.engine.stats, *rows)


def test_books_read_when_needed_trade_as_books_taken_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = tmp_path / "books.jsonl.gz"
    header = write_tape(tape, SynthConfig(seed=4, n_symbols=8, ticks=6_000, order_book_ratio=0.5))
    symbols = tuple(header.symbols)
    parsed: list[str] = []
    read = Depth._book

    def counting(self: Depth) -> Any:
        if self._levels is None:
            parsed.append(self.symbol)
        return read(self)

    monkeypatch.setattr(Depth, "_book", counting)
    lazy = _run(tape, tmp_path / "lazy.db", symbols)
    lazy_parsed = len(parsed)

    as_built = PaperBroker.on_market

    def eager(self: PaperBroker, event: object) -> None:  # every book to the matcher at once
        if isinstance(event, Depth):
            self.matcher.on_depth(event.symbol, dict(event.asks), dict(event.bids))
        else:
            as_built(self, event)

    monkeypatch.setattr(PaperBroker, "on_market", eager)
    parsed.clear()
    assert _run(tape, tmp_path / "eager.db", symbols) == lazy
    assert lazy[0]["fills"] > 0  # the day traded
    assert lazy_parsed < len(parsed) / 2  # most books were never parsed


BUY_ONCE = """
strategy: t
symbols: ["005930"]
rules:
  - name: lift
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {qty: 5, type: limit, price: ask}
"""


def test_a_garbled_book_read_as_an_order_arrives_does_not_stop_it(tmp_path: Path) -> None:
    """The book is read late, inside the order's placement: a garbled level is dropped
    (the readable one still caps the fill), and the order goes on as the file says."""
    h = Harness(BUY_ONCE, tmp_path)
    book = {
        "type": "0D",
        "item": "005930",
        "values": {"41": "+70100", "61": "3", "42": "+7O200", "62": "9", "43": "+70300"},
    }
    book["values"]["63"] = "٣" * 5000  # not a size int() can read
    h.feed([real(book), real(trade("005930", "090001", 70_100, ask=70_100, bid=70_000))])
    orders = h.rows("SELECT side, qty, price, filled_qty FROM orders")
    assert orders == [("buy", 5, 70_100, 3)]  # the book shows 3 at 70,100: 3 fill now
    assert h.rows("SELECT source, detail FROM errors") == []  # nothing raised, no rule held
    assert h.engine.stats["fills"] == 1

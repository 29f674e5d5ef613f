"""Replay with the paper broker journals order intents with the batches (one SQLite
commit per batch, not per order); any other broker keeps the commit before each send,
and a journal that fails still stops every order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import batched_intents, replay
from autotrader.errors import JournalError
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.journal import Journal
from autotrader.model import OrderAction, OrderRequest
from autotrader.rules import load_strategy_text

STRATEGY = """\
strategy: batched
symbols: [{symbols}]
rules:
  - name: in
    when: position.qty == 0 and open_orders == 0
    cooldown: 10m
    do:
      - buy: {{qty: 1, type: market}}
  - name: out
    when: position.qty > 0 and open_orders == 0
    do:
      - sell: {{qty: all, type: market}}
"""


def _day(tmp_path: Path) -> tuple[Path, str]:
    tape = tmp_path / "day.jsonl.gz"
    header = write_tape(tape, SynthConfig(seed=3, n_symbols=4, ticks=3_000))
    return tape, STRATEGY.format(symbols=", ".join(f'"{s}"' for s in header.symbols))


class NamedPaper(PaperBroker):
    """The paper broker under another name: stands for a broker outside the process."""

    name = "outside"


def _replay(tmp_path: Path, broker: PaperBroker, db: str) -> tuple[Journal, Any]:
    tape, text = _day(tmp_path)
    plan = compile_strategy(load_strategy_text(text, "b.yaml"))
    journal = Journal(tmp_path / db)
    result = replay(plan, tape, broker, journal)
    return journal, result


def test_paper_replay_commits_intents_with_the_batches(tmp_path: Path) -> None:
    paper, paper_result = _replay(tmp_path, PaperBroker(), "paper.db")
    other, other_result = _replay(tmp_path, NamedPaper(), "other.db")
    orders = paper_result.engine.stats["orders"]
    assert orders > 20 and orders == other_result.engine.stats["orders"]
    assert other.commits >= orders + 2  # one per intent, plus the run's rows
    assert paper.commits < orders // 4  # the intents went with the batches
    assert paper.batched_intents is False  # only while the tape is fed
    query = "SELECT symbol, side, qty, state, filled_qty FROM orders ORDER BY id"
    assert paper.conn.execute(query).fetchall() == other.conn.execute(query).fetchall()
    paper.close()
    other.close()


def test_a_failed_journal_stops_orders_in_batched_mode(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    journal.start_run(strategy="t", mode="bench")
    journal._writer.error = OSError("disk full")  # what a failed batch write leaves
    order = OrderRequest(journal.next_order_id(), OrderAction.BUY, "005930", 1)
    with batched_intents(journal, PaperBroker()):
        assert journal.batched_intents
        with pytest.raises(JournalError, match="disk full"):
            journal.commit_intent(order, 1.0)
    journal._writer.error = None
    journal.close()


def test_batched_mode_is_never_set_for_another_broker(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.db")
    with batched_intents(journal, NamedPaper()):
        assert journal.batched_intents is False
    journal.close()

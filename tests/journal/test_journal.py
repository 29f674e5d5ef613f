"""The journal: migrations, flush semantics, failures that fail closed without losing rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from autotrader.errors import JournalError
from autotrader.journal import SCHEMA_VERSION, Journal, open_journal
from autotrader.journal.schema import MIGRATIONS
from autotrader.model import OrderAction, OrderRequest
from tests.frames import real, trade
from tests.harness import Harness


def test_an_old_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    """A version-1 journal with rows gains values_json and the new tables, rows kept."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version=1")
    db["risk_checks"].insert({"run_id": 1, "check_name": "x", "passed": 1})  # type: ignore[union-attr]
    db.conn.commit()
    db.close()
    upgraded = open_journal(path)
    assert upgraded.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    assert "values_json" in upgraded["risk_checks"].columns_dict
    tables = {"position_snapshots", "frames", "marks", "heartbeats", "condition_hits"}
    assert tables | {"strategy_versions"} <= set(upgraded.table_names())
    assert "version" in upgraded["decisions"].columns_dict
    assert upgraded.execute("SELECT check_name FROM risk_checks").fetchall() == [("x",)]


def test_a_newer_journal_is_refused(tmp_path: Path) -> None:
    """A journal from a newer autotrader is not written by an older one."""
    path = tmp_path / "new.db"
    sqlite3.connect(path).execute("PRAGMA user_version=99").connection.close()
    with pytest.raises(JournalError, match="newer"):
        open_journal(path)


def test_flush_makes_every_row_readable_from_another_connection(tmp_path: Path) -> None:
    """After flush() returns, an independent connection sees every buffered row."""
    j = Journal(tmp_path / "j.db", batch_rows=7)
    j.start_run(strategy="s", mode="test")
    for i in range(20):
        j.risk_check(1.0, i, "c", True, "", {"i": i})
    j.flush()
    other = sqlite3.connect(tmp_path / "j.db")
    assert other.execute("SELECT COUNT(*) FROM risk_checks").fetchone() == (20,)
    j.close()


def test_failed_batch_raises_keeps_rows_and_blocks_intents(tmp_path: Path) -> None:
    """A batch that cannot be written raises; no intent commits; the rows land once fixed."""
    j = Journal(tmp_path / "j.db")
    j.start_run(strategy="s", mode="test")
    blocker = sqlite3.connect(tmp_path / "j.db")
    blocker.execute(
        "CREATE TRIGGER stop BEFORE INSERT ON errors BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    blocker.commit()
    j.error(1.0, "feed", "one")
    with pytest.raises(JournalError, match="full"):
        j.flush()
    order = OrderRequest(j.next_order_id(), OrderAction.BUY, "005930", 1)
    with pytest.raises(JournalError):
        j.commit_intent(order, 1.0)
    assert blocker.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)
    blocker.execute("DROP TRIGGER stop")
    blocker.commit()
    j.flush()
    assert blocker.execute("SELECT detail FROM errors").fetchall() == [("one",)]
    j.close()


def test_write_ahead_log_stays_bounded_with_checkpoints_off_the_intent_path(
    tmp_path: Path,
) -> None:
    """Automatic checkpoints are off; the journal's own keep the WAL far below the data."""
    j = Journal(tmp_path / "j.db", batch_rows=512)
    j.start_run(strategy="s", mode="test")
    blob = {"x": "y" * 400}
    for i in range(20 * 512):
        j.risk_check(1.0, i, "c", True, "", blob)
    j.flush()
    wal = tmp_path / "j.db-wal"
    rows = j.conn.execute("SELECT COUNT(*) FROM risk_checks").fetchone()[0]
    assert rows == 20 * 512
    data_bytes = 20 * 512 * 400
    assert wal.stat().st_size < data_bytes / 3, (wal.stat().st_size, data_bytes)
    assert j.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    j.close()


def test_the_decision_and_its_checks_commit_with_the_order_intent(tmp_path: Path) -> None:
    """What the README promises: when the intent is durable (before the request leaves),
    so are the decision that placed it and its risk checks. Nothing flushes here; a
    second connection (what a restart after kill -9 would read) sees all three."""
    strategy = (
        "strategy: t\nsymbols: ['005930']\nrules:\n  - name: dip\n    when: price < 70000\n"
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(strategy, tmp_path)
    h.decoder.feed(real(trade("005930", "100000", 69_900)))  # no flush: buffered rows
    other = sqlite3.connect(tmp_path / "journal.db")
    try:
        (order_id,) = other.execute("SELECT id FROM orders").fetchone()
        decided = other.execute(
            "SELECT COUNT(*) FROM decisions WHERE rule = 'dip' AND order_id = ?", [order_id]
        ).fetchone()
        checks = other.execute(
            "SELECT COUNT(*) FROM risk_checks WHERE order_id = ?", [order_id]
        ).fetchone()
        assert decided == (1,) and checks[0] >= 1
    finally:
        other.close()
        h.journal.close()


def test_an_intent_that_cannot_commit_keeps_the_rows_buffered_before_it(tmp_path: Path) -> None:
    """The intent and the rows before it are one transaction: when it fails, none is
    written, the order must not leave, and the rows land with the next write once fixed."""
    j = Journal(tmp_path / "j.db")
    j.start_run(strategy="s", mode="test")
    blocker = sqlite3.connect(tmp_path / "j.db")
    blocker.execute(
        "CREATE TRIGGER stop BEFORE INSERT ON orders BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    blocker.commit()
    j.risk_check(1.0, 1, "c", True, "", {})
    with pytest.raises(JournalError, match="full"):
        j.commit_intent(OrderRequest(j.next_order_id(), OrderAction.BUY, "005930", 1), 1.0)
    assert blocker.execute("SELECT COUNT(*) FROM risk_checks").fetchone() == (0,)
    blocker.execute("DROP TRIGGER stop")
    blocker.commit()
    j.flush()
    assert blocker.execute("SELECT COUNT(*) FROM risk_checks").fetchone() == (1,)
    assert blocker.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)
    j.close()


def test_a_replay_writes_larger_batches_and_keeps_the_wal_bounded(tmp_path: Path) -> None:
    """With batched intents (a paper replay) a batch is REPLAY_BATCH_SCALE times larger
    and checkpoints come after more rows; the WAL still stays well below the data, and
    leaving the mode brings the ordinary batch back."""
    from autotrader.journal.writer import REPLAY_BATCH_SCALE

    j = Journal(tmp_path / "j.db", batch_rows=512)
    j.start_run(strategy="s", mode="test")
    j.batched_intents = True
    blob = {"x": "y" * 400}
    big = 512 * REPLAY_BATCH_SCALE
    for i in range(big - 1):
        j.risk_check(1.0, i, "c", True, "", blob)
    assert j.rows_written == 0  # still one batch
    j.risk_check(1.0, big, "c", True, "", blob)
    assert j.rows_written == big
    for i in range(15 * big):
        j.risk_check(1.0, i, "c", True, "", blob)
    assert j.rows_written == 16 * big
    wal = (tmp_path / "j.db-wal").stat().st_size
    assert wal < 16 * big * 400 / 2, wal
    for i in range(16 * big):  # twice the data: the log does not grow with it
        j.risk_check(1.0, i, "c", True, "", blob)
    assert (tmp_path / "j.db-wal").stat().st_size <= wal * 1.1
    j.batched_intents = False
    for i in range(512):
        j.risk_check(1.0, i, "c", True, "", blob)
    assert j.rows_written == 32 * big + 512
    j.close()


def test_transitions_folded_into_a_buffered_orders_row_match_updates(tmp_path: Path) -> None:
    """A replay's orders row waits in the batch; its transitions change it before the
    insert instead of queuing UPDATEs. The rows read the same as when every row and
    update is written on its own (batch_rows=1)."""
    from autotrader.model import OrderState

    def run(name: str, batch_rows: int) -> list[tuple[Any, ...]]:
        j = Journal(tmp_path / name, batch_rows=batch_rows)
        j.start_run(strategy="s", mode="test")
        j.batched_intents = True
        a = OrderRequest(j.next_order_id(), OrderAction.BUY, "005930", 10, price=70_000)
        b = OrderRequest(j.next_order_id(), OrderAction.SELL, "000660", 5)
        c = OrderRequest(j.next_order_id(), OrderAction.BUY, "035720", 1)
        c.state = OrderState.REJECTED
        j.rejected_order(c, 1.0, "risk: no")
        for o in (a, b):
            j.commit_intent(o, 1.0)
            o.state = OrderState.SENT
            j.order_state(o, 1.0)
        a.state, a.broker_order_no = OrderState.ACCEPTED, "P0000001"
        j.order_state(a, 1.5)
        a.state, a.filled_qty = OrderState.PARTIALLY_FILLED, 4
        j.order_state(a, 2.0, "4@70000")
        a.qty, a.price = 8, 69_900  # a modify took effect
        j.order_state(a, 2.5, "modified to 8@69900")
        b.state = OrderState.CANCELLED
        j.order_state(b, 3.0, "5 cancelled: IOC", reason="5 cancelled: IOC")
        a.state, a.filled_qty = OrderState.FILLED, 8
        j.order_state(a, 4.0, "4@69900")
        j.batched_intents = False
        j.flush()
        rows = j.conn.execute("SELECT * FROM orders ORDER BY id").fetchall()
        events = j.conn.execute("SELECT * FROM order_events ORDER BY id").fetchall()
        j.close()
        return [*rows, *events]

    assert run("folded.db", 512) == run("one_by_one.db", 1)

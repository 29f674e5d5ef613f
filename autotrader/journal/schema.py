"""The journal's tables, created with sqlite-utils, in WAL mode.

The journal is the system of record: every run, every rule decision, every risk check,
every order with each state it passed through, every fill. Any SQLite tool can read it
(``sqlite-utils tables journal.db``, ``datasette journal.db``).
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

SCHEMA_VERSION = 1

TABLES: dict[str, dict[str, type]] = {
    "runs": {
        "id": int,
        "started_at": float,
        "ended_at": float,
        "strategy": str,
        "strategy_path": str,
        "strategy_sha256": str,
        "mode": str,
        "broker": str,
        "tape": str,
        "config_json": str,
        "stats_json": str,
    },
    "decisions": {
        "id": int,
        "run_id": int,
        "ts": float,
        "rule": str,
        "symbol": str,
        "event": str,
        "values_json": str,
        "outcome": str,
        "order_id": int,
    },
    "risk_checks": {
        "id": int,
        "run_id": int,
        "order_id": int,
        "ts": float,
        "check_name": str,
        "passed": int,
        "reason": str,
    },
    "orders": {
        "id": int,
        "run_id": int,
        "created_at": float,
        "updated_at": float,
        "strategy": str,
        "rule": str,
        "symbol": str,
        "action": str,
        "side": str,
        "qty": int,
        "order_type": str,
        "price": int,
        "target_id": int,
        "state": str,
        "broker_order_no": str,
        "filled_qty": int,
        "reason": str,
    },
    "order_events": {
        "id": int,
        "run_id": int,
        "order_id": int,
        "ts": float,
        "state": str,
        "detail": str,
    },
    "fills": {
        "id": int,
        "run_id": int,
        "order_id": int,
        "ts": float,
        "symbol": str,
        "side": str,
        "qty": int,
        "price": int,
        "commission": int,
        "tax": int,
        "broker_order_no": str,
    },
    "errors": {
        "id": int,
        "run_id": int,
        "ts": float,
        "source": str,
        "detail": str,
    },
}

INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decisions", ("run_id", "rule")),
    ("risk_checks", ("run_id", "order_id")),
    ("orders", ("run_id", "state")),
    ("orders", ("broker_order_no",)),
    ("order_events", ("order_id",)),
    ("fills", ("run_id", "symbol")),
    ("errors", ("run_id",)),
)


def open_journal(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a journal database in WAL mode."""
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable at each commit's checkpoint
    db.execute("PRAGMA busy_timeout=5000")
    for name, columns in TABLES.items():
        if not db[name].exists():
            db[name].create(columns, pk="id")  # type: ignore[union-attr]
    for table, cols in INDEXES:
        db[table].create_index(cols, if_not_exists=True)  # type: ignore[union-attr]
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return db

"""The journal's tables, created with sqlite-utils, in WAL mode, with versioned migrations.

The journal is the system of record: every run, every rule decision, every risk check
(with the values it compared), every order with each state it passed through, every
fill, position snapshots, the tape's prices sampled as marks (for mark-to-market
reports), live runners' heartbeats, feed and broker errors, and optionally the raw frames. Any
SQLite tool can read it (``sqlite-utils tables journal.db``, ``datasette journal.db``).

The schema version is SQLite's ``PRAGMA user_version``. ``MIGRATIONS[n]`` takes a
journal from version n to n + 1; ``open_journal`` applies the missing ones in order and
bumps the version after each. Every migration is idempotent (``if_not_exists``, column
checks), so a crash mid-upgrade is repaired by the next open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from autotrader.errors import JournalError

V1_TABLES: dict[str, dict[str, type]] = {
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

V1_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decisions", ("run_id", "rule")),
    ("risk_checks", ("run_id", "order_id")),
    ("orders", ("run_id", "state")),
    ("orders", ("broker_order_no",)),
    ("order_events", ("order_id",)),
    ("fills", ("run_id", "symbol")),
    ("errors", ("run_id",)),
)


def _v0_to_v1(db: sqlite_utils.Database) -> None:
    """The walking skeleton's tables."""
    for name, columns in V1_TABLES.items():
        if not db[name].exists():
            db[name].create(columns, pk="id")  # type: ignore[union-attr]
    for table, cols in V1_INDEXES:
        db[table].create_index(cols, if_not_exists=True)  # type: ignore[union-attr]


def _v1_to_v2(db: sqlite_utils.Database) -> None:
    """Risk checks keep the values they compared; positions, raw frames; report indexes."""
    if "values_json" not in db["risk_checks"].columns_dict:
        db.execute("ALTER TABLE risk_checks ADD COLUMN values_json TEXT")
    db["position_snapshots"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "run_id": int,
            "ts": float,
            "symbol": str,
            "qty": int,
            "avg_price": int,
            "realized": int,
            "unrealized": int,
            "reason": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["frames"].create(  # type: ignore[union-attr]
        {"id": int, "run_id": int, "ts": float, "frame": str}, pk="id", if_not_exists=True
    )
    for table, cols in (
        ("orders", ("run_id", "id")),  # report: a run's orders in order
        ("fills", ("run_id", "ts")),  # report: a run's fills in time order
        ("position_snapshots", ("run_id", "symbol", "ts")),
        ("risk_checks", ("run_id", "check_name", "passed")),  # which checks reject most
    ):
        db[table].create_index(cols, if_not_exists=True)  # type: ignore[union-attr]


def _v2_to_v3(db: sqlite_utils.Database) -> None:
    """Marks (the tape's prices, sampled) for mark-to-market reports; runner heartbeats."""
    db["marks"].create(  # type: ignore[union-attr]
        {"id": int, "run_id": int, "ts": float, "prices_json": str},  # {symbol: price}
        pk="id",
        if_not_exists=True,
    )
    db["heartbeats"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "run_id": int,
            "ts": float,
            "connected": int,
            "last_frame_ts": float,
            "level": str,
            "detail_json": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["marks"].create_index(("run_id", "ts"), if_not_exists=True)  # type: ignore[union-attr]
    db["heartbeats"].create_index(("run_id", "id"), if_not_exists=True)  # type: ignore[union-attr]


def _v3_to_v4(db: sqlite_utils.Database) -> None:
    """Runs that did not end cleanly: who ran them (``pid``, ``host``: is it still
    alive?), when they were found interrupted (``interrupted_at``: the last moment they
    journaled), and the run that continues one (``continues``): ``journal/runs.py``.
    Orders keep their rule's tag: an order resumed after a restart is still the one a
    rule's modify or cancel by tag addresses."""
    if "tag" not in db["orders"].columns_dict:
        db.execute("ALTER TABLE orders ADD COLUMN tag TEXT")
    columns = db["runs"].columns_dict
    for name, kind in (
        ("pid", "INTEGER"),
        ("host", "TEXT"),
        ("interrupted_at", "FLOAT"),
        ("continues", "INTEGER"),
    ):
        if name not in columns:
            db.execute(f"ALTER TABLE runs ADD COLUMN {name} {kind}")
    db["runs"].create_index(("ended_at",), if_not_exists=True)  # type: ignore[union-attr]


Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: tuple[Migration, ...] = (_v0_to_v1, _v1_to_v2, _v2_to_v3, _v3_to_v4)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the missing migrations in order; returns the version the journal was at."""
    start = schema_version(db)
    if start > SCHEMA_VERSION:
        raise JournalError(
            f"journal schema version {start} is newer than this autotrader's "
            f"({SCHEMA_VERSION}): upgrade autotrader"
        )
    for version in range(start, SCHEMA_VERSION):
        with db.conn:
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version={version + 1}")
    return start


def open_journal(path: str | Path) -> sqlite_utils.Database:
    """Open (creating or upgrading if needed) a journal database in WAL mode.

    Raises JournalError when ``path`` is not a journal (another file, a directory...).
    """
    try:
        db = sqlite_utils.Database(path)
        db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a commit survives a crash
        db.execute("PRAGMA busy_timeout=5000")
        migrate(db)
    except sqlite3.DatabaseError as exc:  # OperationalError too: a directory, no permission
        raise JournalError(f"{path}: not a journal that can be opened ({exc})") from None
    return db

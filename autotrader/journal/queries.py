"""Read-side queries over the journal, shared by reports and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import sqlite_utils

from autotrader.errors import JournalError


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: float
    ended_at: float | None
    strategy: str
    strategy_path: str
    mode: str
    broker: str
    tape: str
    stats: dict[str, Any]


def latest_run_id(db: sqlite_utils.Database) -> int:
    row = db.execute("SELECT MAX(id) FROM runs").fetchone()
    if row is None or row[0] is None:
        raise JournalError("the journal has no runs yet: start one with 'autotrader run'")
    return int(row[0])


def get_run(db: sqlite_utils.Database, run_id: int) -> RunRow:
    row = db.execute(
        "SELECT id, started_at, ended_at, strategy, strategy_path, mode, broker, tape, "
        "stats_json FROM runs WHERE id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        raise JournalError(f"no run {run_id} in the journal")
    stats = orjson.loads(row[8]) if row[8] else {}
    return RunRow(
        id=row[0],
        started_at=row[1],
        ended_at=row[2],
        strategy=row[3],
        strategy_path=row[4],
        mode=row[5],
        broker=row[6],
        tape=row[7],
        stats=stats,
    )


def rows(db: sqlite_utils.Database, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cur = db.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def orders(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM orders WHERE run_id = ? ORDER BY id", (run_id,))


def fills(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM fills WHERE run_id = ? ORDER BY ts, id", (run_id,))


def rejections(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, created_at, rule, symbol, side, qty, price, reason FROM orders "
        "WHERE run_id = ? AND state = 'rejected' ORDER BY id",
        (run_id,),
    )


def order_events(db: sqlite_utils.Database, order_id: int) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM order_events WHERE order_id = ? ORDER BY id", (order_id,))

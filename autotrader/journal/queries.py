"""Read-side queries over the journal, shared by reports and tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlite_utils

from autotrader.errors import JournalError
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType


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


# -- restart recovery (autotrader/live/recovery.py) ----------------------------------------

UNFINISHED_STATES = ("pending", "sent", "accepted", "partially_filled", "unknown")


def _dicts(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def unfinished_orders(
    conn: sqlite3.Connection, *, strategy: str, broker: str, before_run: int
) -> list[dict[str, Any]]:
    """Orders earlier live runs of ``strategy`` on ``broker`` left in a non-final state."""
    marks = ", ".join("?" * len(UNFINISHED_STATES))
    return _dicts(
        conn,
        "SELECT o.* FROM orders o JOIN runs r ON r.id = o.run_id "  # noqa: S608 - our marks
        f"WHERE o.state IN ({marks}) AND o.strategy = ? AND r.mode = 'live' "
        "AND r.broker = ? AND o.run_id < ? ORDER BY o.id",
        (*UNFINISHED_STATES, strategy, broker, before_run),
    )


def journaled_fills(
    conn: sqlite3.Connection, order_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Order id -> (filled shares, filled value) as the fills table has them."""
    result: dict[int, tuple[int, int]] = {}
    for start in range(0, len(order_ids), 500):
        chunk = list(order_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        sql = (
            "SELECT order_id, SUM(qty), SUM(qty * price) FROM fills "  # noqa: S608 - our marks
            f"WHERE order_id IN ({marks}) GROUP BY order_id"
        )
        for oid, qty, value in conn.execute(sql, chunk):
            result[int(oid)] = (int(qty or 0), int(value or 0))
    return result


def journaled_numbers(conn: sqlite3.Connection, order_ids: Sequence[int]) -> dict[int, set[str]]:
    """Order id -> the Kiwoom numbers the journal knows it by: those its fills were listed
    under and those its modifies gave it (its own row holds only the latest)."""
    result: dict[int, set[str]] = {}
    for start in range(0, len(order_ids), 500):
        chunk = list(order_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        sql = (
            f"SELECT order_id, broker_order_no FROM fills WHERE order_id IN ({marks}) "  # noqa: S608
            "UNION SELECT target_id, broker_order_no FROM orders "
            f"WHERE target_id IN ({marks}) AND action IN ('modify', 'credit_modify') "
            "AND state = 'done'"
        )
        for oid, number in conn.execute(sql, chunk + chunk):
            if number:
                result.setdefault(int(oid), set()).add(str(number))
    return result


def order_numbers_since(conn: sqlite3.Connection, since: float) -> list[str]:
    """Kiwoom order numbers on orders rows created since ``since`` (any strategy)."""
    cur = conn.execute(
        "SELECT DISTINCT broker_order_no FROM orders "
        "WHERE created_at >= ? AND broker_order_no IS NOT NULL AND broker_order_no != ''",
        (since,),
    )
    return [str(r[0]) for r in cur.fetchall()]


def position_baseline(
    conn: sqlite3.Connection, *, strategy: str, broker: str, before_run: int
) -> dict[str, int]:
    """The journal's position per symbol: the latest ``recovery`` snapshot an earlier live
    run of ``strategy`` on ``broker`` wrote (that run's opening position), plus the fills
    of the strategy's orders journaled by that run and later ones. Symbols without such a
    snapshot are absent (nothing to compare with)."""
    snaps = conn.execute(
        "SELECT p.symbol, p.qty, p.run_id FROM position_snapshots p JOIN runs r "
        "ON r.id = p.run_id WHERE p.reason = 'recovery' AND r.strategy = ? AND r.mode = 'live' "
        "AND r.broker = ? AND p.run_id < ? ORDER BY p.id",
        (strategy, broker, before_run),
    ).fetchall()
    base: dict[str, tuple[int, int]] = {str(s): (int(q), int(run)) for s, q, run in snaps}
    if not base:
        return {}
    first = min(run for _, run in base.values())
    fills = conn.execute(
        "SELECT f.symbol, f.side, f.qty, f.run_id FROM fills f JOIN orders o ON o.id = f.order_id "
        "JOIN runs r ON r.id = f.run_id WHERE o.strategy = ? AND r.mode = 'live' AND r.broker = ? "
        "AND f.run_id >= ? AND f.run_id < ?",
        (strategy, broker, first, before_run),
    ).fetchall()
    qty = {symbol: q for symbol, (q, _) in base.items()}
    for symbol, side, n, run in fills:
        snap = base.get(str(symbol))
        if snap is not None and int(run) >= snap[1]:
            qty[str(symbol)] += int(n) if side == "buy" else -int(n)
    return qty


def order_from_row(r: Mapping[str, Any]) -> OrderRequest | None:
    """An ``orders`` row as an OrderRequest, or None when it cannot be read."""
    try:
        target = r.get("target_id")
        return OrderRequest(
            order_id=int(r["id"]),
            action=OrderAction(r["action"]),
            symbol=str(r["symbol"]),
            qty=int(r["qty"] or 0),
            order_type=OrderType[str(r["order_type"]).upper()],
            price=int(r["price"] or 0),
            rule=str(r["rule"] or ""),
            strategy=str(r["strategy"] or ""),
            created_at=float(r["created_at"] or 0.0),
            state=OrderState(r["state"]),
            broker_order_no=str(r["broker_order_no"] or ""),
            filled_qty=int(r["filled_qty"] or 0),
            target_id=int(target) if target is not None else None,
            tags={"tag": str(r["tag"])} if r.get("tag") else {},
        )
    except (KeyError, ValueError, TypeError):
        return None

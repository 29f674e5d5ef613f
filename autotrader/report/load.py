"""Which runs a report covers, and the journal rows it reads for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
import sqlite_utils

from autotrader.clock import DAY, SEOUL_OFFSET, day_start
from autotrader.errors import JournalError
from autotrader.journal import queries


@dataclass
class RunRows:
    """Every row of one run a report reads, each list in journal (time) order."""

    run: queries.RunRow
    orders: list[dict[str, Any]]
    events: list[dict[str, Any]]
    fills: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    failed_checks: list[dict[str, Any]]
    marks: list[tuple[float, dict[str, int]]]  # (ts, {symbol: last price})
    errors: list[dict[str, Any]]
    days: list[str] = field(default_factory=list)  # trading days (Seoul) the run covers


def seoul_day(ts: float) -> str:
    days = int(ts + SEOUL_OFFSET) // DAY
    return date.fromordinal(date(1970, 1, 1).toordinal() + days).isoformat()


def _by_run(db: sqlite_utils.Database, table: str, run_id: int, order: str) -> list[dict[str, Any]]:
    # table and order come from this module's literals, never from input
    sql = f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {order}"  # noqa: S608
    return queries.rows(db, sql, (run_id,))


def load_run(db: sqlite_utils.Database, run_id: int) -> RunRows:
    run = queries.get_run(db, run_id)
    rows = RunRows(
        run=run,
        orders=_by_run(db, "orders", run_id, "id"),
        events=_by_run(db, "order_events", run_id, "id"),
        fills=_by_run(db, "fills", run_id, "ts, id"),
        decisions=_by_run(db, "decisions", run_id, "id"),
        failed_checks=queries.rows(
            db,
            "SELECT * FROM risk_checks WHERE run_id = ? AND passed = 0 ORDER BY id",
            (run_id,),
        ),
        marks=load_marks(db, run_id),
        errors=_by_run(db, "errors", run_id, "id"),
    )
    rows.days = run_days(db, run_id, run.started_at)
    return rows


def load_marks(db: sqlite_utils.Database, run_id: int) -> list[tuple[float, dict[str, int]]]:
    cur = db.execute("SELECT ts, prices_json FROM marks WHERE run_id = ? ORDER BY ts, id", [run_id])
    return [(float(ts), orjson.loads(prices)) for ts, prices in cur.fetchall()]


def run_days(db: sqlite_utils.Database, run_id: int, started_at: float) -> list[str]:
    """The Seoul dates of the market time a run covered (a replay's tape days, not the
    day it was replayed): from its marks and fills, else from when it started."""
    lo_hi = db.execute(
        "SELECT MIN(t), MAX(t) FROM (SELECT MIN(ts) t FROM marks WHERE run_id = ?1 "
        "UNION ALL SELECT MAX(ts) FROM marks WHERE run_id = ?1 "
        "UNION ALL SELECT MIN(ts) FROM fills WHERE run_id = ?1 "
        "UNION ALL SELECT MAX(ts) FROM fills WHERE run_id = ?1)",
        [run_id],
    ).fetchone()
    lo, hi = (lo_hi[0], lo_hi[1]) if lo_hi and lo_hi[0] is not None else (started_at, started_at)
    first, last = date.fromisoformat(seoul_day(lo)), date.fromisoformat(seoul_day(hi))
    return [date.fromordinal(d).isoformat() for d in range(first.toordinal(), last.toordinal() + 1)]


def select_runs(
    db: sqlite_utils.Database,
    runs: list[int] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[int]:
    """Run ids to report: those named, else those whose market days fall in
    [since, until], else the latest run."""
    if runs:
        for rid in runs:
            queries.get_run(db, rid)  # raises a clear error for an unknown id
        return sorted(set(runs))
    if since is None and until is None:
        return [queries.latest_run_id(db)]
    lo = (since or date(1970, 1, 1)).isoformat()
    hi = (until or date(9999, 12, 31)).isoformat()
    chosen = []
    for rid, started in db.execute("SELECT id, started_at FROM runs ORDER BY id").fetchall():
        days = run_days(db, int(rid), float(started or 0.0))
        if any(lo <= d <= hi for d in days):
            chosen.append(int(rid))
    if not chosen:
        raise JournalError(f"no run in the journal traded between {lo} and {hi}")
    return chosen


__all__ = ["RunRows", "day_start", "load_marks", "load_run", "run_days", "select_runs", "seoul_day"]

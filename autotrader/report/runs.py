"""The run list: what ran, on which days, and what it earned."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from autotrader.journal import queries
from autotrader.journal.runs import state_fields
from autotrader.report.load import load_marks, run_days
from autotrader.report.trades import replay_fills


def list_runs(db: sqlite_utils.Database, limit: int = 50) -> list[dict[str, Any]]:
    """The latest ``limit`` runs, newest first: id, strategy, mode, days, P&L, orders."""
    ids = [int(r[0]) for r in db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT ?", [limit])]
    out = []
    for rid in ids:
        run = queries.get_run(db, rid)
        fills = queries.rows(db, "SELECT * FROM fills WHERE run_id = ? ORDER BY ts, id", (rid,))
        ledger = replay_fills(fills, load_marks(db, rid), {})
        orders = db.execute(
            "SELECT COUNT(*), SUM(state = 'rejected') FROM orders WHERE run_id = ?", [rid]
        ).fetchone()
        out.append(
            {
                "id": rid,
                "strategy": run.strategy,
                "mode": run.mode,
                "broker": run.broker,
                "days": run_days(db, rid, run.started_at),
                "started_at": run.started_at,
                "ended_at": run.ended_at,
                **state_fields(db.conn, rid),
                "realized": ledger.realized,
                "pnl": ledger.points[-1].equity if ledger.points else ledger.realized,
                "orders": int(orders[0] or 0),
                "rejected": int(orders[1] or 0),
                "fills": len(fills),
            }
        )
    return out

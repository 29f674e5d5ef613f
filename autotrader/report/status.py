"""The state of a run as its journal shows it: for 'autotrader status' and the dashboard.

A live runner writes a heartbeat row every few seconds (connection, last trade frame,
kill-switch level, day P&L, positions); orders, fills and the kill switch's moves are
journaled as they happen. A run without heartbeats (a replay) shows what its fills say.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import sqlite_utils

from autotrader.journal import queries
from autotrader.journal.queries import UNFINISHED_STATES
from autotrader.journal.runs import state_fields
from autotrader.report.load import load_marks
from autotrader.report.trades import replay_fills

STALE_AFTER = 15.0  # seconds without a heartbeat before a running engine is 'silent'


def run_status(
    db: sqlite_utils.Database, run_id: int | None = None, now: float | None = None
) -> dict[str, Any]:
    now = time.time() if now is None else now
    rid = run_id if run_id is not None else queries.latest_run_id(db)
    run = queries.get_run(db, rid)
    hb = db.execute(
        "SELECT ts, connected, last_frame_ts, level, detail_json FROM heartbeats "
        "WHERE run_id = ? ORDER BY id DESC LIMIT 1",
        [rid],
    ).fetchone()
    fills = queries.rows(db, "SELECT * FROM fills WHERE run_id = ? ORDER BY ts, id", (rid,))
    ledger = replay_fills(fills, load_marks(db, rid), {})
    positions = {
        sym: {"qty": p.qty, "avg_price": p.avg, "mark": p.last,
              "unrealized": (p.last - p.avg) * p.qty}
        for sym, p in ledger.positions.items() if p.qty
    }  # fmt: skip
    out: dict[str, Any] = {
        "run_id": rid,
        "strategy": run.strategy,
        "mode": run.mode,
        "broker": run.broker,
        **state_fields(db.conn, rid),
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "day_pnl": ledger.equity(),
        "realized": ledger.realized,
        "positions": positions,
        "level": "active",
        "level_reason": "",
        "heartbeat": None,
    }
    level = db.execute(
        "SELECT detail FROM errors WHERE run_id = ? AND source = 'killswitch' ORDER BY id DESC",
        [rid],
    ).fetchone()
    if level:
        lv, _, why = str(level[0]).partition(": ")
        out["level"], out["level_reason"] = lv, why
    if hb is not None:
        detail = orjson.loads(hb[4] or "{}")
        out["heartbeat"] = {
            "ts": hb[0],
            "age": round(now - hb[0], 3),
            "connected": bool(hb[1]),
            "last_frame_ts": hb[2] or None,
            "last_frame_age": round(now - hb[2], 3) if hb[2] else None,
            "silent": out["running"] and now - hb[0] > STALE_AFTER,
            "sessions": detail.get("sessions", 0),
        }
        out["level"] = hb[3] or out["level"]
        out["level_reason"] = detail.get("reason", out["level_reason"])
        out["day_pnl"] = int(detail.get("day_pnl", out["day_pnl"]))
        out["positions"] = {
            sym: {"qty": q, "avg_price": avg, "mark": px, "unrealized": (px - avg) * q}
            for sym, (q, avg, px) in (detail.get("positions") or {}).items()
        }
    marks_sql = ", ".join("?" * len(UNFINISHED_STATES))
    out["working_orders"] = queries.rows(
        db,
        "SELECT id, rule, symbol, action, side, qty, filled_qty, price, order_type, state, "  # noqa: S608
        f"created_at FROM orders WHERE run_id = ? AND state IN ({marks_sql}) ORDER BY id",
        (rid, *UNFINISHED_STATES),
    )
    return out

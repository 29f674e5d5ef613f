"""A run's strategy versions (hot reload) and the decisions taken under each.

Every run journals the version it started with (1); each ``autotrader reload`` or
``run --reload-at`` adds an applied version or a refused file (``engine/reload.py``).
Decisions carry the version they were taken under, so a report says what each version
did: how many times each rule decided, and how many of those became orders.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlite_utils
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def versions(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    """Each version row of the run, oldest first, with its decisions grouped by rule."""
    if "strategy_versions" not in db.table_names():
        return []
    rows = db.execute(
        "SELECT version, ts, sha256, path, status, diff_json, detail FROM strategy_versions "
        "WHERE run_id = ? ORDER BY id",
        [run_id],
    ).fetchall()
    counts: dict[int | None, dict[str, list[int]]] = {}
    for version, rule, decided, ordered in db.execute(
        "SELECT version, rule, COUNT(*), SUM(outcome = 'order') FROM decisions "
        "WHERE run_id = ? GROUP BY version, rule ORDER BY version, rule",
        [run_id],
    ).fetchall():
        counts.setdefault(version, {})[rule] = [decided, ordered or 0]
    out = []
    for version, ts, sha, path, status, diff_json, detail in rows:
        by_rule = counts.get(version, {}) if version is not None else {}
        out.append(
            {
                "version": version,
                "ts": ts,
                "sha256": sha,
                "path": path,
                "status": status,
                "diff": orjson.loads(diff_json or "{}"),
                "detail": detail,
                "decisions": sum(d for d, _ in by_rule.values()),
                "orders": sum(o for _, o in by_rule.values()),
                "by_rule": by_rule,
            }
        )
    return out


def journaled_text(db: sqlite_utils.Database, sha256: str) -> str | None:
    """The strategy text the journal holds under this hash (stored once per hash)."""
    if "strategy_versions" not in db.table_names():
        return None
    row = db.execute(
        "SELECT text FROM strategy_versions WHERE sha256 = ? AND text != '' LIMIT 1", [sha256]
    ).fetchone()
    return str(row[0]) if row else None


def print_versions(db: sqlite_utils.Database, run_id: int, con: Console) -> None:
    """The versions table; printed only when the run was reloaded (or a file refused)."""
    rows = versions(db, run_id)
    if len(rows) < 2:
        return
    from autotrader.clock import to_seoul

    table = Table(title="strategy versions (hot reload)")
    for column in ("version", "at", "status", "sha256", "rules", "decisions", "orders"):
        table.add_column(column)
    for r in rows:
        diff = r["diff"]
        rules = " ".join(
            [f"+{n}" for n in diff.get("added", [])] + [f"-{n}" for n in diff.get("removed", [])]
            + [f"~{n}" for n in diff.get("changed", [])]
        )  # fmt: skip
        if r["status"] == "refused":
            rules = (r["detail"] or "").splitlines()[0][:80] if r["detail"] else ""
        table.add_row(
            str(r["version"] or "-"),
            to_seoul(r["ts"]).strftime("%H:%M:%S.%f")[:-3] if r["ts"] else "-",
            r["status"],
            (r["sha256"] or "")[:12],
            escape(rules[:120]),
            f"{r['decisions']:,}",
            f"{r['orders']:,}",
        )
    con.print(table)

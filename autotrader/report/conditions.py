"""Condition-search hits in reports: every stock that entered or left, and what it did.

A universe strategy's trades only make sense next to its universe: which stocks the
condition searches brought in, when, which were turned away over the cap, which left
while held. The journal keeps every hit (``condition_hits``); this module reads them for
the report's JSON and CSV (``conditions``) and prints them under the orders.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlite_utils
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autotrader.clock import to_seoul


def condition_report(db: sqlite_utils.Database, run_ids: list[int]) -> dict[str, Any]:
    """``hits`` (time order) and ``by_condition`` counts for the runs ``run_ids``."""
    if "condition_hits" not in db.table_names() or not run_ids:
        return {"hits": [], "by_condition": []}
    marks = ", ".join("?" * len(run_ids))
    cols = ("run_id", "ts", "seq", "name", "symbol", "event", "source", "outcome")
    where = f"WHERE run_id IN ({marks}) ORDER BY run_id, id"  # placeholders only
    sql = f"SELECT {', '.join(cols)} FROM condition_hits {where}"  # noqa: S608
    hits = [dict(zip(cols, row, strict=True)) for row in db.execute(sql, run_ids).fetchall()]
    counts: dict[tuple[str, str], Counter[str]] = {}
    stocks: dict[tuple[str, str], set[str]] = {}
    for h in hits:
        if not h["seq"]:
            continue  # a drop once flat: not a hit of one condition
        key = (h["seq"], h["name"])
        c = counts.setdefault(key, Counter())
        c["entered" if h["event"] == "I" else "left"] += 1
        if h["outcome"] in ("admitted", "readmitted"):
            c["admitted"] += 1
        elif h["outcome"].startswith("over_cap"):
            c["over_cap"] += 1
        stocks.setdefault(key, set()).add(h["symbol"])
    by_condition = [
        {"seq": seq, "name": name, "stocks": len(stocks[(seq, name)]), **dict(c)}
        for (seq, name), c in sorted(counts.items())
    ]
    return {"hits": hits, "by_condition": by_condition}


def print_conditions(data: dict[str, Any], console: Console, limit: int = 20) -> None:
    """The per-condition counts and the latest hits; nothing for a fixed-symbol strategy."""
    report = data.get("conditions") or {}
    hits = report.get("hits") or []
    if not hits:
        return
    summary = "; ".join(
        f"{c['name'] or c['seq']} ({c['seq']}): {c['stocks']} stocks, entered "
        f"{c.get('entered', 0)}, left {c.get('left', 0)}, admitted {c.get('admitted', 0)}"
        + (f", over the cap {c['over_cap']}" if c.get("over_cap") else "")
        for c in report["by_condition"]
    )
    t = Table(title=f"Condition search hits ({len(hits)}): {summary}", box=box.SIMPLE_HEAD)
    for c in ("time", "condition", "symbol", "hit", "from", "outcome"):
        t.add_column(c)
    shown = hits[-limit:]
    for h in shown:
        when = to_seoul(h["ts"]).strftime("%H:%M:%S.%f")[:-3]
        hit = "entered (I)" if h["event"] == "I" else "left (D)"
        t.add_row(*(Text(v) for v in (when, h["name"] or h["seq"] or "-", h["symbol"], hit,
                                      h["source"], h["outcome"])))  # fmt: skip
    if len(hits) > len(shown):
        t.caption = f"the last {len(shown)} of {len(hits)} (--limit N, or --format json)"
    console.print(t)

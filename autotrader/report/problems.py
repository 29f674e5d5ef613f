"""The report's account of what went wrong in a run: rules that raised or were held,
and frames or tape lines the decoders skipped (from the journal's ``errors`` table).

Everything shown here quotes outside input (rule names, frame excerpts), so it is
printed as plain text: escaped for the terminal, never read as rich markup.
"""

from __future__ import annotations

from collections import Counter

import sqlite_utils
from rich.console import Console
from rich.text import Text

from autotrader.safetext import escape

SHOWN = 5  # rows of each kind quoted in full


def problems(db: sqlite_utils.Database, run_id: int) -> dict[str, list[str]]:
    """The run's journaled error details by source (``rule``, ``frame``, ...)."""
    if "errors" not in db.table_names():
        return {}
    found: dict[str, list[str]] = {}
    for row in db.query(
        "SELECT source, detail FROM errors WHERE run_id = ? ORDER BY ts, rowid", [run_id]
    ):
        found.setdefault(str(row["source"]), []).append(str(row["detail"]))
    return found


def print_problems(db: sqlite_utils.Database, run_id: int, con: Console) -> None:
    """Rule errors and holds, and skipped frames, when the run had any."""
    found = problems(db, run_id)
    rules = found.get("rule", [])
    if rules:
        held = sorted({d.split()[1] for d in rules if d.endswith("rule held for the day")})
        head = f"Rule errors: {len(rules)}"
        head += f"; held for the day: {', '.join(held)}" if held else "; no rule held"
        con.print(Text(escape(head), style="bold red"))
        for detail in rules[:SHOWN]:
            con.print(Text("  " + escape(detail)))
    frames = found.get("frame", [])
    if frames:
        kinds = Counter(d.split(":")[0] for d in frames)
        con.print(Text(escape(f"Skipped frames or lines journaled: {len(frames)}"), style="bold"))
        for detail in frames[:SHOWN]:
            con.print(Text("  " + escape(detail)))
        if len(kinds) > 1:
            con.print(Text("  " + escape(", ".join(f"{k}: {n}" for k, n in kinds.most_common(5)))))

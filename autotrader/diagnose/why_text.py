"""'autotrader why' in the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autotrader.report.text import add_plain_row


def _snapshot_table(title: str, snaps: list[dict[str, Any]]) -> Table:
    t = Table(title=title, show_lines=True)
    for c in ("time", "symbol", "term", "values"):
        t.add_column(c)
    for snap in snaps:
        lines = [("[green]true [/] " if x["true"] else "[red]false[/] ") + escape(x["term"])
                 for x in snap["terms"]]  # fmt: skip
        values = [escape("  ".join(f"{k} = {v}" for k, v in x["values"].items()) or "-")
                  for x in snap["terms"]]  # fmt: skip
        when = snap["time"] + (" [bold]fired[/]" if snap["fired"] else "")
        t.add_row(when, snap["symbol"], "\n".join(lines), "\n".join(values))
    return t


def print_why(r: dict[str, Any], console: Console) -> None:
    console.rule(f"[bold]why[/] {escape(r['rule'])} (run {r['run_id']})")
    console.print(f"when: {r['when']}   (on: {r['trigger']})", highlight=False, markup=False)
    for note in r["notes"]:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    console.print(
        f"evaluated {r['evaluations']:,} times, fired {r['fired']:,} "
        f"(journal: {r['journal_fired']:,}); skipped by cooldown or daily limits "
        f"{r['blocked_by_controls']:,}",
        highlight=False,
    )
    if r["evaluations"] == 0:
        console.print(
            "The rule was never evaluated: no event of its trigger reached its symbols "
            f"({', '.join(r['by_symbol']) or 'none had data'}).",
            highlight=False,
        )
    t = Table(title="Terms of the condition (all must be true)")
    for c in ("term", "false", "the only false term"):
        t.add_column(c, justify="left" if c == "term" else "right")
    for term in r["terms"]:
        add_plain_row(t, term["term"], f"{term['false']:,}", f"{term['only_false']:,}")
    console.print(t)
    t = Table(title="Per symbol")
    for c in ("symbol", "evaluated", "fired"):
        t.add_column(c, justify="left" if c == "symbol" else "right")
    for sym, c in r["by_symbol"].items():
        add_plain_row(t, sym, f"{c['evaluations']:,}", f"{c['fired']:,}")
    console.print(t)
    if r["nearest_misses"]:
        console.print(_snapshot_table("Nearest misses (fewest false terms, closest values)",
                                      r["nearest_misses"]))  # fmt: skip
    if r["at"]:
        console.print(_snapshot_table("At the requested time (nearest evaluation per symbol)",
                                      r["at"]))  # fmt: skip

"""The drill's summary in the report formats: a rich table, JSON, or one HTML file.

The table uses the report's plain-text cells (journal text is never markup); the HTML
is rendered like the report's, by Jinja2 with autoescaping, one self-contained file.
"""

from __future__ import annotations

from typing import Any

import jinja2
from rich import box
from rich.console import Console
from rich.table import Table

from autotrader.drill.run import DrillReport
from autotrader.report.text import add_plain_row

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("autotrader.drill", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
COLUMNS = ("profile", "orders", "fills", "dup", "lost", "detect", "recover", "consistent")


def secs(v: float | None) -> str:
    return "-" if v is None else f"{v if v > 0 else 0.0:.2f} s"  # never "-0.00"


def row(r: Any) -> list[str]:
    consistent = "yes" if r.consistent else "NO"
    return [
        r.profile, str(r.orders), f"{r.journal_fills}/{r.fills}", str(r.duplicates),
        str(r.lost), secs(r.detect_s), secs(r.recover_s), consistent,
    ]  # fmt: skip


def print_table(report: DrillReport, console: Console) -> None:
    verdict = "PASS" if report.passed else "FAIL"
    table = Table(
        title=f"drill {report.strategy}: {verdict} ({report.frames} frames, {report.seconds:g} s)",
        box=box.SIMPLE_HEAVY,
    )
    for c in COLUMNS:
        table.add_column(c, justify="left" if c == "profile" else "right", no_wrap=True)
    for r in report.results:
        add_plain_row(table, *row(r))
    console.print(table)
    console.print("fills: journaled/at the fake; detect, recover: seconds after the fault struck")
    for r in report.results:
        for p in r.problems:
            console.print(f"[red]{r.profile}[/]: ", end="", markup=True)
            console.print(p, markup=False, highlight=False)
        if r.stopped:
            console.print(f"{r.profile}: run stopped: ", end="", markup=False)
            console.print(r.stopped, markup=False, highlight=False)


def to_json(report: DrillReport) -> dict[str, Any]:
    return {
        "strategy": report.strategy,
        "path": report.path,
        "tape": report.tape,
        "frames": report.frames,
        "seconds": report.seconds,
        "passed": report.passed,
        "profiles": [r.to_json() for r in report.results],
    }


def render_html(report: DrillReport) -> str:
    rows = [(r, row(r)) for r in report.results]
    return _ENV.get_template("drill.html.j2").render(d=report, rows=rows, columns=COLUMNS)

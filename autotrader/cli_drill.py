"""``autotrader drill STRATEGY``: rehearse a strategy live against the fake Kiwoom, once
per fault profile, and say whether any profile duplicated an order or lost a fill.

Exit status: 0 when every profile ends consistent with no duplicate and no lost fill,
1 otherwise (and on an unreadable strategy, tape or profile name).
"""

from __future__ import annotations

import asyncio
import enum
import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autotrader.errors import AutotraderError

err = Console(stderr=True)


class DrillFormat(enum.StrEnum):
    table = "table"
    json = "json"
    html = "html"


def drill(
    strategy: Annotated[Path, typer.Argument(help="strategy YAML file")],
    tape: Annotated[
        Path | None, typer.Option(help="tape to replay (default: the bundled sample day)")
    ] = None,
    faults: Annotated[
        list[str] | None,
        typer.Option(
            "--faults", help="profile names, or 'all' (default); repeat or separate by commas"
        ),
    ] = None,
    fmt: Annotated[DrillFormat, typer.Option("--format", help="summary format")] = (
        DrillFormat.table
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the summary here")] = None,
    workdir: Annotated[
        Path | None, typer.Option(help="keep each profile's journal here (default: a temp dir)")
    ] = None,
    hold: Annotated[
        list[str] | None,
        typer.Option(help="SYMBOL:QTY held at start (bought at the day's first price); repeat"),
    ] = None,
    frames: Annotated[int, typer.Option(help="trades kept from the day (thinned evenly)")] = 1500,
    jobs: Annotated[int, typer.Option(help="profiles run at the same time")] = 4,
    config: Annotated[Path | None, typer.Option(help="configuration file")] = None,
) -> None:
    """Rehearse STRATEGY against the fake Kiwoom under faults (stalls, drops, duplicated
    and reordered 00s, garbled frames, 1700, expired tokens, lost answers, R10001, kill -9)."""
    from autotrader.drill.profiles import select
    from autotrader.drill.run import run_drill
    from autotrader.drill.summary import print_table, render_html, to_json
    from autotrader.settings import resolve_settings

    names = [n.strip() for item in faults or [] for n in item.split(",") if n.strip()]
    try:
        profiles = select(names)
        held = _holdings(hold or [])
        cfg = resolve_settings(config=config).config
    except (ValueError, AutotraderError) as exc:
        err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from None
    folder = workdir or Path(tempfile.mkdtemp(prefix="autotrader-drill-"))
    progress = Progress(
        TextColumn("drill {task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err, transient=True,
    )  # fmt: skip
    with progress:
        task = progress.add_task(strategy.name, total=len(profiles))
        try:
            report = asyncio.run(
                run_drill(
                    strategy,
                    profiles,
                    folder,
                    tape=tape,
                    max_frames=frames,
                    jobs=jobs,
                    config=cfg,
                    hold=held,
                    on_done=lambda r: progress.advance(task),
                )  # fmt: skip
            )
        except AutotraderError as exc:
            err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
            raise typer.Exit(1) from None
    if fmt is DrillFormat.table:
        console = Console(file=out.open("w", encoding="utf-8"), width=140) if out else Console()
        print_table(report, console)
        err.print(f"journals: {folder}", markup=False, highlight=False)
    else:
        text = (
            json.dumps(to_json(report), indent=2, ensure_ascii=False)
            if fmt is DrillFormat.json
            else render_html(report)
        )
        if out:
            out.write_text(text, encoding="utf-8")
        else:
            typer.echo(text)
    if not report.passed:
        raise typer.Exit(1)


def _holdings(items: list[str]) -> dict[str, int]:
    held: dict[str, int] = {}
    for item in (p.strip() for i in items for p in i.split(",") if p.strip()):
        symbol, _, qty = item.partition(":")
        if not qty.isdigit() or not symbol:
            raise ValueError(f"--hold {item!r}: SYMBOL:QTY, e.g. 005930:10")
        held[symbol] = int(qty)
    return held


def register(app: typer.Typer) -> None:
    """Add ``drill`` to the main command line."""
    app.command("drill")(drill)

"""Review verbs: ``report`` (table, JSON, CSV, HTML), ``runs``, ``why``, ``status``.

Registered on the main app by ``register(app)``; everything here only reads the journal
(``why`` replays a run's tape again, into a scratch journal).
"""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import sqlite_utils
import typer
from rich.console import Console

from autotrader.errors import AutotraderError

if TYPE_CHECKING:
    from autotrader.settings import Settings

err = Console(stderr=True)
JournalOpt = Annotated[
    Path | None, typer.Option(help="SQLite journal file (default: from the settings)")
]
ConfigOpt = Annotated[Path | None, typer.Option(help="configuration TOML")]


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


def _fail(exc: AutotraderError | str) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _settings(journal: Path | None, config: Path | None) -> Settings:
    """Flag > environment > .env > autotrader.toml > default, as every verb resolves it."""
    from autotrader.settings import resolve_settings

    try:
        return resolve_settings(config=config, journal=journal)
    except AutotraderError as exc:
        raise _fail(exc) from None


def _open(journal: Path) -> sqlite_utils.Database:
    from autotrader.journal import open_journal

    if not journal.exists():
        raise _fail(f"no journal at {journal}: run a strategy first")
    try:
        return open_journal(journal)
    except AutotraderError as exc:  # not a journal: a message, never a traceback
        raise _fail(exc) from None


def report(
    journal: JournalOpt = None,
    run_ids: Annotated[
        list[int] | None, typer.Option("--run", help="run id; repeat for several (default: latest)")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="first market day, YYYY-MM-DD (runs that traded in range)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="last market day, YYYY-MM-DD")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="output format")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here, not stdout")] = None,
    table: Annotated[
        str, typer.Option(help="with --format csv: rules|symbols|orders|trips|rejections|equity")
    ] = "rules",
    limit: Annotated[int, typer.Option(help="rows per table (table format)")] = 20,
    config: ConfigOpt = None,
) -> None:
    """Report runs from the journal: per rule and symbol, equity, drawdown, orders."""
    journal = _settings(journal, config).journal
    from autotrader.report.figures import build_report
    from autotrader.report.load import select_runs
    from autotrader.report.text import CSV_TABLES, print_full_report, to_csv

    db = _open(journal)
    try:
        first = date.fromisoformat(since) if since else None
        last = date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise _fail(f"--since/--until: {exc}") from None
    if fmt is Format.csv and table not in CSV_TABLES:
        raise _fail(f"--table: one of {', '.join(CSV_TABLES)}")
    try:
        data = build_report(db, select_runs(db, run_ids, first, last))
    except AutotraderError as exc:
        raise _fail(exc) from None
    if fmt is Format.table:
        console = Console(file=out.open("w", encoding="utf-8"), width=160) if out else Console()
        print_full_report(data, console, limit)
        return
    if fmt is Format.json:
        import orjson

        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif fmt is Format.csv:
        text = to_csv(data, table)
    else:
        from autotrader.report.html import render_html

        text = render_html(data)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"wrote {out}", highlight=False)


def runs(
    journal: JournalOpt = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
    config: ConfigOpt = None,
) -> None:
    """List runs: id, strategy, mode, market days, P&L (marked), orders."""
    journal = _settings(journal, config).journal
    from rich.table import Table

    from autotrader.report.runs import list_runs
    from autotrader.report.text import add_plain_row, won

    rows = list_runs(_open(journal), limit)
    if as_json:
        import orjson

        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    t = Table(title=f"Runs in {journal}")
    for c in ("id", "strategy", "mode", "days", "P&L KRW", "orders", "rejected", "fills"):
        t.add_column(c, justify="right" if c in ("id", "P&L KRW", "orders", "rejected",
                                                 "fills") else "left")  # fmt: skip
    for r in rows:
        days = r["days"][0] if len(r["days"]) == 1 else f"{r['days'][0]}..{r['days'][-1]}"
        add_plain_row(
            t, str(r["id"]), r["strategy"], r["mode"] + _state(r),
            days, won(r["pnl"]), str(r["orders"]),
            str(r["rejected"]), str(r["fills"]),
        )  # fmt: skip
    Console().print(t)


def _state(run: dict[str, Any]) -> str:
    from autotrader.report.text import run_state_text

    if run["running"] or run["state"] == "interrupted" or run["continues"]:
        return f" ({run_state_text(run)})"
    return ""


def why(
    rule: Annotated[str, typer.Argument(help="rule name")],
    journal: JournalOpt = None,
    run_id: Annotated[int | None, typer.Option("--run", help="run id (default: latest)")] = None,
    at: Annotated[
        str | None, typer.Option(help="HH:MM[:SS]: every term's values at that moment")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text")] = False,
    config: ConfigOpt = None,
) -> None:
    """Why RULE did (not) fire: evaluations, the terms that were false, nearest misses."""
    journal = _settings(journal, config).journal
    from autotrader.diagnose.why import explain_rule
    from autotrader.diagnose.why_text import print_why
    from autotrader.errors import StrategyErrors

    db = _open(journal)
    try:
        result = explain_rule(db, rule, run_id, at)
    except StrategyErrors as exc:
        raise _fail(exc) from None
    except AutotraderError as exc:
        raise _fail(exc) from None
    if as_json:
        import orjson

        typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return
    print_why(result, Console())


def status(
    journal: JournalOpt = None,
    run_id: Annotated[int | None, typer.Option("--run", help="run id (default: latest)")] = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="then print fills, rejections, halts as they come")
    ] = False,
    config: Annotated[
        Path | None, typer.Option(help="configuration TOML ([notify] urls to notify)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text")] = False,
) -> None:
    """A run's state from its journal: positions, working orders, day P&L, kill switch,
    connection and the age of the last frame (--follow: and then what happens)."""
    settings = _settings(journal, config)
    journal = settings.journal
    from autotrader.report.status import run_status
    from autotrader.report.status_text import print_status

    db = _open(journal)
    try:
        st = run_status(db, run_id)
    except AutotraderError as exc:
        raise _fail(exc) from None
    if as_json:
        import orjson

        typer.echo(orjson.dumps(st, option=orjson.OPT_INDENT_2).decode())
    else:
        print_status(st, Console())
    if follow:
        import time

        from autotrader.report.watch import start

        watch = start(journal, settings.config.notify, Console())
        try:
            while True:
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            watch()


def dashboard(
    journal: JournalOpt = None,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8765,
    run_id: Annotated[int | None, typer.Option("--run", help="run id (default: latest)")] = None,
    refresh: Annotated[int, typer.Option(help="seconds between page reloads")] = 5,
    config: ConfigOpt = None,
) -> None:
    """Serve a read-only page on 127.0.0.1: the run's state and report, reloading itself."""
    journal = _settings(journal, config).journal
    from autotrader.report.dashboard import make_server

    try:
        server = make_server(journal, port=port, run_id=run_id, refresh=max(refresh, 1))
    except (AutotraderError, OSError) as exc:
        raise _fail(str(exc)) from None
    bound = server.server_address[1]
    err.print(f"dashboard on http://127.0.0.1:{bound}/ (Ctrl-C to stop)", highlight=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    """Add the review verbs to the main command line."""
    app.command("report")(report)
    app.command("runs")(runs)
    app.command("why")(why)
    app.command("status")(status)
    app.command("dashboard")(dashboard)

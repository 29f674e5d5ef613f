"""``autotrader reload [STRATEGY]``: swap an edited strategy into the running engine.

The command writes a reload request beside the journal (``engine/reload_files.py``) and
waits for the running engine's answer: the rule diff and the new version, or the errors
that made it refuse the file (the running strategy then goes on). No answer within
``--wait`` seconds (no live run on this journal) withdraws the request, so a later run
never picks up a stale one; the file's own errors are printed all the same.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from autotrader.errors import AutotraderError, StrategyErrors

out = Console()
err = Console(stderr=True)


def reload(
    strategy: Annotated[
        Path | None,
        typer.Argument(help="the edited strategy file (default: the file the engine runs)"),
    ] = None,
    journal: Annotated[
        Path | None, typer.Option(help="the running engine's journal (default: settings)")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
    wait: Annotated[float, typer.Option(help="seconds to wait for the engine's answer")] = 10.0,
) -> None:
    """Swap an edited STRATEGY into the running engine between two events.

    The engine validates the file first: a bad file is refused with its errors and the
    running strategy goes on. Working orders and positions are kept; unchanged rules keep
    their state; the strategy's on_reload policy decides the orders of removed rules."""
    from autotrader.engine.reload_files import (
        read_result,
        request_path,
        result_path,
        withdraw,
        write_request,
    )
    from autotrader.settings import resolve_settings

    try:
        jpath = resolve_settings(config=config, journal=journal).journal
    except AutotraderError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    if strategy is not None and not strategy.is_file():
        err.print(f"[red]error:[/] {escape(str(strategy))}: no such file")
        raise typer.Exit(1)
    local = _check(strategy)
    request = request_path(jpath)
    rid = write_request(request, strategy)
    deadline = time.monotonic() + wait
    answer: dict[str, Any] | None = None
    while answer is None and time.monotonic() < deadline:
        time.sleep(0.1)
        answer = read_result(result_path(jpath), rid)
    if answer is None:
        if withdraw(request, rid):
            for line in local:
                err.print(escape(line), highlight=False)
            err.print(
                f"[red]no running engine answered within {wait:g} s[/] (a live run on "
                f"{escape(str(jpath))}?); the request is withdrawn"
            )
            raise typer.Exit(2)
        answer = _late(jpath, rid, wait)
    raise typer.Exit(show(answer))


def _check(strategy: Path | None) -> list[str]:
    """The file's own errors, shown when no engine answers."""
    if strategy is None:
        return []
    from autotrader.compile import compile_strategy
    from autotrader.rules import load_strategy

    try:
        compile_strategy(load_strategy(strategy))
    except StrategyErrors as exc:
        return [str(e) for e in exc.errors]
    return []


def _late(jpath: Path, rid: str, wait: float) -> dict[str, Any]:
    """The engine took the request just as the wait ended: its answer comes soon."""
    from autotrader.engine.reload_files import read_result, result_path

    for _ in range(int(wait * 10) + 50):
        answer = read_result(result_path(jpath), rid)
        if answer is not None:
            return answer
        time.sleep(0.1)
    return {"status": "unknown", "errors": ["the engine took the request but did not answer"]}


def show(answer: dict[str, Any]) -> int:
    """Print the engine's answer; the exit code (0 applied or unchanged, 1 refused)."""
    status = answer.get("status")
    path = escape(str(answer.get("path", "")))
    if status == "applied":
        out.print(f"reloaded {path}: version {answer.get('version')}", highlight=False)
        for line in answer.get("lines", []):
            colour = {"+": "green", "-": "red"}.get(line[:1], "yellow")
            out.print(f"  [{colour}]{escape(line)}[/]", highlight=False)
        orders = answer.get("orders", {})
        if orders.get("kept") or orders.get("cancelled"):
            out.print(
                f"  removed rules' working orders: kept {orders.get('kept', [])}, "
                f"cancel sent {orders.get('cancelled', [])}",
                highlight=False,
            )
        for note in answer.get("notes", []):
            out.print(f"  [yellow]note:[/] {escape(str(note))}", highlight=False)
        return 0
    if status == "unchanged":
        out.print(f"{path} is the version running (version {answer.get('version')}): unchanged")
        return 0
    err.print(f"[red]reload refused[/]: version {answer.get('version')} runs on", highlight=False)
    for line in answer.get("errors", []):
        err.print(f"  {escape(str(line))}", highlight=False, soft_wrap=True)
    return 1


def register(app: typer.Typer) -> None:
    app.command("reload")(reload)

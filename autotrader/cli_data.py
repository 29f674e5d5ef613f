"""Data verbs: ``record``, ``download``, ``sweep``, ``tape import`` and ``tape info``.

Registered on the main app by ``register``; each verb resolves its settings once and
calls one stage (live/record.py, live/download.py, feed/, sweep/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autotrader.errors import AutotraderError, StrategyErrors

err = Console(stderr=True)


def _fail(exc: Exception, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
    return typer.Exit(code)


def _strategy_symbols(strategy: Path | None) -> list[str]:
    if strategy is None:
        return []
    from autotrader.rules import load_strategy

    return list(load_strategy(strategy).spec.symbols)


def record(
    symbols: Annotated[list[str] | None, typer.Argument(help="stock codes to watch")] = None,
    strategy: Annotated[
        Path | None, typer.Option(help="also watch this strategy's symbols")
    ] = None,
    out: Annotated[Path, typer.Option(help="directory of the day tapes")] = Path("data"),
    depth: Annotated[bool, typer.Option("--depth", help="also record 0D (order book)")] = False,
    prefix: Annotated[str, typer.Option(help="tape file name prefix")] = "",
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
    max_seconds: Annotated[
        float | None, typer.Option("--max-seconds", help="stop by itself after this long")
    ] = None,
) -> None:
    """Record Kiwoom's realtime feed (0B, 1h, 0s) to one gzip tape per day; trades nothing."""
    from autotrader.cli_live import _log_to_stderr, kiwoom_settings
    from autotrader.config import load_config
    from autotrader.live.record import Recorder, run_record
    from autotrader.rules.schema import normalize_symbol

    try:
        watch = [normalize_symbol(s) for s in symbols or ()] + _strategy_symbols(strategy)
        if not watch:
            raise AutotraderError("nothing to record: name symbols or --strategy FILE")
        settings = kiwoom_settings(load_config(config))
    except ValueError as exc:
        raise _fail(exc) from None
    except (AutotraderError, StrategyErrors) as exc:
        raise _fail(exc) from None
    _log_to_stderr()
    err.print(f"recording {len(watch)} symbols from Kiwoom {settings.domain} into {out}/")
    try:
        result = run_record(
            lambda: Recorder(settings, watch, out, depth=depth, prefix=prefix), max_seconds
        )
    except AutotraderError as exc:
        raise _fail(exc) from None
    files = ", ".join(str(f) for f in dict.fromkeys(result.files)) or "no file"
    err.print(f"recorded {result.frames:,} frames, {result.gaps} gaps: {files}")


def tape_info_cmd(
    files: Annotated[list[Path], typer.Argument(help="tape files")],
    silence: Annotated[
        float, typer.Option(help="report silences longer than this (seconds, in session)")
    ] = 300.0,
) -> None:
    """Day, symbols, frames by type, first and last time, and gaps of each tape."""
    from autotrader.feed.tape_info import tape_info

    status = 0
    for f in files:
        try:
            info = tape_info(f, silence=silence)
        except AutotraderError as exc:
            err.print(f"[red]error:[/] {exc}", markup=True, highlight=False)
            status = 1
            continue
        typer.echo(f"{f}")
        for line in info.lines_out():
            typer.echo(f"  {line}")
    raise typer.Exit(status)


def register(app: typer.Typer, tape_app: typer.Typer) -> None:
    """Add the data verbs to the main app and its ``tape`` group."""
    app.command("record")(record)
    tape_app.command("info")(tape_info_cmd)

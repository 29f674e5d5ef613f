"""Data verbs: ``record``, ``download``, ``sweep``, ``tape import`` and ``tape info``.

Registered on the main app by ``register``; each verb resolves its settings once and
calls one stage (live/record.py, live/download.py, feed/, sweep/).
"""

from __future__ import annotations

import datetime
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


def _strategy_conditions(strategy: Path | None) -> list[str]:
    if strategy is None:
        return []
    from autotrader.rules import load_strategy

    universe = load_strategy(strategy).spec.universe
    return list(universe.condition) if universe is not None else []


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
    condition: Annotated[
        list[str] | None,
        typer.Option(help="a condition search (name or seq) to run: its 02 hits and stocks"),
    ] = None,
) -> None:
    """Record Kiwoom's realtime feed (0B, 1h, 0s, 02) to one gzip tape per day; trades nothing."""
    from autotrader.cli_live import _log_to_stderr, kiwoom_settings
    from autotrader.config import load_config
    from autotrader.live.record import Recorder, run_record
    from autotrader.rules.schema import normalize_symbol

    try:
        watch = [normalize_symbol(s) for s in symbols or ()] + _strategy_symbols(strategy)
        conditions = list(dict.fromkeys([*(condition or ()), *_strategy_conditions(strategy)]))
        if not watch and not conditions:
            raise AutotraderError(
                "nothing to record: name symbols, --condition NAME or --strategy FILE"
            )
        settings = kiwoom_settings(load_config(config))
    except ValueError as exc:
        raise _fail(exc) from None
    except (AutotraderError, StrategyErrors) as exc:
        raise _fail(exc) from None
    _log_to_stderr()
    err.print(f"recording {len(watch)} symbols from Kiwoom {settings.domain} into {out}/")
    try:
        result = run_record(
            lambda: Recorder(
                settings, watch, out, depth=depth, prefix=prefix, conditions=conditions
            ),
            max_seconds,
        )
    except AutotraderError as exc:
        raise _fail(exc) from None
    files = ", ".join(str(f) for f in dict.fromkeys(result.files)) or "no file"
    err.print(f"recorded {result.frames:,} frames, {result.gaps} gaps: {files}")


def _day(text: str | None, default: datetime.date) -> datetime.date:
    if not text:
        return default
    try:
        return datetime.date.fromisoformat(
            text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:]}"
        )
    except ValueError:
        raise AutotraderError(f"{text!r} is not a date (YYYY-MM-DD or YYYYMMDD)") from None


def download(
    symbols: Annotated[list[str] | None, typer.Argument(help="stock codes")] = None,
    strategy: Annotated[Path | None, typer.Option(help="also this strategy's symbols")] = None,
    kind: Annotated[
        str,
        typer.Option(
            help="minute (ka10080), tick (ka10079), day (ka10081), daily-prices (ka10086)"
        ),
    ] = "minute",
    scope: Annotated[int, typer.Option(help="minutes per bar (minute), trades per bar (tick)")] = 1,
    since: Annotated[
        str | None, typer.Option(help="first day (default: a week before --until)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="last day (default: today in Seoul)")] = None,
    out: Annotated[Path, typer.Option(help="directory of the day tapes")] = Path("data"),
    prefix: Annotated[str, typer.Option(help="tape file name prefix")] = "",
    adjusted: Annotated[bool, typer.Option(help="adjusted prices (upd_stkpc_tp)")] = True,
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
) -> None:
    """Download Kiwoom chart bars and write one tape of synthetic ticks per day."""
    from autotrader.broker.kiwoom.chart import TRS
    from autotrader.cli_live import kiwoom_settings
    from autotrader.clock import SEOUL
    from autotrader.config import load_config
    from autotrader.live.download import run_download
    from autotrader.rules.schema import normalize_symbol

    try:
        if kind not in TRS:
            raise AutotraderError(f"--kind must be one of {', '.join(TRS)}, not {kind!r}")
        last = _day(until, datetime.datetime.now(SEOUL).date())
        first = _day(since, last - datetime.timedelta(days=7))
        if first > last:
            raise AutotraderError(f"--since {first} is after --until {last}")
        watch = [normalize_symbol(s) for s in symbols or ()] + _strategy_symbols(strategy)
        if not watch:
            raise AutotraderError("nothing to download: name symbols or --strategy FILE")
        settings = kiwoom_settings(load_config(config))
        result = run_download(
            settings,
            list(dict.fromkeys(watch)),
            out,
            kind=kind,
            since=first,
            until=last,
            scope=scope,
            adjusted=adjusted,
            prefix=prefix,
            progress=lambda sym, n: err.print(f"  {sym}: {n:,} bars"),
        )
    except (ValueError, AutotraderError, StrategyErrors) as exc:
        raise _fail(exc) from None
    days = len(result.files)
    err.print(f"wrote {days} day tape(s) from {sum(result.bars.values()):,} bars into {out}/")
    for f in result.files:
        typer.echo(str(f))


def tape_import(
    csv_file: Annotated[Path, typer.Argument(help="CSV: date,time,open,high,low,close,volume")],
    symbol: Annotated[str, typer.Option(help="the stock code the bars are of")],
    out: Annotated[Path, typer.Option(help="directory of the day tapes")] = Path("data"),
    span: Annotated[
        int | None, typer.Option(help="seconds per bar (default: inferred; daily without time)")
    ] = None,
    prefix: Annotated[str, typer.Option(help="tape file name prefix")] = "",
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="skip malformed lines (counted) instead of stopping")
    ] = False,
) -> None:
    """Turn CSV bars into day tapes of synthetic ticks (the bar path of docs/tape-format.md)."""
    from autotrader.feed.bars import write_bar_tapes
    from autotrader.feed.csv_import import read_csv_bars
    from autotrader.rules.schema import normalize_symbol

    try:
        code = normalize_symbol(symbol)
        parsed = read_csv_bars(csv_file, code, span=span, skip_bad=skip_bad)
        if not parsed.bars:
            raise AutotraderError(f"{csv_file}: no bars")
        files = write_bar_tapes(parsed.bars, out, prefix=prefix, origin=csv_file.name)
    except (ValueError, AutotraderError) as exc:
        raise _fail(exc) from None
    for why in parsed.skipped[:20]:
        err.print(f"skipped {csv_file} {why}", highlight=False)
    if len(parsed.skipped) > 20:
        err.print(f"... and {len(parsed.skipped) - 20} more skipped lines")
    err.print(f"wrote {len(files)} day tape(s) from {len(parsed.bars):,} bars into {out}/")
    for f in files:
        typer.echo(str(f))


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


def sweep(
    strategy: Annotated[Path, typer.Argument(help="strategy YAML file with params:")],
    tape: Annotated[str, typer.Option(help="tapes: a quoted glob, a folder or a file")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="NAME=v1,v2,... or NAME=start:stop:step (repeat)"),
    ] = None,
    samples: Annotated[
        int | None, typer.Option(help="run N random points of the grid (seeded)")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of --samples")] = 0,
    rank_by: Annotated[
        str, typer.Option(help="net_pnl, trades, win_rate, max_drawdown or sharpe")
    ] = "net_pnl",
    split: Annotated[
        float | None, typer.Option(help="in-sample share of the days, e.g. 0.7")
    ] = None,
    out: Annotated[Path, typer.Option(help="results CSV")] = Path("results.csv"),
    workers: Annotated[
        int | None, typer.Option(help="local processes (default: one per CPU)")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
) -> None:
    """Run STRATEGY over the tapes for every point of a parameter grid; rank the runs."""
    from autotrader.engine.days import expand_tapes
    from autotrader.sweep import SweepOptions, parse_param_options, points, run_sweep

    try:
        grid = parse_param_options(param or [])
        chosen = points(grid, samples, seed)
        opts = SweepOptions(
            strategy,
            expand_tapes(tape),
            chosen,
            out,
            rank_by=rank_by,
            split=split,
            workers=workers,
            cluster=cluster,
            config=config,
        )
        where = f"Dask at {cluster}" if cluster else f"{workers or 'all'} local processes"
        err.print(f"sweep: {len(chosen)} point(s) over {len(opts.tapes)} tape(s) on {where}")
        rows = run_sweep(opts)
    except (AutotraderError, StrategyErrors) as exc:
        raise _fail(exc) from None
    err.print(f"wrote {out}: {len(rows)} rows ranked by {rank_by}; journals in {out.stem}.runs/")
    for row in rows[:5]:
        shown = {k: v for k, v in row.items() if k != "journal"}
        typer.echo("  " + ", ".join(f"{k}={v}" for k, v in shown.items()))


def register(app: typer.Typer, tape_app: typer.Typer) -> None:
    """Add the data verbs to the main app and its ``tape`` group."""
    app.command("record")(record)
    app.command("download")(download)
    app.command("sweep")(sweep)
    tape_app.command("import")(tape_import)
    tape_app.command("info")(tape_info_cmd)

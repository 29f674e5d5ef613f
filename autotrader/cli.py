"""The command line: ``autotrader run``, ``report``, ``validate``, ``tape synth``.

With no arguments, ``run`` dry-runs the example strategy over the bundled sample tape
and prints the report: the quickest way to see the whole product work.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from autotrader.cli_credit import credit_list
from autotrader.cli_data import register as register_data_verbs
from autotrader.cli_drill import register as register_drill
from autotrader.cli_reload import register as register_reload
from autotrader.cli_report import register as register_review
from autotrader.errors import AutotraderError, StrategyErrors
from autotrader.fake_kiwoom.cli import app as fake_app

if TYPE_CHECKING:
    from autotrader.rules.credit_list import CreditList

app = typer.Typer(
    help="Declarative, rule-based auto-trading for Korean stocks on Kiwoom.",
    no_args_is_help=True,
    add_completion=False,
)
tape_app = typer.Typer(help="Make and inspect tapes (recorded or synthetic market days).")
app.add_typer(tape_app, name="tape")
app.add_typer(fake_app, name="fake-kiwoom")
register_data_verbs(app, tape_app)
app.command("credit-list")(credit_list)

register_review(app)  # report, runs, why, status, dashboard (autotrader/cli_report.py)
register_drill(app)  # drill: the strategy against the fake Kiwoom under faults (cli_drill.py)
register_reload(app)  # reload: hot reload of a running strategy (autotrader/cli_reload.py)

_DATA = Path(__file__).resolve().parent / "data"  # rules/ and examples/, in the wheel too


def _bundled(relative: str) -> Path:
    """A bundled file: from the working directory if present, else the installed copy."""
    here = Path(relative)
    return here if here.exists() else _DATA / relative


DEFAULT_STRATEGY = _bundled("rules/momentum-day.yaml")
DEFAULT_TAPE = _bundled("examples/sample-day.jsonl.gz")
err = Console(stderr=True)


def _fail(exc: AutotraderError, code: int = 1) -> typer.Exit:
    from rich.markup import escape as markup_escape

    from autotrader.safetext import escape, scrub_urls

    text = markup_escape(escape(scrub_urls(str(exc))))
    err.print(f"[red]error:[/] {text}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def run(
    strategy: Annotated[Path, typer.Argument(help="strategy YAML file")] = DEFAULT_STRATEGY,
    tape: Annotated[
        Path, typer.Option(help="tape to replay (dry-run); a quoted glob or a folder: many days")
    ] = DEFAULT_TAPE,
    journal: Annotated[Path | None, typer.Option(help="SQLite journal file")] = None,
    config: Annotated[Path | None, typer.Option(help="configuration TOML")] = None,
    report: Annotated[bool, typer.Option(help="print the report at the end")] = True,
    live: Annotated[
        bool, typer.Option("--live", help="trade on Kiwoom (real orders) instead of a dry-run")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="with --live: skip the typed confirmation")
    ] = False,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", help="with --live: stop cleanly after this many seconds"),
    ] = None,
    record: Annotated[
        Path | None, typer.Option(help="with --live: also record the feed to day tapes here")
    ] = None,
    bad_lines: Annotated[
        str, typer.Option("--bad-lines", help="a bad tape line: skip (journaled) or refuse")
    ] = "skip",
    watch: Annotated[
        bool, typer.Option("--watch", help="with --live: reload the strategy when it is saved")
    ] = False,
    reload_at: Annotated[
        list[str] | None,
        typer.Option("--reload-at", help="replay: HH:MM[:SS]=FILE reloads FILE then (repeat)"),
    ] = None,
) -> None:
    """Dry-run STRATEGY over a tape with the paper broker, then print the report.

    With --live, trade it on Kiwoom (mock unless configured otherwise) until Ctrl-C.
    """
    if live and reload_at:
        raise _fail(AutotraderError("--reload-at is for replays; live: autotrader reload FILE"))
    if live:
        from autotrader.cli_live import run_live_command

        try:
            run_live_command(
                strategy,
                journal,
                config,
                yes=yes,
                report=report,
                console=err,
                max_seconds=max_seconds,
                record=record,
                watch=watch,
            )
        except AutotraderError as exc:
            raise _fail(exc) from None
        return
    from autotrader.broker.paper import PaperBroker
    from autotrader.cli_progress import days_progress
    from autotrader.cli_settings import announce_halt, paper_book, paper_holdings
    from autotrader.compile import compile_strategy
    from autotrader.engine.days import replay_tapes
    from autotrader.feed.lines import BAD_LINES

    if bad_lines not in BAD_LINES:
        raise _fail(AutotraderError("--bad-lines is 'skip' or 'refuse'"))
    from autotrader.engine.reload import parse_reload_at
    from autotrader.journal import Journal
    from autotrader.market.calendar import KrxCalendar
    from autotrader.report import print_report
    from autotrader.rules import load_strategy
    from autotrader.settings import ensure_journal_folder, resolve_settings

    try:
        reloads = [parse_reload_at(text) for text in reload_at or ()]
    except ValueError as exc:
        raise _fail(AutotraderError(str(exc))) from None
    try:
        settings = resolve_settings(config=config, journal=journal)
        cfg, jpath = settings.config, settings.journal
        loaded = load_strategy(strategy)
        plan = compile_strategy(loaded)
        for warning in loaded.warnings:  # names that read two ways: said before the run
            err.print(str(warning), markup=False, highlight=False)
        ensure_journal_folder(jpath)
        announce_halt(jpath, err)
        j = Journal(jpath, raw_frames=cfg.journal_raw_frames)
        try:
            result = replay_tapes(
                plan,
                tape,
                PaperBroker(cfg.fee_model(), cfg.paper.matching()),
                j,
                limits=cfg.limits_for(loaded.spec.risk),
                config_json=cfg.model_dump_json(),
                calendar=KrxCalendar(cfg.calendar.extra_closed),
                progress=days_progress(err),
                bad_lines="refuse" if bad_lines == "refuse" else "skip",
                book=paper_book(cfg),
                holdings=paper_holdings(cfg, plan.symbols, err),
                on_engine=lambda engine: engine.reloads.plan_schedule(reloads, cfg.limits_for),
            )
        finally:
            j.close()
    except StrategyErrors as exc:
        raise _fail(exc) from None
    except AutotraderError as exc:
        raise _fail(exc) from None
    c = result.counters
    from rich.markup import escape as markup_escape

    for note in idle_warnings(result.silent, result.empty_universe, strategy):
        err.print(
            "[yellow]warning:[/] " + markup_escape(note),
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
    err.print(
        f"dry-run {plan.strategy.strategy}: {c.frames:,} frames in {result.seconds:.2f} s, "
        f"journal {jpath} (run {result.run_id})"
    )
    if report:
        from autotrader.journal import open_journal

        print_report(open_journal(jpath), result.run_id)


JournalOption = Annotated[
    Path | None, typer.Option(help="SQLite journal file (default: from the settings)")
]
ConfigOption = Annotated[Path | None, typer.Option(help="configuration TOML")]


def _journal(journal: Path | None, config: Path | None) -> Path:
    """The journal every verb uses: flag > environment > .env > autotrader.toml > default."""
    from autotrader.settings import resolve_settings

    try:
        return resolve_settings(config=config, journal=journal).journal
    except AutotraderError as exc:
        raise _fail(exc) from None


CreditListOption = Annotated[
    Path | None,
    typer.Option(help="credit list saved by 'autotrader credit-list': warn on credit buys off it"),
]


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="strategy files")],
    config: ConfigOption = None,
    credit_list: CreditListOption = None,
) -> None:
    """Check strategy files and the settings; print every problem as path:line:column: message."""
    from autotrader.cli_budget import validate_lines
    from autotrader.rules import load_strategy
    from autotrader.rules.credit_list import credit_warnings
    from autotrader.rules.venue_check import venue_warnings
    from autotrader.settings import resolve_settings

    listed = _credit_list(credit_list)
    status = 0
    cfg = None
    try:
        cfg = resolve_settings(config=config).config
    except AutotraderError as exc:
        typer.echo(f"error: {exc}")
        status = 1
    for f in files:
        try:
            loaded = load_strategy(f)
        except StrategyErrors as exc:
            unreadable = any(e.line == 0 for e in exc.errors)
            status = max(status, 2 if unreadable else 1)
            for e in exc.errors:
                typer.echo(str(e))
            continue
        for two_way in loaded.warnings:  # valid, but a name reads two ways
            typer.echo(str(two_way))
        for warning in venue_warnings(loaded.spec):  # valid, but the venue refuses it
            typer.echo(f"{f}: warning: {warning}")
        typer.echo(f"{f}: ok")
        for line in credit_warnings(loaded.spec, listed, str(f)):
            typer.echo(line)
        for line in validate_lines(loaded.spec, cfg):  # request budget (cli_budget.py)
            typer.echo(f"{f}: {line}")
    raise typer.Exit(status)


def _credit_list(path: Path | None) -> CreditList | None:
    from autotrader.rules.credit_list import load_credit_list

    try:
        return None if path is None else load_credit_list(path)
    except AutotraderError as exc:
        raise _fail(exc, 2) from None


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here, not stdout")] = None,
) -> None:
    """Print the JSON Schema of strategy files (for YAML language servers in editors)."""
    import json

    from autotrader.rules.authoring import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _fail(AutotraderError(f"cannot write {out}: {exc.strerror}")) from None
        typer.echo(f"wrote {out}")


@app.command()
def init(
    name: Annotated[str, typer.Argument(help="strategy name, also the file name")],
    directory: Annotated[Path, typer.Option("--dir", help="where to write it")] = Path("rules"),
) -> None:
    """Write a commented example strategy, NAME.yaml, to start from."""
    import re

    from autotrader.rules.authoring import scaffold

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name):
        raise _fail(AutotraderError("NAME: letters, digits, '-' and '_' only (at most 64)"))
    path = directory / f"{name}.yaml"
    if path.exists():
        raise _fail(AutotraderError(f"{path} exists: not overwriting it"))
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold(name, str(path)), encoding="utf-8")
    typer.echo(f"wrote {path}: check it with 'autotrader validate {path}'")


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="strategy file")],
    credit_list: CreditListOption = None,
) -> None:
    """Say in plain words what each rule of FILE will do."""
    from autotrader.cli_budget import explain_budget
    from autotrader.rules import load_strategy
    from autotrader.rules.authoring import explain as explain_rules
    from autotrader.rules.credit_list import credit_warnings

    try:
        loaded = load_strategy(file)
    except StrategyErrors as exc:
        for e in exc.errors:
            typer.echo(str(e))
        raise typer.Exit(2 if any(e.line == 0 for e in exc.errors) else 1) from None
    for line in explain_rules(loaded.spec) + explain_budget(loaded.spec):
        typer.echo(line)
    for line in credit_warnings(loaded.spec, _credit_list(credit_list), str(file)):
        typer.echo(line)


@app.command()
def halt(
    reduce: Annotated[
        bool, typer.Option("--reduce", help="exits only: no new entries, sells allowed")
    ] = False,
    journal: JournalOption = None,
    reason: Annotated[str, typer.Option(help="why, for the journal")] = "autotrader halt",
    config: ConfigOption = None,
) -> None:
    """Kill switch: stop new orders and cancel open ones (--reduce: exits only)."""
    from autotrader.engine.killswitch import halt_path, write_command
    from autotrader.risk.book import TradingLevel
    from autotrader.settings import ensure_journal_folder

    level = TradingLevel.REDUCING if reduce else TradingLevel.HALTED
    journal = _journal(journal, config)
    try:
        ensure_journal_folder(journal)
    except AutotraderError as exc:
        raise _fail(exc) from None
    path = halt_path(journal)
    try:
        write_command(path, level, reason)
    except OSError as exc:
        raise _fail(AutotraderError(f"cannot write {path}: {exc.strerror}")) from None
    typer.echo(f"{level.value}: wrote {path}; a running engine applies it within a second")


@app.command()
def resume(
    journal: JournalOption = None,
    config: ConfigOption = None,
) -> None:
    """Lift the kill switch (the risk checks, daily loss limit included, still apply)."""
    from autotrader.engine.killswitch import halt_path, read_command, write_command
    from autotrader.risk.book import TradingLevel

    path = halt_path(_journal(journal, config))
    if not path.parent.is_dir():
        raise _fail(AutotraderError(f"no journal folder {path.parent}: nothing to resume"))
    before = read_command(path)
    try:
        write_command(path, TradingLevel.ACTIVE, "autotrader resume")
    except OSError as exc:
        raise _fail(AutotraderError(f"cannot write {path}: {exc.strerror}")) from None
    was = f" (was {before.level.value}: {before.reason})" if before else ""
    typer.echo(f"active: wrote {path}{was}")


def idle_warnings(silent: tuple[str, ...], empty_universe: bool, strategy: Path) -> list[str]:
    """What the run never got to act on, and how to make a tape that has it."""
    from autotrader.safetext import escape

    out = []
    if silent:
        out.append(
            f"no trade in the tape for {', '.join(silent)}: their tick rules never ran "
            "(a wrong code, or a tape of other symbols? 'autotrader tape synth --strategy "
            f"{escape(str(strategy))} day.jsonl.gz' makes a synthetic day of its symbols)"
        )
    if empty_universe:
        out.append(
            "no stock entered the universe: its condition searches admitted none, so the "
            "rules never ran (a tape without the searches' answers? 'autotrader tape synth "
            "--condition SEQ:NAME:SCREEN day.jsonl.gz' plays a condition over a synthetic day)"
        )
    return out


@tape_app.command("synth")
def tape_synth(
    out: Annotated[Path, typer.Argument(help="output tape (.jsonl.gz)")],
    seed: Annotated[int, typer.Option(help="random seed")] = 7,
    symbols: Annotated[int, typer.Option(help="number of symbols")] = 12,
    code: Annotated[
        list[str] | None,
        typer.Option(help="a stock or gold code to trade (repeat; instead of --symbols)"),
    ] = None,
    strategy: Annotated[
        Path | None, typer.Option(help="trade the symbols of this strategy file")
    ] = None,
    date: Annotated[str, typer.Option(help="the KRX session day, YYYYMMDD")] = "20261120",
    ticks: Annotated[int, typer.Option(help="number of trade ticks")] = 30_000,
    order_book: Annotated[
        float, typer.Option(min=0.0, max=0.95, help="share of frames that are 0D order books")
    ] = 0.0,
    price_limits: Annotated[
        bool, typer.Option(help="a 0g per symbol at 08:40 with the exact daily limits")
    ] = False,
    venue: Annotated[
        bool, typer.Option(help="0H in the auctions, KRX after-hours sessions, _NX of the first")
    ] = False,
    condition: Annotated[
        list[str] | None,
        typer.Option(help="condition search to play, SEQ:NAME:SCREEN ('4:surge:change_rate > 3')"),
    ] = None,
) -> None:
    """Write a deterministic synthetic trading day (with 02 hits for each --condition)."""
    from dataclasses import replace

    from autotrader.feed.synth import SynthConfig, day_codes, session_day, write_tape
    from autotrader.market.screen import condition_option
    from autotrader.rules import load_strategy

    try:
        spec_symbols = load_strategy(strategy).spec.symbols if strategy is not None else ()
        codes = day_codes(code or (), spec_symbols)
        cfg = SynthConfig(
            seed=seed,
            date=session_day(date),
            n_symbols=symbols,
            symbols=codes,
            ticks=ticks,
            order_book_ratio=order_book,
            price_limit_frames=price_limits,
            conditions=tuple(condition_option(c) for c in condition or ()),
        )
    except StrategyErrors as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        raise _fail(AutotraderError(str(exc))) from None
    if venue:  # the whole venue: docs/paper-fills.md
        cfg = replace(cfg, auctions=True, after_hours=True, nextrade=cfg.codes()[:1])
    try:
        header = write_tape(out, cfg)
    except OSError as exc:
        raise _fail(AutotraderError(f"cannot write {out}: {exc.strerror}")) from None
    typer.echo(f"wrote {out}: {len(header.symbols)} symbols, {ticks:,} ticks, day {header.date}")


def main() -> None:
    app()

"""``autotrader run STRATEGY --live``: confirmation, environment, then the live runner.

Live trading needs three things said explicitly: ``--live``; a typed ``yes`` at the prompt
(or ``--yes``, for scripts); and, for the production domain, ``[kiwoom]
allow_production = true`` in the configuration file. Credentials come from the
environment or a private ``.env`` (see ``KiwoomSettings``), never from the strategy.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape as markup_escape

from autotrader.config import AppConfig
from autotrader.errors import AutotraderError, ConfigError
from autotrader.safetext import UrlScrubFilter, public_url

if TYPE_CHECKING:
    from autotrader.broker.kiwoom import KiwoomSettings

CONFIRM_WORD = "yes"


def kiwoom_settings(cfg: AppConfig, env: dict[str, str] | None = None) -> KiwoomSettings:
    """KiwoomSettings from the environment and the ``[kiwoom]`` section; refuses
    production unless that section allows it."""
    from autotrader.broker.kiwoom import KiwoomSettings

    environ = dict(os.environ if env is None else env)
    domain = cfg.kiwoom.domain or environ.get("KIWOOM_DOMAIN") or "mock"
    if domain == "production" and not cfg.kiwoom.allow_production:
        raise ConfigError(
            "refusing to trade on Kiwoom production: set allow_production = true in the "
            "[kiwoom] section of the configuration file to allow it"
        )
    overrides: dict[str, Any] = {"allow_production": cfg.kiwoom.allow_production}
    if cfg.kiwoom.domain:
        overrides["domain"] = cfg.kiwoom.domain
    overrides |= cfg.kiwoom.wire_overrides()
    return KiwoomSettings.load(env=environ, **overrides)


def run_live_command(
    strategy: Path,
    journal: Path | None,
    config: Path | None,
    *,
    yes: bool,
    report: bool,
    console: Console,
    max_seconds: float | None = None,
    record: Path | None = None,
    watch: bool = False,
) -> None:
    """Validate, show where the orders will go, confirm, trade until Ctrl-C, report.

    ``record``: also write the feed to day tapes there, from the same session.
    ``watch``: reload the strategy on each save of its file (``live/watch_strategy.py``)."""
    from autotrader.cli_settings import announce_halt
    from autotrader.compile import compile_strategy
    from autotrader.feed.recorder import TapeRecorder
    from autotrader.journal import Journal
    from autotrader.live.runner import LiveOptions, LiveRunner, run_live
    from autotrader.report.watch import start as watch_journal
    from autotrader.rules import load_strategy
    from autotrader.settings import ensure_journal_folder, resolve_settings

    resolved = resolve_settings(config=config, journal=journal)
    cfg, jpath = resolved.config, resolved.journal
    loaded = load_strategy(strategy)
    plan = compile_strategy(loaded)
    settings = kiwoom_settings(cfg)
    account = settings.account or "the app key's account (set KIWOOM_ACCOUNT to show it)"
    ensure_journal_folder(jpath)
    announce_halt(jpath, console)
    console.print(
        f"[bold red]LIVE[/] {plan.strategy.strategy}: Kiwoom [bold]{settings.domain}[/] "
        f"({markup_escape(public_url(settings.base_url))}), account {markup_escape(account)}, "
        f"journal {markup_escape(str(jpath))}",
        markup=True,
        highlight=False,
    )
    if not yes:
        typed = typer.prompt(f'Real orders will be sent. Type "{CONFIRM_WORD}" to trade live')
        if typed.strip() != CONFIRM_WORD:
            raise AutotraderError("not confirmed: nothing was sent")
    _log_to_stderr()
    j = Journal(jpath, raw_frames=cfg.journal_raw_frames)
    stop_watch = watch_journal(jpath, cfg.notify, console)  # console lines, notifications
    try:
        result = run_live(
            lambda: LiveRunner(
                plan,
                settings,
                j,
                limits=cfg.limits_for(loaded.spec.risk),
                fees=cfg.fee_model(),
                config_json=cfg.model_dump_json(),
                limits_for=cfg.limits_for,
                options=LiveOptions(
                    max_seconds=max_seconds,
                    record=TapeRecorder(record, plan.symbols) if record else None,
                    watch_strategy=watch,
                ),
            )
        )
    finally:
        j.close()
        stop_watch()
    s = result.stats
    console.print(
        f"live {plan.strategy.strategy}: {s.get('frames', 0):,} frames, "
        f"{s.get('orders', 0)} orders, {s.get('fills', 0)} fills, journal {jpath} "
        f"(run {result.run_id})",
        highlight=False,
    )
    if report:
        from autotrader.journal import open_journal
        from autotrader.report import print_report

        print_report(open_journal(jpath), result.run_id)


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:  # URLs lose their user:password@
        handler.addFilter(UrlScrubFilter())
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

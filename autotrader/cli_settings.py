"""What every verb does with the resolved settings before it starts (see ``settings.py``)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from autotrader.config import AppConfig
from autotrader.engine.killswitch import halt_path, read_command
from autotrader.risk.book import RiskBook, TradingLevel


def announce_halt(journal: Path, console: Console) -> None:
    """Say, before anything runs, that a kill switch file left by an earlier run holds."""
    path = halt_path(journal)
    command = read_command(path)
    if command is None or command.level is TradingLevel.ACTIVE:
        return
    why = f" ({command.reason})" if command.reason else ""
    console.print(
        f"[yellow]warning:[/] kill switch {path} says {command.level.value}{why}: this run "
        f"starts {command.level.value}; 'autotrader resume' lifts it",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )


def paper_book(cfg: AppConfig) -> RiskBook:
    """The risk book of a dry-run: the configured paper cash and fees."""
    return RiskBook(cash=cfg.paper.cash, fees=cfg.fee_model())


def paper_holdings(
    cfg: AppConfig, symbols: tuple[str, ...], console: Console
) -> dict[str, tuple[int, int]]:
    """``[paper] holdings`` as (shares, average cost); a symbol the strategy does not
    trade is named, not silently dropped."""
    held = {s: (h.qty, h.avg_price) for s, h in cfg.paper.holdings.items()}
    unused = sorted(set(held) - set(symbols))
    if unused:
        console.print(
            f"[yellow]warning:[/] \\[paper] holdings of {', '.join(unused)}: not in the "
            "strategy's symbols, left out",
            markup=True,
            highlight=False,
        )
    return {s: v for s, v in held.items() if s in symbols}

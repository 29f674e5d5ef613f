"""Wire the journal follower to the console and the notifier for one journal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from autotrader.config import NotifyConfig
from autotrader.report.follow import Follower, JournalReader
from autotrader.report.notify import ConsoleLines, Notifications, Notifier, NotifyPolicy


def day_summary(journal: Path) -> Callable[[], str]:
    """The latest run's figures in a few words, read when the summary is due."""

    def summary() -> str:
        from autotrader.journal import open_journal
        from autotrader.journal.queries import latest_run_id
        from autotrader.report.figures import build_report

        db = open_journal(journal)
        try:
            rid = latest_run_id(db)
            s = build_report(db, [rid])["summary"]
        finally:
            db.close()
        win = "-" if s["win_rate"] is None else f"{s['win_rate'] * 100:.0f}%"
        return (
            f"run {rid}: net P&L {s['end_equity']:+,} KRW (realized {s['realized']:+,}), "
            f"max drawdown {s['max_drawdown']:,}; {s['fills']} fills, {s['rejected']} "
            f"rejected; {s['round_trips']} round trips, win rate {win}; "
            f"fees and tax {s['fees']:,}"
        )

    return summary


def policy_for(cfg: NotifyConfig, journal: Path) -> NotifyPolicy:
    h, m = (int(x) for x in cfg.summary_at.split(":"))
    return NotifyPolicy(
        rejection_burst=cfg.rejection_burst,
        burst_window=cfg.burst_window,
        disconnect_after=cfg.disconnect_after,
        summary_at=h * 3600 + m * 60,
        summary=day_summary(journal),
    )


def start(
    journal: Path, cfg: NotifyConfig, console: Console | None, *, interval: float = 0.5
) -> Callable[[], None]:
    """Follow ``journal`` on a thread; returns the function that stops it (the notifier
    sends what is queued first, for a few seconds at most)."""
    reader = JournalReader(journal)
    sinks: list[Callable[..., None]] = []
    if console is not None:
        sinks.append(ConsoleLines(console))
    notifier = Notifier(cfg.urls) if cfg.urls else None
    if notifier is not None:
        sinks.append(Notifications(policy_for(cfg, journal), notifier, reader))
    follower = Follower(reader, sinks, interval=interval).start()

    def stop() -> None:
        follower.stop()
        if notifier is not None:
            notifier.close()

    return stop

"""The terminal report of a run, and rejections grouped for it."""

from __future__ import annotations

from typing import Any

import sqlite_utils
from rich.console import Console
from rich.markup import escape as markup_escape

from autotrader.journal import queries
from autotrader.report.pnl import realized_pnl
from autotrader.report.problems import print_problems
from autotrader.report.venue import print_venue_cancellations
from autotrader.safetext import escape


def _plain(text: object) -> str:
    """User text in rich output: terminal controls escaped, never read as markup."""
    return markup_escape(escape(str(text)))


def print_report(
    db: sqlite_utils.Database,
    run_id: int | None = None,
    *,
    console: Console | None = None,
    limit: int = 20,
) -> None:
    """Print the full report of ``run_id`` (default: the latest run): what ``run`` shows
    at its end and ``autotrader report`` prints as a table."""
    from autotrader.report.figures import build_report
    from autotrader.report.text import print_full_report

    rid = run_id if run_id is not None else queries.latest_run_id(db)
    run = queries.get_run(db, rid)
    con = console or Console()
    st = run.stats
    data = build_report(db, [rid])
    print_full_report(data, con, limit)
    con.print(
        f"source: {_plain(run.strategy_path)}   tape: {_plain(run.tape or '-')}   frames "
        f"{st.get('frames', 0):,}  trades {st.get('trades', 0):,}  malformed "
        f"{st.get('malformed', 0):,}  "
        + (
            f"replay {st['seconds']} s"
            if "seconds" in st
            else f"ran {(run.ended_at or run.started_at) - run.started_at:,.0f} s"
        ),
        highlight=False,
    )
    print_problems(db, rid, con)
    print_venue_cancellations(con, queries.orders(db, rid))  # IOC/FOK remainders, expiries


def report_data(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    """The report's figures as plain data (for tests and JSON output)."""
    fills = queries.fills(db, run_id)
    pnl = realized_pnl(fills)
    return {
        "orders": len(queries.orders(db, run_id)),
        "fills": len(fills),
        "rejections": len(queries.rejections(db, run_id)),
        "realized": pnl.realized,
        "commission": pnl.commission,
        "tax": pnl.tax,
    }

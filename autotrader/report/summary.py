"""The terminal report of a run: what was decided, sent, filled, refused, and earned."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlite_utils
from rich.console import Console
from rich.table import Table

from autotrader.clock import to_seoul
from autotrader.journal import queries
from autotrader.report.pnl import realized_pnl
from autotrader.report.venue import print_venue_cancellations


def _t(ts: float | None) -> str:
    return to_seoul(ts).strftime("%H:%M:%S") if ts else "-"


def _won(v: int) -> str:
    return f"{v:+,}" if v else "0"


def print_report(
    db: sqlite_utils.Database,
    run_id: int | None = None,
    *,
    console: Console | None = None,
    limit: int = 20,
) -> None:
    """Print the summary of ``run_id`` (default: the latest run)."""
    con = console or Console()
    rid = run_id if run_id is not None else queries.latest_run_id(db)
    run = queries.get_run(db, rid)
    orders = queries.orders(db, rid)
    fills = queries.fills(db, rid)
    rejected = queries.rejections(db, rid)
    pnl = realized_pnl(fills)

    con.rule(
        f"[bold]autotrader report[/] - run {run.id}: {run.strategy} ({run.mode}, {run.broker})"
    )
    st = run.stats
    con.print(
        f"source: {run.strategy_path}   tape: {run.tape or '-'}\n"
        f"frames {st.get('frames', 0):,}  trades {st.get('trades', 0):,}  "
        f"malformed {st.get('malformed', 0):,}  rules fired {st.get('fired', 0):,}  "
        + (
            f"replay {st['seconds']} s"
            if "seconds" in st
            else f"ran {(run.ended_at or run.started_at) - run.started_at:,.0f} s"
        )
    )
    states = Counter(o["state"] for o in orders)
    con.print("orders: " + (", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none"))

    if fills:
        t = Table(title=f"Fills ({len(fills)})", show_lines=False)
        for col in ("time", "order", "symbol", "side", "qty", "price", "commission", "tax"):
            t.add_column(col, justify="right" if col not in ("symbol", "side") else "left")
        for f in fills[:limit]:
            t.add_row(
                _t(f["ts"]),
                str(f["order_id"]),
                f["symbol"],
                f["side"],
                f"{f['qty']:,}",
                f"{f['price']:,}",
                f"{f['commission']:,}",
                f"{f['tax']:,}",
            )
        if len(fills) > limit:
            t.caption = f"... and {len(fills) - limit} more"
        con.print(t)

    print_venue_cancellations(con, orders)  # IOC/FOK remainders, expiries

    if rejected:
        groups = group_rejections(rejected)
        t = Table(title=f"Rejected orders ({len(rejected)}), by rule and reason")
        for col in ("rule", "symbol", "times", "when", "reason (latest)"):
            t.add_column(col, justify="right" if col == "times" else "left")
        t.columns[-1].ratio = 1  # the reason takes whatever width is left
        for g in groups[:limit]:
            first, last = _t(g["first"])[:5], _t(g["last"])[:5]
            when = first if first == last else f"{first}-{last}"
            t.add_row(g["rule"], f"{g['symbol']} {g['side']}", f"{g['count']:,}", when, g["reason"])
        if len(groups) > limit:
            t.caption = f"... and {len(groups) - limit} more groups"
        con.print(t)

    t = Table(title="Realized P&L (average cost, after commission and tax, KRW)")
    for col in ("symbol", "bought", "sold", "held", "gross", "commission", "tax", "realized"):
        t.add_column(col, justify="left" if col == "symbol" else "right")
    for s in sorted(pnl.symbols.values(), key=lambda s: s.symbol):
        t.add_row(
            s.symbol,
            f"{s.bought:,}",
            f"{s.sold:,}",
            f"{s.qty:,}",
            _won(s.gross),
            f"{s.commission:,}",
            f"{s.tax:,}",
            _won(s.realized),
        )
    t.add_row(
        "[bold]total",
        "",
        "",
        "",
        "",
        f"{pnl.commission:,}",
        f"{pnl.tax:,}",
        f"[bold]{_won(pnl.realized)}",
    )
    con.print(t)


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


def group_rejections(rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejections grouped by rule, symbol, side and the checks that refused them.

    A rule refused on every firing would otherwise fill the table with one line per
    attempt; the group keeps the count, the first and last time and the latest reason.
    """
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in rejected:
        reason = (r["reason"] or "").removeprefix("risk: ")
        checks = ",".join(part.split(":", 1)[0] for part in reason.split("; "))
        key = (r["rule"] or "", r["symbol"] or "", r["side"] or "", checks)
        g = groups.get(key)
        if g is None:
            groups[key] = g = {
                "rule": key[0], "symbol": key[1], "side": key[2], "count": 0,
                "first": r["created_at"], "last": r["created_at"], "reason": reason,
            }  # fmt: skip
        g["count"] += 1
        g["last"] = r["created_at"]
        g["reason"] = reason
    return sorted(groups.values(), key=lambda g: (-g["count"], g["rule"], g["symbol"]))

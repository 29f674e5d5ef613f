"""'autotrader status' in the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autotrader.report.text import add_plain_row, clock, run_state_text, won


def _age(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.1f} s ago" if v < 120 else f"{v / 60:,.0f} min ago"


def print_status(st: dict[str, Any], console: Console) -> None:
    state = run_state_text(st)
    what = f"{escape(st['strategy'])} ({st['mode']}, {escape(st['broker'])})"
    console.rule(f"[bold]run {st['run_id']}[/]: {what} {state}")
    hb = st["heartbeat"]
    level = st["level"] + (f" ({st['level_reason']})" if st["level_reason"] else "")
    style = "green" if st["level"] == "active" else "bold red"
    lines = [f"kill switch: [{style}]{escape(level)}[/]", f"day P&L: {won(st['day_pnl'])} KRW"]
    if hb is None:
        lines.append("connection: - (no heartbeat: not a live run, or one from before them)")
    else:
        conn = "[green]connected[/]" if hb["connected"] else "[bold red]disconnected[/]"
        silent = "  [bold red]engine silent[/]" if hb["silent"] else ""
        ages = f"heartbeat {_age(hb['age'])}, last frame {_age(hb['last_frame_age'])}"
        lines.append(f"connection: {conn} (sessions {hb['sessions']}), {ages}{silent}")
    console.print("\n".join(lines), highlight=False)
    t = Table(title=f"Positions ({len(st['positions'])})")
    for c in ("symbol", "qty", "avg price", "mark", "unrealized"):
        t.add_column(c, justify="left" if c == "symbol" else "right")
    for sym, p in sorted(st["positions"].items()):
        add_plain_row(t, sym, f"{p['qty']:,}", f"{p['avg_price']:,}", f"{p['mark']:,}",
                  won(p["unrealized"]))  # fmt: skip
    console.print(t)
    t = Table(title=f"Working orders ({len(st['working_orders'])})")
    for c in ("order", "rule", "symbol", "side", "qty", "filled", "price", "state", "since"):
        t.add_column(c, justify="right" if c in ("order", "qty", "filled", "price") else "left")
    for o in st["working_orders"]:
        add_plain_row(t, str(o["id"]), o["rule"] or "", o["symbol"], o["side"] or o["action"],
                  f"{o['qty']:,}", f"{o['filled_qty'] or 0:,}", f"{o['price']:,}", o["state"],
                  clock(o["created_at"]))  # fmt: skip
    console.print(t)

"""Orders the venue itself ended: IOC/FOK remainders cancelled at once, day orders that
expired with their session (docs/paper-fills.md). A trader reading a dry-run must see
them: they are why an order placed never filled."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

VENUE_REASONS = ("IOC remainder", "FOK not filled", "expired at the end of", "no quote")


def venue_cancellations(orders: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    """(rule, symbol, reason) -> how many of the run's orders the venue cancelled so."""
    out: Counter[tuple[str, str, str]] = Counter()
    for o in orders:
        reason = o.get("reason") or ""
        if o.get("state") == "cancelled" and any(r in reason for r in VENUE_REASONS):
            out[(o["rule"], o["symbol"], reason.split(": ", 1)[-1])] += 1
    return out


def print_venue_cancellations(con: Console, orders: list[dict[str, Any]]) -> None:
    groups = venue_cancellations(orders)
    if not groups:
        return
    t = Table(title=f"Cancelled by the venue ({sum(groups.values())})")
    for col in ("rule", "symbol", "times", "reason"):
        t.add_column(col, justify="right" if col == "times" else "left")
    for (rule, symbol, reason), n in sorted(groups.items()):
        t.add_row(rule, symbol, f"{n:,}", reason)
    con.print(t)

"""The report in the terminal (rich tables) and as CSV (one table, cells made safe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from autotrader.clock import to_seoul
from autotrader.report.rejections import group_rejections


def add_plain_row(table: Table, *values: str) -> None:
    """A row whose text is shown as is: journal text (rule names, reasons) is never markup."""
    table.add_row(*(Text(v) for v in values))


def clock(ts: float | None, *, day: bool = False) -> str:
    """Asia/Seoul time with milliseconds (and the date when ``day``)."""
    if not ts:
        return "-"
    fmt = "%Y-%m-%d %H:%M:%S.%f" if day else "%H:%M:%S.%f"
    return to_seoul(ts).strftime(fmt)[:-3]


def run_state_text(r: dict[str, Any]) -> str:
    """'running', 'ended <when>' or 'interrupted at <when>', with the run it continues
    and the one that continued it (``journal/runs.py``)."""
    if r.get("state") == "interrupted":
        text = f"interrupted at {clock(r.get('interrupted_at'), day=True)}"
    elif r.get("running"):
        text = "running"
    else:
        text = f"ended {clock(r.get('ended_at'), day=True)}"
    if r.get("continues"):
        text += f", continues run {r['continues']}"
    if r.get("continued_by"):
        text += f", continued by run {r['continued_by']}"
    return text


def won(v: int | None, sign: bool = True) -> str:
    if v is None:
        return "-"
    return f"{v:+,}" if sign and v else f"{v:,}"


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def secs(t: dict[str, Any]) -> str:
    return "-" if not t["n"] else f"{t['median']:g} / {t['max']:g} s"


def counts(c: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in c.items()) or "-"


def print_full_report(data: dict[str, Any], console: Console, limit: int = 20) -> None:
    """Summary, per-rule and per-symbol tables, rejections, round trips, orders."""
    s = data["summary"]
    multi_day = len({d for r in data["runs"] for d in r["days"]}) > 1
    for r in data["runs"]:
        console.rule(
            f"[bold]run {r['id']}[/]: {escape(r['strategy'])} ({r['mode']}, {escape(r['broker'])}) "
            f"{', '.join(r['days'])}"
        )
        if r.get("state") == "interrupted" or r.get("continues"):
            style = "bold red" if r.get("state") == "interrupted" else "yellow"
            console.print(f"[{style}]run {r['id']}: {run_state_text(r)}[/]", highlight=False)
    console.print(
        f"net P&L [bold]{won(s['end_equity'])}[/] KRW (realized {won(s['realized'])}, "
        f"open {won(s['unrealized'])})   max drawdown {won(s['max_drawdown'], False)}   "
        f"fees {s['commission']:,} + tax {s['tax']:,}\n"
        f"round trips {s['round_trips']}  win rate {pct(s['win_rate'])}  avg win "
        f"{won(s['avg_win'])}  avg loss {won(s['avg_loss'])}  profit factor "
        f"{ratio(s['profit_factor'])}  expectancy {won(s['expectancy'])}\n"
        f"exposure max {s['max_exposure']:,} avg {s['avg_exposure']:,} KRW, in the market "
        f"{pct(s['time_in_market'])}   slippage {won(s['slippage_krw'])} KRW "
        f"({s['slippage_bps'] if s['slippage_bps'] is not None else '-'} bps)   "
        f"time to fill median/max {secs(s['time_to_fill'])}\n"
        f"fired {s['fired']}  orders {s['orders']}  fills {s['fills']}  rejected "
        f"{s['rejected']} ({counts(s['rejections_by_check'])})  no order: "
        f"{counts(s['no_order'])}",
        highlight=False,
    )
    for title, key, first in (("rule", "rules", "rule"), ("symbol", "symbols", "symbol")):
        t = Table(title=f"Per {title}: activity", box=box.SIMPLE_HEAD)
        for c in (first, "fired", "orders", "fills", "rejected", "no order", "slip bps",
                  "to fill med/max"):  # fmt: skip
            t.add_column(c, justify="left" if c == first else "right")
        t.columns[0].no_wrap = t.columns[-1].no_wrap = True
        notes = []
        for r in data[key]:
            add_plain_row(t,
                r[first], str(r["fired"]), str(r["orders"]), str(r["fills"]), str(r["rejected"]),
                str(sum(r["no_order"].values())),
                "-" if r["slippage_bps"] is None else f"{r['slippage_bps']:.1f}",
                secs(r["time_to_fill"]),
            )  # fmt: skip
            if r["rejections_by_check"] or r["no_order"]:
                notes.append(
                    f"  {r[first]}: rejected by {counts(r['rejections_by_check'])}"
                    + (f"; no order: {counts(r['no_order'])}" if r["no_order"] else "")
                )
        console.print(t)
        if key == "rules":
            idle = [r["rule"] for r in data["rules"] if not r["fired"]]
            if idle:
                notes.append(f"  never fired: {', '.join(idle)} (autotrader why RULE says why)")
        if notes:
            console.print("\n".join(notes), highlight=False, markup=False)
        t = Table(title=f"Per {title}: round trips (net after fees and tax, KRW)",
                  box=box.SIMPLE_HEAD)  # fmt: skip
        for c in (first, "trips", "win rate", "avg win", "avg loss", "profit factor",
                  "expectancy", "net"):  # fmt: skip
            t.add_column(c, justify="left" if c == first else "right")
        t.columns[0].no_wrap = True
        for r in data[key]:
            if not r["round_trips"]:
                continue
            add_plain_row(t,
                r[first], str(r["round_trips"]), pct(r["win_rate"]), won(r["avg_win"]),
                won(r["avg_loss"]), ratio(r["profit_factor"]), won(r["expectancy"]),
                won(r["net"]),
            )  # fmt: skip
        if t.row_count:
            console.print(t)
    rej = [
        {"rule": r["rule"], "symbol": r["symbol"], "side": r["side"], "reason": r["reason"],
         "created_at": r["ts"]}
        for r in data["rejections"]
    ]  # fmt: skip
    if rej:
        t = Table(title=f"Rejected orders ({len(rej)}), by rule and reason")
        for c in ("rule", "symbol", "times", "when", "reason (latest)"):
            t.add_column(c, justify="right" if c == "times" else "left")
        t.columns[-1].ratio = 1
        groups = group_rejections(rej)
        for g in groups[:limit]:
            a, b = clock(g["first"])[:8], clock(g["last"])[:8]
            add_plain_row(t, g["rule"], f"{g['symbol']} {g['side']}", str(g["count"]),
                      a if a == b else f"{a}-{b}", g["reason"])  # fmt: skip
        console.print(t)
    t = Table(
        title=f"Orders ({len(data['orders'])}) and every state they passed through",
        box=box.SIMPLE_HEAD,
    )
    for c in ("order", "rule", "symbol", "action", "qty", "price", "state", "history"):
        t.add_column(c, justify="right" if c in ("order", "qty", "price") else "left")
    t.columns[-1].ratio = 1
    for o in data["orders"][:limit]:
        history = _history(o["events"], multi_day)
        add_plain_row(t, str(o["id"]), o["rule"], o["symbol"], f"{o['action']} {o['type']}",
                  f"{o['qty']:,}", f"{o['price']:,}", o["state"], history)  # fmt: skip
    if len(data["orders"]) > limit:
        t.caption = f"... and {len(data['orders']) - limit} more (--limit N, or --format json)"
    console.print(t)


def _history(events: list[dict[str, Any]], day: bool) -> str:
    """'pending 09:00:01.250, sent +0.001 s, filled +3.200 s': each state, and when."""
    if not events:
        return "-"
    t0 = events[0]["ts"]
    parts = [f"{events[0]['state']} {clock(t0, day=day)}"]
    parts += [f"{e['state']} +{e['ts'] - t0:.3f} s" for e in events[1:]]
    return ", ".join(parts)


# -- CSV -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    if isinstance(v, dict):
        return safe_cell("; ".join(f"{k} {n}" for k, n in v.items()))
    if isinstance(v, list):
        return safe_cell(" > ".join(str(x) for x in v))
    return v


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k == "time_to_fill":
            for part in ("median", "mean", "max"):
                out[f"time_to_fill_{part}"] = v[part]
        elif k == "events":
            out["history"] = [f"{e['state']} {clock(e['ts'], day=True)}" for e in v]
        else:
            out[k] = v
    return out


CSV_TABLES = ("rules", "symbols", "orders", "trips", "rejections", "equity")


def to_csv(data: dict[str, Any], table: str) -> str:
    """One of the report's tables as CSV; times as Asia/Seoul text with milliseconds."""
    rows: Iterable[dict[str, Any]] = (_flat(r) for r in data[table])
    buf = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for r in rows:
        for k in ("ts", "created_at", "opened", "closed"):
            if k in r and isinstance(r[k], float):
                r[k] = clock(r[k], day=True)
        if writer is None:
            writer = csv.DictWriter(buf, fieldnames=list(r), lineterminator="\n")
            writer.writeheader()
        writer.writerow({k: safe_cell(v) for k, v in r.items()})
    return buf.getvalue()

"""An independent reading of the journal for report tests: plain SQL and plain loops.

Written apart from autotrader/report on purpose (no shared helpers): a bug in the report's
accounting would have to be made twice, the same way, to pass.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any


def oracle(path: Path, run_id: int) -> dict[str, Any]:
    con = sqlite3.connect(path)
    fills = con.execute(
        "SELECT f.ts, f.symbol, f.side, f.qty, f.price, f.commission, f.tax, o.rule, f.order_id "
        "FROM fills f LEFT JOIN orders o ON o.id = f.order_id WHERE f.run_id = ? "
        "ORDER BY f.ts, f.id",
        (run_id,),
    ).fetchall()
    marks = con.execute(
        "SELECT ts, prices_json FROM marks WHERE run_id = ? ORDER BY ts, id", (run_id,)
    ).fetchall()
    # events: (ts, 0 = fill | 1 = mark, seq)
    timeline = sorted(
        [(f[0], 0, i) for i, f in enumerate(fills)] + [(m[0], 1, i) for i, m in enumerate(marks)]
    )
    qty: dict[str, int] = defaultdict(int)
    cost_avg: dict[str, int] = defaultdict(int)
    cash_pnl: dict[str, int] = defaultdict(int)
    last: dict[str, int] = {}
    trip_start: dict[str, tuple[str, int]] = {}
    trips: list[tuple[str, str, int]] = []  # symbol, entry rule, pnl
    equity_path: list[int] = []
    exposure_path: list[int] = []
    sym_max: dict[str, int] = {}
    for _, kind, i in timeline:
        if kind == 1:
            last.update(json.loads(marks[i][1]))
        else:
            _, sym, side, q, price, comm, tax, rule, _ = fills[i]
            before = cash_pnl[sym]
            if side == "buy":
                if qty[sym] == 0:
                    trip_start[sym] = (rule, before)
                new_qty = qty[sym] + q
                cost_avg[sym] = (cost_avg[sym] * qty[sym] + price * q) // new_qty
                qty[sym] = new_qty
                cash_pnl[sym] -= comm + tax
            else:
                m = q if q < qty[sym] else qty[sym]
                cash_pnl[sym] += (price - cost_avg[sym]) * m - comm - tax
                qty[sym] -= m
                if qty[sym] == 0:
                    cost_avg[sym] = 0
                    if sym in trip_start:
                        rule0, base = trip_start.pop(sym)
                        trips.append((sym, rule0, cash_pnl[sym] - base))
            last[sym] = price
        eq = sum(cash_pnl.values()) + sum((last.get(s, 0) - cost_avg[s]) * qty[s] for s in qty)
        equity_path.append(eq)
        exposure_path.append(sum(qty[s] * last.get(s, 0) for s in qty))
        for s in qty:
            sym_max[s] = max(sym_max.get(s, 0), qty[s] * last.get(s, 0))
    peak, mdd = 0, 0
    for eq in equity_path:
        peak = eq if eq > peak else peak
        mdd = peak - eq if peak - eq > mdd else mdd

    def stats(pnls: list[int]) -> dict[str, Any]:
        w = [p for p in pnls if p > 0]
        lo = [p for p in pnls if p < 0]
        return {
            "round_trips": len(pnls),
            "wins": len(w),
            "win_rate": round(len(w) / len(pnls), 4) if pnls else None,
            "avg_win": round(sum(w) / len(w)) if w else None,
            "avg_loss": round(sum(lo) / len(lo)) if lo else None,
            "profit_factor": round(sum(w) / abs(sum(lo)), 4) if lo else None,
            "expectancy": round(sum(pnls) / len(pnls)) if pnls else None,
        }

    by_rule: dict[str, list[int]] = defaultdict(list)
    by_symbol: dict[str, list[int]] = defaultdict(list)
    for sym, rule, pnl in trips:
        by_rule[rule].append(pnl)
        by_symbol[sym].append(pnl)
    checks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for rule, name in con.execute(
        "SELECT o.rule, c.check_name FROM risk_checks c JOIN orders o ON o.id = c.order_id "
        "WHERE c.run_id = ? AND c.passed = 0",
        (run_id,),
    ):
        checks[rule][name] += 1
    slip = 0
    for oid, side, q, price in con.execute(
        "SELECT order_id, side, qty, price FROM fills WHERE run_id = ?", (run_id,)
    ).fetchall():
        row = con.execute(
            "SELECT values_json FROM decisions WHERE order_id = ? AND event != 'remainder'",
            (oid,),
        ).fetchone()
        if row:
            ref = json.loads(row[0])["price"]
            slip += (price - ref) * q if side == "buy" else (ref - price) * q
    fees = con.execute(
        "SELECT SUM(commission), SUM(tax), COUNT(*) FROM fills WHERE run_id = ?", (run_id,)
    ).fetchone()
    con.close()
    return {
        "realized": sum(cash_pnl.values()),
        "end_equity": equity_path[-1] if equity_path else 0,
        "max_drawdown": mdd,
        "max_exposure": max(exposure_path, default=0),
        "total": stats([p for _, _, p in trips]),
        "rules": {r: stats(p) for r, p in by_rule.items()},
        "symbols": {s: stats(p) for s, p in by_symbol.items()},
        "checks": {r: dict(c) for r, c in checks.items()},
        "symbol_max_exposure": sym_max,
        "slippage_krw": slip,
        "commission": fees[0] or 0,
        "tax": fees[1] or 0,
        "fills": fees[2],
    }

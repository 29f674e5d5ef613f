"""The risk guard's cost per order and the journal's write figures.

    python bench/risk_journal.py [--orders 5000] [--rows 200000]

Prints:
* guard: microseconds per ``RiskGuard.review`` of an ordinary order (all checks pass,
  so every check runs to the end), and per review of a rejected one;
* journal rows/s: buffered rows (risk checks with their values) written in batches,
  timed from the first row to ``flush()`` returning;
* intent commit latency p50/p99: ``commit_intent`` alone, then with the rows an engine
  writes around each order (a decision and one row per check) buffered, and, for
  comparison, a plain insert + commit on a connection of its own.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.journal import Journal  # noqa: E402
from autotrader.journal.writer import _INSERT_ORDER, _order_row  # noqa: E402
from autotrader.model import OrderAction, OrderRequest, OrderType  # noqa: E402
from autotrader.risk import RiskGuard, RiskLimits  # noqa: E402
from tests.risk.support import check_input, order, state  # noqa: E402


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(int(len(s) * q), len(s) - 1)]


def bench_guard(n: int) -> None:
    guard = RiskGuard()
    ok = check_input(order(10, price=70_000), state())
    bad = check_input(order(10_000, price=91_100), state())
    assert guard.review(ok).approved and not guard.review(bad).approved
    for name, x in (("approved", ok), ("rejected", bad)):
        t = time.perf_counter()
        for _ in range(n):
            guard.review(x)
        us = (time.perf_counter() - t) / n * 1e6
        print(f"guard ({len(guard.checks)} checks, {name}): {us:.1f} us/order")


def new_order(oid: int) -> OrderRequest:
    return OrderRequest(
        oid, OrderAction.BUY, "005930", 10, OrderType.LIMIT, 70_000, rule="r", strategy="s"
    )


def bench_rows(path: Path, n: int) -> None:
    j = Journal(path)
    j.start_run(strategy="bench", mode="bench")
    values = {"qty": 10, "price": 70_000, "value": 700_000, "limit": 10_000_000}
    t = time.perf_counter()
    for i in range(n):
        j.risk_check(1.0, i, "max_order_value", True, "", values)
    queued = time.perf_counter() - t
    j.flush()
    total = time.perf_counter() - t
    j.close()
    print(
        f"journal: {n:,} rows in {total:.2f} s = {n / total:,.0f} rows/s committed "
        f"(caller busy {queued / n * 1e6:.2f} us/row)"
    )


def bench_intents(path: Path, n: int, rows_per_order: int) -> None:
    j = Journal(path)
    j.start_run(strategy="bench", mode="bench")
    guard = RiskGuard()
    verdict = guard.review(check_input(order(10, price=70_000), state()))
    lat: list[float] = []
    for _ in range(n):
        for r in verdict.results[:rows_per_order]:
            j.risk_check(1.0, 0, r.name, r.passed, r.reason, r.values)
        o = new_order(j.next_order_id())
        t = time.perf_counter()
        j.commit_intent(o, 1.0)
        lat.append(time.perf_counter() - t)
    j.close()
    label = f"with {rows_per_order} rows queued per order" if rows_per_order else "alone"
    print(
        f"intent commit ({label}): p50 {pct(lat, 0.5) * 1e6:.0f} us  "
        f"p99 {pct(lat, 0.99) * 1e6:.0f} us  max {max(lat) * 1e6:.0f} us"
    )


def bench_inline(path: Path, n: int) -> None:
    j = Journal(path)
    j.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=NORMAL")
    lat = []
    for i in range(n):
        row = _order_row(new_order(10**6 + i), 0, 1.0, "")
        t = time.perf_counter()
        with conn:
            conn.execute(_INSERT_ORDER, row)
        lat.append(time.perf_counter() - t)
    conn.close()
    print(
        f"intent commit (inline, same thread, old design): p50 {pct(lat, 0.5) * 1e6:.0f} us  "
        f"p99 {pct(lat, 0.99) * 1e6:.0f} us"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=5_000)
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args()
    bench_guard(args.orders * 4)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        bench_rows(d / "rows.db", args.rows)
        bench_intents(d / "alone.db", args.orders, 0)
        bench_intents(d / "busy.db", args.orders, len(RiskGuard().checks) + 1)
        bench_inline(d / "inline.db", args.orders)
    _ = RiskLimits  # the defaults are what the guard is timed with


if __name__ == "__main__":
    main()

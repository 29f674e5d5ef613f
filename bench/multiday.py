"""Peak memory of a multi-day replay: flat from one day to ten.

    python bench/multiday.py [--days 10] [--ticks 100000] [--symbols 50]

Writes ``--days`` synthetic KRX sessions (different seeds), then replays the first day
and all the days, each in a fresh process, with a dip-buying strategy over every symbol
(journal on, paper fills, positions carried between days). Each child reports its
resident set before the replay (imports, calendar, compiled plan) and its peak during
it (``ru_maxrss``), and with ``--heap`` the Python heap's peak (tracemalloc, slower).
``peak_rss_10_vs_1`` compares whole-process peaks; ``peak_10_vs_1`` the replay's part above
the baseline, which includes SQLite's page cache filling up to its bound (about 2 MiB);
``heap_peak_10_vs_1`` the Python objects alone: about 1.0 means nothing grows per day.
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STRATEGY = """\
strategy: bench-multiday
symbols: {symbols}
risk:
  max_order_value: 3_000_000
  max_position_qty: 500
rules:
  - name: dip-buy
    when: change_rate < -0.5% and position.qty == 0 and open_orders == 0 and time < 15:00
    cooldown: 5m
    do:
      - buy: {{amount: 1_000_000, type: market}}
  - name: take-profit
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct >= 0.5%
    do:
      - sell: {{qty: all, type: limit, price: bid}}
  - name: stop-loss
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct <= -1%
    do:
      - sell: {{qty: all, type: market}}
"""


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(directory: Path, days: int, heap: bool) -> None:
    from autotrader.broker.paper import PaperBroker
    from autotrader.compile import compile_strategy
    from autotrader.engine.days import replay_days
    from autotrader.journal import Journal
    from autotrader.market.calendar import KrxCalendar
    from autotrader.rules import load_strategy_text

    tapes = sorted(directory.glob("*.jsonl.gz"))[:days]
    symbols = json.loads((directory / "symbols.json").read_text())
    plan = compile_strategy(load_strategy_text(STRATEGY.format(symbols=json.dumps(symbols))))
    calendar = KrxCalendar()
    calendar.sessions(datetime.date(2026, 11, 2), datetime.date(2026, 11, 3))  # loaded now
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "j.db")
        base = _rss_kb()
        if heap:
            tracemalloc.start()
        started = time.perf_counter()
        result = replay_days(plan, tapes, PaperBroker(), journal, calendar=calendar)
        seconds = time.perf_counter() - started
        heap_peak = tracemalloc.get_traced_memory()[1] if heap else 0
        journal.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "days": len(result.days),
                "frames": result.counters.frames,
                "orders": result.engine.stats["orders"],
                "fills": result.engine.stats["fills"],
                "seconds": seconds,
                "base_kb": base,
                "peak_kb": peak,
                "heap_kb": heap_peak // 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--ticks", type=int, default=100_000)
    ap.add_argument("--symbols", type=int, default=50)
    ap.add_argument("--child", type=int, default=0)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--heap", action="store_true", help="also trace the Python heap (slower)")
    args = ap.parse_args()
    if args.child:
        child(args.dir, args.child, args.heap)
        return
    from autotrader.feed.synth import SynthConfig, write_tape
    from autotrader.market.calendar import KrxCalendar

    sessions = KrxCalendar().sessions(datetime.date(2026, 11, 2), datetime.date(2026, 12, 31))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        codes: tuple[str, ...] = ()
        for i, day in enumerate(sessions[: args.days]):
            cfg = SynthConfig(
                seed=100 + i,
                date=day.strftime("%Y%m%d"),
                n_symbols=args.symbols,
                ticks=args.ticks,
                vi_kind=None,
            )
            codes = cfg.codes()
            write_tape(directory / f"{cfg.date}.jsonl.gz", cfg, compresslevel=1)
        (directory / "symbols.json").write_text(json.dumps(list(codes)))
        took = time.perf_counter() - started
        print(f"wrote {args.days} days of {args.ticks:,} ticks in {took:.1f} s")
        figures = {}
        for n in (1, args.days):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(n), "--dir", str(directory)]
                + (["--heap"] if args.heap else []),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            figures[n] = r
            print(
                f"{n:>2} day(s): {r['frames']:,} frames, {r['orders']:,} orders, "
                f"{r['fills']:,} fills in {r['seconds']:.1f} s "
                f"({r['frames'] / r['seconds']:,.0f} frames/s); "
                f"RSS before {r['base_kb'] / 1024:.1f} MiB, peak {r['peak_kb'] / 1024:.1f} MiB, "
                f"replay {(r['peak_kb'] - r['base_kb']) / 1024:.1f} MiB"
                + (f", Python heap peak {r['heap_kb'] / 1024:.2f} MiB" if args.heap else "")
            )
    one, many = figures[1], figures[args.days]
    growth = (many["peak_kb"] - many["base_kb"]) / max(one["peak_kb"] - one["base_kb"], 1)
    print(f"peak_rss_{args.days}_vs_1={many['peak_kb'] / one['peak_kb']:.2f}")
    print(f"peak_{args.days}_vs_1={growth:.2f}")
    if args.heap:
        print(f"heap_peak_{args.days}_vs_1={many['heap_kb'] / max(one['heap_kb'], 1):.2f}")


if __name__ == "__main__":
    main()

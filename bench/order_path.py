"""What one order decision costs: the same day replayed with orders and without.

    python bench/order_path.py [--ticks 200000] [--symbols 300] [--rules 100] [--repeat 3]

Replays ``bench/engine.py``'s day twice per repetition, alternating: its strategy, whose
rules send ~2,300 orders and fill ~2,150 (risk guard, journal, paper fills), and the
same strategy with every entry condition false at its end (``--never-fire``: the tick
path alone, the conditions still evaluated in full). The difference of the best times,
divided by the order decisions (orders sent plus risk rejections), is the cost of one
decision with everything it sets off: the guard, the journal rows and their SQLite
writes, the paper venue, its fills and the position and ledger updates, the held-back
firings' decisions, the marks of held symbols, and the exit rules that positions wake.
Prints the seconds of both loops, the same difference in CPU time (steadier when other
work shares the machine), and ``us_per_decision=<figure>`` (wall time).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import day_frames, day_options, make_strategy, run_engine  # noqa: E402

from autotrader.clock import day_start  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    day_options(ap)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        header, lines = day_frames(tmp, args)
        symbols, day = list(header.symbols), day_start(header.date)
        orders = make_strategy(symbols, args.rules)
        never = make_strategy(symbols, args.rules, never_fire=True)
        best = {"orders": float("inf"), "never": float("inf")}
        cpu = dict(best)
        stats: dict[str, int] = {}
        for i in range(args.repeat):  # alternating: both loops see the same load
            for name, text in (("orders", orders), ("never", never)):
                t = time.process_time()
                engine, seconds = run_engine(text, lines, day, Path(tmp) / f"{name}{i}.db")
                # CPU time includes the setup (compile, journal), the same in both loops
                cpu[name] = min(cpu[name], time.process_time() - t)
                best[name] = min(best[name], seconds)
                stats = engine.stats if name == "orders" else stats
    decisions = stats["orders"] + stats["rejected"]
    extra = best["orders"] - best["never"]
    print(
        f"{len(lines):,} frames; {decisions:,} order decisions ({stats['orders']:,} orders, "
        f"{stats['rejected']:,} rejected), {stats['fills']:,} fills"
    )
    print(f"with orders: {best['orders']:.3f} s   never firing: {best['never']:.3f} s   "
          f"(best of {args.repeat}, {time.strftime('%H:%M:%S')})")  # fmt: skip
    print(f"order path: {extra:.3f} s = {extra / len(lines) * 1e6:.2f} us a frame")
    extra_cpu = cpu["orders"] - cpu["never"]  # steadier than wall time on a shared machine
    print(f"in CPU time: {extra_cpu:.3f} s = {extra_cpu / decisions * 1e6:.0f} us a decision")
    print(f"us_per_decision={extra / decisions * 1e6:.0f}")


if __name__ == "__main__":
    main()

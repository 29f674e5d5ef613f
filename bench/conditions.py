"""Condition-search universe: replay throughput of a day whose stocks come and go.

    python bench/conditions.py [--ticks 200000] [--symbols 300] [--screen "change_rate > 1"]

A synthetic day with a condition search played over it (``02`` hits after the trades
that cross the screen) is replayed through a universe strategy (entry, exits, a leave
rule): every hit admits or drops a stock, creating or parking its state and binding its
rules. In the same run, plain ``orjson.loads`` over the same frames gives the decode
floor. The last line is ``universe_vs_decode=<ratio>``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.clock import day_start  # noqa: E402
from autotrader.compile import compile_strategy  # noqa: E402
from autotrader.engine.replay import feed_frames, make_decoder  # noqa: E402
from autotrader.feed.synth import SynthConfig, write_tape  # noqa: E402
from autotrader.feed.tape import read_frames  # noqa: E402
from autotrader.journal import Journal  # noqa: E402
from autotrader.rules import load_strategy_text  # noqa: E402
from bench.engine import new_engine  # noqa: E402

STRATEGY = """\
strategy: bench-universe
universe: {condition: surge, max_symbols: %d}
rules:
  - name: entry
    when: position.qty == 0 and open_orders == 0 and buy_volume > 0 and time < 15:00
    once_per_symbol: true
    do:
      - buy: {amount: 1_000_000, type: market}
  - name: take-profit
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct >= 0.8%%
    do:
      - sell: {qty: all, type: limit, price: bid}
  - name: stop-loss
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct <= -1%%
    do:
      - sell: {qty: all, type: market}
  - name: leave
    on: {condition: surge, event: leave}
    when: open_orders > 0
    do:
      - cancel: {tag: entry}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=200_000)
    ap.add_argument("--symbols", type=int, default=300)
    ap.add_argument("--screen", default="change_rate > 1")
    ap.add_argument("--max-symbols", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3, help="best of N for each loop")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tape = Path(tmp) / "day.jsonl.gz"
        cfg = SynthConfig(n_symbols=args.symbols, ticks=args.ticks,
                          conditions=(("4", "surge", args.screen),))  # fmt: skip
        header = write_tape(tape, cfg, compresslevel=1)
        _, lines = read_frames(tape)
        lines = list(lines)
        hits = sum(1 for x in lines if b'"02"' in x)
        day = day_start(header.date)
        decode = min(_time(lambda: _decode(lines)) for _ in range(args.repeat))
        plan = compile_strategy(load_strategy_text(STRATEGY % args.max_symbols, "bench.yaml"))
        best, engine = float("inf"), None
        for i in range(args.repeat):
            journal = Journal(Path(tmp) / f"j{i}.db")
            journal.start_run(strategy="bench", mode="bench")
            engine = new_engine(plan, journal)
            engine.set_time(day)
            decoder = make_decoder(engine, day)
            gc.collect()
            t = time.perf_counter()
            feed_frames(decoder, lines)
            journal.flush()
            best = min(best, time.perf_counter() - t)
            journal.close()
        assert engine is not None
    u = engine.universe
    n = len(lines)
    print(f"frames {n:,}  02 hits {hits:,}  admitted {u.stats['admitted']:,}  "
          f"dropped {u.stats['dropped']:,}  over the cap {u.stats['over_cap']:,}  "
          f"orders {engine.stats['orders']:,}  fills {engine.stats['fills']:,}")  # fmt: skip
    print(f"decode (orjson.loads only): {n / decode:>10,.0f} frames/s")
    print(f"universe strategy:          {n / best:>10,.0f} frames/s")
    print(f"universe_vs_decode={decode / best:.3f}")  # the share of the decode rate reached


def _decode(lines: list[bytes]) -> None:
    loads = orjson.loads
    for line in lines:
        loads(line)


def _time(fn: object) -> float:
    gc.collect()
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


if __name__ == "__main__":
    main()

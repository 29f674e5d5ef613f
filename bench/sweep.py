"""A 16-run parameter sweep on one worker and on two: the speedup.

    python bench/sweep.py [--days 2] [--ticks 30000] [--symbols 12] [--dask]

Writes synthetic days, then runs the same 4 x 4 grid (entry threshold x take-profit) of
a dip-buying strategy with ``--workers 1`` and ``--workers 2`` (local process pools), and
with ``--dask`` also on a local Dask cluster of one and of two worker processes (timed
once the workers have imported the engine, which forked pool workers inherit for free). Each run
is a full multi-day replay with its own journal. The last line is
``sweep_speedup_2_vs_1=<ratio>`` for the local pool (the target is at least 1.8; the
machine must have two idle cores for that).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.feed.synth import SynthConfig, write_tape  # noqa: E402
from autotrader.market.calendar import KrxCalendar  # noqa: E402
from autotrader.sweep import SweepOptions, parse_param_options, points, run_sweep  # noqa: E402

STRATEGY = """\
strategy: bench-sweep
symbols: {symbols}
params:
  entry: -0.5%
  exit: 0.5%
risk:
  max_order_value: 3_000_000
  max_position_qty: 500
rules:
  - name: dip-buy
    when: change_rate < params.entry and position.qty == 0 and open_orders == 0
    cooldown: 2m
    do:
      - buy: {{amount: 1_000_000, type: market}}
  - name: take-profit
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct >= params.exit
    do:
      - sell: {{qty: all, type: limit, price: bid}}
  - name: stop-loss
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct <= -1%
    do:
      - sell: {{qty: all, type: market}}
"""
GRID = ["entry=-0.3%,-0.5%,-0.8%,-1%", "exit=0.3%,0.5%,0.8%,1%"]


def timed(opts: SweepOptions) -> float:
    started = time.perf_counter()
    rows = run_sweep(opts)
    assert len(rows) == 16
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--ticks", type=int, default=30_000)
    ap.add_argument("--symbols", type=int, default=12)
    ap.add_argument("--dask", action="store_true")
    args = ap.parse_args()
    sessions = KrxCalendar().sessions(datetime.date(2026, 11, 2), datetime.date(2026, 12, 31))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        codes: tuple[str, ...] = ()
        for i, day in enumerate(sessions[: args.days]):
            cfg = SynthConfig(
                seed=200 + i,
                date=day.strftime("%Y%m%d"),
                n_symbols=args.symbols,
                ticks=args.ticks,
                vi_kind=None,
            )
            codes = cfg.codes()
            write_tape(d / f"{cfg.date}.jsonl.gz", cfg, compresslevel=1)
        strategy = d / "s.yaml"
        strategy.write_text(STRATEGY.format(symbols=json.dumps(list(codes))), encoding="utf-8")
        tapes = sorted(d.glob("*.jsonl.gz"))
        grid = points(parse_param_options(GRID))

        def opts(name: str, **kw: object) -> SweepOptions:
            o = SweepOptions(strategy, tapes, grid, d / f"{name}.csv")
            for k, v in kw.items():
                setattr(o, k, v)
            return o

        print(
            f"16 runs, each {args.days} day(s) of {args.ticks:,} ticks over {args.symbols} symbols"
        )
        one = timed(opts("w1", workers=1))
        two = timed(opts("w2", workers=2))
        print(f"local pool: 1 worker {one:.1f} s, 2 workers {two:.1f} s")
        if args.dask:
            from distributed import Client, LocalCluster

            from autotrader.sweep.runner import RunSpec, run_point, warm_worker

            probe = RunSpec(
                0, "all", str(strategy), grid[0], (str(tapes[0]),), str(d / "p.db"), None
            )

            seconds = {}
            for n in (1, 2):
                with (
                    LocalCluster(
                        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                    ) as cluster,
                    Client(cluster) as client,
                ):
                    started = time.perf_counter()
                    client.run(warm_worker)  # new processes import pandas and the engine once
                    client.submit(run_point, probe).result()  # and each worker's first run
                    warm = time.perf_counter() - started
                    seconds[n] = timed(opts(f"dask{n}", cluster=cluster.scheduler_address))
                    print(f"dask {n} worker(s): warm-up {warm:.1f} s (not counted)")
            print(f"dask: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s")
            print(f"dask_speedup_2_vs_1={seconds[1] / seconds[2]:.2f}")
        print(f"sweep_speedup_2_vs_1={one / two:.2f}")


if __name__ == "__main__":
    main()

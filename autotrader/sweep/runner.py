"""Run a sweep: one multi-day replay per point, on a local process pool or on Dask.

Every run is independent and reproducible from its row: it loads the strategy with the
point's params, replays the same tapes with the paper broker, and journals into its own
SQLite file (``<out>.runs/run-0007.db``, the params in the run's ``config_json``), so
``autotrader report --journal`` shows any run and runs never contend for one file.
With ``split`` the days are cut in date order: the first share is in-sample (the row's
metrics, what ``rank_by`` ranks) and the rest out-of-sample (``oos_`` columns), each a
separate replay from the same starting cash.

``cluster`` is a Dask scheduler address: the runs are submitted with ``Client.map`` and
run on its workers (which need autotrader installed and the tape paths readable).
Without it a ``ProcessPoolExecutor`` with ``workers`` processes runs them here.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autotrader.errors import AutotraderError
from autotrader.rules.params import ParamValue
from autotrader.sweep.metrics import LOWER_IS_BETTER, METRICS, run_metrics


@dataclass(frozen=True, slots=True)
class RunSpec:
    """Everything one run needs, picklable for a worker process or a Dask worker."""

    index: int
    part: str  # "all", "in" (in-sample) or "out" (out-of-sample)
    strategy: str
    params: dict[str, ParamValue]
    tapes: tuple[str, ...]
    journal: str
    config: str | None


@dataclass
class SweepOptions:
    strategy: Path
    tapes: list[Path]
    points: list[dict[str, ParamValue]]
    out: Path
    rank_by: str = "net_pnl"
    split: float | None = None  # the in-sample share of the days
    workers: int | None = None
    cluster: str | None = None
    config: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_point(spec: RunSpec) -> dict[str, Any]:
    """One run: load with the point's params, replay the tapes, measure (worker side)."""
    from autotrader.broker.paper import PaperBroker
    from autotrader.compile import compile_strategy
    from autotrader.config import load_config
    from autotrader.engine.days import replay_days
    from autotrader.journal import Journal
    from autotrader.market.calendar import KrxCalendar
    from autotrader.rules import load_strategy

    cfg = load_config(spec.config)
    loaded = load_strategy(spec.strategy, params=spec.params)
    plan = compile_strategy(loaded)
    journal = Journal(Path(spec.journal))
    try:
        result = replay_days(
            plan,
            [Path(t) for t in spec.tapes],
            PaperBroker(cfg.fee_model()),
            journal,
            limits=cfg.limits_for(loaded.spec.risk),
            config_json=json.dumps(
                {
                    "config": cfg.model_dump(mode="json"),
                    "params": spec.params,
                    "sweep": {"run": spec.index, "part": spec.part, "tapes": spec.tapes},
                },
                ensure_ascii=False,
            ),
            calendar=KrxCalendar(cfg.calendar.extra_closed),
            cash=cfg.paper.cash,
        )
        journal.flush()
        run_id = result.run_id
    finally:
        journal.close()
    conn = sqlite3.connect(spec.journal)
    try:
        conn.row_factory = sqlite3.Row
        fills = [
            dict(r)
            for r in conn.execute(
                "SELECT symbol, side, qty, price, commission, tax FROM fills "
                "WHERE run_id = ? ORDER BY ts, id",
                (run_id,),
            )
        ]
    finally:
        conn.close()
    row = run_metrics(result.start_equity, result.equity, fills)
    row["orders"] = result.engine.stats["orders"]
    row["days"] = len(result.days)
    return row


def warm_worker() -> None:
    """Import the replay path and read the KRX calendar (about a second, once a worker)."""
    import autotrader.engine.days  # noqa: F401
    from autotrader.market.calendar import KrxCalendar

    KrxCalendar.preload()


def split_days(tapes: Sequence[Path], share: float | None) -> list[tuple[str, list[Path]]]:
    """The parts to run: all days, or in-sample then out-of-sample by date."""
    from autotrader.engine.days import order_days

    days = [t.path for t in order_days(list(tapes), None)]
    if share is None:
        return [("all", days)]
    if not 0 < share < 1:
        raise AutotraderError("--split: the in-sample share must lie between 0 and 1")
    cut = round(len(days) * share)
    if cut < 1 or cut >= len(days):
        raise AutotraderError(
            f"--split {share}: {len(days)} day(s) cannot give both an in-sample and an "
            "out-of-sample part"
        )
    return [("in", days[:cut]), ("out", days[cut:])]


def _execute(
    specs: list[RunSpec],
    workers: int | None,
    cluster: str | None,
    done: Callable[[RunSpec], None] | None,
) -> list[dict[str, Any]]:
    if cluster is not None:
        try:
            from distributed import Client, as_completed
        except ImportError as exc:
            raise AutotraderError(
                "--cluster needs Dask distributed: pip install 'autotrader[cluster]'"
            ) from exc
        with Client(cluster) as client:  # type: ignore[no-untyped-call]
            client.run(warm_worker)  # every worker imports and reads the calendar once
            futures = client.map(run_point, specs, pure=False)
            index = {f.key: s for f, s in zip(futures, specs, strict=True)}
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                if done is not None:
                    done(index[future.key])
            results: list[dict[str, Any]] = client.gather(futures)
            return results
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        jobs = {pool.submit(run_point, s): i for i, s in enumerate(specs)}
        out: list[dict[str, Any] | None] = [None] * len(specs)
        for job in concurrent.futures.as_completed(jobs):
            out[jobs[job]] = job.result()
            if done is not None:
                done(specs[jobs[job]])
        return [r for r in out if r is not None]


def run_sweep(
    opts: SweepOptions, done: Callable[[RunSpec], None] | None = None
) -> list[dict[str, Any]]:
    """Run every point, write the ranked CSV, return its rows (best first)."""
    from autotrader.rules import load_strategy

    if opts.rank_by not in METRICS:
        raise AutotraderError(f"--rank-by must be one of {', '.join(METRICS)}")
    for point in opts.points:  # every point's errors now, located, before any run starts
        load_strategy(opts.strategy, params=point)
    parts = split_days(opts.tapes, opts.split)
    if opts.cluster is None:  # read the calendar once here: forked workers inherit it
        from autotrader.market.calendar import KrxCalendar

        KrxCalendar.preload()
    runs = opts.out.with_name(opts.out.stem + ".runs")
    runs.mkdir(parents=True, exist_ok=True)
    specs = [
        RunSpec(
            index=i,
            part=part,
            strategy=str(opts.strategy.resolve()),
            params=point,
            tapes=tuple(str(t.resolve()) for t in days),
            journal=str((runs / f"run-{i:04d}.db").resolve()),
            config=str(opts.config.resolve()) if opts.config else None,
        )
        for i, point in enumerate(opts.points, start=1)
        for part, days in parts
    ]
    for spec in specs:
        Path(spec.journal).unlink(missing_ok=True)  # a rerun replaces, never appends
    results = _execute(specs, opts.workers, opts.cluster, done)
    rows: dict[int, dict[str, Any]] = {}
    for spec, result in zip(specs, results, strict=True):
        row = rows.setdefault(spec.index, {"run": spec.index, **spec.params})
        prefix = "oos_" if spec.part == "out" else ""
        row.update({prefix + k: v for k, v in result.items()})
        row["journal"] = spec.journal
    ranked = _rank(list(rows.values()), opts.rank_by)
    _write_csv(opts.out, ranked)
    return ranked


def _rank(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    worst = float("inf") if metric in LOWER_IS_BETTER else float("-inf")

    def key(row: dict[str, Any]) -> tuple[float, int]:
        value = row.get(metric)
        number = worst if value is None else float(value)
        return (number if metric in LOWER_IS_BETTER else -number, int(row["run"]))

    return sorted(rows, key=key)


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns and c != "journal"]
    columns.append("journal")
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})

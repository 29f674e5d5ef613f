"""Parameter sweeps: one CSV row per grid point with its metrics, ranked; every run
journaled and reproducible; in/out-of-sample split; the same rows on a Dask cluster."""

from __future__ import annotations

import csv
import dataclasses
import json
import sqlite3
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.sweep import SweepOptions, parse_param_options, points, run_sweep
from autotrader.sweep.metrics import max_drawdown, round_trips, run_metrics, sharpe
from autotrader.sweep.runner import RunSpec, run_point
from tests.frames import line, real, trade, write_tape

DAYS = ("20260923", "20260928", "20260929")
PRICES = ([60_000, 59_000, 60_500, 61_000], [61_000, 60_000, 62_000], [62_000, 63_500, 64_000])
STRATEGY = """\
strategy: swept
symbols: ["005930"]
params:
  entry: 60000
  size: 5
  exit: 2%
rules:
  - name: buy
    when: position.qty == 0 and open_orders == 0 and price <= params.entry
    do:
      - buy: {qty: params.size, type: market}
  - name: sell
    when: position.qty > 0 and open_orders == 0 and position.pnl_pct >= params.exit
    do:
      - sell: {qty: all, type: market}
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    session = {
        "type": "0s",
        "name": "장시작시간",
        "item": "",
        "values": {"215": "3", "20": "090000"},
    }
    for date, prices in zip(DAYS, PRICES, strict=True):
        frames = [orjson.dumps(real(session))]
        frames += [line(trade("005930", f"10{i:02d}00", p)) for i, p in enumerate(prices)]
        write_tape(tmp_path / f"{date}.jsonl", frames, date)
    strategy = tmp_path / "swept.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    return strategy, tmp_path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_csv_has_one_row_per_grid_point_ranked_by_net_pnl(setup: tuple[Path, Path]) -> None:
    """2 x 2 grid over three days: four rows with params and metrics, best first; each
    run has its own journal whose config holds the params."""
    strategy, tapes = setup
    out = tapes / "results.csv"
    args = ["sweep", str(strategy), "--tape", str(tapes / "*.jsonl"), "--out", str(out)]
    args += ["--param", "entry=59000,61000", "--param", "size=5,10", "--workers", "2"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = _csv(out)
    assert sorted((r["entry"], r["size"]) for r in rows) == [
        ("59000", "10"),
        ("59000", "5"),
        ("61000", "10"),
        ("61000", "5"),
    ]
    pnl = [int(r["net_pnl"]) for r in rows]
    assert pnl == sorted(pnl, reverse=True) and len(set(pnl)) == 4
    for column in ("trades", "win_rate", "max_drawdown", "sharpe", "days", "journal"):
        assert column in rows[0]
    best = rows[0]
    assert (best["entry"], best["size"], best["days"]) == ("61000", "10", "3")
    conn = sqlite3.connect(best["journal"])
    config = json.loads(conn.execute("SELECT config_json FROM runs").fetchone()[0])
    conn.close()
    assert config["params"] == {"entry": 61000, "size": 10}


def test_a_run_is_reproduced_from_its_params(setup: tuple[Path, Path]) -> None:
    """The same spec gives the same metrics, run after run."""
    strategy, tapes = setup
    spec = RunSpec(
        1,
        "all",
        str(strategy),
        {"entry": 61000},
        tuple(str(p) for p in sorted(tapes.glob("*.jsonl"))),
        str(tapes / "a.db"),
        None,
    )
    first = run_point(spec)
    again = run_point(dataclasses.replace(spec, journal=str(tapes / "b.db")))
    assert first == again and first["trades"] >= 1 and first["net_pnl"] > 0


def test_split_runs_in_sample_and_out_of_sample_days(setup: tuple[Path, Path]) -> None:
    """--split 0.67: two in-sample days for the metrics, the last day as oos_ columns."""
    strategy, tapes = setup
    grid = parse_param_options(["entry=61000"])
    opts = SweepOptions(strategy, sorted(tapes.glob("*.jsonl")), points(grid), tapes / "r.csv")
    opts.split, opts.workers = 0.67, 1
    (row,) = run_sweep(opts)
    assert row["days"] == 2 and row["oos_days"] == 1
    assert "oos_net_pnl" in row and "oos_sharpe" in row


def test_samples_draw_distinct_points_reproducibly() -> None:
    """--samples N picks N different grid points, the same ones for the same seed."""
    grid = parse_param_options(["a=1:10:1", "b=5m,10m", "c=1%,2%"])
    drawn = points(grid, samples=7, seed=3)
    assert len(drawn) == 7 and len({tuple(p.values()) for p in drawn}) == 7
    assert drawn == points(grid, samples=7, seed=3)
    assert len(points(grid)) == 40


def test_metrics_of_known_fills_and_equity() -> None:
    """Round trips after fees, drawdown from the running peak, Sharpe over daily returns."""
    fills = [
        {"symbol": "A", "side": "buy", "qty": 10, "price": 100, "commission": 1, "tax": 0},
        {"symbol": "A", "side": "sell", "qty": 10, "price": 110, "commission": 1, "tax": 2},
        {"symbol": "A", "side": "buy", "qty": 5, "price": 100, "commission": 1, "tax": 0},
        {"symbol": "A", "side": "sell", "qty": 5, "price": 90, "commission": 1, "tax": 1},
    ]
    assert round_trips(fills) == [96, -53]
    assert max_drawdown([100, 120, 90, 130, 100]) == 30
    assert sharpe([100, 101]) is None and sharpe([100, 101, 103]) is not None
    row = run_metrics(1_000, [1_100, 1_050], fills)
    assert row["net_pnl"] == 50 and row["trades"] == 2 and row["win_rate"] == 0.5


def test_the_sweep_runs_on_a_two_worker_dask_cluster(setup: tuple[Path, Path]) -> None:
    """--cluster ADDRESS: the same rows as the local pool, computed on Dask workers."""
    distributed = pytest.importorskip("distributed")
    strategy, tapes = setup
    grid = parse_param_options(["entry=59000,61000", "size=5,10"])
    local = SweepOptions(strategy, sorted(tapes.glob("*.jsonl")), points(grid), tapes / "l.csv")
    local.workers = 1
    expected = run_sweep(local)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = SweepOptions(strategy, local.tapes, points(grid), tapes / "d.csv")
        remote.cluster = cluster.scheduler_address
        rows = run_sweep(remote)
    strip = [{k: v for k, v in r.items() if k != "journal"} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k != "journal"} for r in expected]
    assert len(rows) == 4

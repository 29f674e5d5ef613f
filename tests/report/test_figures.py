"""The report's figures equal an independent reading of the journal rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import replay
from autotrader.journal import Journal, open_journal
from autotrader.report.figures import build_report
from autotrader.risk import RiskLimits
from autotrader.rules import load_strategy
from tests.report.oracle import oracle

TAPE = Path("examples/sample-day.jsonl.gz")
STATS = ("round_trips", "wins", "win_rate", "avg_win", "avg_loss", "profit_factor", "expectancy")


def dry_run(db: Path, strategy: str = "rules/momentum-day.yaml") -> int:
    loaded = load_strategy(strategy)
    j = Journal(db)
    try:
        result = replay(
            compile_strategy(loaded),
            TAPE,
            PaperBroker(),
            j,
            limits=RiskLimits(max_order_value=5_000_000),
        )
    finally:
        j.close()
    return result.run_id


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict[str, Any]]:
    db = tmp_path_factory.mktemp("report") / "j.db"
    rid = dry_run(db)
    return db, rid, build_report(open_journal(db), [rid])


def test_summary_matches_the_oracle(sample: tuple[Path, int, dict[str, Any]]) -> None:
    """Realized, marked equity, max drawdown, exposure, fees, slippage: as recomputed."""
    db, rid, data = sample
    want = oracle(db, rid)
    s = data["summary"]
    assert want["fills"] > 10 and want["total"]["round_trips"] > 5  # a run worth checking
    for key in ("realized", "end_equity", "max_drawdown", "max_exposure", "slippage_krw",
                "commission", "tax", "fills"):  # fmt: skip
        assert s[key] == want[key], key
    assert {k: s[k] for k in STATS} == want["total"]
    assert s["max_drawdown"] > 0 and s["slippage_krw"] != 0


def test_per_rule_and_symbol_round_trips_match_the_oracle(
    sample: tuple[Path, int, dict[str, Any]],
) -> None:
    """Each rule's and symbol's trips, win rate, averages, profit factor, expectancy."""
    db, rid, data = sample
    want = oracle(db, rid)
    rules = {r["rule"]: r for r in data["rules"]}
    for rule, stats in want["rules"].items():
        assert {k: rules[rule][k] for k in STATS} == stats, rule
    symbols = {r["symbol"]: r for r in data["symbols"]}
    for sym, stats in want["symbols"].items():
        assert {k: symbols[sym][k] for k in STATS} == stats, sym
    for rule, checks in want["checks"].items():
        assert rules[rule]["rejections_by_check"] == checks
    for sym, top in want["symbol_max_exposure"].items():
        assert symbols[sym]["max_exposure"] == top, sym


def test_marks_are_journaled_so_open_positions_move_the_equity(
    sample: tuple[Path, int, dict[str, Any]],
) -> None:
    """Between fills the curve moves with the tape's prices (marks), not only at fills."""
    db, rid, data = sample
    n_marks = open_journal(db).execute("SELECT COUNT(*) FROM marks WHERE run_id = ?", [rid])
    assert n_marks.fetchone()[0] > 100
    held = [p for p in data["equity"] if p["exposure"]]
    assert len({p["equity"] for p in held}) > len(data["trips"]) * 2


def _journal_by_hand(path: Path) -> None:
    """Two round trips on one symbol, with a dip while holding the first."""
    db = open_journal(path)
    db["runs"].insert({"id": 1, "started_at": 1.0, "strategy": "s", "mode": "dry-run"})
    orders = [
        (1, "entry", "buy", 100.0),
        (2, "exit", "sell", 200.0),
        (3, "entry", "buy", 300.0),
        (4, "exit", "sell", 400.0),
    ]
    for oid, rule, side, ts in orders:
        db["orders"].insert({"id": oid, "run_id": 1, "created_at": ts, "rule": rule,
                             "symbol": "000001", "action": side, "side": side, "qty": 10,
                             "order_type": "market", "price": 0, "state": "filled"})  # fmt: skip
        db["decisions"].insert({"run_id": 1, "ts": ts, "rule": rule, "symbol": "000001",
                                "event": "0B", "values_json": '{"price": 1000}',
                                "outcome": "order", "order_id": oid})  # fmt: skip
    fills = [(1, 101.0, "buy", 1000, 2, 0), (2, 201.0, "sell", 1100, 2, 22),
             (3, 301.0, "buy", 1000, 2, 0), (4, 402.0, "sell", 950, 1, 19)]  # fmt: skip
    for oid, ts, side, price, comm, tax in fills:
        db["fills"].insert({"run_id": 1, "order_id": oid, "ts": ts, "symbol": "000001",
                            "side": side, "qty": 10, "price": price, "commission": comm,
                            "tax": tax})  # fmt: skip
    db["marks"].insert_all(
        [
            {"run_id": 1, "ts": 150.0, "prices_json": '{"000001": 900}'},
            {"run_id": 1, "ts": 350.0, "prices_json": '{"000001": 990}'},
        ]
    )
    db["risk_checks"].insert({"run_id": 1, "order_id": 5, "ts": 500.0, "check_name": "x",
                              "passed": 0, "reason": "x"})  # fmt: skip
    db.conn.commit()


def test_figures_of_a_journal_written_by_hand(tmp_path: Path) -> None:
    """Numbers worked out on paper: trips +974 and -522, drawdown 1,002 while held."""
    _journal_by_hand(tmp_path / "h.db")
    data = build_report(open_journal(tmp_path / "h.db"), [1])
    s = data["summary"]
    # trip 1: (1100-1000)*10 - 2 - 2 - 22 = 974; trip 2: (950-1000)*10 - 2 - 1 - 19 = -522
    assert [t["pnl"] for t in data["trips"]] == [974, -522]
    assert s["realized"] == 974 - 522 == s["end_equity"]
    # equity from 0: -2 after the first buy's fee, -1,002 at the 900 mark (the deepest);
    # later 974 (peak), 872 at the 990 mark, 452 at the end: drawdown 522 < 1,002
    assert s["max_drawdown"] == 1_002
    assert [p["equity"] for p in data["equity"]] == [-2, -1002, 974, 972, 872, 452]
    assert s["win_rate"] == 0.5 and s["profit_factor"] == round(974 / 522, 4)
    assert s["avg_win"] == 974 and s["avg_loss"] == -522 and s["expectancy"] == 226
    # slippage against 1000: buys at 1000 cost 0, sells at 1100 gain 1000, at 950 cost 500
    assert s["slippage_krw"] == -1000 + 500
    assert s["time_to_fill"] == {"n": 4, "mean": 1.25, "median": 1.0, "max": 2.0}
    assert s["max_exposure"] == 10_000  # 10 shares at the 1,000 buy
    rules = {r["rule"]: r for r in data["rules"]}
    assert rules["entry"]["round_trips"] == 2 and rules["exit"]["round_trips"] == 0
    assert data["orders"][0]["events"] == []

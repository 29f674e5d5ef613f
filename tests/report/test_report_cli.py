"""'autotrader report' over runs and date ranges, in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.journal import open_journal
from autotrader.report.figures import build_report
from autotrader.report.text import safe_cell
from tests.report.test_figures import dry_run


def _invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["report", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_is_the_report_data_and_covers_several_runs(tmp_path: Path) -> None:
    """--run twice reports both runs; the second run's curve continues from the first."""
    db = tmp_path / "j.db"
    a, b = dry_run(db), dry_run(db)
    data = json.loads(_invoke("--journal", str(db), "--run", str(a), "--run", str(b),
                              "--format", "json"))  # fmt: skip
    one = build_report(open_journal(db), [a])["summary"]
    assert [r["id"] for r in data["runs"]] == [a, b]
    assert data["summary"]["fills"] == 2 * one["fills"]
    assert data["summary"]["realized"] == 2 * one["realized"]
    assert data["summary"]["end_equity"] == 2 * one["end_equity"]
    assert data["summary"]["round_trips"] == 2 * one["round_trips"]


def test_date_range_selects_runs_by_the_market_day_they_traded(tmp_path: Path) -> None:
    """The sample tape is 2026-11-20: a range around it finds the run, one after it none."""
    db = tmp_path / "j.db"
    rid = dry_run(db)
    data = json.loads(_invoke("--journal", str(db), "--since", "2026-11-20", "--until",
                              "2026-11-20", "--format", "json"))  # fmt: skip
    assert [r["id"] for r in data["runs"]] == [rid]
    assert data["runs"][0]["days"] == ["2026-11-20"]
    result = CliRunner().invoke(app, ["report", "--journal", str(db), "--since", "2026-11-21"])
    assert result.exit_code == 1 and "no run" in result.output


def test_table_shows_rules_round_trips_and_order_histories(tmp_path: Path) -> None:
    """The terminal report names every section a trader reads."""
    db = tmp_path / "j.db"
    dry_run(db)
    out = CliRunner().invoke(app, ["report", "--journal", str(db)], env={"COLUMNS": "200"}).output
    for text in ("Per rule: activity", "Per symbol: round trips", "max drawdown",
                 "win rate", "profit factor", "Orders (", "pending 09:", "filled +",
                 "rejected by max_order_value"):  # fmt: skip
        assert text in out, text


def test_csv_tables_and_formula_cells_are_neutralised(tmp_path: Path) -> None:
    """CSV of the rules table parses back; text starting = + - @ gets a quote, numbers not."""
    db = tmp_path / "j.db"
    dry_run(db)
    rows = list(csv.DictReader(io.StringIO(_invoke("--journal", str(db), "--format", "csv"))))
    assert {r["rule"] for r in rows} >= {"dip-buy", "take-profit"}
    orders = list(csv.DictReader(io.StringIO(
        _invoke("--journal", str(db), "--format", "csv", "--table", "orders"))))  # fmt: skip
    assert orders[0]["history"].startswith("pending 2026-11-20 09:")
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [safe_cell(x) for x in ("+1", "-cmd", "@x", "ok")] == ["'+1", "'-cmd", "'@x", "ok"]
    assert safe_cell(-5) == -5
    con = open_journal(db)
    con.execute("UPDATE orders SET rule = '=cmd|calc' WHERE id = 1")
    con.conn.commit()
    text = _invoke("--journal", str(db), "--format", "csv", "--table", "orders")
    assert "'=cmd|calc" in text and "\n=cmd" not in text and ",=cmd" not in text


def test_runs_lists_each_run_with_its_marked_pnl_and_orders(tmp_path: Path) -> None:
    """'autotrader runs' shows the same P&L and order count as each run's report."""
    db = tmp_path / "j.db"
    ids = [dry_run(db), dry_run(db)]
    result = CliRunner().invoke(app, ["runs", "--journal", str(db), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == ids[::-1]
    for row in rows:
        s = build_report(open_journal(db), [row["id"]])["summary"]
        assert (row["pnl"], row["orders"], row["fills"]) == (s["end_equity"], s["orders"],
                                                             s["fills"])  # fmt: skip
        assert row["days"] == ["2026-11-20"] and row["mode"] == "dry-run"
    table = CliRunner().invoke(app, ["runs", "--journal", str(db)], env={"COLUMNS": "160"})
    assert "momentum-day" in table.output and f"{rows[0]['pnl']:+,}" in table.output


def test_journal_text_is_never_rich_markup_in_the_terminal(tmp_path: Path) -> None:
    """A rule name like '[bold red]x[/]' prints as typed, brackets and all."""
    db = tmp_path / "j.db"
    dry_run(db)
    con = open_journal(db)
    con.execute("UPDATE orders SET rule = '[bold red]x[/]', reason = 'risk: [link]y' "
                "WHERE state = 'rejected'")  # fmt: skip
    con.conn.commit()
    out = CliRunner().invoke(app, ["report", "--journal", str(db)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "[bold red]x[/]" in out.output and "[link]y" in out.output

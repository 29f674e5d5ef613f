"""The CLI end to end: the quick-start run over the bundled tape, and the report."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.journal import open_journal
from autotrader.journal.queries import latest_run_id
from autotrader.report import report_data


def test_default_run_dry_runs_example_and_reports(tmp_path: Path) -> None:
    """'autotrader run' with defaults fills at least one order and rejects at least one."""
    db = tmp_path / "j.db"
    result = CliRunner().invoke(app, ["run", "--journal", str(db)])
    assert result.exit_code == 0, result.output
    assert "Per rule: activity" in result.output and "Rejected orders" in result.output
    assert "max drawdown" in result.output and "Orders (" in result.output
    j = open_journal(db)
    data = report_data(j, latest_run_id(j))
    assert data["fills"] >= 1 and data["rejections"] >= 1
    assert "max_order_value" in result.output


def test_report_without_journal_is_a_clear_error(tmp_path: Path) -> None:
    """'autotrader report' on a missing journal says so and exits 1."""
    result = CliRunner().invoke(app, ["report", "--journal", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no journal" in result.output


def test_validate_reports_errors_and_exit_status(tmp_path: Path) -> None:
    """validate exits 0 for a good file and 1 with path:line:col lines for a bad one."""
    good = CliRunner().invoke(app, ["validate", "rules/momentum-day.yaml"])
    assert good.exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    when: pric > 1\n'
        "    do:\n      - buy: {qty: 1}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:11: rules.0.when: unknown name 'pric'" in result.output

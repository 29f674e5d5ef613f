"""A condition day end to end through the CLI: synth, run, report (text, JSON, CSV), why."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.diagnose.why import explain_rule
from autotrader.journal import open_journal


def test_a_condition_day_is_reported_and_why_sees_the_universe_stocks(tmp_path: Path) -> None:
    """Hits are in the report (table, JSON, CSV); 'why' counts evaluations on admitted stocks."""
    cli = CliRunner()
    tape, db = tmp_path / "day.jsonl.gz", tmp_path / "j.db"
    synth = ["tape", "synth", str(tape), "--ticks", "6000", "--symbols", "6",
             "--condition", "4:surge:change_rate > 0.5"]  # fmt: skip
    assert cli.invoke(app, synth).exit_code == 0
    run = ["run", "rules/condition-surge.yaml", "--tape", str(tape), "--journal", str(db)]
    result = cli.invoke(app, [*run, "--no-report"])
    assert result.exit_code == 0, result.output
    text = cli.invoke(app, ["report", "--journal", str(db), "--limit", "500"]).output
    assert "Condition search hits" in text and "surge (4)" in text
    data = json.loads(cli.invoke(app, ["report", "--journal", str(db), "--format", "json"]).output)
    hits = data["conditions"]["hits"]
    assert hits and {h["event"] for h in hits} == {"I", "D"}
    (summary,) = data["conditions"]["by_condition"]
    assert summary["entered"] == sum(h["event"] == "I" and h["seq"] == "4" for h in hits)
    csv = cli.invoke(app, ["report", "--journal", str(db), "--format", "csv",
                           "--table", "conditions"]).output  # fmt: skip
    assert csv.splitlines()[0].startswith("run_id,ts,seq,name,symbol,event,source,outcome")
    admitted = {h["symbol"] for h in hits if h["outcome"] == "admitted"}
    why = explain_rule(open_journal(db), "entry")
    assert admitted and set(why["by_symbol"]) <= admitted and why["by_symbol"]

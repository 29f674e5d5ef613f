"""The bundled example strategies, and the authoring commands: validate, schema, init, explain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.rules import load_strategy
from autotrader.rules.triggers import TRIGGER_KEYS

EXAMPLES = sorted(Path("rules").glob("*.yaml"))


def test_examples_cover_every_trigger_and_action_family() -> None:
    """At least five examples; together they use every trigger kind and credit orders."""
    assert len(EXAMPLES) >= 5
    kinds = set()
    actions = set()
    for f in EXAMPLES:
        for rule in load_strategy(f).spec.rules:
            kinds.add(rule.on.kind)
            actions.update(a.kind for a in rule.do)
    assert kinds == set(TRIGGER_KEYS)
    assert {"buy", "sell", "cancel", "modify", "credit_buy", "credit_sell"} <= actions


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_and_explains(path: Path) -> None:
    """Each example is valid ('validate' exits 0) and 'explain' describes every rule."""
    runner = CliRunner()
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 0
    result = runner.invoke(app, ["explain", str(path)])
    assert result.exit_code == 0, result.output
    for rule in load_strategy(path).spec.rules:
        assert rule.name in result.output


def test_validate_exit_status_two_for_unreadable_files(tmp_path: Path) -> None:
    """A missing file or a directory is 'unreadable': exit 2, with the path in the message."""
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "none.yaml"), str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot read file" in result.output


def test_validate_reports_every_file_and_problem(tmp_path: Path) -> None:
    """Two bad files: every problem, each as path:line:col: message; exit 1."""
    a = tmp_path / "a.yaml"
    a.write_text("strategy: t\nsymbols: ['005930']\nrules:\n  - name: x\n\ton: tick\n")
    b = tmp_path / "b.yaml"
    b.write_text(
        "strategy: t\nsymbols: ['005930', '5930X']\nrules:\n  - name: x\n    on: {at: '9'}\n"
        "    when: vi.active == 1\n    do: [{sell: {qty: x}}]\n"
    )
    result = CliRunner().invoke(app, ["validate", str(a), str(b)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{a}:5:1: tab character: indent with spaces" in lines
    assert any(line.startswith(f"{b}:2:21: symbols.1:") for line in lines)
    assert any(line.startswith(f"{b}:5:14: rules.0.on.at") for line in lines)
    assert any(line.startswith(f"{b}:6:21: rules.0.when: cannot compare") for line in lines)
    assert any(line.startswith(f"{b}:7:23: rules.0.do.0.sell.qty") for line in lines)


def test_schema_is_json_schema_for_strategy_files(tmp_path: Path) -> None:
    """'autotrader schema -o FILE' writes a JSON Schema naming triggers and order types."""
    out = tmp_path / "strategy.schema.json"
    result = CliRunner().invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"strategy", "symbols", "rules"} <= set(schema["properties"])
    rule = schema["$defs"]["RuleSpec"]["properties"]
    assert {"enum": ["tick", "vi", "start", "stop"]} in rule["on"]["anyOf"]
    assert "stop_limit" in json.dumps(schema["$defs"]["OrderSpec"])


def test_init_writes_a_valid_commented_scaffold(tmp_path: Path) -> None:
    """'autotrader init NAME' writes NAME.yaml that validates, and refuses to overwrite."""
    runner = CliRunner()
    result = runner.invoke(app, ["init", "my-first", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "my-first.yaml"
    assert "# yaml-language-server: $schema=" in path.read_text()
    load_strategy(path)
    again = runner.invoke(app, ["init", "my-first", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "not overwriting" in again.output


def test_explain_says_trigger_condition_action_and_controls(tmp_path: Path) -> None:
    """'explain' reads a rule back in words."""
    f = tmp_path / "s.yaml"
    f.write_text(
        "strategy: s\nsymbols: ['005930']\nrules:\n  - name: r\n    on: {at: '15:19:30'}\n"
        "    when: position.qty > 0\n    cooldown: 10m\n    max_per_day: 2\n"
        "    do: [{sell: {qty: 50%, type: limit, price: bid - 1 tick}}]\n"
    )
    out = CliRunner().invoke(app, ["explain", str(f)]).output
    assert "every day at 15:19:30 (Asia/Seoul)" in out
    assert "If:   position.qty > 0" in out
    assert "sell 50% of the position, limit order at bid - 1 tick" in out
    assert "waits 10 min per symbol after firing; at most 2 times a day" in out

"""Scenarios: what the tape did not have is said at the end of the run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from tests.scenarios.trust_support import run, session, tick, write_tape

STRATEGY = (
    'strategy: s\nsymbols: ["005930", "000670"]\nrules:\n'
    "  - name: any\n    once_per_symbol: true\n    do: [{buy: {qty: 1, type: market}}]\n"
)


def test_a_symbol_without_frames_is_a_warning_at_the_end_of_the_run(tmp_path: Path) -> None:
    """000670 (a typo for 000660?) never trades in the tape: journaled, and in the result."""
    out = run(
        tmp_path,
        STRATEGY,
        [session("3", "09:00:00.000"), tick("005930", "09:00:01.000", 70000)],
    )
    assert out.result.silent == ("000670",)
    assert out.rows("SELECT source, detail FROM errors") == [
        ("feed", "no trade in the tape for 000670: their tick rules never ran")
    ]


def test_the_cli_prints_the_warning(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(STRATEGY)
    tape = write_tape(
        tmp_path / "t.jsonl",
        [session("3", "09:00:00.000"), tick("005930", "09:00:01.000", 70000)],
    )
    args = ["run", str(tmp_path / "s.yaml"), "--tape", str(tape), "--no-report"]
    result = CliRunner().invoke(app, [*args, "--journal", str(tmp_path / "j.db")])
    assert result.exit_code == 0, result.output
    assert "warning: no trade in the tape for 000670: their tick rules never ran" in result.output

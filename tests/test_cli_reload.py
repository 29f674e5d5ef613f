"""``autotrader reload`` with no engine to answer: the request is withdrawn (a later run
never picks up a stale one), the exit code says so, and a bad file's errors are shown."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.engine.reload_files import request_path


def test_no_running_engine_withdraws_the_request_and_shows_the_files_errors(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'strategy: s\nsymbols: ["005930"]\nrules:\n  - name: r\n    when: pricee > 1\n'
        "    do:\n      - buy: {qty: 1, type: market}\n",
        encoding="utf-8",
    )
    journal = tmp_path / "journal.db"
    args = ["reload", str(bad), "--journal", str(journal), "--wait", "0.3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "no running engine answered" in result.output and "pricee" in result.output
    assert not request_path(journal).exists()


def test_a_missing_file_is_an_error_before_any_request(tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    args = ["reload", str(tmp_path / "nope.yaml"), "--journal", str(journal)]
    result = CliRunner().invoke(app, args)
    said = " ".join(result.output.split())  # rich wraps the long temporary path
    assert result.exit_code == 1 and "no such file" in said
    assert not request_path(journal).exists()

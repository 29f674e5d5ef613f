"""Scenarios: what the tape did not have is said at the end of the run."""

from __future__ import annotations

import datetime
from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.feed.tape import open_tape
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
    assert "tape synth --strategy" in result.output  # how to make a day that has it


UNIVERSE = (
    "strategy: u\nuniverse: {condition: surge}\nrules:\n"
    "  - name: any\n    once_per_symbol: true\n    do: [{buy: {qty: 1, type: market}}]\n"
)


def test_a_universe_that_admitted_no_stock_is_a_warning(tmp_path: Path) -> None:
    """A condition-search strategy over a tape without the search's answers: nothing can
    run, and the run says so (journaled, and printed with how to make such a day)."""
    (tmp_path / "u.yaml").write_text(UNIVERSE)
    tape = write_tape(
        tmp_path / "t.jsonl",
        [session("3", "09:00:00.000"), tick("005930", "09:00:01.000", 70000)],
    )
    args = ["run", str(tmp_path / "u.yaml"), "--tape", str(tape), "--no-report"]
    result = CliRunner().invoke(app, [*args, "--journal", str(tmp_path / "j.db")])
    assert result.exit_code == 0, result.output
    assert "no stock entered the universe" in result.output
    assert "tape synth --condition" in result.output
    (tmp_path / "again").mkdir()
    out = run(tmp_path / "again", UNIVERSE, [tick("005930", "09:00:01.000", 70000)])
    assert out.result.empty_universe
    assert ("feed",) in {row[:1] for row in out.rows("SELECT source, detail FROM errors")}


def test_tape_synth_makes_a_day_of_a_strategys_stocks_on_a_given_session(
    tmp_path: Path,
) -> None:
    """--strategy takes its symbols, --code adds one (gold too), --date must be a KRX
    session."""
    (tmp_path / "s.yaml").write_text(STRATEGY)
    day = tmp_path / "day.jsonl.gz"
    args = ["tape", "synth", str(day), "--strategy", str(tmp_path / "s.yaml")]
    result = CliRunner().invoke(app, [*args, "--code", "035420", "--date", "20261204"])
    assert result.exit_code == 0, result.output
    header, _ = open_tape(day)
    assert header.symbols == ("035420", "005930", "000670")
    assert header.date == datetime.date(2026, 12, 4)
    saturday = CliRunner().invoke(app, ["tape", "synth", str(day), "--date", "20261205"])
    assert saturday.exit_code != 0 and "not a KRX trading day" in saturday.output
    gold = CliRunner().invoke(app, ["tape", "synth", str(day), "--code", "M04020000"])
    assert gold.exit_code == 0 and open_tape(day)[0].symbols == ("M04020000",)
    bad = CliRunner().invoke(app, ["tape", "synth", str(day), "--code", "5930"])
    assert bad.exit_code != 0 and "6-character KRX codes" in bad.output
    dashes = CliRunner().invoke(app, ["tape", "synth", str(day), "--date", "2026-12-04\x1b[2J"])
    assert dashes.exit_code != 0 and "--date must be YYYYMMDD" in dashes.output
    assert "\x1b" not in dashes.output  # the terminal escape is shown escaped, not run
    (tmp_path / "broken.yaml").write_text("strategy: [unclosed\n")
    broken = CliRunner().invoke(
        app, ["tape", "synth", str(day), "--strategy", str(tmp_path / "broken.yaml")]
    )
    assert broken.exit_code != 0 and "broken.yaml" in broken.output
    assert "Traceback" not in broken.output

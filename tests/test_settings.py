"""Settings: one resolution (flag > environment > .env > autotrader.toml > default) that
every verb uses, with every problem reported at once and where it came from."""

from __future__ import annotations

import sqlite3
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.engine.killswitch import halt_path, write_command
from autotrader.errors import ConfigError
from autotrader.risk.book import TradingLevel
from autotrader.settings import ensure_journal_folder, resolve_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory, with no AUTOTRADER_ variables inherited."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def dotenv(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def test_defaults_without_any_file(home: Path) -> None:
    """No file, no variable: the default journal in the working directory."""
    s = resolve_settings(env={})
    assert s.journal == Path("autotrader.db") and s.config.paper.cash == 100_000_000
    assert s.origin("journal") == "default"


def test_each_source_overrides_the_ones_below_it(home: Path) -> None:
    """flag > environment > .env > autotrader.toml, for the journal and any value."""
    (home / "autotrader.toml").write_text(
        'journal = "t.db"\n[paper]\ncash = 1_000\n[risk]\nmax_order_qty = 7\n'
    )
    assert resolve_settings(env={}).journal == home / "t.db"
    dotenv(home / ".env", "AUTOTRADER_JOURNAL=d.db\nAUTOTRADER_PAPER__CASH=2_000\n")
    s = resolve_settings(env={})
    assert (s.journal, s.config.paper.cash, s.config.risk.max_order_qty) == (
        Path("d.db"),
        2_000,
        7,
    )
    assert s.origin("paper.cash") == "AUTOTRADER_PAPER__CASH (.env)"
    env = {"AUTOTRADER_JOURNAL": "e.db", "AUTOTRADER_PAPER__CASH": "3000"}
    s = resolve_settings(env=env)
    assert (s.journal, s.config.paper.cash) == (Path("e.db"), 3_000)
    assert resolve_settings(env=env, journal=Path("f.db")).journal == Path("f.db")


def test_environment_values_are_toml_literals(home: Path) -> None:
    """Arrays and booleans in variables are read as TOML; a bare word is text."""
    env = {
        "AUTOTRADER_RISK__TRADING_HOURS": '["09:30", "15:00"]',
        "AUTOTRADER_JOURNAL_RAW_FRAMES": "true",
        "AUTOTRADER_KIWOOM__DOMAIN": "mock",
        "AUTOTRADER_CRASH_AT": "not-a-setting",  # other AUTOTRADER_ names are not ours
    }
    s = resolve_settings(env=env)
    assert s.config.risk.trading_hours == ("09:30", "15:00")
    assert s.config.journal_raw_frames is True and s.config.kiwoom.domain == "mock"


def test_a_relative_journal_in_a_config_file_is_beside_that_file(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """--config elsewhere/autotrader.toml with journal = 'j.db' means elsewhere/j.db."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "autotrader.toml").write_text('journal = "runs/j.db"\n')
    s = resolve_settings(env={}, config=elsewhere / "autotrader.toml")
    assert s.journal == elsewhere / "runs" / "j.db"
    s = resolve_settings(env={"AUTOTRADER_CONFIG": str(elsewhere / "autotrader.toml")})
    assert s.journal == elsewhere / "runs" / "j.db"


def test_every_problem_is_reported_at_once_with_its_source(home: Path) -> None:
    """Unknown keys (with did-you-mean) and bad values, from the file and the variables."""
    (home / "autotrader.toml").write_text(
        '[risk]\nmax_ordr_value = 5\n[paper]\ncash = "lots"\n[fess]\nx = 1\n'
    )
    with pytest.raises(ConfigError) as info:
        resolve_settings(env={"AUTOTRADER_RISK__MAX_ORDER_QTI": "3"})
    text = str(info.value)
    assert (
        "autotrader.toml: risk.max_ordr_value: unknown key (did you mean 'max_order_value'?)"
        in (text)
    )
    assert "AUTOTRADER_RISK__MAX_ORDER_QTI (environment): risk.max_order_qti: unknown key" in text
    assert "paper.cash: Input should be a valid integer" in text
    assert "fess: unknown key (did you mean 'fees'?)" in text


def test_a_dotenv_others_can_read_is_refused(home: Path) -> None:
    """.env may hold the Kiwoom keys: a group- or world-readable one is an error."""
    (home / ".env").write_text("AUTOTRADER_JOURNAL=x.db\n")
    (home / ".env").chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        resolve_settings(env={})


def test_a_named_config_file_that_is_missing_is_an_error(home: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found: nope.toml"):
        resolve_settings(env={"AUTOTRADER_CONFIG": "nope.toml"})


def test_a_missing_journal_folder_is_created_or_named_in_one_line(home: Path) -> None:
    """The folder is made; when it cannot be (a file is in the way), one line says why."""
    ensure_journal_folder(home / "a" / "b" / "j.db")
    assert (home / "a" / "b").is_dir()
    (home / "file").write_text("")
    with pytest.raises(ConfigError) as info:
        ensure_journal_folder(home / "file" / "j.db")
    assert "\n" not in str(info.value) and "cannot create its folder" in str(info.value)


def test_halt_resume_and_report_use_the_journal_of_autotrader_toml(home: Path) -> None:
    """No --journal: every verb finds state/j.db from the file."""
    (home / "autotrader.toml").write_text('journal = "state/j.db"\n')
    runner = CliRunner()
    halted = runner.invoke(app, ["halt", "--reason", "test"], env={})
    assert halted.exit_code == 0, halted.output
    assert (home / "state" / "autotrader.halt").read_text() == "halt\ntest\n"
    resumed = runner.invoke(app, ["resume"], env={})
    assert "was halted: test" in resumed.output
    report = runner.invoke(app, ["report"], env={})
    assert report.exit_code == 1 and f"no journal at {home / 'state' / 'j.db'}" in report.output


def test_run_uses_paper_cash_holdings_and_fees_and_announces_a_halt(home: Path) -> None:
    """[paper] cash bounds the buys, [paper] holdings can be sold at once, the configured
    fees reach the fills, and a halt file left by an earlier run is announced."""
    (home / "autotrader.toml").write_text(
        'journal = "runs/j.db"\n[fees]\ncommission_ppm = 1000\n'
        '[paper]\ncash = 1_000_000\n[paper.holdings]\n"000660" = {qty = 5, avg_price = 200_000}\n'
        '"035720" = {qty = 1, avg_price = 40_000}\n'
    )
    (home / "s.yaml").write_text(
        'strategy: s\nsymbols: ["005930", "000660"]\nrules:\n'
        '  - name: big\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 100, type: market}}]\n"
        '  - name: small\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 1, type: market}}]\n"
        '  - name: unload\n    symbols: ["000660"]\n    once_per_symbol: true\n'
        "    when: time >= 09:01\n    do: [{sell: {qty: all, type: market}}]\n"
    )
    (home / "runs").mkdir()
    write_command(halt_path(home / "runs" / "j.db"), TradingLevel.REDUCING, "left over")
    tape = str(ROOT / "examples" / "sample-day.jsonl.gz")
    result = CliRunner().invoke(app, ["run", "s.yaml", "--tape", tape, "--no-report"], env={})
    assert result.exit_code == 0, result.output
    assert "says reducing (left over)" in result.output
    assert "[paper] holdings of 035720: not in the strategy's symbols" in result.output
    conn = sqlite3.connect(home / "runs" / "j.db")
    rows = dict(conn.execute("SELECT rule, state FROM orders").fetchall())
    reasons = dict(conn.execute("SELECT rule, reason FROM orders").fetchall())
    fills = conn.execute("SELECT qty, price, commission FROM fills ORDER BY id").fetchall()
    conn.close()
    # Reducing: buys refused by the kill switch, the held shares sold.
    assert rows["big"] == "rejected" and "kill_switch" in reasons["big"]
    assert rows["unload"] == "filled"
    assert [(q, c) for q, p, c in fills] == [(5, 5 * p // 1000) for q, p, c in fills]


def test_run_refuses_buys_beyond_paper_cash(home: Path) -> None:
    """[paper] cash = 1,000,000: a 100-share buy of a 70,000 KRW stock is refused."""
    (home / "autotrader.toml").write_text("[paper]\ncash = 1_000_000\n")
    (home / "s.yaml").write_text(
        'strategy: s\nsymbols: ["005930"]\nrules:\n'
        "  - name: big\n    once_per_symbol: true\n    do: [{buy: {qty: 100, type: market}}]\n"
        "  - name: small\n    once_per_symbol: true\n    do: [{buy: {qty: 1, type: market}}]\n"
    )
    tape = str(ROOT / "examples" / "sample-day.jsonl.gz")
    result = CliRunner().invoke(app, ["run", "s.yaml", "--tape", tape, "--no-report"], env={})
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(home / "autotrader.db")
    rows = dict(conn.execute("SELECT rule, reason FROM orders").fetchall())
    states = dict(conn.execute("SELECT rule, state FROM orders").fetchall())
    conn.close()
    assert "orderable_cash" in rows["big"] and states["small"] == "filled"


def test_the_wheel_ships_the_example_strategies_and_the_sample_tape() -> None:
    """pyproject's package data covers every file of rules/ and examples/, reached through
    autotrader/data, which is where the CLI finds them outside the repository."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = data["tool"]["setuptools"]["package-data"]["autotrader"]
    package = ROOT / "autotrader"
    shipped = {p.resolve() for g in globs for p in package.glob(g)}
    expected = {p.resolve() for d in ("rules", "examples") for p in (ROOT / d).iterdir()}
    assert shipped == expected
    from autotrader.cli import DEFAULT_STRATEGY, DEFAULT_TAPE

    assert DEFAULT_STRATEGY.is_file() and DEFAULT_TAPE.is_file()

"""Credit eligibility at the command line: 'credit-list' saves kt20016, and 'validate' /
'explain' warn about credit buys off the list (or say they could not check, offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.cli_credit import fetch_credit_list
from autotrader.fake_kiwoom import FakeKiwoom

STRATEGY = "rules/credit-swing.yaml"  # credit-buys 005930 and 000660


def test_validate_without_a_list_says_credit_eligibility_was_not_checked() -> None:
    """Offline, validate passes the file and notes that the credit check was not made."""
    result = CliRunner().invoke(app, ["validate", STRATEGY])
    assert result.exit_code == 0, result.output
    assert "not checked: offline" in result.output and "credit-pullback" in result.output


def test_validate_warns_about_a_credit_buy_on_a_stock_off_the_list(tmp_path: Path) -> None:
    """With a list carrying 005930 only, the rule's credit buy of 000660 is named."""
    listed = tmp_path / "credit.json"
    listed.write_text(json.dumps({"day": "20261120", "stocks": {"005930": "40%"}}))
    result = CliRunner().invoke(app, ["validate", STRATEGY, "--credit-list", str(listed)])
    assert result.exit_code == 0, result.output
    assert "'credit-pullback' credit-buys 000660, which is not on the credit list" in result.output
    assert "credit-buys 005930" not in result.output


def test_explain_warns_too_and_a_bad_list_is_a_clear_error(tmp_path: Path) -> None:
    """explain prints the same warning; a file that is no credit list exits 2 naming it."""
    listed = tmp_path / "credit.json"
    listed.write_text(json.dumps({"day": "20261120", "stocks": {}}))
    explained = CliRunner().invoke(app, ["explain", STRATEGY, "--credit-list", str(listed)])
    assert "credit-buys 005930" in explained.output and "credit-buys 000660" in explained.output
    broken = tmp_path / "broken.json"
    broken.write_text("[1, 2]")
    result = CliRunner().invoke(app, ["validate", STRATEGY, "--credit-list", str(broken)])
    assert result.exit_code == 2  # rich wraps the message at the console width: unwrap it
    assert "not a credit list" in " ".join(result.output.split())


@pytest.mark.anyio
async def test_credit_list_fetches_kt20016_from_the_fake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's fetch reads every page of kt20016 with the environment's credentials."""
    async with FakeKiwoom(credit_stocks={"005930": "A", "000660": "B"}, page_size=1) as fake:
        env = {"KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}
        env |= {"KIWOOM_APPKEY": "test-appkey", "KIWOOM_SECRETKEY": "test-secretkey"}
        env |= {"KIWOOM_ACCOUNT": fake.account}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(tmp_path)  # no stray .env or autotrader.toml
        day, stocks = await fetch_credit_list(None, "%", "%")
    assert set(stocks) == {"005930", "000660"} and len(day) == 8

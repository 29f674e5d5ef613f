"""``autotrader run --live``: the confirmation and the production guard, before any I/O."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app

ENV = {
    "KIWOOM_APPKEY": "APPKEY-cli-test-0123456789",
    "KIWOOM_SECRETKEY": "SECRETKEY-cli-test-0123456789",
    "KIWOOM_REST_URL": "http://127.0.0.1:9",
    "KIWOOM_WS_URL": "ws://127.0.0.1:9/api/dostk/websocket",
    "KIWOOM_ACCOUNT": "1111111111",
}
STRATEGY = str(Path(__file__).parents[2] / "examples" / "live-demo.yaml")


def test_live_run_without_typed_yes_sends_nothing(tmp_path: Path) -> None:
    """Anything but 'yes' at the prompt ends the command before a connection or a journal."""
    journal = tmp_path / "j.db"
    result = CliRunner().invoke(
        app, ["run", STRATEGY, "--live", "--journal", str(journal)], input="y\n", env=ENV
    )
    assert result.exit_code == 1
    assert "mock" in result.output and "1111111111" in result.output
    assert "not confirmed" in result.output
    assert not journal.exists()


def test_production_is_refused_unless_configuration_allows_it(tmp_path: Path) -> None:
    """KIWOOM_DOMAIN=production without [kiwoom] allow_production is an error, even --yes."""
    journal = tmp_path / "j.db"
    config = tmp_path / "autotrader.toml"
    config.write_text("[kiwoom]\nallow_production = false\n", encoding="utf-8")
    env = ENV | {"KIWOOM_DOMAIN": "production"}
    args = ["run", STRATEGY, "--live", "--yes", "--journal", str(journal)]
    result = CliRunner().invoke(app, [*args, "--config", str(config)], env=env)
    assert result.exit_code == 1
    assert "allow_production" in result.output
    assert not journal.exists()

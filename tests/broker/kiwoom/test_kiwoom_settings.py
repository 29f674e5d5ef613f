"""KiwoomSettings: domains, URL overrides, credentials from env or a private .env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.errors import ConfigError
from tests.broker.kiwoom.kiwoom_fakes import APPKEY, SECRETKEY

ENV = {"KIWOOM_APPKEY": APPKEY, "KIWOOM_SECRETKEY": SECRETKEY}


def test_mock_is_the_default_domain(tmp_path: Path) -> None:
    """Without a domain the mock server is used, and it trades KRX only."""
    s = KiwoomSettings.load(env=ENV, env_file=tmp_path / "none")
    assert s.base_url == "https://mockapi.kiwoom.com"
    assert s.websocket_url == "wss://mockapi.kiwoom.com:10000/api/dostk/websocket"
    assert s.exchanges == {"KRX"}


def test_production_needs_explicit_permission(tmp_path: Path) -> None:
    """domain production without allow_production is a ConfigError."""
    with pytest.raises(ConfigError, match="allow_production"):
        KiwoomSettings.load(env=ENV, env_file=None, domain="production")
    s = KiwoomSettings.load(env=ENV, env_file=None, domain="production", allow_production=True)
    assert s.base_url == "https://api.kiwoom.com"
    assert s.websocket_url.startswith("wss://api.kiwoom.com:10000/")


def test_url_overrides_accept_loopback_http_and_ws() -> None:
    """KIWOOM_REST_URL / KIWOOM_WS_URL point the client at a local fake server."""
    env = {
        **ENV,
        "KIWOOM_REST_URL": "http://127.0.0.1:8080/",
        "KIWOOM_WS_URL": "ws://127.0.0.1:8081/ws",
    }
    s = KiwoomSettings.load(env=env, env_file=None)
    assert s.base_url == "http://127.0.0.1:8080"
    assert s.websocket_url == "ws://127.0.0.1:8081/ws"


def test_env_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    """A .env that group or others can read is refused rather than trusted."""
    path = tmp_path / ".env"
    path.write_text(f"KIWOOM_APPKEY={APPKEY}\nKIWOOM_SECRETKEY={SECRETKEY}\n")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600") as info:
        KiwoomSettings.load(env={}, env_file=path)
    assert APPKEY not in str(info.value)


def test_private_env_file_provides_credentials(tmp_path: Path) -> None:
    """A mode-600 .env with comments, export and quotes is read."""
    path = tmp_path / ".env"
    path.write_text(f"# keys\nexport KIWOOM_APPKEY='{APPKEY}'\nKIWOOM_SECRETKEY=\"{SECRETKEY}\"\n")
    os.chmod(path, 0o600)
    s = KiwoomSettings.load(env={}, env_file=path)
    assert s.appkey.get_secret_value() == APPKEY
    assert s.secretkey.get_secret_value() == SECRETKEY


def test_missing_credentials_is_a_config_error() -> None:
    """No keys anywhere: a ConfigError naming the variables."""
    with pytest.raises(ConfigError, match="KIWOOM_APPKEY"):
        KiwoomSettings.load(env={}, env_file=None)


def test_secrets_are_masked_in_str_and_repr() -> None:
    """Neither str nor repr of the settings shows a key."""
    s = KiwoomSettings.load(env=ENV, env_file=None)
    assert APPKEY not in repr(s) and APPKEY not in str(s)
    assert SECRETKEY not in repr(s) and SECRETKEY not in str(s)


def test_invalid_values_report_locations_not_inputs() -> None:
    """A validation failure names the field without echoing the secret input."""
    with pytest.raises(ConfigError, match="query_rate") as info:
        KiwoomSettings.load(env=ENV, env_file=None, query_rate=-1)
    assert APPKEY not in str(info.value)


def test_wire_settings_come_from_the_kiwoom_section(tmp_path: Path) -> None:
    """[kiwoom] query_rate, api_rates, order_budget and the stall settings reach the
    client; unset ones keep the defaults (mock: 1 request/s per api-id)."""
    from autotrader.cli_live import kiwoom_settings
    from autotrader.config import load_config

    config = tmp_path / "autotrader.toml"
    config.write_text(
        "[kiwoom]\nquery_rate = 0.5\norder_budget = 3\nws_silence_timeout = 4\n"
        "[kiwoom.api_rates]\nka10076 = 0.25\n",
        encoding="utf-8",
    )
    env = {"KIWOOM_APPKEY": "a" * 20, "KIWOOM_SECRETKEY": "s" * 20}
    s = kiwoom_settings(load_config(config), env)
    assert s.rate_for("ka10075", order=False) == 0.5
    assert s.rate_for("ka10076", order=False) == 0.25
    assert s.rate_for("kt10000", order=True) == 1.0
    assert (s.order_budget, s.ws_silence_timeout, s.ws_stall_pings) == (3.0, 4.0, 2.5)

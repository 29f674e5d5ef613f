"""Text safe to show: terminal controls escaped; URLs without their user:password@ in the
LIVE banner, logs, the journal's stored settings and errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.broker.kiwoom import KiwoomSettings
from autotrader.cli import app
from autotrader.journal import Journal
from autotrader.safetext import UrlScrubFilter, escape, public_url, scrub_urls

PASSWORD = "hunter2-in-url"
URL = f"https://bob:{PASSWORD}@127.0.0.1:9/api"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text 한글", "plain text 한글"),
        ("\x1b[2Jred", "\\x1b[2Jred"),
        ("a\nb\r\x00", "a\\x0ab\\x0d\\x00"),
        ("abc\u202edef", "abc\\u202edef"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
    ],
)
def test_escape_makes_controls_visible(raw: str, shown: str) -> None:
    """Controls, bidi overrides and zero-width marks become visible escapes."""
    assert escape(raw) == shown


def test_urls_lose_their_userinfo() -> None:
    """In a URL alone and inside free text; URLs without userinfo are unchanged."""
    assert public_url(URL) == "https://127.0.0.1:9/api"
    assert public_url("wss://h:1/ws") == "wss://h:1/ws"
    assert PASSWORD not in scrub_urls(f"connect to {URL} failed; retry ws://u:p@x/y")


def test_settings_dump_and_logs_never_carry_url_credentials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The settings the journal stores, a log line and a journal error row: no password."""
    settings = KiwoomSettings(
        appkey="a", secretkey="b", rest_url=URL, ws_url=f"ws://u:{PASSWORD}@h/"
    )
    assert PASSWORD not in str(settings.model_dump(mode="json"))
    assert settings.base_url == URL  # the client itself still connects with it
    logger = logging.getLogger("autotrader.test.urls")
    logger.addFilter(UrlScrubFilter())
    with caplog.at_level(logging.INFO):
        logger.info("connecting to %s", URL)
    assert caplog.records and PASSWORD not in caplog.text
    journal = Journal(tmp_path / "j.db")
    journal.start_run(strategy="t", mode="test")
    journal.error(0.0, "broker", f"GET {URL} failed")
    journal.flush()
    (detail,) = journal.conn.execute("SELECT detail FROM errors").fetchone()
    journal.close()
    assert PASSWORD not in detail and "127.0.0.1:9/api" in detail


def test_live_banner_shows_the_url_without_its_password(tmp_path: Path) -> None:
    """The LIVE banner names the host; the prompt refused, nothing is sent."""
    env = {
        "KIWOOM_APPKEY": "APPKEY-banner-0123456789",
        "KIWOOM_SECRETKEY": "SECRETKEY-banner-0123456789",
        "KIWOOM_REST_URL": URL,
        "KIWOOM_WS_URL": f"ws://u:{PASSWORD}@127.0.0.1:9/ws",
    }
    strategy = str(Path(__file__).parents[1] / "examples" / "live-demo.yaml")
    result = CliRunner().invoke(
        app, ["run", strategy, "--live", "--journal", str(tmp_path / "j.db")], input="n\n", env=env
    )
    assert result.exit_code == 1
    assert "https://127.0.0.1:9/api" in result.output
    assert PASSWORD not in result.output

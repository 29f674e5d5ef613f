"""`autotrader run --live --yes --max-seconds N` against the fake Kiwoom under faults:
the command's own path (settings from the environment, its event loop, its exit)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from tests.integration.live_support import tick
from tests.integration.test_live_cli import ENV, STRATEGY, FakeInThread


def run_live(fake_url: tuple[str, str], journal: Path, seconds: str) -> tuple[int, str]:
    env = ENV | {"KIWOOM_REST_URL": fake_url[0], "KIWOOM_WS_URL": fake_url[1]}
    args = ["run", STRATEGY, "--live", "--yes", "--journal", str(journal)]
    result = CliRunner().invoke(app, [*args, "--max-seconds", seconds, "--no-report"], env=env)
    return result.exit_code, result.output


def test_production_mock_mismatch_stops_the_command_naming_the_setting(tmp_path: Path) -> None:
    """8030 (keys of the other domain): exit 1 at once, the message names KIWOOM_DOMAIN,
    no traceback, no key in the output."""
    server = FakeInThread(appkey=ENV["KIWOOM_APPKEY"], secretkey=ENV["KIWOOM_SECRETKEY"])
    with server as fake:
        fake.faults.mismatch_domain()
        code, output = run_live((fake.rest_url, fake.ws_url), tmp_path / "j.db", "30")
    assert code == 1
    assert "8030" in output and "KIWOOM_DOMAIN" in output
    assert "Traceback" not in output and ENV["KIWOOM_APPKEY"] not in output


GARBLED = '{"trnm":"REAL","data":[{"type":"00","item":"005930","values":{"9203":"1","910":"²"}}]}'


def test_a_run_with_a_mid_handshake_system_frame_and_a_garbled_00_ends_cleanly(
    tmp_path: Path,
) -> None:
    """SYSTEM R10004 right after LOGIN and a garbled 00 frame: the command trades the
    feed for its seconds and ends by itself, one session, exit 0, both journaled."""
    journal = tmp_path / "j.db"
    server = FakeInThread(
        appkey=ENV["KIWOOM_APPKEY"], secretkey=ENV["KIWOOM_SECRETKEY"], ping_interval=0.2
    )
    with server as fake:
        fake.faults.system_mid_handshake("R10004")
        server.after_registration(tick("005930", 60_000))

        async def garble() -> None:
            async with asyncio.timeout(10.0):
                await fake.hub.wait_registered("005930", "0B")
            await fake.hub.send_raw(GARBLED)

        asyncio.run_coroutine_threadsafe(garble(), server.loop)
        code, output = run_live((fake.rest_url, fake.ws_url), journal, "1.5")
    assert code == 0, output
    assert "Traceback" not in output
    conn = sqlite3.connect(journal)
    try:
        (ended, stats) = conn.execute("SELECT ended_at, stats_json FROM runs").fetchone()
        errors = [r[0] for r in conn.execute("SELECT detail FROM errors")]
    finally:
        conn.close()
    assert ended and json.loads(stats)["sessions"] == 1
    assert any("R10004" in e for e in errors)
    assert any(e.startswith("skipped a 00 entry") for e in errors)

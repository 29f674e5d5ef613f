"""A live run against the fake Kiwoom: heartbeats, status, console lines, a notification."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from autotrader.cli import app
from tests.integration.live_support import tick
from tests.integration.test_live_cli import ENV, STRATEGY, FakeInThread
from tests.report.webhook import Receiver


def test_live_run_writes_heartbeats_status_reads_them_and_the_summary_is_sent(
    tmp_path: Path,
) -> None:
    """The runner's heartbeat says connected with the last frame's time; 'status' shows
    it; the follower started by 'run --live' sends the run's summary to the webhook."""
    journal = tmp_path / "j.db"
    server = FakeInThread(appkey=ENV["KIWOOM_APPKEY"], secretkey=ENV["KIWOOM_SECRETKEY"])
    with Receiver() as hook, server as fake:
        config = tmp_path / "autotrader.toml"
        config.write_text(f'[notify]\nurls = ["{hook.url}"]\n', encoding="utf-8")
        server.after_registration(tick("005930", 60_000))
        env = ENV | {"KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}
        args = ["run", STRATEGY, "--live", "--yes", "--journal", str(journal), "--config",
                str(config), "--max-seconds", "2.5", "--no-report"]  # fmt: skip
        result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        bodies = hook.wait_for(1)
    assert any(b["title"].startswith("autotrader: summary") for b in bodies)
    assert "run_ended" in result.output  # the follower's console line
    con = sqlite3.connect(journal)
    beats = con.execute("SELECT connected, last_frame_ts, level FROM heartbeats").fetchall()
    config_json = con.execute("SELECT config_json FROM runs").fetchone()[0]
    con.close()
    assert beats and beats[-1][0] == 1 and beats[-1][1] > 0 and beats[-1][2] == "active"
    port = hook.url.split(":")[-1].split("/")[0]
    assert hook.url not in config_json and f":{port}" not in config_json  # URLs stay out
    out = CliRunner().invoke(app, ["status", "--journal", str(journal), "--json"])
    st = json.loads(out.output)
    assert st["mode"] == "live" and st["running"] is False
    assert st["heartbeat"]["connected"] is True and st["heartbeat"]["sessions"] == 1
    assert st["heartbeat"]["last_frame_ts"] == beats[-1][1]
    text = CliRunner().invoke(app, ["status", "--journal", str(journal)], env={"COLUMNS": "160"})
    assert "connected" in text.output and "kill switch: active" in text.output

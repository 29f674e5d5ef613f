"""``autotrader run --live``: the confirmation and the production guard before any I/O,
and a whole run against a fake Kiwoom."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.fake_kiwoom import FakeKiwoom
from tests.integration.live_support import tick

T = TypeVar("T")

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


class FakeInThread:
    """A FakeKiwoom on its own event loop in a thread (the CLI runs its own loop)."""

    def __init__(self, **kw: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.kw = kw
        self.fake: FakeKiwoom | None = None

    def __enter__(self) -> FakeKiwoom:
        self.thread.start()
        self.fake = self._run(self._start())
        return self.fake

    def __exit__(self, *exc: object) -> None:
        if self.fake is not None:
            self._run(self.fake.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)
        self.loop.close()

    async def _start(self) -> FakeKiwoom:
        fake = FakeKiwoom(**self.kw)
        await fake.start()
        return fake

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10.0)

    def after_registration(self, frame: dict[str, Any]) -> None:
        """Push ``frame`` once a client has registered its item (in the fake's loop)."""
        item, kind = frame["data"][0]["item"], frame["data"][0]["type"]

        async def push() -> None:
            fake = self.fake
            assert fake is not None
            async with asyncio.timeout(10.0):  # REG groups arrive one after the other
                await fake.hub.wait_registered(item, kind)
            await fake.push_frame(frame)

        asyncio.run_coroutine_threadsafe(push(), self.loop)


def test_live_run_end_to_end_against_a_fake_kiwoom(tmp_path: Path) -> None:
    """`run STRATEGY --live --yes --max-seconds` logs in, trades the feed, stops by itself
    and leaves a closed live run in the journal."""
    journal = tmp_path / "j.db"
    server = FakeInThread(appkey=ENV["KIWOOM_APPKEY"], secretkey=ENV["KIWOOM_SECRETKEY"])
    with server as fake:
        server.after_registration(tick("005930", 60_000))
        env = ENV | {"KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}
        args = ["run", STRATEGY, "--live", "--yes", "--journal", str(journal)]
        result = CliRunner().invoke(
            app, [*args, "--max-seconds", "1.5", "--no-report"], env=env, catch_exceptions=False
        )
    assert result.exit_code == 0, result.output
    assert "live live-demo" in result.output
    conn = sqlite3.connect(journal)
    try:
        mode, ended, stats = conn.execute("SELECT mode, ended_at, stats_json FROM runs").fetchone()
    finally:
        conn.close()
    assert mode == "live" and ended
    assert json.loads(stats)["frames"] == 1 and json.loads(stats)["sessions"] == 1

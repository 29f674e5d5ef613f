"""``autotrader record`` against the fake Kiwoom: what is registered, what reaches the
tape, a reconnect marked as a gap, and a kill -9 that loses at most the last second."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.feed.tape import open_tape
from autotrader.live.record import Recorder
from tests.integration.live_support import APPKEY, SECRETKEY, WAIT, MorningClock, settings_for, tick
from tests.integration.test_live_cli import FakeInThread

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).parents[2]


async def _until(predicate: Callable[[], bool], within: float = WAIT) -> None:
    """Poll ``predicate`` (the recorder offers no event to wait on), bounded by ``within``."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def _frames(path: Path) -> list[dict[str, object]]:
    _, frames = open_tape(path)
    return [orjson.loads(f) for f in frames]


async def test_record_writes_the_feed_and_marks_a_reconnect_gap(tmp_path: Path) -> None:
    """0B frames land with receive times; account 00 frames do not; after the server
    drops the socket the recorder re-registers and writes a GAP line."""
    async with FakeKiwoom(appkey=APPKEY, secretkey=SECRETKEY) as fake:
        rec = Recorder(
            settings_for(fake), ["005930", "000660"], tmp_path, depth=True, clock=MorningClock()
        )
        task = asyncio.create_task(rec.run())
        async with asyncio.timeout(WAIT):
            await fake.hub.wait_registered("000660", "0D")
            await fake.hub.wait_registered("", "0s")
        await fake.push_frame(tick("005930", 60_000))
        await fake.push_frame(tick("000660", 200_000))
        await _until(lambda: rec.tape.frames == 2)
        await fake.faults.drop_sockets()
        await _until(lambda: rec.client.sessions == 2)
        async with asyncio.timeout(WAIT):
            await fake.hub.wait_registered("005930", "0B")
        await fake.push_frame(tick("005930", 60_100))
        await _until(lambda: rec.tape.frames == 3)
        rec.stop()
        result = await task
    assert result.frames == 3 and result.gaps == 1 and result.sessions == 2
    lines = _frames(tmp_path / "20261120.jsonl.gz")
    assert [ln["trnm"] for ln in lines] == ["REAL", "REAL", "GAP", "REAL"]
    assert all(isinstance(ln["rt"], str) and ln["rt"].startswith("1000") for ln in lines)
    assert lines[2]["reason"] == "reconnect" and lines[2]["from"] == lines[1]["rt"]


def test_kill_9_loses_at_most_the_last_second(tmp_path: Path) -> None:
    """The recorder process is killed with SIGKILL: the tape still reads to its end,
    and every frame received more than a flush interval before the kill is in it."""
    server = FakeInThread(appkey=APPKEY, secretkey=SECRETKEY)
    with server as fake:
        env = os.environ | {
            "KIWOOM_APPKEY": APPKEY,
            "KIWOOM_SECRETKEY": SECRETKEY,
            "KIWOOM_REST_URL": fake.rest_url,
            "KIWOOM_WS_URL": fake.ws_url,
            "PYTHONPATH": str(ROOT),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "autotrader", "record", "005930", "--out", str(tmp_path)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            server._run(asyncio.wait_for(fake.hub.wait_registered("005930", "0B"), 30.0))
            for price in range(60_000, 60_005):
                server._run(fake.push_frame(tick("005930", price)))
            tapes: list[Path] = []
            deadline = time.monotonic() + 10.0
            while time.monotonic() < deadline:  # flushed within about a second
                tapes = list(tmp_path.glob("*.jsonl.gz"))
                if tapes and _count_or_zero(tapes[0]) == 5:
                    break
                time.sleep(0.05)
            for price in range(60_005, 60_008):  # these may be lost: killed right away
                server._run(fake.push_frame(tick("005930", price)))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10.0)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert len(tapes) == 1
    prices = [ln["data"][0]["values"]["10"] for ln in _frames(tapes[0])]  # type: ignore[index]
    assert 5 <= len(prices) <= 8
    assert prices == [f"+{p}" for p in range(60_000, 60_000 + len(prices))]


def _count_or_zero(path: Path) -> int:
    try:
        return gzip.decompress(path.read_bytes()).count(b"\n") - 1
    except (OSError, EOFError, zlib.error):
        return 0


def test_a_live_run_records_its_own_feed_beside_the_strategy(tmp_path: Path) -> None:
    """`run --live --record DIR` writes the session's market frames to a day tape from the
    same websocket session (a second login with the key could close the first)."""
    from typer.testing import CliRunner

    from autotrader.cli import app
    from tests.integration.test_live_cli import ENV, STRATEGY

    server = FakeInThread(appkey=ENV["KIWOOM_APPKEY"], secretkey=ENV["KIWOOM_SECRETKEY"])
    with server as fake:
        server.after_registration(tick("005930", 60_000))
        env = ENV | {"KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}
        args = ["run", STRATEGY, "--live", "--yes", "--journal", str(tmp_path / "j.db")]
        args += ["--max-seconds", "1.5", "--no-report", "--record", str(tmp_path / "tapes")]
        result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (tape,) = (tmp_path / "tapes").glob("*.jsonl.gz")
    lines = _frames(tape)
    assert [ln["data"][0]["item"] for ln in lines] == ["005930"]  # type: ignore[index]
    assert isinstance(lines[0]["rt"], str) and len(lines[0]["rt"]) == 10


def test_tape_info_reports_a_recorded_gap(tmp_path: Path) -> None:
    """`tape info` lists a recorder's GAP line with its span and reason."""
    from datetime import datetime

    from autotrader.clock import SEOUL
    from autotrader.feed.recorder import TapeRecorder
    from autotrader.feed.tape_info import tape_info

    t = datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp()
    rec = TapeRecorder(tmp_path, ["005930"], clock=lambda: t, fsync=False)
    rec.on_frame(orjson.dumps(tick("005930", 60_000)), t)
    rec.mark_gap(t, t + 42.0, "reconnect")
    rec.on_frame(orjson.dumps(tick("005930", 60_100)), t + 42.5)
    rec.close()
    info = tape_info(tmp_path / "20261120.jsonl.gz")
    assert [(g.start, g.end, g.reason) for g in info.gaps] == [
        ("100000.000", "100042.000", "reconnect")
    ]
    assert info.types == {"0B": 2, "GAP": 1} and info.last == "100042.500"
    assert "gap       10:00:00.000 to 10:00:42.000: reconnect" in info.lines_out()

"""Websocket behaviour of the fake Kiwoom: LOGIN, PING heartbeat, REG routing, tape replay."""

from __future__ import annotations

import gzip
from pathlib import Path

import anyio
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from autotrader.fake_kiwoom import FakeKiwoom
from tests.fake_kiwoom.fake_support import ORDR, buy, next_00, running, socket, tick

pytestmark = pytest.mark.anyio


async def test_data_before_login_gets_system_r10004_and_close() -> None:
    """A REG sent before LOGIN is answered with SYSTEM R10004 and the socket is closed."""
    async with running() as (fake, _api), socket(fake) as ws:
        await ws.send({"trnm": "REG", "grp_no": "1", "refresh": "1", "data": []})
        msg = await ws.recv()
        await ws.closed()
    assert (msg["trnm"], msg["code"]) == ("SYSTEM", "R10004")


async def test_login_with_a_bad_token_is_refused_with_a_six_digit_code() -> None:
    """A refused LOGIN carries a six-digit return_code and [CODE=8005, ...], then closes."""
    async with running() as (fake, _api), socket(fake) as ws:
        answer = await ws.login("not-a-token")
        await ws.closed()
    assert len(str(answer["return_code"])) == 6
    assert answer["return_msg"].startswith("[CODE=8005")


async def test_echoed_pings_keep_the_session_alive() -> None:
    """A client that echoes every PING stays connected across several heartbeats."""
    async with (
        running(ping_interval=0.02, ping_timeout=0.2) as (fake, api),
        socket(fake, api.token) as ws,
    ):
        for _ in range(4):
            ping = await ws.recv(pings=True)
            assert ping == {"trnm": "PING"}
            await ws.send(ping)
        assert (await ws.reg(["005930"], ["0B"]))["return_code"] == 0


async def test_unanswered_ping_gets_system_r10002_and_disconnect() -> None:
    """A client that does not echo a PING is told R10002 and disconnected."""
    async with (
        running(ping_interval=0.02, ping_timeout=0.05) as (fake, api),
        socket(fake, api.token) as ws,
    ):
        assert (await ws.recv(pings=True))["trnm"] == "PING"
        system = await ws.recv()
        await ws.closed()
    assert (system["trnm"], system["code"]) == ("SYSTEM", "R10002")


async def test_real_frames_go_only_to_sockets_that_registered_them() -> None:
    """Each socket receives the 0B items it registered and nothing else."""
    async with (
        running(single_session=False) as (fake, api),
        socket(fake, api.token) as a,
        socket(fake, api.token) as b,
    ):
        assert (await a.reg(["005930"], ["0B"]))["return_code"] == 0
        assert (await b.reg(["000660"], ["0B"]))["return_code"] == 0
        await fake.push_frame(tick("000660", 200_000))
        await fake.push_frame(tick("005930", 60_000))
        got_a = await a.recv()
        got_b = await b.recv()
    assert got_a["data"][0]["item"] == "005930"
    assert got_b["data"][0]["item"] == "000660"


async def test_account_frames_arrive_without_registration() -> None:
    """00 frames reach every logged-in socket of the account whatever it registered."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await api.call(ORDR, "kt10000", buy(price=60_000))
        assert (await next_00(ws))["913"] == "접수"


async def test_refresh_zero_drops_previous_registrations_and_remove_unregisters() -> None:
    """REG with refresh '0' replaces earlier items; REMOVE drops the named ones."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await ws.reg(["005930"], ["0B"])
        await ws.reg(["000660"], ["0B"], refresh="0")
        await fake.push_frame(tick("005930", 60_000))
        await fake.push_frame(tick("000660", 200_000))
        first = await ws.recv()
        await ws.send(
            {"trnm": "REMOVE", "grp_no": "1", "data": [{"item": ["000660"], "type": ["0B"]}]}
        )
        removed = await ws.recv_until(lambda m: m.get("trnm") == "REMOVE")
        await ws.reg(["005930"], ["0B"], grp="2")
        await fake.push_frame(tick("000660", 200_100))
        await fake.push_frame(tick("005930", 60_100))
        second = await ws.recv()
    assert first["data"][0]["item"] == "000660"
    assert removed["return_code"] == 0
    assert second["data"][0]["item"] == "005930"


async def test_registering_over_the_item_limit_is_refused() -> None:
    """More than max_items items on one connection are refused with a non-zero code."""
    async with running(max_items=3) as (fake, api), socket(fake, api.token) as ws:
        ok = await ws.reg(["000001", "000002"], ["0B"])
        refused = await ws.reg(["000003", "000004"], ["0B"])
    assert ok["return_code"] == 0
    assert refused["return_code"] != 0


async def test_second_login_with_the_same_appkey_evicts_the_first() -> None:
    """The first session gets SYSTEM R10001 and is closed; configurable off."""
    async with (
        running() as (fake, api),
        socket(fake, api.token) as first,
        socket(fake, api.token),
    ):
        system = await first.recv()
        await first.closed()
    assert (system["trnm"], system["code"]) == ("SYSTEM", "R10001")
    async with (
        running(single_session=False) as (fake, api),
        socket(fake, api.token) as first,
        socket(fake, api.token),
    ):
        assert (await first.reg(["005930"], ["0B"]))["return_code"] == 0


async def test_wrong_websocket_path_is_not_found() -> None:
    """Only /api/dostk/websocket upgrades."""
    async with running() as (fake, _api):
        with pytest.raises(InvalidStatus), anyio.fail_after(2):
            await connect(fake.ws_url.replace("/api/dostk/websocket", "/other"))


def write_tape(path: Path, prices: list[tuple[str, int]]) -> Path:
    lines = [{"trnm": "TAPE", "version": 1, "date": "20260105"}]
    for tm, price in prices:
        frame = tick("005930", price, tm=tm)
        frame["data"][0]["values"]["11"] = f"+{price - 50_000}"
        lines.append(frame)
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")
    return path


async def test_play_tape_until_a_time_pushes_only_earlier_frames(tmp_path: Path) -> None:
    """play_tape(until=HHMMSS) stops before the first frame at or after that time."""
    tape = write_tape(
        tmp_path / "day.jsonl.gz", [("090001", 60_000), ("090002", 60_100), ("090003", 60_200)]
    )
    async with FakeKiwoom(tape=tape) as fake:
        assert fake.tape_header["date"] == "20260105"
        assert fake.book.base_prices["005930"] == 50_000  # learned from field 11
        assert await fake.play_tape(until="090003") == 2
        assert fake.book.quotes["005930"].last == 60_100
        assert await fake.stream(n=5) == 1


async def test_tape_frames_reach_registered_sockets(tmp_path: Path) -> None:
    """Replayed frames are delivered exactly as recorded to a registered socket."""
    tape = write_tape(tmp_path / "day.jsonl.gz", [("090001", 60_000)])
    async with running(tape=tape) as (fake, api), socket(fake, api.token) as ws:
        await ws.reg(["005930"], ["0B"])
        await fake.play_tape()
        frame = await ws.recv()
    assert frame["data"][0]["values"]["10"] == "+60000"


async def test_auto_stream_replays_the_tape_in_the_background(tmp_path: Path) -> None:
    """auto_stream=True pushes the tape without the test driving it."""
    tape = write_tape(tmp_path / "day.jsonl.gz", [("090001", 60_000), ("090002", 60_100)])
    async with FakeKiwoom(tape=tape, auto_stream=True) as fake:
        with anyio.fail_after(2):
            assert await fake.wait_streamed() == 2
        assert fake.book.quotes["005930"].last == 60_100


SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-day.jsonl.gz"


@pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample tape not present")
async def test_market_session_frames_reach_sockets_registered_with_an_empty_item() -> None:
    """0s is registered with item '' and delivered from the bundled sample tape."""
    async with running(tape=SAMPLE) as (fake, api), socket(fake, api.token) as ws:
        assert (await ws.reg([""], ["0s"]))["return_code"] == 0
        await fake.play_tape(until="090001")
        first, second = await ws.recv(), await ws.recv()
    assert [f["data"][0]["values"]["215"] for f in (first, second)] == ["0", "3"]

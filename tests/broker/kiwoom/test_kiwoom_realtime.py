"""RealtimeClient against a tiny local websocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from websockets.asyncio.server import ServerConnection, serve

from autotrader.broker.kiwoom.realtime import RealtimeClient, RealtimeError
from autotrader.model import BalanceUpdate, Execution

TIMEOUT = 5.0
EXEC_VALUES = {"9203": "0000018", "9001": "005930", "913": "접수", "905": "+매수", "907": "2",
               "900": "1", "901": "0", "902": "1", "908": "094022"}  # fmt: skip
BAL_VALUES = {"9001": "005930", "930": "102", "931": "154116", "933": "102"}


class Tokens:
    """A token source handing out tok-1, tok-2... and recording invalidations."""

    def __init__(self) -> None:
        self.issued = 0
        self.current = ""
        self.invalidated: list[str] = []

    async def token(self) -> str:
        if not self.current:
            self.issued += 1
            self.current = f"tok-{self.issued}"
        return self.current

    def invalidate(self, token: str | None = None) -> None:
        self.invalidated.append(token or "")
        self.current = ""


class FakeServer:
    """Answers LOGIN/REG as scripted, records what it receives, pushes frames on demand."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.connections: list[ServerConnection] = []
        self.login_replies: list[list[dict[str, Any]]] = []  # per connection; default: ok
        self.reg_refusals = 0
        self.registered = asyncio.Event()
        self.url = ""

    async def handler(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        index = len(self.connections) - 1
        groups = 0
        async for raw in ws:
            assert isinstance(raw, str)
            self.raw.append(raw)
            self.inbox.put_nowait(raw)
            msg = orjson.loads(raw)
            self.received.append(msg)
            if msg["trnm"] == "LOGIN":
                replies = self.login_replies[index] if index < len(self.login_replies) else []
                for frame in replies or [{"trnm": "LOGIN", "return_code": 0, "return_msg": ""}]:
                    await ws.send(orjson.dumps(frame).decode())
            elif msg["trnm"] == "REG":
                if self.reg_refusals:
                    self.reg_refusals -= 1
                    await ws.send('{"trnm": "REG", "return_code": 1, "return_msg": "too many"}')
                    continue
                await ws.send('{"trnm": "REG", "return_code": 0, "return_msg": ""}')
                groups += 1
                if groups == 2:
                    self.registered.set()

    async def push(self, frame: dict[str, Any] | str) -> None:
        text = frame if isinstance(frame, str) else orjson.dumps(frame).decode()
        await self.connections[-1].send(text)

    def of(self, trnm: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m["trnm"] == trnm]


class Sink:
    """Collects what the client routes, with queues to await on."""

    def __init__(self) -> None:
        self.executions: asyncio.Queue[Execution] = asyncio.Queue()
        self.balances: asyncio.Queue[BalanceUpdate] = asyncio.Queue()
        self.market: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.reconnected: asyncio.Queue[int] = asyncio.Queue()


@asynccontextmanager
async def running(
    server: FakeServer, tokens: Tokens, **kw: Any
) -> AsyncIterator[tuple[RealtimeClient, Sink, asyncio.Task[None]]]:
    sink = Sink()
    async with serve(server.handler, "127.0.0.1", 0) as ws_server:
        port = next(iter(ws_server.sockets)).getsockname()[1]

        async def no_wait(delay: float) -> None:
            await asyncio.sleep(0)

        client = RealtimeClient(
            f"ws://127.0.0.1:{port}/api/dostk/websocket",
            tokens,
            on_execution=sink.executions.put_nowait,
            on_balance=sink.balances.put_nowait,
            on_market=sink.market.put_nowait,
            on_reconnected=lambda: _put(sink.reconnected, client.sessions),
            sleep=no_wait,
            login_timeout=TIMEOUT,
            **kw,
        )
        client.subscribe(["005930", "000660_NX"])
        task = asyncio.create_task(client.run())
        try:
            yield client, sink, task
        finally:
            await client.close()
            async with asyncio.timeout(TIMEOUT):
                await asyncio.gather(task, return_exceptions=True)


async def _put(queue: asyncio.Queue[int], value: int) -> None:
    queue.put_nowait(value)


def test_registrations_split_symbols_into_groups() -> None:
    """00/04/0s go with item '' in group 1; symbols in groups of at most group_size."""
    client = RealtimeClient("ws://x", Tokens(), on_execution=print, on_balance=print,
                            on_market=print, group_size=100)  # fmt: skip
    client.subscribe(f"{n:06d}" for n in range(250))
    regs = client.registrations()
    assert regs[0]["data"] == [{"item": [""], "type": ["00", "04", "0s"]}]
    assert [len(r["data"][0]["item"]) for r in regs[1:]] == [100, 100, 50]
    assert [r["grp_no"] for r in regs] == ["1", "2", "3", "4"]
    assert all(r["data"][0]["type"] == ["0B", "1h", "0g"] for r in regs[1:])


@pytest.mark.anyio
async def test_login_tolerates_ping_and_system_around_the_answer() -> None:
    """PING, SYSTEM and data before the LOGIN answer do not break the handshake; PING is echoed."""
    server, tokens = FakeServer(), Tokens()
    ping = '{"trnm": "PING", "seq": 7}'
    server.login_replies = [[
        orjson.loads(ping),
        {"trnm": "SYSTEM", "code": "R00000", "message": "hello"},
        {"trnm": "REAL", "data": [{"type": "0B", "item": "005930", "values": {"10": "+60700"}}]},
        {"trnm": "LOGIN", "return_code": 0, "return_msg": ""},
    ]]  # fmt: skip
    async with running(server, tokens) as (client, sink, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            await server.registered.wait()
            market = await sink.market.get()
        assert server.of("LOGIN") == [{"trnm": "LOGIN", "token": "tok-1"}]
        assert orjson.loads(ping) in server.received  # echoed
        assert market["data"][0]["type"] == "0B"
        assert [r["data"][0]["item"] for r in server.of("REG")] == [[""], ["005930", "000660_NX"]]


@pytest.mark.anyio
async def test_ping_is_echoed_identically() -> None:
    """The PING text comes back byte for byte."""
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens) as (client, _, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            ping = '{"trnm":"PING","time":"20260105"}'
            await server.push(ping)
            while await server.inbox.get() != ping:
                pass


@pytest.mark.anyio
async def test_entries_are_routed_and_malformed_frames_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """00 -> executions, 04 -> balances, others -> the whole frame; junk is counted."""
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens) as (client, sink, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            await server.push("{not json")
            await server.push('{"trnm": "REAL", "data": "nope"}')
            frame = {"trnm": "REAL", "data": [
                {"type": "00", "name": "주문체결", "item": "005930", "values": EXEC_VALUES},
                {"type": "04", "name": "현물잔고", "item": "005930", "values": BAL_VALUES},
                {"type": "0s", "name": "장시작시간", "item": "", "values": {"215": "3"}},
            ]}  # fmt: skip
            await server.push(frame)
            execution = await sink.executions.get()
            balance = await sink.balances.get()
            market = await sink.market.get()
        assert execution.broker_order_no == "0000018" and execution.status == "accepted"
        assert balance.qty == 102
        assert market == frame
        assert client.stats.total == 2
        assert "tok-1" not in caplog.text


@pytest.mark.anyio
async def test_reconnects_and_registers_again_after_a_drop() -> None:
    """When the server drops the socket the client logs in and registers again, then reports."""
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens) as (client, sink, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            await server.connections[-1].close()
            sessions = await sink.reconnected.get()
        assert sessions == 2
        assert len(server.of("LOGIN")) == 2
        assert len(server.of("REG")) == 4


@pytest.mark.anyio
async def test_silent_feed_triggers_a_reconnect() -> None:
    """No frame at all for silence_timeout seconds: reconnect."""
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens, silence_timeout=0.2) as (_, sink, _):
        async with asyncio.timeout(TIMEOUT):
            assert await sink.reconnected.get() == 2
        assert len(server.connections) >= 2


@pytest.mark.anyio
async def test_refused_token_is_renewed_before_logging_in_again() -> None:
    """A LOGIN refused with 8005 drops the token; the next attempt uses a new one."""
    server, tokens = FakeServer(), Tokens()
    server.login_replies = [[{"trnm": "LOGIN", "return_code": 100013,
                              "return_msg": "[CODE=8005, Token이 유효하지 않습니다]"}]]  # fmt: skip
    async with running(server, tokens) as (client, _, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
        assert [m["token"] for m in server.of("LOGIN")] == ["tok-1", "tok-2"]
        assert tokens.invalidated == ["tok-1"]


@pytest.mark.anyio
async def test_refused_registration_is_retried_after_backing_off() -> None:
    """A refused REG is sent again after a back-off delay."""
    server, tokens = FakeServer(), Tokens()
    server.reg_refusals = 1
    async with running(server, tokens) as (client, _, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
        assert len(server.of("REG")) == 3


@pytest.mark.anyio
async def test_same_key_logged_in_elsewhere_stops_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SYSTEM R10001 is a clear, fatal error instead of a reconnect fight."""
    caplog.set_level(logging.INFO)
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens) as (client, _, task):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            await server.push(
                {"trnm": "SYSTEM", "code": "R10001", "message": "동일한 App key로 접속"}
            )
            with pytest.raises(RealtimeError) as info:
                await task
        assert info.value.fatal and info.value.code == "R10001"
        assert len(server.of("LOGIN")) == 1
        assert "tok-1" not in caplog.text


@pytest.mark.anyio
async def test_not_logged_in_after_the_handshake_renews_the_session() -> None:
    """SYSTEM R10004 once registered means our registrations are gone: LOGIN and REG
    again (during the handshake it is tolerated: see tests/faults)."""
    server, tokens = FakeServer(), Tokens()
    async with running(server, tokens) as (client, sink, _):
        async with asyncio.timeout(TIMEOUT):
            await client.wait_ready()
            await server.push({"trnm": "SYSTEM", "code": "R10004", "message": "로그인 필요"})
            assert await sink.reconnected.get() == 2
        assert len(server.of("LOGIN")) == 2

"""Test helpers for the fake Kiwoom: a thin REST caller, a websocket reader, tick frames.

Every await is bounded (``WAIT`` seconds) so a broken server fails a test, never hangs it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import anyio
import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from autotrader.clock import SEOUL
from autotrader.fake_kiwoom import FakeKiwoom

WAIT = 2.0
JSON = "application/json;charset=UTF-8"
ORDR, CRDORDR, ACNT = "/api/dostk/ordr", "/api/dostk/crdordr", "/api/dostk/acnt"


def tick(
    item: str, price: int, *, ask: int = 0, bid: int = 0, tm: str = "090001", volume: int = 1
) -> dict[str, Any]:
    """A ``0B`` REAL frame as Kiwoom sends it: signed, string values; ``volume`` is the
    print's size, which caps what the venue fills on it."""
    values = {"20": tm, "10": f"+{price}", "27": f"+{ask or price}", "28": f"+{bid or price}"}
    values |= {"15": f"+{volume}", "13": "100"}
    entry = {"type": "0B", "name": "주식체결", "item": item, "values": values}
    return {"trnm": "REAL", "data": [entry]}


def buy(
    stk_cd: str = "005930", qty: int = 1, price: int | None = None, tp: str = "0"
) -> dict[str, str]:
    """A kt10000/kt10001 body; ``price`` None leaves ``ord_uv`` empty."""
    return {
        "dmst_stex_tp": "KRX",
        "stk_cd": stk_cd,
        "ord_qty": str(qty),
        "ord_uv": "" if price is None else str(price),
        "trde_tp": tp,
        "cond_uv": "",
    }


class Api:
    """Calls the fake's REST side the way a Kiwoom client would."""

    def __init__(self, fake: FakeKiwoom, http: httpx.AsyncClient) -> None:
        self.fake = fake
        self.http = http
        self.token = ""

    async def issue(
        self, appkey: str = "test-appkey", secretkey: str = "test-secretkey"
    ) -> dict[str, Any]:
        body = {"grant_type": "client_credentials", "appkey": appkey, "secretkey": secretkey}
        with anyio.fail_after(WAIT):
            resp = await self.http.post("/oauth2/token", json=body)
        answer: dict[str, Any] = resp.json()
        if answer.get("return_code") == 0:
            self.token = answer["token"]
        return answer

    async def post(
        self,
        path: str,
        api_id: str,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> httpx.Response:
        sent = {"api-id": api_id, "authorization": f"Bearer {self.token}", "content-type": JSON}
        sent |= headers or {}
        with anyio.fail_after(WAIT):
            timeout = httpx.Timeout(WAIT, read=read_timeout or WAIT)
            content = orjson.dumps(body)
            return await self.http.post(path, content=content, headers=sent, timeout=timeout)

    async def call(self, path: str, api_id: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
        answer: dict[str, Any] = (await self.post(path, api_id, body, **kw)).json()
        return answer


class Ws:
    """One websocket session; ``recv`` skips PINGs unless asked for them."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, msg: dict[str, Any]) -> None:
        await self.conn.send(orjson.dumps(msg).decode())

    async def recv(self, *, pings: bool = False, within: float = WAIT) -> dict[str, Any]:
        with anyio.fail_after(within):
            while True:
                raw = await self.conn.recv()
                msg: dict[str, Any] = orjson.loads(raw)
                if pings or msg.get("trnm") != "PING":
                    return msg

    async def recv_until(self, pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        with anyio.fail_after(WAIT):
            while not pred(msg := await self.recv()):
                pass
        return msg

    async def login(self, token: str) -> dict[str, Any]:
        await self.send({"trnm": "LOGIN", "token": token})
        return await self.recv_until(lambda m: m.get("trnm") == "LOGIN")

    async def reg(
        self, items: list[str], types: list[str], *, refresh: str = "1", grp: str = "1"
    ) -> dict[str, Any]:
        await self.send(
            {
                "trnm": "REG",
                "grp_no": grp,
                "refresh": refresh,
                "data": [{"item": items, "type": types}],
            }
        )
        return await self.recv_until(lambda m: m.get("trnm") == "REG")

    async def closed(self) -> None:
        """Wait until the server closes this connection."""
        with anyio.fail_after(WAIT):
            await self.conn.wait_closed()


def values_00(msg: dict[str, Any]) -> dict[str, str]:
    entry = msg["data"][0]
    assert entry["type"] == "00", msg
    values: dict[str, str] = entry["values"]
    return values


async def next_00(ws: Ws) -> dict[str, str]:
    return values_00(
        await ws.recv_until(lambda m: m.get("trnm") == "REAL" and m["data"][0]["type"] == "00")
    )


def morning_clock() -> Callable[[], float]:
    """10:00 KST on a trading day plus the real time elapsed: the venue is in continuous
    trading whatever the machine's time (a tape frame's own time takes over once pushed)."""
    start, t0 = datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp(), time.monotonic()
    return lambda: start + (time.monotonic() - t0)


@contextlib.asynccontextmanager
async def running(**kwargs: Any) -> AsyncIterator[tuple[FakeKiwoom, Api]]:
    """A started fake, an httpx client on it, and a token already issued."""
    kwargs.setdefault("holdings", {"005930": (10, 58_000)})
    kwargs.setdefault("clock", morning_clock())  # the venue's phases follow it: KRX open
    async with FakeKiwoom(**kwargs) as fake, httpx.AsyncClient(base_url=fake.rest_url) as http:
        api = Api(fake, http)
        await api.issue()
        yield fake, api


@contextlib.asynccontextmanager
async def socket(fake: FakeKiwoom, token: str | None = None) -> AsyncIterator[Ws]:
    """A websocket to the fake, logged in when ``token`` is given."""
    with anyio.fail_after(WAIT):
        conn = await connect(fake.ws_url)
    ws = Ws(conn)
    try:
        if token is not None:
            answer = await ws.login(token)
            assert answer["return_code"] == 0, answer
        yield ws
    finally:
        await conn.close()

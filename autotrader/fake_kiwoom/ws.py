"""The websocket side: LOGIN, PING heartbeat, REG/REMOVE routing, and pushing frames.

Kiwoom's rules, as NOTES.md records them: LOGIN first (else SYSTEM R10004 and close),
the server PINGs and drops a client that does not echo (SYSTEM R10002), REAL frames go
only to sockets that registered the (item, type), while ``00``/``04`` go to every
logged-in socket of the account. A second LOGIN with the same appkey may evict the first
(SYSTEM R10001).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from autotrader.fake_kiwoom import codes, frames
from autotrader.fake_kiwoom.auth import TokenStore
from autotrader.fake_kiwoom.faults import FaultState

# Frames carry tokens (LOGIN): keep websockets' per-frame DEBUG logging off.
wire_log = logging.getLogger(f"{__name__}.wire")
wire_log.setLevel(logging.INFO)
WS_PATH = "/api/dostk/websocket"


@dataclass(eq=False, slots=True)
class Session:
    conn: ServerConnection
    logged_in: bool = False
    appkey: str = ""
    groups: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    echoed: asyncio.Event = field(default_factory=asyncio.Event)

    def wants(self, item: str, kind: str) -> bool:
        return any((item, kind) in g or ("", kind) in g for g in self.groups.values())

    def item_count(self, groups: dict[str, set[tuple[str, str]]]) -> int:
        return len({item for g in groups.values() for item, _ in g if item})


class Hub:
    """Every open socket; the server pushes through it, the faults act on it."""

    def __init__(
        self,
        tokens: TokenStore,
        faults: FaultState,
        *,
        ping_interval: float,
        ping_timeout: float,
        max_items: int = 200,
        max_group_items: int = 200,
        single_session: bool = True,
    ) -> None:
        self.tokens = tokens
        self.max_group_items = max_group_items
        self.faults = faults
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_items = max_items
        self.single_session = single_session
        self.sessions: set[Session] = set()
        self._held: list[str] = []
        self.registered = asyncio.Event()  # some socket has registered something
        self.ping_echoes = 0  # PINGs clients sent back, every socket (tests watch it)
        self._registrations = asyncio.Condition()  # notified after every REG/REMOVE
        self._server: Server | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await serve(
            self._serve,
            host,
            port,
            ping_interval=None,
            close_timeout=1.0,  # a dead client must not stall an eviction or a heartbeat drop
            process_request=_check_path,
            logger=wire_log,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # --- pushing -------------------------------------------------------------------------

    async def broadcast(self, frame: dict[str, Any]) -> None:
        """Send a REAL frame's entries to each logged-in socket that registered them."""
        entries = frame.get("data") or []
        for s in list(self.sessions):
            if not s.logged_in:
                continue
            mine = [e for e in entries if s.wants(str(e.get("item", "")), str(e.get("type", "")))]
            if len(mine) == len(entries):
                await self._send(s, frame)
            elif mine:
                await self._send(s, {**frame, "data": mine})

    async def send_account(self, entries: list[dict[str, Any]]) -> None:
        """Send ``00``/``04`` entries, one frame each, applying the execution faults."""
        for entry in entries:
            if (
                entry["type"] == "00"
                and entry["values"].get("911")
                and self.faults.garble_executions
            ):
                self.faults.garble_executions -= 1
                garbled = {"910": entry["values"]["910"] + "²", "911": "9" * 400, "902": "²"}
                entry = {**entry, "values": entry["values"] | garbled}
            text = orjson.dumps(frames.real([entry])).decode()
            if entry["type"] != "00":
                await self._send_all(text)
                continue
            copies = 2 if self.faults.duplicate_executions else 1
            if self.faults.reorder_batch:
                self._held.extend([text] * copies)
                if len(self._held) >= self.faults.reorder_batch:
                    held, self._held = self._held, []
                    self.faults.reorder_batch = 0
                    for t in reversed(held):
                        await self._send_all(t)
                continue
            for _ in range(copies):
                await self._send_all(text)

    async def send_raw(self, text: str) -> None:
        await self._send_all(text)

    async def send_system(self, code: str, message: str) -> None:
        await self._send_all(orjson.dumps(frames.system(code, message)).decode())

    async def drop_all(self) -> None:
        for s in list(self.sessions):
            s.conn.transport.abort()
        for s in list(self.sessions):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.conn.wait_closed(), 1.0)

    async def close_all(self) -> None:
        for s in list(self.sessions):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.conn.close(1001, "going away"), 1.0)

    async def _send_all(self, text: str) -> None:
        for s in list(self.sessions):
            if s.logged_in:
                await self._send(s, text)

    async def _send(self, s: Session, frame: dict[str, Any] | str) -> None:
        if self.faults.silenced:
            return
        text = frame if isinstance(frame, str) else orjson.dumps(frame).decode()
        with contextlib.suppress(ConnectionClosed):
            await s.conn.send(text)

    # --- one connection ------------------------------------------------------------------

    async def _serve(self, conn: ServerConnection) -> None:
        session = Session(conn)
        self.sessions.add(session)
        pinger = asyncio.create_task(self._heartbeat(session))
        try:
            async for raw in conn:
                if self.faults.silenced:
                    continue
                try:
                    msg = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                trnm = msg.get("trnm") if isinstance(msg, dict) else None
                if trnm == "PING":
                    session.echoed.set()
                    self.ping_echoes += 1
                elif trnm == "LOGIN":
                    await self._login(session, msg)
                elif not session.logged_in:
                    await self._send(session, frames.system(codes.SYS_NOT_LOGGED_IN, "로그인 필요"))
                    await conn.close()
                elif trnm in ("REG", "REMOVE"):
                    await self._register(session, msg)
        except ConnectionClosed:
            pass
        finally:
            pinger.cancel()
            self.sessions.discard(session)

    async def _heartbeat(self, s: Session) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            if self.faults.silenced:
                continue
            s.echoed.clear()
            await self._send(s, {"trnm": "PING"})
            try:
                await asyncio.wait_for(s.echoed.wait(), self.ping_timeout)
            except TimeoutError:
                if self.faults.silenced:
                    continue
                await self._send(s, frames.system(codes.SYS_NO_HEARTBEAT, "PING 응답 없음"))
                await s.conn.close()
                return

    async def _login(self, s: Session, msg: dict[str, Any]) -> None:
        refusal = self.faults.take_login_refusal()
        if refusal is None and self.faults.domain_mismatch is not None:
            refusal = codes.DOMAIN_TOKEN
        info = self.tokens.valid(str(msg.get("token", ""))) if refusal is None else None
        if info is None:
            code = refusal or codes.TOKEN_INVALID
            text = codes.MESSAGES.get(code, "로그인 실패").replace("{}", "")
            answer = {"trnm": "LOGIN", "return_code": codes.LOGIN_REFUSED}
            await self._send(s, answer | {"return_msg": f"[CODE={code}, MSG={text}]"})
            await s.conn.close()
            return
        if self.single_session:
            for other in list(self.sessions):
                if other is not s and other.logged_in and other.appkey == info.appkey:
                    other.logged_in = False
                    await self._send(
                        other, frames.system(codes.SYS_DUPLICATE_LOGIN, "동일 키 접속")
                    )
                    await other.conn.close()
        s.logged_in, s.appkey = True, info.appkey
        await self._send(s, {"trnm": "LOGIN", "return_code": 0, "return_msg": ""})
        if self.faults.system_in_handshake:  # the quirk: a SYSTEM frame before any REG
            system = self.faults.system_in_handshake.pop(0)
            await self._send(s, frames.system(system, "로그인 필요"))

    async def _register(self, s: Session, msg: dict[str, Any]) -> None:
        trnm = str(msg["trnm"])
        grp = str(msg.get("grp_no", "1"))
        pairs: set[tuple[str, str]] = set()
        for block in msg.get("data") or []:
            items = block.get("item") or [""]
            pairs |= {(str(i), str(t)) for i in items for t in block.get("type") or []}
        if trnm == "REMOVE":
            s.groups.get(grp, set()).difference_update(pairs)
            await self._send(s, {"trnm": trnm, "return_code": 0, "return_msg": ""})
            return
        keep = str(msg.get("refresh", "1")) != "0"
        groups = {g: set(p) for g, p in s.groups.items()} if keep else {}
        groups.setdefault(grp, set()).update(pairs)
        refusal = self.faults.take_reg_refusal()
        group_items = len({item for item, _ in pairs if item})
        if refusal is None and (
            s.item_count(groups) > self.max_items or group_items > self.max_group_items
        ):
            refusal = codes.REG_TOO_MANY
        if refusal is not None:
            refused = f"[{refusal}] 실시간 등록 종목수({self.max_items}) 초과"
            await self._send(s, {"trnm": trnm, "return_code": refusal, "return_msg": refused})
            return
        s.groups = groups
        await self._send(s, {"trnm": trnm, "return_code": 0, "return_msg": ""})
        self.registered.set()
        async with self._registrations:
            self._registrations.notify_all()

    async def wait_registered(self, item: str, kind: str) -> None:
        """Return once a logged-in socket has registered ``(item, kind)``."""
        async with self._registrations:
            await self._registrations.wait_for(
                lambda: any(s.logged_in and s.wants(item, kind) for s in self.sessions)
            )


def _check_path(conn: ServerConnection, request: Request) -> Response | None:
    if request.path.split("?")[0] != WS_PATH:
        return conn.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
    return None

"""A minimal asyncio HTTP/1.1 server: POST with Content-Length, keep-alive, nothing else.

Kiwoom's REST surface is POST + JSON only, so a hand-written server adds no dependency
and gives the fault injector what a framework hides: answering never (``Hang``) or
closing the TCP connection instead of answering (``Drop``), after the work was done.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {
    411: "Length Required",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 1024 * 1024


@dataclass(slots=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Hang:
    """Answer nothing: keep the connection open until the client gives up."""


class Drop:
    """Close the connection without an answer."""


Reply = Response | Hang | Drop
Handler = Callable[[Request], Awaitable[Reply]]


class HttpServer:
    """Serves ``handler`` on 127.0.0.1; ``port`` 0 picks a free port (read ``.port``)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self._host = host
        self._want_port = port
        self._server: asyncio.Server | None = None
        self._conns: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve_conn, self._host, self._want_port, limit=_MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        # abort rather than cancel: a cancelled handler task makes asyncio log an error
        for writer in list(self._conns.values()):
            writer.transport.abort()
        tasks = list(self._conns)
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns[task] = writer
        try:
            while await self._serve_one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._conns.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection should end."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            return False  # clean EOF between requests
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            await _write(writer, Response(400, b""), keep_alive=False)
            return False
        method, target, _version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "transfer-encoding" in headers:  # Kiwoom clients send Content-Length; keep it simple
            await _write(writer, Response(411, b""), keep_alive=False)
            return False
        length = int(headers.get("content-length", "0") or "0")
        if length > _MAX_BODY:
            await _write(writer, Response(413, b""), keep_alive=False)
            return False
        body = await reader.readexactly(length) if length else b""
        # header values are UTF-8 on the wire; latin-1 decoding above kept the bytes intact
        headers = {k: v.encode("latin-1").decode("utf-8", "replace") for k, v in headers.items()}
        keep_alive = headers.get("connection", "").lower() != "close"
        if method != "POST":
            await _write(writer, Response(405, b""), keep_alive)
            return keep_alive
        reply = await self._handler(Request(method, target.split("?")[0], headers, body))
        if isinstance(reply, Drop):
            return False
        if isinstance(reply, Hang):
            await reader.read()  # until the client closes or the server shuts down
            return False
        await _write(writer, reply, keep_alive)
        return keep_alive


async def _write(writer: asyncio.StreamWriter, resp: Response, keep_alive: bool) -> None:
    reason = _REASONS.get(resp.status, "Unknown")
    head = [f"HTTP/1.1 {resp.status} {reason}"]
    head.append("content-type: application/json;charset=UTF-8")
    head.append(f"content-length: {len(resp.body)}")
    if not keep_alive:
        head.append("connection: close")
    head.extend(f"{k}: {v}" for k, v in resp.headers.items())
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + resp.body)
    await writer.drain()

"""``RealtimeClient``: Kiwoom's websocket, kept logged in, registered and alive.

One connection's life: connect, send ``LOGIN`` with the bare token, wait for the LOGIN
answer (PING, SYSTEM and data frames may come first, so one reader task handles every
frame and the handshake waits on futures it resolves), register ``00``/``04``/``0s`` with
item ``""`` and the symbols' ``0B``/``1h`` in groups of at most ``group_size`` items, then
route data until the connection ends. PINGs are echoed byte for byte.

Retry-or-stop, decided in ``run``: a refused key (CredentialsRejectedError) or a SYSTEM
``R10001`` (the same app key logged in elsewhere: reconnecting would fight it) stops the
client; anything else -- a dropped socket, a silent feed (no frame for
``silence_timeout`` seconds), a refused token (dropped, then renewed), a refused REG --
reconnects after a jittered exponential ``backoff()``. After every reconnect the server
has forgotten everything, so we LOGIN and register again, then call ``on_reconnected`` so
the broker can query what happened during the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, Protocol

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from autotrader.broker.kiwoom.codes import error_from_answer, scrub
from autotrader.broker.kiwoom.parse import (
    ParseStats,
    decode_frame,
    parse_balance_update,
    parse_execution,
    real_entries,
)
from autotrader.broker.kiwoom.throttle import Sleep, backoff
from autotrader.errors import BrokerError, CredentialsRejectedError, TokenInvalidError
from autotrader.model import BalanceUpdate, Execution

log = logging.getLogger(__name__)
# websockets logs every frame at DEBUG, LOGIN (with the token) included: its logger for
# our connections is pinned at INFO so a DEBUG root logger cannot make it print a token.
wire_log = logging.getLogger(f"{__name__}.wire")
wire_log.setLevel(logging.INFO)

ACCOUNT_TYPES = ("00", "04", "0s")  # registered with item ""
SYMBOL_TYPES = ("0B", "1h", "0g")  # trades, VI, the day's limits (+ 0D/0w when read)
_DISCONNECT_CODES = frozenset({"R10001", "R10002", "R10004"})
_FATAL_SYSTEM_CODES = frozenset({"R10001"})
_REG_ATTEMPTS = 3


class TokenSource(Protocol):
    async def token(self) -> str: ...

    def invalidate(self, token: str | None = None) -> None: ...


class RealtimeError(BrokerError):
    """The websocket session failed; ``fatal`` errors stop the client instead of reconnecting."""

    def __init__(self, code: int | str | None, message: str, *, fatal: bool = False) -> None:
        super().__init__(None, message, api_id="websocket")
        self.code = code
        self.fatal = fatal

    def __str__(self) -> str:
        code = f"[{self.code}] " if self.code is not None else ""
        return f"websocket: {code}{self.message}"


class RealtimeClient:
    """Keeps one websocket session alive and routes its frames to callbacks."""

    def __init__(
        self,
        url: str,
        tokens: TokenSource,
        *,
        on_execution: Callable[[Execution], None],
        on_balance: Callable[[BalanceUpdate], None],
        on_market: Callable[[dict[str, Any]], None],
        on_reconnected: Callable[[], Awaitable[None]] | None = None,
        on_frame: Callable[[str], None] | None = None,
        silence_timeout: float = 60.0,
        login_timeout: float = 10.0,
        group_size: int = 100,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        backoff_factory: Callable[[], Iterator[float]] = backoff,
    ) -> None:
        self._url = url
        self._tokens = tokens
        self._on_execution = on_execution
        self._on_balance = on_balance
        self._on_market = on_market
        self._on_reconnected = on_reconnected
        self._on_frame = on_frame  # every REAL frame's text, as received (raw frame journal)
        self._silence = silence_timeout
        self._login_timeout = login_timeout
        self._group_size = max(1, group_size)
        self._clock = clock
        self._sleep = sleep
        self._backoff_factory = backoff_factory
        self._symbols: list[str] = []
        self.symbol_types: tuple[str, ...] = SYMBOL_TYPES  # the runner adds 0D/0w if read
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ws: ClientConnection | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self.stats = ParseStats()
        self.sessions = 0  # completed handshakes, for health checks and tests

    # -- configuration -------------------------------------------------------------

    def subscribe(self, symbols: Iterable[str]) -> None:
        """Add symbols (``005930``, ``005930_NX``...) to register on the next handshake."""
        for symbol in symbols:
            if symbol and symbol not in self._symbols:
                self._symbols.append(symbol)

    def registrations(self) -> list[dict[str, Any]]:
        """The REG messages a handshake sends, account types first."""
        groups: list[tuple[list[str], tuple[str, ...]]] = [([""], ACCOUNT_TYPES)]
        for start in range(0, len(self._symbols), self._group_size):
            groups.append((self._symbols[start : start + self._group_size], self.symbol_types))
        return [
            {
                "trnm": "REG",
                "grp_no": str(number),
                "refresh": "1",
                "data": [{"item": items, "type": list(types)}],
            }
            for number, (items, types) in enumerate(groups, start=1)
        ]

    # -- lifecycle -----------------------------------------------------------------

    async def wait_ready(self) -> None:
        """Wait until logged in and registered (again, after a reconnect)."""
        await self._ready.wait()

    async def close(self) -> None:
        """Stop reconnecting and close the socket; ``run`` then returns."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def run(self) -> None:
        """Connect and stay connected until ``close()``; raises only on a fatal error."""
        delays = self._backoff_factory()
        while not self._closing:
            try:
                token = await self._tokens.token()
                async with connect(
                    self._url,
                    open_timeout=self._login_timeout,
                    ping_interval=None,
                    logger=wire_log,
                ) as ws:
                    self._ws = ws
                    if await self._session(ws, token):
                        delays = self._backoff_factory()  # a good session resets the back-off
            except RealtimeError as exc:
                if exc.fatal:
                    log.error("%s; stopping", exc)
                    raise
                if not self._closing:
                    log.warning("%s; reconnecting", exc)
            except CredentialsRejectedError:
                raise
            except (OSError, TimeoutError, WebSocketException, BrokerError) as exc:
                if not self._closing:
                    log.warning("websocket: %s; reconnecting", _describe(exc))
            finally:
                self._ws = None
                self._ready.clear()
                self._fail_pending()
            if not self._closing:
                await self._sleep(next(delays))

    async def _session(self, ws: ClientConnection, token: str) -> bool:
        """One connection: handshake, then read until it ends. True if the handshake held."""
        reader = asyncio.create_task(self._read(ws))
        handshake_done = False
        try:
            await self._login(ws, token)
            for message in self.registrations():
                await self._register(ws, message)
            handshake_done = True
            self.sessions += 1
            self._ready.set()
            log.info("websocket: logged in, %d symbols registered", len(self._symbols))
            if self.sessions > 1 and self._on_reconnected is not None:
                try:
                    await self._on_reconnected()
                except Exception:
                    log.exception("websocket: on_reconnected failed")
            await reader
        finally:
            if not reader.done():
                reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            # The reader's failure (SYSTEM disconnect, silence) explains the end.
            if reader.done() and not reader.cancelled() and reader.exception() is not None:
                exc = reader.exception()
                assert exc is not None
                raise exc
        return handshake_done

    async def _login(self, ws: ClientConnection, token: str) -> None:
        answer = await self._request(ws, "LOGIN", {"trnm": "LOGIN", "token": token})
        error = error_from_answer(200, answer, "LOGIN")
        if error is None:
            return
        error.message = scrub(error.message, (token,))
        if isinstance(error, TokenInvalidError):
            self._tokens.invalidate(token)
            raise RealtimeError(error.return_code, f"LOGIN refused: {error.message}")
        if isinstance(error, CredentialsRejectedError):
            raise RealtimeError(error.return_code, f"LOGIN refused: {error.message}", fatal=True)
        raise RealtimeError(error.return_code, f"LOGIN refused: {error.message}")

    async def _register(self, ws: ClientConnection, message: dict[str, Any]) -> None:
        delays = self._backoff_factory()
        for _ in range(_REG_ATTEMPTS):
            answer = await self._request(ws, "REG", message)
            error = error_from_answer(200, answer, "REG")
            if error is None:
                return
            delay = next(delays)
            log.warning(
                "websocket: REG group %s refused (%s); retry in %.2fs",
                message["grp_no"],
                error,
                delay,
            )
            await self._sleep(delay)
        raise RealtimeError(None, f"REG group {message['grp_no']} refused {_REG_ATTEMPTS} times")

    async def _request(
        self, ws: ClientConnection, trnm: str, message: dict[str, Any]
    ) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[trnm] = future
        try:
            await ws.send(orjson.dumps(message).decode())
            async with asyncio.timeout(self._login_timeout):
                return await future
        except TimeoutError:
            raise RealtimeError(None, f"no {trnm} answer within {self._login_timeout}s") from None
        finally:
            self._pending.pop(trnm, None)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(RealtimeError(None, "connection closed during handshake"))
        self._pending.clear()

    # -- reading and routing ---------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        """Read frames until the socket closes; raise on silence or a SYSTEM disconnect."""
        try:
            while True:
                try:
                    async with asyncio.timeout(self._silence):
                        raw = await ws.recv()
                except TimeoutError:
                    raise RealtimeError(None, f"feed silent for {self._silence}s") from None
                await self._handle(ws, raw)
        except RealtimeError as exc:
            self._fail_pending_with(exc)
            raise
        except WebSocketException as exc:
            self._fail_pending_with(RealtimeError(None, f"connection lost ({_describe(exc)})"))
            raise RealtimeError(None, f"connection lost ({_describe(exc)})") from None

    def _fail_pending_with(self, exc: RealtimeError) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)

    async def _handle(self, ws: ClientConnection, raw: str | bytes) -> None:
        frame = decode_frame(raw, self.stats)
        if frame is None:
            log.warning("websocket: skipped a malformed frame (%d so far)", self.stats.total)
            return
        trnm = frame["trnm"]
        if trnm == "PING":
            await ws.send(raw)  # identical, or the server drops us
        elif trnm == "REAL":
            if self._on_frame is not None:
                self._call(self._on_frame, raw if isinstance(raw, str) else raw.decode())
            self._route(frame)
        elif trnm == "SYSTEM":
            self._system(frame)
        elif trnm in self._pending and not self._pending[trnm].done():
            self._pending[trnm].set_result(frame)
        else:
            log.debug("websocket: unhandled %s frame", trnm)

    def _system(self, frame: dict[str, Any]) -> None:
        code = str(frame.get("code", ""))
        message = scrub(str(frame.get("message", "")))
        if code in _DISCONNECT_CODES:
            raise RealtimeError(
                code, message or "disconnected by server", fatal=code in _FATAL_SYSTEM_CODES
            )
        log.info("websocket: SYSTEM %s %s", code, message)

    def _route(self, frame: dict[str, Any]) -> None:
        now = self._clock()
        market = False
        for entry in real_entries(frame, self.stats):
            kind = entry["type"]
            if kind == "00":
                execution = parse_execution(entry["values"], now, self.stats)
                if execution is not None:
                    self._call(self._on_execution, execution)
            elif kind == "04":
                balance = parse_balance_update(entry["values"], now, self.stats)
                if balance is not None:
                    self._call(self._on_balance, balance)
            else:
                market = True
        if market:
            self._call(self._on_market, frame)

    def _call(self, callback: Callable[[Any], None], value: object) -> None:
        try:
            callback(value)
        except Exception:
            # A consumer's bug must not take the feed down with it.
            self.stats.skip("callback raised")
            log.exception("websocket: callback failed")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

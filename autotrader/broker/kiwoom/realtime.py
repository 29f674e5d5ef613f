"""``RealtimeClient``: Kiwoom's websocket, kept logged in, registered and alive.

One connection's life: connect, send ``LOGIN`` with the bare token, wait for the LOGIN
answer (PING, SYSTEM and data frames may come first, so one reader task handles every
frame and the handshake waits on futures it resolves), register ``00``/``04``/``0s`` with
item ``""`` and the symbols' ``0B``/``1h`` in groups of at most ``group_size`` items, then
route data until the connection ends. PINGs are echoed byte for byte.

Retry-or-stop, decided in ``run``: a refused key (CredentialsRejectedError, including a
production/mock mismatch) or a SYSTEM ``R10001`` (the same app key logged in elsewhere:
reconnecting would fight it) stops the client; so does a REG refused for too many items
(``105115``) even after splitting it into groups of one. Anything else -- a dropped
socket, a stalled feed, a refused token (dropped, then renewed), a refused REG --
reconnects after a jittered exponential ``backoff()``. After every reconnect the server
has forgotten everything, so we LOGIN and register again, then call ``on_reconnected`` so
the broker can query what happened during the gap.

Stalls (``stall.py``): a socket that stays open but carries nothing is noticed from the
server's PING rhythm (no frame for ``stall_pings`` PING intervals) or, until the rhythm is
known, after ``silence_timeout`` seconds; the session then ends like a drop, and the resync
follows.

SYSTEM frames may arrive anywhere, even around the LOGIN answer (NOTES.md). ``R10001`` and
``R10002`` announce a disconnect and end the session. ``R10004`` ("not logged in") during
the handshake is the server answering a frame that overtook our LOGIN: it is logged and
the handshake goes on (if the server really closes, the reader sees it); after the
handshake it means our registrations are gone, so the session is renewed.

Notable events (stalls, the PING rhythm learned, SYSTEM frames, REG splits) go to
``on_event`` as one line of text, for the journal.
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
from autotrader.broker.kiwoom.stall import StallWatch
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
_DISCONNECT_CODES = frozenset({"R10001", "R10002"})
_NOT_LOGGED_IN = "R10004"
_FATAL_SYSTEM_CODES = frozenset({"R10001"})
_REG_ATTEMPTS = 3
REG_TOO_MANY = 105115  # REG refused: too many items (per group or per connection)


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
        on_event: Callable[[str], None] | None = None,
        silence_timeout: float = 10.0,
        stall_pings: float = 2.5,
        stall_min: float = 1.0,
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
        self._on_event = on_event
        self.watch = StallWatch(silence_timeout, pings=stall_pings, minimum=stall_min)
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
        self._handshake = False  # logged in and registered on the current connection
        self._next_group = 1
        self._resync: asyncio.Task[None] | None = None  # after an unreadable 00 entry
        self._closing = False
        self.stats = ParseStats()
        self.sessions = 0  # completed handshakes, for health checks and tests
        self.stalls = 0  # sessions ended because the feed stalled

    # -- configuration -------------------------------------------------------------

    def subscribe(self, symbols: Iterable[str]) -> None:
        """Add symbols (``005930``, ``005930_NX``...) to register on the next handshake."""
        for symbol in symbols:
            if symbol and symbol not in self._symbols:
                self._symbols.append(symbol)

    def registrations(self) -> list[dict[str, Any]]:
        """The REG messages a handshake sends, account types first."""
        return [
            _reg(number, items, types)
            for number, (items, types) in enumerate(self._groups(), start=1)
        ]

    def _groups(self) -> list[tuple[list[str], tuple[str, ...]]]:
        groups: list[tuple[list[str], tuple[str, ...]]] = [([""], ACCOUNT_TYPES)]
        for start in range(0, len(self._symbols), self._group_size):
            groups.append((self._symbols[start : start + self._group_size], self.symbol_types))
        return groups

    # -- lifecycle -----------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Logged in and registered: frames can arrive."""
        return self._ready.is_set()

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
        self.watch.reset()
        self._handshake = False
        reader = asyncio.create_task(self._read(ws))
        handshake_done = False
        try:
            await self._login(ws, token)
            groups = self._groups()
            self._next_group = len(groups) + 1
            for number, (items, types) in enumerate(groups, start=1):
                await self._register(ws, number, items, types)
            handshake_done = self._handshake = True
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

    async def _register(
        self, ws: ClientConnection, group: int, items: list[str], types: tuple[str, ...]
    ) -> None:
        """REG one group; refused for too many items (105115), it is split in two groups
        (and later handshakes use the smaller size); other refusals back off and retry."""
        delays = self._backoff_factory()
        too_many = False
        for _ in range(_REG_ATTEMPTS):
            answer = await self._request(ws, "REG", _reg(group, items, types))
            error = error_from_answer(200, answer, "REG")
            if error is None:
                return
            too_many = _says_too_many(error)
            if too_many and len(items) > 1:
                half = (len(items) + 1) // 2
                self._group_size = max(1, min(self._group_size, half))
                other = self._next_group
                self._next_group += 1
                self._event(
                    f"REG group {group} ({len(items)} items) refused for too many items "
                    f"({REG_TOO_MANY}): split into groups {group} and {other} of at most {half}"
                )
                await self._register(ws, group, items[:half], types)
                await self._register(ws, other, items[half:], types)
                return
            delay = next(delays)
            log.warning("websocket: REG group %s refused (%s); retry in %.2fs", group, error, delay)
            await self._sleep(delay)
        if too_many:
            raise RealtimeError(
                REG_TOO_MANY,
                f"REG refused for too many items even one item per group, "
                f"{_REG_ATTEMPTS} times with back-off ({len(self._symbols)} symbols): "
                "trade fewer symbols (Kiwoom allows about 200 per connection)",
                fatal=True,
            )
        raise RealtimeError(None, f"REG group {group} refused {_REG_ATTEMPTS} times")

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
        """Read frames until the socket closes; raise on a stall or a SYSTEM disconnect."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                threshold = self.watch.threshold()
                try:
                    async with asyncio.timeout(threshold):
                        raw = await ws.recv()
                except TimeoutError:
                    text = f"feed stalled: no frame for {threshold:.1f}s; {self.watch.describe()}"
                    self.stalls += 1
                    self._event(text)
                    raise RealtimeError(None, text) from None
                await self._handle(ws, raw, loop.time())
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

    async def _handle(self, ws: ClientConnection, raw: str | bytes, now: float = 0.0) -> None:
        frame = decode_frame(raw, self.stats)
        if frame is None:
            self.watch.frame(now)
            log.warning("websocket: skipped a malformed frame (%d so far)", self.stats.total)
            return
        trnm = frame["trnm"]
        if self.watch.frame(now, ping=trnm == "PING"):
            self._event(
                f"server PINGs every {self.watch.ping_interval:.1f}s: {self.watch.describe()}"
            )
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
        if code == _NOT_LOGGED_IN:
            if self._handshake:  # our registrations are gone: LOGIN and REG again
                raise RealtimeError(code, message or "not logged in")
            # A frame of ours overtook the LOGIN: the handshake goes on (NOTES.md).
            self._event(f"SYSTEM {code} ({message}) during the handshake: ignored, continuing")
            return
        log.info("websocket: SYSTEM %s %s", code, message)

    def _resync_soon(self) -> None:
        if self._on_reconnected is None or (self._resync is not None and not self._resync.done()):
            return
        self._resync = asyncio.get_running_loop().create_task(self._run_resync())

    async def _run_resync(self) -> None:
        assert self._on_reconnected is not None
        try:
            await self._on_reconnected()
        except Exception as exc:  # logged; the next gap or resync tries again
            log.warning("websocket: resync failed (%s)", _describe(exc))

    def _event(self, text: str) -> None:
        log.warning("websocket: %s", text)
        if self._on_event is not None:
            self._call(self._on_event, text)

    def _route(self, frame: dict[str, Any]) -> None:
        now = self._clock()
        market = False
        for entry in real_entries(frame, self.stats):
            kind = entry["type"]
            if kind not in ("00", "04"):
                market = True
                continue
            before = self.stats.skipped.copy()
            try:
                if kind == "00":
                    execution = parse_execution(entry["values"], now, self.stats)
                    if execution is not None:
                        self._call(self._on_execution, execution)
                        continue
                else:
                    balance = parse_balance_update(entry["values"], now, self.stats)
                    if balance is not None:
                        self._call(self._on_balance, balance)
                        continue
                why = ", ".join(self.stats.skipped - before) or "refused by the parser"
            except Exception as exc:  # a parser's failure must not end the session
                self.stats.skip(f"{kind}: unreadable")
                why = type(exc).__name__
            self._skipped(kind, entry, why)
        if market:
            self._call(self._on_market, frame)

    def _skipped(self, kind: str, entry: dict[str, Any], why: str) -> None:
        """An account entry that cannot be used: journaled (type, item, a short excerpt)
        and skipped; a ``00`` may have been a fill, so Kiwoom is asked what happened."""
        if kind == "00":
            self._resync_soon()
        excerpt = scrub(orjson.dumps(entry.get("values")).decode()[:120])
        item = str(entry.get("item", ""))[:12]
        self._event(f"skipped a {kind} entry for {item!r}, unreadable ({why}): {excerpt}")

    def _call(self, callback: Callable[[Any], None], value: object) -> None:
        try:
            callback(value)
        except Exception:
            # A consumer's bug must not take the feed down with it.
            self.stats.skip("callback raised")
            log.exception("websocket: callback failed")


def _reg(group: int, items: list[str], types: tuple[str, ...]) -> dict[str, Any]:
    return {
        "trnm": "REG",
        "grp_no": str(group),
        "refresh": "1",
        "data": [{"item": items, "type": list(types)}],
    }


def _says_too_many(error: BrokerError) -> bool:
    return error.return_code == REG_TOO_MANY or str(REG_TOO_MANY) in error.message


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

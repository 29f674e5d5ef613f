"""``autotrader record``: a Kiwoom websocket session that trades nothing and writes tapes.

It logs in like a live run, registers ``0s`` (item ``""``) and ``0B``/``1h`` (and ``0D``
when asked) for the watch list, and hands every ``REAL`` frame's text to a
``TapeRecorder`` with its receive time. A flush task appends the buffered lines to the
day's file every second. After a reconnect the recorder writes a ``GAP`` line from the
last frame received before the drop to the moment the feed is registered again:
Kiwoom does not replay what was missed. With condition searches (``--condition``), the
list and each search's initial list are written to the tape, ``02`` hits too, and the
stocks entering are registered as they come (``live/record_conditions.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autotrader.broker.kiwoom.realtime import RealtimeClient
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.feed.recorder import FLUSH_INTERVAL, TapeRecorder
from autotrader.live.record_conditions import RecordConditions

log = logging.getLogger(__name__)

SYMBOL_TYPES = ("0B", "1h")
DEPTH_TYPE = "0D"


class RecordingClient(RealtimeClient):
    """A realtime client registering market types only (``0s`` account-wide)."""

    def __init__(self, *args: Any, depth: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.symbol_types = SYMBOL_TYPES + ((DEPTH_TYPE,) if depth else ())
        self.watch_list: list[str] = []

    def subscribe(self, symbols: Iterable[str]) -> None:
        symbols = list(symbols)
        super().subscribe(symbols)
        self.watch_list = list(dict.fromkeys([*self.watch_list, *(s for s in symbols if s)]))

    async def add_symbols(self, symbols: Iterable[str]) -> None:
        new = [s for s in symbols if s and s not in self.watch_list]
        self.watch_list.extend(new)  # registered again after a reconnect
        await super().add_symbols(new)

    async def remove_symbols(self, symbols: Iterable[str]) -> None:
        gone = set(symbols)
        self.watch_list = [s for s in self.watch_list if s not in gone]
        await super().remove_symbols(gone)

    def _groups(self) -> list[tuple[list[str], tuple[str, ...]]]:
        # market types only; the group size follows the client's (it shrinks on 105115)
        groups: list[tuple[list[str], tuple[str, ...]]] = [([""], ("0s",))]
        size = self._group_size
        for start in range(0, len(self.watch_list), size):
            groups.append((self.watch_list[start : start + size], self.symbol_types))
        return groups


@dataclass(frozen=True, slots=True)
class RecordResult:
    frames: int
    gaps: int
    sessions: int
    files: tuple[Path, ...]


class Recorder:
    """One recording session; ``stop()`` ends it (signal handlers call it)."""

    def __init__(
        self,
        settings: KiwoomSettings,
        symbols: Iterable[str],
        directory: str | Path,
        *,
        depth: bool = False,
        prefix: str = "",
        clock: Callable[[], float] = time.time,
        conditions: Iterable[str] = (),
        max_condition_symbols: int = 100,
    ) -> None:
        self.symbols = list(dict.fromkeys(symbols))
        self.clock = clock
        self.rest = KiwoomRest(settings, clock=clock)
        self.tape = TapeRecorder(directory, self.symbols, prefix=prefix, clock=clock)
        self.client = RecordingClient(
            settings.websocket_url,
            self.rest.tokens,
            depth=depth,
            on_execution=_ignore,
            on_balance=_ignore,
            on_market=_ignore,
            on_reconnected=self._reconnected,
            on_frame=self._frame,
            silence_timeout=settings.ws_silence_timeout,
            login_timeout=settings.ws_login_timeout,
            clock=clock,
        )
        self.client.subscribe(self.symbols)
        self.conditions = RecordConditions(
            self.client,
            list(conditions),
            self.tape,
            clock,
            cap=min(max_condition_symbols, settings.ws_max_items - len(self.symbols)),
            fixed=self.symbols,
        )
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    def _frame(self, text: str) -> None:
        self.tape.on_frame(text, self.clock())
        self.conditions.on_frame(text)

    async def _reconnected(self) -> None:
        now = self.clock()
        self.tape.mark_gap(self.tape.last_received, now, "reconnect")
        log.warning("record: reconnected; gap marked in the tape")
        await self.conditions.start()

    async def run(self, max_seconds: float | None = None) -> RecordResult:
        """Record until ``stop()``, ``max_seconds`` or a fatal websocket error."""
        ws = asyncio.create_task(self.client.run(), name="kiwoom-record")
        flusher = asyncio.create_task(self._flush_every())
        stopping = asyncio.create_task(self._stop.wait())
        try:
            if self.conditions.refs:  # list and start the searches once logged in
                ready = asyncio.create_task(self.client.wait_ready())
                await asyncio.wait({ws, ready}, return_when="FIRST_COMPLETED")
                ready.cancel()
                if ready.done() and not ready.cancelled():
                    await self.conditions.start(strict=True)
            await asyncio.wait({ws, stopping}, timeout=max_seconds, return_when="FIRST_COMPLETED")
            if ws.done():
                ws.result()  # a fatal error (key refused, logged in elsewhere) surfaces here
        finally:
            stopping.cancel()
            flusher.cancel()
            await self.conditions.close()
            await self.client.close()
            if not ws.done():
                ws.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await ws
            self.tape.close()
            await self.rest.aclose()
        return RecordResult(
            self.tape.frames, self.tape.gaps, self.client.sessions, tuple(self.tape.files)
        )

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            try:
                self.tape.tick()
            except OSError:
                log.exception("record: cannot write the tape")


def run_record(factory: Callable[[], Recorder], max_seconds: float | None) -> RecordResult:
    """Record on a new event loop; SIGINT and SIGTERM end it cleanly (flushed)."""

    async def main() -> RecordResult:
        recorder = factory()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, recorder.stop)
        return await recorder.run(max_seconds)

    return asyncio.run(main())


def _ignore(_: object) -> None:
    """Account events are not recorded (and not acted on: nothing trades here)."""

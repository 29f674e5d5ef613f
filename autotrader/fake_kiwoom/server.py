"""``FakeKiwoom``: the REST server, the websocket server, the book and the tape, together.

Tests start it with ``async with FakeKiwoom(...) as fake`` on free ports; the CLI runs it
for demos. Ticks reach clients only when pushed (``push_frame``, ``play_tape``, ``stream``)
so every test controls time; ``auto_stream`` replays the tape in the background instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from autotrader.clock import SEOUL, day_start
from autotrader.fake_kiwoom import frames
from autotrader.fake_kiwoom.auth import TokenStore, hhmmss
from autotrader.fake_kiwoom.book import Book
from autotrader.fake_kiwoom.faults import Faults, FaultState
from autotrader.fake_kiwoom.http import HttpServer
from autotrader.fake_kiwoom.market_facts import CreditList, Depths, Programs
from autotrader.fake_kiwoom.orders import BalanceEvent, BookEvent, Holding, Order
from autotrader.fake_kiwoom.replay import (
    Frame,
    TapeCursor,
    frame_time,
    scan_base_prices,
    seconds,
    to_int,
)
from autotrader.fake_kiwoom.rest import RestContext
from autotrader.fake_kiwoom.router import Router
from autotrader.fake_kiwoom.ws import WS_PATH, Hub
from autotrader.market.fees import Fees
from autotrader.market.matching import MatchConfig, Print

DEFAULT_BASE_PRICES = {"005930": 60_000, "000660": 200_000}
DEFAULT_NAMES = {"005930": "삼성전자", "000660": "SK하이닉스"}


class FakeKiwoom:
    """A local Kiwoom: REST on ``rest_url``, websocket on ``ws_url``, one account.

    ``mock=True`` behaves like mockapi.kiwoom.com (KRX only); ``page_size`` is the list
    length after which queries continue with ``cont-yn``/``next-key``. ``credit_stocks``
    (code -> grade A-E) is the credit-loan list of kt20016/kt20017, None = every stock;
    ``synthetic_depth`` the shares per level of the ka10004 book before any ``0D``.
    """

    def __init__(
        self,
        tape: str | Path | None = None,
        *,
        appkey: str = "test-appkey",
        secretkey: str = "test-secretkey",
        account: str = "1111111111",
        cash: int = 100_000_000,
        holdings: Mapping[str, tuple[int, int]] | None = None,
        base_prices: Mapping[str, int] | None = None,
        names: Mapping[str, str] | None = None,
        mock: bool = True,
        page_size: int = 100,
        max_fill_qty: int | None = None,
        fees: Fees | None = None,
        ping_interval: float = 60.0,
        ping_timeout: float = 10.0,
        max_items: int = 200,
        max_group_items: int = 200,
        single_session: bool = True,
        rate_per_sec: int | None = None,
        token_ttl: float = 24 * 3600.0,
        auto_stream: bool = False,
        wait_for_client: bool = False,
        speed: float | None = None,
        rest_port: int = 0,
        ws_port: int = 0,
        clock: Callable[[], float] = time.time,
        matching: MatchConfig | None = None,
        credit_stocks: Mapping[str, str] | None = None,
        synthetic_depth: int = 1_000,
    ) -> None:
        self.tape_path = Path(tape) if tape is not None else None
        self._cursor = TapeCursor(self.tape_path) if self.tape_path else None
        self.tape_header: Frame = self._cursor.header if self._cursor else {}
        bases = dict(DEFAULT_BASE_PRICES if base_prices is None and tape is None else {})
        if self.tape_path is not None:
            bases |= scan_base_prices(self.tape_path)
        bases |= dict(base_prices or {})
        self.account = account
        self.clock = clock
        self._tape_now = 0.0
        self.book = Book(
            cash=cash,
            holdings=holdings or {},
            base_prices=bases,
            names={**DEFAULT_NAMES, **(names or {})},
            now_hhmmss=lambda: hhmmss(self.venue_time()),
            fees=fees,
            max_fill_qty=max_fill_qty,
            now_ts=self.venue_now,
            matching=matching,
        )
        self.tokens = TokenStore(appkey, secretkey, ttl=token_ttl, clock=clock)
        self._fault_state = FaultState()
        self.hub = Hub(
            self.tokens,
            self._fault_state,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            max_items=max_items,
            max_group_items=max_group_items,
            single_session=single_session,
        )
        self.faults = Faults(self._fault_state, self.hub, self.tokens)
        self.depths, self.programs = Depths(synthetic_depth), Programs()
        ctx = RestContext(
            self.book, self._fault_state, self.publish, account, mock, page_size, self.tape_path
        )
        ctx.depths, ctx.credit = self.depths, CreditList(credit_stocks)
        ctx.programs = self.programs
        router = Router(ctx, self.tokens, clock=clock, rate_per_sec=rate_per_sec)
        self._http = HttpServer(router, port=rest_port)
        self._ws_port = ws_port
        self._auto = auto_stream
        self._wait_for_client = wait_for_client
        self.speed = speed
        self._streamer: asyncio.Task[int] | None = None
        self._push_lock = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> FakeKiwoom:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def start(self) -> None:
        await self._http.start()
        await self.hub.start(port=self._ws_port)
        if self._auto and self._cursor is not None:
            self._streamer = asyncio.create_task(self._auto_stream())

    async def close(self) -> None:
        if self._streamer is not None:
            self._streamer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._streamer
        await self._http.close()
        await self.hub.close()

    async def _auto_stream(self) -> int:
        if self._wait_for_client:
            await self.hub.registered.wait()  # a demo client must not miss the open
        return await self.stream(speed=self.speed)

    async def wait_streamed(self) -> int:
        """Wait for the ``auto_stream`` replay to finish; how many frames it pushed."""
        return await self._streamer if self._streamer is not None else 0

    def venue_time(self) -> float:
        """The venue's clock: the fake's own plus any ``faults.offset_clock``."""
        return self.clock() + self._fault_state.clock_offset

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self._http.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.hub.port}{WS_PATH}"

    # --- account state -------------------------------------------------------------------

    @property
    def cash(self) -> int:
        return self.book.cash

    @property
    def holdings(self) -> dict[str, Holding]:
        return self.book.holdings

    @property
    def orders(self) -> list[Order]:
        """Every order number the server ever accepted (new, modify and cancel)."""
        return self.book.orders

    def open_orders(self) -> list[Order]:
        return self.book.open_orders()

    # --- pushing frames ------------------------------------------------------------------

    async def push_frame(self, frame: Frame) -> None:
        """Deliver one websocket frame as Kiwoom would, then match the book against it.

        Returns once the frame and the ``00``/``04`` frames it caused have been written.
        """
        async with self._push_lock:
            if frame.get("trnm") != "REAL":
                await self.hub.send_raw(orjson.dumps(frame).decode())
                return
            await self.hub.broadcast(frame)
            events: list[BookEvent] = []
            for entry in frame.get("data") or []:
                item = str(entry.get("item", ""))
                if entry.get("type") == "0D" and "_" not in item:
                    self.depths.on_0d(item, entry.get("values") or {})  # ka10004 snapshots
                if entry.get("type") == "0g" and "_" not in item:
                    self.book.on_limits(item, entry.get("values") or {})
                if entry.get("type") == "0w" and "_" not in item:
                    self.programs.on_0w(item, entry.get("values") or {})
                values = entry.get("values") or {}
                kind = entry.get("type")
                if kind == "1h":  # a VI: the item's KRX orders meet its auction price
                    release = str(values.get("1224") or "000000")
                    released = release != "000000"
                    at = self._tape_ts(release if released else str(values.get("1223") or ""))
                    self.book.on_vi(item or str(values.get("9001", "")), released, at)
                    continue
                if kind == "0D":  # the book's size at each price caps and queues fills
                    asks, bids = _levels(values, 41, 61), _levels(values, 51, 71)
                    self.book.matcher.on_depth(item, asks, bids)
                    continue
                if kind != "0B":
                    continue
                last, ask, bid = (to_int(values.get(f)) for f in ("10", "27", "28"))
                if not last:
                    continue
                base = last - to_int(values.get("11"), signed=True) if values.get("11") else 0
                size = abs(to_int(values.get("15"), signed=True))
                ts = self._tape_ts(str(values.get("20") or ""))
                print_ = Print(last, size, ask or last, bid or last, ts, base)
                events.extend(self.book.on_print(item, print_))
            await self.publish(events)

    def _tape_ts(self, hhmmss: str) -> float:
        """The tape's time (field 20) on the clock's day: the venue's phase clock."""
        if len(hhmmss) >= 6 and hhmmss[:6].isdigit():
            day = day_start(datetime.fromtimestamp(self.clock(), SEOUL).date())
            self._tape_now = day + seconds(hhmmss)
        return self._tape_now or self.clock()

    def venue_now(self) -> float:
        """The venue's time: the last tape time pushed, else the clock."""
        return self._tape_now or self.clock()

    async def publish(self, events: list[BookEvent]) -> None:
        """Turn book events into ``00``/``04`` entries for the account's sockets."""
        entries: list[dict[str, Any]] = []
        for event in events:
            code = event.holding.stk_cd if isinstance(event, BalanceEvent) else event.order.stk_cd
            name = self.book.names.get(code, code)
            quote = self.book.quotes.get(code)
            last, ask, bid = (quote.last, quote.ask, quote.bid) if quote else (0, 0, 0)
            if isinstance(event, BalanceEvent):
                base = self.book.base_prices.get(code, 0)
                entries.append(
                    frames.balance_entry(
                        event, account=self.account, name=name, base=base, ask=ask, bid=bid
                    )
                )
                continue
            quote = self.book.quotes.get(code)
            last, ask, bid = (quote.last, quote.ask, quote.bid) if quote else (0, 0, 0)
            tm = hhmmss(self.venue_time())
            entries.append(
                frames.order_entry(
                    event, account=self.account, name=name, tm=tm, last=last, ask=ask, bid=bid
                )
            )
        if entries:
            await self.hub.send_account(entries)

    async def play_tape(self, until: str | int | None = None) -> int:
        """Push tape frames at full speed: all, ``until`` a HHMMSS time (exclusive), or n.

        Returns how many frames were pushed.
        """
        if isinstance(until, int):
            return await self.stream(n=until)
        pushed = 0
        while self._cursor is not None and (frame := self._cursor.peek()) is not None:
            if until is not None and frame_time(frame) and frame_time(frame) >= until:
                break
            self._cursor.next()
            await self.push_frame(frame)
            pushed += 1
        return pushed

    async def stream(self, n: int | None = None, speed: float | None = None) -> int:
        """Push ``n`` frames (all if None); ``speed`` x real time by field 20, None = no waits."""
        pushed, previous = 0, ""
        while self._cursor is not None and (n is None or pushed < n):
            frame = self._cursor.next()
            if frame is None:
                break
            now = frame_time(frame)
            if speed and previous and now > previous:
                await asyncio.sleep((seconds(now) - seconds(previous)) / speed)
            previous = now or previous
            await self.push_frame(frame)
            pushed += 1
        return pushed


def _levels(values: dict[str, Any], price_fid: int, size_fid: int) -> dict[int, int]:
    """One side of a 0D: price -> size for its ten levels (empty ones dropped)."""
    out = {}
    for i in range(10):
        price = to_int(values.get(str(price_fid + i)))
        if price:
            out[price] = to_int(values.get(str(size_fid + i)))
    return out

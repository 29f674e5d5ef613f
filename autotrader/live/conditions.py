"""A live run's condition searches: started after LOGIN, restarted after every reconnect.

The universe (``engine/universe.py``) decides which stocks are in; this module only
connects it to Kiwoom. At start it lists the saved conditions and hands the answer to the
feed decoder first (an unknown name raises ``UnknownConditionError`` there, and the run
stops before any rule is enabled); then it starts each resolved condition's realtime
search and hands every page of its initial list to the decoder too. The answers go to
the tape when the run records, so a replay starts from the same lists.

Registrations: a stock the universe admits is registered for ``0B``/``1h`` at once
(``RealtimeClient.add_symbols``, into a group with room), one it lets go is removed. The
universe's cap is bounded by what one connection may register (``ws_max_items``, less the
fixed symbols). After a reconnect the client registers every current symbol again, then
``restart`` lists and searches again: the new initial lists reconcile the universe
(stocks that left during the gap leave, new ones enter).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import orjson

from autotrader.broker.kiwoom.condition import ConditionSearch
from autotrader.broker.kiwoom.realtime import REG_TOO_MANY, RealtimeClient, RealtimeError
from autotrader.engine.universe import Universe
from autotrader.errors import AutotraderError, UnknownConditionError
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.feed.recorder import TapeRecorder
from autotrader.journal.queries import strategy_net_fills
from autotrader.journal.writer import Journal

log = logging.getLogger(__name__)


class LiveConditions:
    """Starts, restarts and stops the universe's searches; applies its registrations."""

    def __init__(
        self,
        universe: Universe,
        realtime: RealtimeClient,
        decoder: FrameDecoder,
        journal: Journal,
        clock: Callable[[], float],
        *,
        max_items: int,
        record: TapeRecorder | None = None,
        strategy: str = "",
        broker_name: str = "",
    ) -> None:
        self.universe = universe
        self.realtime = realtime
        self.search = ConditionSearch(realtime)
        self.decoder = decoder
        self.journal = journal
        self.clock = clock
        self.record = record
        self.strategy, self.broker_name = strategy, broker_name  # whose earlier runs count
        self.session = 0  # the websocket session the searches run on
        self.tasks: set[asyncio.Task[None]] = set()
        universe.capacity = max(0, max_items - len(universe.fixed))
        if universe.active:
            universe.on_subscribe = lambda symbols: self._spawn(self._register(symbols))
            universe.on_unsubscribe = lambda symbols: self._spawn(realtime.remove_symbols(symbols))

    def hold_earlier_positions(self) -> None:
        """Before the account is loaded: the stocks this strategy's earlier live runs
        bought and did not sell get their states, rules and registrations back, so the
        holdings load into them and their exits run (``Universe.hold``)."""
        if not self.universe.active:
            return
        held = strategy_net_fills(
            self.journal.conn,
            strategy=self.strategy,
            broker=self.broker_name,
            before_run=self.journal.run_id,
        )
        self.universe.hold(sorted(held), self.clock())

    async def start(self) -> None:
        """List the conditions, then start each realtime search with its initial list."""
        if not self.universe.active:
            return
        self.universe.settle()  # stocks held from an earlier run that the account shows flat
        try:
            self._apply(await self.search.conditions())
        except UnknownConditionError as exc:
            self.journal.error(self.clock(), "condition", str(exc))
            self.journal.flush()
            raise
        for seq in self.universe.seqs():
            for page in await self.search.search(seq, realtime=True):
                self._apply(page)
        self.session = self.realtime.sessions
        self.journal.flush()
        log.info(
            "universe: %d stocks admitted, %d waiting (cap %d)",
            len(self.universe.admitted),
            len(self.universe.waiting),
            self.universe.cap,
        )

    async def restart(self) -> None:
        """After a reconnect (a new session): the searches again, the universe reconciled."""
        if not self.universe.active or self.realtime.sessions == self.session:
            return
        try:
            await self.start()
        except AutotraderError as exc:  # journaled; the next reconnect tries again
            log.error("universe: restarting the condition searches failed: %s", exc)
            self.journal.error(self.clock(), "condition", f"restart failed: {exc}")

    async def close(self) -> None:
        """Stop the realtime searches (best effort: the socket may be gone)."""
        for task in list(self.tasks):
            task.cancel()
        for seq in sorted(self.search.running):
            try:
                await asyncio.wait_for(self.search.clear(seq), 2.0)
            except (AutotraderError, TimeoutError) as exc:
                log.info("universe: CNSRCLR %s not confirmed (%s)", seq, exc)

    async def _register(self, symbols: list[str]) -> None:
        try:
            await self.realtime.add_symbols(symbols)
        except RealtimeError as exc:
            if exc.code != REG_TOO_MANY:  # a dropped connection: the handshake registers them
                raise
            # Too many items on the connection: they wait again, the cap shrinks.
            self.universe.refused(symbols, self.clock(), str(exc))
            self.journal.error(self.clock(), "condition", f"registration refused: {exc}")
            waiting = [s for s in symbols if s in self.universe.waiting]
            await self.realtime.remove_symbols(waiting)  # not registered at the next handshake

    def _apply(self, answer: dict[str, Any]) -> None:
        text = orjson.dumps(answer).decode()
        if self.record is not None:
            self.record.on_frame(text, self.clock())
        if self.journal.raw_frames:
            self.journal.frame(self.clock(), text)
        self.decoder.feed(answer)

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._run(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, work: Any) -> None:
        try:
            await work
        except AutotraderError as exc:  # journaled; a reconnect registers them again
            log.error("universe: registration failed: %s", exc)
            self.journal.error(self.clock(), "condition", f"registration failed: {exc}")

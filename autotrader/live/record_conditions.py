"""``autotrader record --condition``: condition searches on a recording session.

A recording that should replay a universe strategy needs what the live run saw: the
condition list, each realtime search's initial list (written to the tape as answered),
the ``02`` hits (REAL frames, taped like any market frame), and the ``0B``/``1h`` of the
stocks while they match. So the recorder registers a stock when it enters (at most
``cap`` at once) and removes it when it has left every condition; after a reconnect the
searches start again and the registrations follow the new lists. Nothing trades here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from autotrader.broker.kiwoom.condition import ConditionSearch
from autotrader.broker.kiwoom.realtime import RealtimeClient
from autotrader.errors import AutotraderError, UnknownConditionError
from autotrader.feed.recorder import TapeRecorder

log = logging.getLogger(__name__)


class RecordConditions:
    """Runs the named condition searches and keeps the recorded symbols in step."""

    def __init__(
        self,
        client: RealtimeClient,
        refs: list[str],
        tape: TapeRecorder,
        clock: Callable[[], float],
        *,
        cap: int,
        fixed: Iterable[str] = (),
    ) -> None:
        self.client = client
        self.refs = refs
        self.search = ConditionSearch(client)
        self.tape = tape
        self.clock = clock
        self.cap = max(0, cap)
        self.fixed = set(fixed)
        self.seqs: list[str] = []
        self.members: dict[str, set[str]] = {}  # seq -> stocks matching now
        self.registered: dict[str, None] = {}  # stocks registered for a condition
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self, *, strict: bool = False) -> None:
        """List, resolve the names, start each search; register its initial list."""
        if not self.refs:
            return
        try:
            listed = await self.search.conditions()
            self._tape(listed)
            pairs = [(str(row[0]), str(row[1])) for row in listed["data"]]
            by_name = {name: seq for seq, name in pairs}
            seqs = {seq for seq, _ in pairs}
            missing = [r for r in self.refs if r not in by_name and r not in seqs]
            if missing:
                raise UnknownConditionError(missing, pairs)
            self.seqs = [by_name.get(r, r) for r in self.refs]
            for seq in self.seqs:
                stocks: list[str] = []
                for page in await self.search.search(seq, realtime=True):
                    self._tape(page)
                    stocks += [_code(row["9001"]) for row in page["data"]]
                self.members[seq] = set(stocks)
            await self._reconcile()
        except UnknownConditionError:
            if strict:
                raise
            log.exception("record: a condition is gone")
        except AutotraderError as exc:
            if strict:
                raise
            log.error("record: restarting the condition searches failed: %s", exc)

    def on_frame(self, text: str) -> None:
        """A REAL frame as received: its ``02`` hits move the registrations."""
        if not self.seqs or '"02"' not in text:
            return
        try:
            entries = orjson.loads(text).get("data") or []
            for entry in entries:
                if entry.get("type") != "02":
                    continue
                v = entry["values"]
                members = self.members.setdefault(str(v["841"]), set())
                code = _code(v["9001"])
                (members.add if v["843"] == "I" else members.discard)(code)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
            log.warning("record: an unreadable 02 entry (kept in the tape)")
            return
        self._spawn(self._reconcile())

    async def _reconcile(self) -> None:
        matching = {s for seq in self.seqs for s in self.members.get(seq, ())} - self.fixed
        gone = [s for s in self.registered if s not in matching]
        for s in gone:
            del self.registered[s]
        room = self.cap - len(self.registered)
        new = [s for s in sorted(matching) if s not in self.registered][: max(0, room)]
        self.registered.update(dict.fromkeys(new))
        if gone:
            await self.client.remove_symbols(gone)
        if new:
            await self.client.add_symbols(new)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for seq in sorted(self.search.running):
            try:
                await asyncio.wait_for(self.search.clear(seq), 2.0)
            except (AutotraderError, TimeoutError):
                log.info("record: CNSRCLR %s not confirmed", seq)

    def _tape(self, answer: dict[str, Any]) -> None:
        self.tape.on_frame(orjson.dumps(answer), self.clock())

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(self._run(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, work: Any) -> None:
        try:
            await work
        except AutotraderError as exc:  # the next hit or reconnect tries again
            log.error("record: registration failed: %s", exc)


def _code(value: Any) -> str:
    text = str(value).strip()
    return text[1:] if len(text) == 7 and text[0] == "A" else text

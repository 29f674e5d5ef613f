"""Follow a journal while a run writes it: new fills, rejections, halts, connection changes.

The live runner is not touched: this reads the rows it commits (its own SQLite
connection, WAL lets it read while the runner writes) since the last ids it saw, and
turns them into ``Event``s for the console and the notifier. ``poll()`` is one step,
so tests drive it directly; ``Follower.start()`` runs it on a thread every ``interval``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something a trader watching the run wants to know."""

    kind: str  # fill | rejection | halt | error | disconnected | connected | run_ended
    ts: float
    text: str
    data: dict[str, Any] = field(default_factory=dict)


_TABLES = ("fills", "order_events", "errors", "heartbeats", "runs")


class JournalReader:
    """Reads the rows written since the previous ``poll`` (from now on, not history)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=2000")
        self.last = {t: self._max(t) for t in _TABLES}
        self.connected: dict[int, bool] = {}  # run -> connection state as last heard
        self.sessions: dict[int, int] = {}
        self.ended: set[int] = {
            int(r[0]) for r in self.conn.execute("SELECT id FROM runs WHERE ended_at IS NOT NULL")
        }
        self.last_heartbeat: dict[int, float] = {}

    def _max(self, table: str) -> int:
        row = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()  # noqa: S608
        return int(row[0])

    def _new(self, sql: str, table: str) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, (self.last[table],))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        if rows:
            self.last[table] = max(int(r["id"]) for r in rows)
        return rows

    def poll(self) -> list[Event]:
        events: list[Event] = []
        for f in self._new(
            "SELECT f.*, o.rule FROM fills f LEFT JOIN orders o ON o.id = f.order_id "
            "WHERE f.id > ? ORDER BY f.id",
            "fills",
        ):
            text = (f"{f['side'].upper()} {f['symbol']} {f['qty']:,} @ {f['price']:,} KRW"
                    f" (order {f['order_id']}, rule {f['rule'] or '-'})")  # fmt: skip
            events.append(Event("fill", f["ts"], text, f))
        for e in self._new(
            "SELECT e.id, e.ts, e.order_id, e.run_id, o.rule, o.symbol, o.side, o.reason "
            "FROM order_events e LEFT JOIN orders o ON o.id = e.order_id "
            "WHERE e.id > ? AND e.state = 'rejected' ORDER BY e.id",
            "order_events",
        ):
            text = (f"rejected {e['side'] or ''} {e['symbol'] or ''} (rule {e['rule'] or '-'}): "
                    f"{(e['reason'] or '').removeprefix('risk: ')}")  # fmt: skip
            events.append(Event("rejection", e["ts"], text, e))
        for e in self._new("SELECT * FROM errors WHERE id > ? ORDER BY id", "errors"):
            if e["source"] == "killswitch":
                events.append(Event("halt", e["ts"], f"kill switch {e['detail']}", e))
            else:
                events.append(Event("error", e["ts"], f"{e['source']}: {e['detail']}", e))
        for h in self._new("SELECT * FROM heartbeats WHERE id > ? ORDER BY id", "heartbeats"):
            events.extend(self._heartbeat(h))
        for r in self.conn.execute(
            "SELECT id, ended_at, strategy FROM runs WHERE ended_at IS NOT NULL"
        ).fetchall():
            if int(r[0]) not in self.ended:
                self.ended.add(int(r[0]))
                events.append(Event("run_ended", float(r[1]), f"run {r[0]} ({r[2]}) ended",
                                    {"run_id": int(r[0])}))  # fmt: skip
        events.sort(key=lambda e: e.ts)  # stable: one table's rows keep their order
        return events

    def _heartbeat(self, h: dict[str, Any]) -> list[Event]:
        run = int(h["run_id"])
        self.last_heartbeat[run] = float(h["ts"])
        detail = orjson.loads(h["detail_json"] or "{}")
        out = []
        was = self.connected.get(run)
        now_connected = bool(h["connected"])
        sessions = int(detail.get("sessions", 0))
        if was is not None and was != now_connected:
            kind = "connected" if now_connected else "disconnected"
            out.append(Event(kind, h["ts"], f"websocket {kind}", {"run_id": run}))
        elif now_connected and sessions > self.sessions.get(run, sessions):
            # a reconnect between two heartbeats: it was down, briefly
            out.append(Event("disconnected", h["ts"], "websocket dropped", {"run_id": run}))
            out.append(Event("connected", h["ts"], "websocket connected", {"run_id": run}))
        self.connected[run] = now_connected
        self.sessions[run] = sessions
        return out

    def close(self) -> None:
        self.conn.close()


class Follower:
    """Polls a ``JournalReader`` on its own thread and hands events to ``sinks``; a sink
    that raises is logged and skipped, never stops the others or the run."""

    def __init__(
        self,
        reader: JournalReader,
        sinks: list[Callable[[list[Event], float], None]],
        *,
        interval: float = 0.5,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.reader = reader
        self.sinks = sinks
        self.interval = interval
        self.clock = clock or time.time
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-follower", daemon=True)

    def step(self) -> list[Event]:
        try:
            events = self.reader.poll()
        except sqlite3.Error as exc:  # the runner may hold a write lock: try again soon
            log.warning("journal follower: %s", exc)
            events = []
        now = self.clock()
        for sink in self.sinks:
            try:
                sink(events, now)
            except Exception:  # a console or notifier bug must not stop the follower
                log.exception("journal follower: a sink failed")
        return events

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.step()
        self.step()  # the last rows, written while stopping

    def start(self) -> Follower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        self.reader.close()

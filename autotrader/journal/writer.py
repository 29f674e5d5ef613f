"""Journal writes: buffered records in batches, the order intent committed synchronously.

Writes run on the caller's connection (WAL, synchronous=NORMAL): rows that only record
what happened (decisions, risk checks, order transitions, fills, snapshots, errors) are
collected and written in batches of ``batch_rows`` (well under a millisecond each; four
times larger in a paper replay, ``batched_intents``); an order intent (``commit_intent``)
is committed before it returns (~20 us), so it is durable before the broker sees the
order. An orders row still waiting in the batch takes its transitions in place; one
already written gets an ``UPDATE``. (A writer-thread mode was measured and
removed: under the GIL the intent's round trip cost ~100 us at p50 and milliseconds at
p99, and nothing used it.)

Failure is closed and loud. A batch that cannot be written is kept (never dropped) and
retried before the next one; from then on every call raises ``JournalError`` until a
retry succeeds, so no order can leave while the journal is failing. ``flush()`` returns
only once everything written so far is committed.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from autotrader.clock import to_seoul
from autotrader.errors import JournalError
from autotrader.journal import runs
from autotrader.journal.schema import open_journal
from autotrader.model import Fill, OrderAction, OrderRequest, OrderState, OrderType, Side
from autotrader.safetext import scrub_urls

log = logging.getLogger(__name__)

_ORDER_COLUMNS = (
    "id, run_id, created_at, updated_at, strategy, rule, symbol, action, side, qty, "
    "order_type, price, target_id, state, broker_order_no, filled_qty, reason, tag"
)
_INSERT_ORDER = f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({', '.join('?' * 18)})"  # noqa: S608
_UPDATE_ORDER = (
    "UPDATE orders SET updated_at = ?, state = ?, broker_order_no = ?, "
    "qty = ?, price = ?, filled_qty = ?, reason = COALESCE(?, reason) WHERE id = ?"
)
_ORDERS = f"orders ({_ORDER_COLUMNS})"
_EVENT = "order_events (run_id, order_id, ts, state, detail)"
_RISK_CHECKS = "risk_checks (run_id, order_id, ts, check_name, passed, reason, values_json)"
BUDGET_WAIT = "budget_wait"  # an order_events state: seconds spent waiting for the pacer

# A batch: rows per "table (columns)" target, and the latest orders-row update per order.
Row = tuple[Any, ...] | list[Any]  # a buffered orders row is a list: changed in place
Batch = tuple[dict[str, list[Row]], dict[int, tuple[Any, ...]]]
_Call = Callable[[sqlite3.Connection], Any]


class CheckOutcome(Protocol):
    """One check's result, as the risk guard reports it."""

    @property
    def name(self) -> str: ...
    @property
    def passed(self) -> bool: ...
    @property
    def reason(self) -> str: ...
    @property
    def values(self) -> dict[str, Any]: ...


# WAL checkpoints (copying the log back into the database file) are where SQLite waits
# for the disk. Left automatic, one lands inside whichever commit crosses the threshold,
# often an order intent; instead they run right after batch writes, off the intent path.
CHECKPOINT_EVERY_BATCHES = 2
CHECKPOINT_EVERY_INTENTS = 256  # in case no batch is written for a long while
# A replay with batched intents (nothing leaves the process) writes batches this many
# times larger, and checkpoints after this many times more rows: fewer commits and
# fewer fsyncs; the WAL stays a few megabytes.
REPLAY_BATCH_SCALE = 4
REPLAY_CHECKPOINT_SCALE = 8


def _checkpoint(conn: sqlite3.Connection) -> None:
    # busy: the next one catches up; a checkpoint only bounds the log's size
    with contextlib.suppress(sqlite3.Error):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


class _Batches:
    """Batches handed over and not yet written (kept, never dropped, until a write works)."""

    def __init__(self) -> None:
        self.failed: list[Batch] = []  # batches not yet written, oldest first
        self.error: BaseException | None = None
        self.rows_written = 0
        self.since_checkpoint = 0  # batches and intents (weighted) since the last one
        self.batch_weight = CHECKPOINT_EVERY_INTENTS // CHECKPOINT_EVERY_BATCHES

    def write(self, conn: sqlite3.Connection) -> None:
        while self.failed:
            try:
                with conn:
                    self.rows_written += _write_batch(conn, self.failed[0])
            except Exception as exc:  # noqa: BLE001 - kept and reported, never dropped
                self.error = exc
                return
            self.failed.pop(0)
            self.checkpoint_soon(conn, self.batch_weight)
        self.error = None

    def checkpoint_soon(self, conn: sqlite3.Connection, weight: int = 1) -> None:
        """Count work toward the next checkpoint; run it once enough has been written."""
        self.since_checkpoint += weight
        if self.since_checkpoint >= CHECKPOINT_EVERY_INTENTS:
            self.since_checkpoint = 0
            _checkpoint(conn)


def _write_batch(conn: sqlite3.Connection, batch: Batch) -> int:
    pending, updates = batch
    n_rows = 0
    for target, rows in pending.items():
        n = target[target.index("(") + 1 : target.index(")")].count(",") + 1
        sql = f"INSERT INTO {target} VALUES ({', '.join('?' * n)})"  # noqa: S608 - our tables
        conn.executemany(sql, rows)
        n_rows += len(rows)
    if updates:
        conn.executemany(_UPDATE_ORDER, list(updates.values()))
    return n_rows


class Journal:
    """The run's journal. Call it from one thread (the engine's)."""

    def __init__(
        self,
        path: str | Path,
        *,
        batch_rows: int = 512,
        raw_frames: bool = False,
    ) -> None:
        self.path = Path(path)
        self.db = open_journal(self.path)  # creates or migrates the schema first
        self.conn = self.db.conn
        self.conn.execute("PRAGMA wal_autocheckpoint=0")  # see CHECKPOINT_EVERY_BATCHES
        self.batch_rows = batch_rows
        self._batch_limit = batch_rows  # rows buffered before a write (see batched_intents)
        self.raw_frames = raw_frames
        self.run_id = 0
        self.interrupted: list[runs.Interrupted] = []  # what start_run found and marked
        self.continues: runs.Interrupted | None = None  # the interrupted run this one continues
        self._pending: dict[str, list[Row]] = defaultdict(list)
        self._pending_rows = 0
        self._order_updates: dict[int, tuple[Any, ...]] = {}
        # orders rows waiting in this batch, by id: a transition of such an order changes
        # the row before it is inserted (no UPDATE)
        self._order_rows: dict[int, list[Any]] = {}
        row = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM orders").fetchone()
        self._next_order_id = int(row[0]) + 1
        self.commits = 0
        self.version: int | None = None  # the strategy version decisions are taken under
        self._closed = False
        self._writer = _Batches()
        self._batched_intents = False
        atexit.register(self.close)

    # -- writing -----------------------------------------------------------------------
    def _raise_if_failed(self) -> None:
        w = self._writer
        if w.error is not None:  # set on a failed write, cleared once it is retried
            raise JournalError(f"journal {self.path} cannot be written: {w.error}")

    def _put(self, batch: Batch) -> None:
        self._writer.failed.append(batch)
        self._writer.write(self.conn)

    def _call(self, fn: _Call, *, check: bool = True) -> Any:
        """Run ``fn(conn)`` once every batch handed over before it is written."""
        if check:
            self._raise_if_failed()
        try:
            result = fn(self.conn)
        except Exception as exc:
            raise JournalError(f"journal {self.path}: {type(exc).__name__}: {exc}") from exc
        self.commits += 1
        return result

    def _handoff(self) -> None:
        if not self._pending_rows and not self._order_updates:
            return
        self._put(self._take_batch())

    def _take_batch(self) -> Batch:
        """Everything buffered, as one batch; the buffers start empty again."""
        batch: Batch = (self._pending, self._order_updates)
        self._pending, self._pending_rows, self._order_updates = defaultdict(list), 0, {}
        self._order_rows = {}
        return batch

    @property
    def batched_intents(self) -> bool:
        """Replay with the in-process paper broker only (engine/replay.py
        batched_intents): intents go with the batches, and the batches are larger
        (``REPLAY_BATCH_SCALE``). Live runs never set it."""
        return self._batched_intents

    @batched_intents.setter
    def batched_intents(self, on: bool) -> None:
        self._batched_intents = on
        self._batch_limit = self.batch_rows * (REPLAY_BATCH_SCALE if on else 1)
        base = CHECKPOINT_EVERY_INTENTS // CHECKPOINT_EVERY_BATCHES
        self._writer.batch_weight = (
            max(base * REPLAY_BATCH_SCALE // REPLAY_CHECKPOINT_SCALE, 1) if on else base
        )

    @property
    def rows_written(self) -> int:
        return self._writer.rows_written

    # -- runs ---------------------------------------------------------------------------
    def start_run(self, **fields: Any) -> int:
        """Open a run row. Earlier runs that did not end cleanly are marked interrupted
        first, and the newest of the same strategy, mode and broker is continued by this
        one (``continues``; see ``journal/runs.py``)."""
        fields.setdefault("started_at", time.time())
        fields.setdefault("pid", os.getpid())
        fields.setdefault("host", runs.this_host())
        if self.run_id:
            runs.closed(self.path, self.run_id)  # a second run on this journal object
        self.interrupted = runs.mark_interrupted(self.conn, self.path, time.time())
        for r in self.interrupted:
            log.warning(
                "journal: run %d (%s, %s) did not end cleanly: interrupted at %s",
                r.run_id, r.strategy, r.mode, _when(r.at),
            )  # fmt: skip
        self.continues = runs.to_continue(
            self.conn, fields.get("strategy", ""), fields.get("mode", ""), fields.get("broker", "")
        )
        if self.continues is not None:
            fields["continues"] = self.continues.run_id
        # column names come from our own keyword arguments, never from input
        sql = (
            f"INSERT INTO runs ({', '.join(fields)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(fields))})"
        )
        values = tuple(fields.values())

        def insert(conn: sqlite3.Connection) -> int:
            with conn:
                return int(conn.execute(sql, values).lastrowid or 0)

        self.run_id = int(self._call(insert))
        runs.opened(self.path, self.run_id)
        if self.continues is not None:
            log.warning(
                "journal: run %d continues run %d, interrupted at %s",
                self.run_id, self.continues.run_id, _when(self.continues.at),
            )  # fmt: skip
        return self.run_id

    def end_run(self, stats: dict[str, Any]) -> None:
        row = (time.time(), orjson.dumps(stats).decode(), self.run_id)
        self._handoff()

        def update(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("UPDATE runs SET ended_at = ?, stats_json = ? WHERE id = ?", row)

        self._call(update)
        runs.closed(self.path, self.run_id)

    def next_order_id(self) -> int:
        oid = self._next_order_id
        self._next_order_id += 1
        return oid

    # -- buffered records ---------------------------------------------------------------
    def _add(self, table: str, row: Row) -> None:
        self._pending[table].append(row)  # a defaultdict: a table's first row makes its list
        self._pending_rows += 1
        if self._pending_rows >= self._batch_limit:
            self._raise_if_failed()
            self._handoff()

    def _add_order(self, row: list[Any]) -> None:
        """An orders row, buffered (replay intents, rejected orders)."""
        self._order_rows[row[0]] = row
        self._add(_ORDERS, row)

    def decision(
        self,
        ts: float,
        rule: str,
        symbol: str,
        event: str,
        values: dict[str, Any],
        outcome: str,
        order_id: int | None,
    ) -> None:
        self._add(
            "decisions (run_id, ts, rule, symbol, event, values_json, outcome, order_id, version)",
            (
                self.run_id,
                ts,
                rule,
                symbol,
                event,
                orjson.dumps(values).decode(),
                outcome,
                order_id,
                self.version,
            ),
        )

    def risk_check(
        self,
        ts: float,
        order_id: int,
        name: str,
        passed: bool,
        reason: str,
        values: dict[str, Any] | None = None,
    ) -> None:
        self._add(
            _RISK_CHECKS,
            (
                self.run_id,
                order_id,
                ts,
                name,
                int(passed),
                reason,
                orjson.dumps(values, default=str).decode() if values else None,
            ),
        )

    def risk_verdict(self, ts: float, order_id: int, results: Sequence[CheckOutcome]) -> None:
        """A verdict given as every check's outcome (``risk_outcome`` writes it)."""
        passed: dict[str, Any] = {}
        failed: list[tuple[str, str, dict[str, Any]]] = []
        for r in results:
            if r.passed:
                passed[r.name] = r.values
            else:
                failed.append((r.name, r.reason, r.values))
        self.risk_outcome(ts, order_id, passed, failed)

    def risk_outcome(
        self,
        ts: float,
        order_id: int,
        passed: dict[str, dict[str, Any]],
        failed: Iterable[tuple[str, str, dict[str, Any]]] = (),
    ) -> None:
        """A verdict: one row per failed check (name, reason, values), and one row
        'passed' for all the others.

        The 'passed' row's ``values_json`` maps each passing check's name to the values
        it compared, so nothing is lost, at one row per order instead of one per check.
        """
        for name, reason, values in failed:
            self.risk_check(ts, order_id, name, False, reason, values)
        if passed:
            self.risk_passed(ts, order_id, passed, ", ".join(passed))

    def risk_passed(
        self, ts: float, order_id: int, passed: dict[str, dict[str, Any]], names: str
    ) -> None:
        """The 'passed' row of a verdict: ``names`` is ``', '.join(passed)``, which the
        guard joins once for all its approvals instead of once per order."""
        if passed:
            self._add(
                _RISK_CHECKS,
                (
                    self.run_id,
                    order_id,
                    ts,
                    "passed",
                    1,
                    names,
                    orjson.dumps(passed, default=str).decode(),
                ),
            )

    def order_state(
        self, order: OrderRequest, ts: float, detail: str = "", reason: str = ""
    ) -> None:
        """Record a transition; the orders row is updated in the same batch (or, when
        its insert waits in this batch too, changed before it is inserted)."""
        state = _STATE[order.state]
        self._add(_EVENT, (self.run_id, order.order_id, ts, state, detail))
        row = self._order_rows.get(order.order_id)
        if row is not None:
            # the columns _UPDATE_ORDER sets: updated_at, qty, price, state,
            # broker_order_no, filled_qty, and reason unless none is given
            row[3] = ts
            row[9] = order.qty
            row[11] = order.price
            row[13] = state
            row[14] = order.broker_order_no
            row[15] = order.filled_qty
            if reason:
                row[16] = reason
            return
        self._order_updates[order.order_id] = (
            ts,
            state,
            order.broker_order_no,
            order.qty,  # a modify or a partial cancel changes what is working
            order.price,
            order.filled_qty,
            reason or None,
            order.order_id,
        )

    def fill(self, fill: Fill) -> None:
        self._add(
            "fills (run_id, order_id, ts, symbol, side, qty, price, commission, tax, "
            "broker_order_no)",
            (
                self.run_id,
                fill.order_id,
                fill.ts,
                fill.symbol,
                _SIDE[fill.side],
                fill.qty,
                fill.price,
                fill.commission,
                fill.tax,
                fill.broker_order_no,
            ),
        )

    def position(
        self,
        ts: float,
        symbol: str,
        qty: int,
        avg_price: int,
        realized: int,
        unrealized: int,
        reason: str,
    ) -> None:
        """A position snapshot (after a fill, at recovery, at the end of a run)."""
        self._add(
            "position_snapshots (run_id, ts, symbol, qty, avg_price, realized, unrealized, reason)",
            (self.run_id, ts, symbol, qty, avg_price, realized, unrealized, reason),
        )

    def condition_hit(
        self,
        ts: float,
        seq: str,
        name: str,
        symbol: str,
        entered: bool,
        source: str,
        outcome: str,
    ) -> None:
        """A stock entering (I) or leaving (D) a condition search, and what the universe did."""
        self._add(
            "condition_hits (run_id, ts, seq, name, symbol, event, source, outcome)",
            (self.run_id, ts, seq, name, symbol, "I" if entered else "D", source, outcome),
        )

    def marks(self, ts: float, prices: dict[str, int]) -> None:
        """Symbols' last trade prices at ``ts`` (one row): what reports mark positions to."""
        self._add(
            "marks (run_id, ts, prices_json)", (self.run_id, ts, orjson.dumps(prices).decode())
        )

    def heartbeat(
        self, ts: float, connected: bool, last_frame_ts: float, level: str, detail: dict[str, Any]
    ) -> None:
        """A live runner's pulse, read by ``autotrader status`` from another process."""
        self._add(
            "heartbeats (run_id, ts, connected, last_frame_ts, level, detail_json)",
            (
                self.run_id,
                ts,
                int(connected),
                last_frame_ts,
                level,
                orjson.dumps(detail, default=str).decode(),
            ),
        )

    def frame(self, ts: float, raw: str) -> None:
        """A raw feed frame, kept only when the journal was opened with ``raw_frames``."""
        if self.raw_frames:
            self._add("frames (run_id, ts, frame)", (self.run_id, ts, raw))

    def budget_wait(self, ts: float, order_id: int, api_id: str, kind: str, seconds: float) -> None:
        """An order waited ``seconds`` for the request budget before it left: an
        ``order_events`` row in state ``budget_wait`` (reports add them up)."""
        detail = f"{seconds:.3f}s for {api_id} ({kind})"
        self._add(_EVENT, (self.run_id, order_id, ts, BUDGET_WAIT, detail))

    def error(self, ts: float, source: str, detail: str) -> None:
        """A feed or broker error (``source`` says which)."""
        detail = scrub_urls(detail[:2000])  # a URL's user:password@ is a secret too
        self._add("errors (run_id, ts, source, detail)", (self.run_id, ts, source, detail))

    def rejected_order(self, order: OrderRequest, ts: float, reason: str) -> None:
        """An order the risk guard denied: it never leaves, so a buffered row suffices."""
        self._add_order(_order_row(order, self.run_id, ts, reason))
        self._add(_EVENT, (self.run_id, order.order_id, ts, _STATE[order.state], reason[:500]))

    # -- durable writes -----------------------------------------------------------------
    def commit_intent(self, order: OrderRequest, ts: float, reason: str = "") -> None:
        """Insert the order row and commit before returning: the intent is durable, and so
        is everything buffered before it (the decision that placed it, its risk checks),
        in the same transaction: a crash keeps all of them or none.

        Raises ``JournalError`` if it cannot be committed: the order must not leave (the
        buffered rows are kept for the next write, never dropped). Its 'pending'
        transition is recorded buffered: the orders row already says so.
        """
        row = _order_row(order, self.run_id, ts, reason)
        self._raise_if_failed()  # a journal that failed stops every order
        if self._batched_intents:  # a replay: nothing leaves the process (README, Performance)
            self._add_order(row)
            self._add(_EVENT, (self.run_id, order.order_id, ts, _STATE[order.state], "intent"))
            return
        batch: Batch | None = None
        if self._pending_rows or self._order_updates:
            batch = self._take_batch()

        def insert(conn: sqlite3.Connection) -> None:
            with conn:
                if batch is not None:
                    written = _write_batch(conn, batch)
                conn.execute(_INSERT_ORDER, row)
            if batch is not None:
                self._writer.rows_written += written
            self._writer.checkpoint_soon(conn)

        try:
            self._call(insert, check=False)
        except JournalError as exc:
            if batch is not None:  # rolled back with the intent: kept, written later
                self._writer.failed.insert(0, batch)
                self._writer.error = exc
            raise
        self._add(_EVENT, (self.run_id, order.order_id, ts, order.state.value, "intent"))

    def commit_version(self, ts: float, **fields: Any) -> int:
        """Insert a strategy_versions row (hot reload) and commit before returning, like an
        intent: a version is durable before the engine runs it. Returns the row id."""
        row = {"run_id": self.run_id, "ts": ts, **fields}
        # column names come from our own keyword arguments, never from input
        sql = (
            f"INSERT INTO strategy_versions ({', '.join(row)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(row))})"
        )
        values = tuple(row.values())
        self._handoff()  # the decisions before the version land before it

        def insert(conn: sqlite3.Connection) -> int:
            with conn:
                return int(conn.execute(sql, values).lastrowid or 0)

        return int(self._call(insert))

    def update_version(self, row_id: int, status: str, detail: str) -> None:
        """Move a strategy_versions row on (applying -> applied), committed at once."""
        self._handoff()

        def update(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute(
                    "UPDATE strategy_versions SET status = ?, detail = ? WHERE id = ?",
                    (status, detail, row_id),
                )

        self._call(update)

    def flush(self) -> None:
        """Return once every row written so far is committed (raises if it cannot be).

        Rows of a batch that failed earlier are retried first: nothing is dropped.
        """
        self._handoff()
        self._writer.write(self.conn)
        self._raise_if_failed()

    def close(self) -> None:
        """Write everything and close the connection."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        runs.closed(self.path, self.run_id)  # not ended: the next start marks it interrupted
        try:
            self._handoff()
            self._writer.write(self.conn)  # a batch kept from a failed intent, too
        finally:
            self.conn.close()
        if self._writer.failed:
            lost = sum(len(rows) for b in self._writer.failed for rows in b[0].values())
            raise JournalError(
                f"journal {self.path}: {lost} rows could not be written: {self._writer.error}"
            )


def _when(ts: float) -> str:
    return to_seoul(ts).isoformat(timespec="milliseconds")


_STATE = {s: s.value for s in OrderState}  # enum text by member: .value is a slow property
_SIDE = {s: s.value for s in Side}
_ACTION = {a: a.value for a in OrderAction}
_TYPE = {t: t.name.lower() for t in OrderType}


def _order_row(order: OrderRequest, run_id: int, ts: float, reason: str) -> list[Any]:
    side = order.action.side
    return [
        order.order_id,
        run_id,
        ts,
        ts,
        order.strategy,
        order.rule,
        order.symbol,
        _ACTION[order.action],
        _SIDE[side] if side else "",
        order.qty,
        _TYPE[order.order_type],
        order.price,
        order.target_id,
        _STATE[order.state],
        order.broker_order_no,
        order.filled_qty,
        reason,
        order.tags.get("tag") or None,  # the rule's label (engine/ledger.py TAG)
    ]


__all__ = ["Journal", "OrderState"]

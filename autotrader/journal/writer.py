"""Journal writes, batched so the event loop is not stalled by a commit per row.

Rows that only record what happened (decisions, risk checks, order state changes,
fills) are buffered and written in one transaction when the buffer fills or when a
flush is asked for (a live run flushes after every broker event). The exception is an
order intent: ``commit_intent`` commits the order row before it returns, so the intent
is durable before the broker sees the order.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from autotrader.journal.schema import open_journal
from autotrader.model import Fill, OrderRequest, OrderState

_ORDER_COLUMNS = (
    "id, run_id, created_at, updated_at, strategy, rule, symbol, action, side, qty, "
    "order_type, price, target_id, state, broker_order_no, filled_qty, reason"
)


class Journal:
    """The run's writer. Not thread-safe: use it from the engine's thread only."""

    def __init__(self, path: str | Path, *, batch_rows: int = 512) -> None:
        self.db = open_journal(path)
        self.conn = self.db.conn
        self.batch_rows = batch_rows
        self.run_id = 0
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self._pending_rows = 0
        self._order_updates: dict[int, tuple[Any, ...]] = {}
        row = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM orders").fetchone()
        self._next_order_id = int(row[0]) + 1
        self.commits = 0

    # -- runs ---------------------------------------------------------------------------
    def start_run(self, **fields: Any) -> int:
        fields.setdefault("started_at", time.time())
        with self.conn:
            cur = self.conn.execute(
                # column names come from our own keyword arguments, never from input
                f"INSERT INTO runs ({', '.join(fields)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(fields))})",
                tuple(fields.values()),
            )
        self.run_id = int(cur.lastrowid or 0)
        return self.run_id

    def end_run(self, stats: dict[str, Any]) -> None:
        self.flush()
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET ended_at = ?, stats_json = ? WHERE id = ?",
                (time.time(), orjson.dumps(stats).decode(), self.run_id),
            )

    def next_order_id(self) -> int:
        oid = self._next_order_id
        self._next_order_id += 1
        return oid

    # -- buffered records ---------------------------------------------------------------
    def _add(self, table: str, row: tuple[Any, ...]) -> None:
        self._pending.setdefault(table, []).append(row)
        self._pending_rows += 1
        if self._pending_rows >= self.batch_rows:
            self.flush()

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
            "decisions (run_id, ts, rule, symbol, event, values_json, outcome, order_id)",
            (
                self.run_id,
                ts,
                rule,
                symbol,
                event,
                orjson.dumps(values).decode(),
                outcome,
                order_id,
            ),
        )

    def risk_check(self, ts: float, order_id: int, name: str, passed: bool, reason: str) -> None:
        self._add(
            "risk_checks (run_id, order_id, ts, check_name, passed, reason)",
            (self.run_id, order_id, ts, name, int(passed), reason),
        )

    def order_state(
        self, order: OrderRequest, ts: float, detail: str = "", reason: str = ""
    ) -> None:
        """Record a transition; the orders row is updated in the same batch."""
        self._add(
            "order_events (run_id, order_id, ts, state, detail)",
            (self.run_id, order.order_id, ts, order.state.value, detail),
        )
        self._order_updates[order.order_id] = (
            ts,
            order.state.value,
            order.broker_order_no,
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
                fill.side.value,
                fill.qty,
                fill.price,
                fill.commission,
                fill.tax,
                fill.broker_order_no,
            ),
        )

    def error(self, ts: float, source: str, detail: str) -> None:
        self._add("errors (run_id, ts, source, detail)", (self.run_id, ts, source, detail[:2000]))

    def rejected_order(self, order: OrderRequest, ts: float, reason: str) -> None:
        """An order the risk guard denied: it never leaves, so a buffered row suffices."""
        self._add(f"orders ({_ORDER_COLUMNS})", _order_row(order, self.run_id, ts, reason))
        self._add(
            "order_events (run_id, order_id, ts, state, detail)",
            (self.run_id, order.order_id, ts, order.state.value, reason[:500]),
        )

    # -- durable writes -----------------------------------------------------------------
    def commit_intent(self, order: OrderRequest, ts: float, reason: str = "") -> None:
        """Insert the order row and commit before returning: the intent is durable.

        Only the intent is in this transaction, so the commit touches one table and
        stays cheap; buffered records (the decision and risk checks that led here)
        follow in the next flush. Its 'pending' transition is recorded buffered too:
        the orders row itself already says 'pending'.
        """
        with self.conn:
            self.conn.execute(
                f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({', '.join('?' * 17)})",  # noqa: S608
                _order_row(order, self.run_id, ts, reason),
            )
        self.commits += 1
        self._add(
            "order_events (run_id, order_id, ts, state, detail)",
            (self.run_id, order.order_id, ts, order.state.value, "intent"),
        )

    def flush(self) -> None:
        """Write and commit every buffered row."""
        if not self._pending_rows and not self._order_updates:
            return
        with self.conn:
            self._write_pending()
        self.commits += 1

    def _write_pending(self) -> None:
        for table, rows in self._pending.items():
            n = table[table.index("(") + 1 : table.index(")")].count(",") + 1
            sql = f"INSERT INTO {table} VALUES ({', '.join('?' * n)})"  # noqa: S608 - our tables
            self.conn.executemany(sql, rows)
        if self._order_updates:
            self.conn.executemany(
                "UPDATE orders SET updated_at = ?, state = ?, broker_order_no = ?, "
                "filled_qty = ?, reason = COALESCE(?, reason) WHERE id = ?",
                list(self._order_updates.values()),
            )
        self._pending = {}
        self._pending_rows = 0
        self._order_updates = {}

    def close(self) -> None:
        self.flush()
        self.conn.close()


def _order_row(order: OrderRequest, run_id: int, ts: float, reason: str) -> tuple[Any, ...]:
    side = order.side.value if order.side else ""
    return (
        order.order_id,
        run_id,
        ts,
        ts,
        order.strategy,
        order.rule,
        order.symbol,
        order.action.value,
        side,
        order.qty,
        order.order_type.name.lower(),
        order.price,
        order.target_id,
        order.state.value,
        order.broker_order_no,
        order.filled_qty,
        reason,
    )


__all__ = ["Journal", "OrderState"]

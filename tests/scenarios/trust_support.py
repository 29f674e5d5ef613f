"""Scenario helpers: a small tape, a strategy, and the journal it leaves, as readable lines.

A scenario writes its tape to a file (header + lines with their receive time ``rt`` to the
millisecond), replays it through ``engine.replay.replay`` with the paper broker and the
limits of the default configuration (the same path as ``autotrader run``), and reads the
journal back as one line per order::

    09:00:00.000 entry buy 10 market -> filled 10@70000 09:00:00.500

so an expected journal is a short list of strings a trader can check by eye.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from autotrader.broker.paper import PaperBroker
from autotrader.clock import to_seoul
from autotrader.compile import compile_strategy
from autotrader.config import AppConfig
from autotrader.engine.replay import RunResult, replay
from autotrader.journal import Journal
from autotrader.rules import load_strategy_text

DATE = "20261120"
Line = tuple[str, list[dict[str, Any]]]  # (receive time "HH:MM:SS.fff", entries)


def _hms(t: str) -> str:
    return t[:8].replace(":", "")


def _rt(t: str) -> str:
    """'09:00:00.250' -> '090000.250' (a tape line's receive time)."""
    hms, _, ms = t.partition(".")
    return hms.replace(":", "") + "." + (ms or "000").ljust(3, "0")


def tick(
    symbol: str,
    t: str,
    price: int,
    *,
    ask: int | None = None,
    bid: int | None = None,
    volume: int = 100,
) -> Line:
    """A line with one 0B trade at ``t`` ('09:00:00.250'); ask and bid default to price."""
    values = {
        "20": _hms(t),
        "10": f"+{price}",
        "12": "+0.50",
        "27": f"+{ask if ask is not None else price}",
        "28": f"+{bid if bid is not None else price}",
        "15": f"{volume:+d}",
        "13": "100000",
        "16": f"+{price}",
    }
    return t, [{"type": "0B", "name": "주식체결", "item": symbol, "values": values}]


def session(code: str, t: str) -> Line:
    """A 0s market-operation change (code '3' = regular session open)."""
    values = {"215": code, "20": _hms(t), "214": "000000"}
    return t, [{"type": "0s", "name": "장시작시간", "item": "", "values": values}]


def vi(symbol: str, t: str, *, released: bool, trigger_price: int, kind: str = "1") -> Line:
    """A 1h VI event: triggered (1224 '000000') or released (1224 = release time)."""
    hms = _hms(t)
    values = {
        "9001": symbol,
        "9068": kind,
        "9069": "1",
        "1221": f"+{trigger_price}",
        "1223": hms,
        "1224": hms if released else "000000",
    }
    return t, [{"type": "1h", "name": "VI발동/해제", "item": symbol, "values": values}]


def write_tape(path: Path, lines: Iterable[Line], symbols: tuple[str, ...] = ()) -> Path:
    head = {"trnm": "TAPE", "version": 1, "date": DATE, "tz": "Asia/Seoul"}
    out = [orjson.dumps({**head, "symbols": list(symbols)})]
    for t, entries in lines:
        out.append(orjson.dumps({"rt": _rt(t), "trnm": "REAL", "data": entries}))
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


@dataclass
class Outcome:
    result: RunResult
    db: Path

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            return list(conn.execute(sql, params).fetchall())

    def orders(self) -> list[str]:
        """One line per order, in id order: created, rule, action, qty, type, price,
        final state with its fills (or reason) and the time it ended."""
        out = []
        for oid, created, rule, action, qty, otype, price, state, reason in self.rows(
            "SELECT id, created_at, rule, action, qty, order_type, price, state, reason "
            "FROM orders WHERE run_id = ? ORDER BY id",
            self.result.run_id,
        ):
            fills = self.rows(
                "SELECT qty, price, ts FROM fills WHERE order_id = ? ORDER BY id", oid
            )
            last = self.rows(
                "SELECT ts FROM order_events WHERE order_id = ? ORDER BY id DESC LIMIT 1", oid
            )
            end = clock(last[0][0]) if last else "?"
            what = f"{qty} {otype}" + (f" {price}" if price else "")
            done = " ".join(f"{q}@{p}" for q, p, _ in fills)
            tail = f"{state} {done}".rstrip() if fills else state
            if reason and not fills:
                tail += f" ({reason})"
            out.append(f"{clock(created)} {rule} {action} {what} -> {tail} {end}")
        return out

    def decisions(self) -> list[str]:
        """Every rule firing: time, rule, symbol, event, outcome."""
        return [
            f"{clock(ts)} {rule} {sym} {event} {outcome}"
            for ts, rule, sym, event, outcome in self.rows(
                "SELECT ts, rule, symbol, event, outcome FROM decisions WHERE run_id = ? "
                "ORDER BY id",
                self.result.run_id,
            )
        ]


def clock(ts: float) -> str:
    """Epoch seconds -> 'HH:MM:SS.fff', Asia/Seoul, rounded to the millisecond."""
    ms = round(ts * 1000)
    t = to_seoul(ms // 1000)
    return f"{t:%H:%M:%S}.{ms % 1000:03d}"


def run(
    tmp: Path,
    strategy: str,
    lines: Iterable[Line],
    *,
    config: AppConfig | None = None,
    broker: PaperBroker | None = None,
) -> Outcome:
    """Replay ``lines`` as a tape through ``strategy`` with the paper broker."""
    cfg = config or AppConfig()
    loaded = load_strategy_text(strategy, str(tmp / "strategy.yaml"))
    plan = compile_strategy(loaded)
    tape = write_tape(tmp / "tape.jsonl", lines, tuple(plan.strategy.symbols))
    db = tmp / "journal.db"
    journal = Journal(db)
    try:
        result = replay(
            plan,
            tape,
            broker or PaperBroker(cfg.fee_model()),
            journal,
            limits=cfg.limits_for(loaded.spec.risk),
        )
    finally:
        journal.close()
    return Outcome(result, db)

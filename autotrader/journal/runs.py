"""Runs that did not end cleanly: found, marked interrupted, and continued.

A run's row gets ``ended_at`` when it stops cleanly (Ctrl-C, SIGTERM, ``--max-seconds``,
the tape's end, or an error the run caught on its way out). A run killed with SIGKILL,
by a power cut or by a crash past its shutdown leaves ``ended_at`` empty. Such a run is
*interrupted* once its process is known to be gone:

* on this host, its ``pid`` is not a running process (or it is this process, which has
  closed that run's journal);
* on another host (a shared folder), or a row from before ``pid`` was kept: nothing has
  been journaled for it for ``STALE_ELSEWHERE`` seconds.

Every ``start_run`` marks the interrupted runs it finds (``interrupted_at``: the last
moment the run journaled: a live run's wall clock, a replay's tape time), and a run of
the same strategy, mode and broker *continues* the newest one, when that one is the
latest of its kind: ``continues`` links them. What continuing means depends on the mode:

* live: restart recovery (``live/recovery.py``) settles what the interrupted run left
  unfinished (orders, fills made while down, positions) before any rule fires; the new
  run trades on from Kiwoom's state under the same strategy;
* dry-run: a tape replay is deterministic and the paper book is not persisted, so the
  linked run replays the tape again from its start; the interrupted run's rows stay,
  marked, and reports say it was cut short and which run continued it.

Reports read ``run_state``: ``running``, ``ended``, or ``interrupted`` (marked, or found
dead before any restart marked it).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STALE_ELSEWHERE = 3600.0  # seconds of silence before a run on another host counts as dead
# tables whose rows carry (run_id, ts): the last one a run wrote is when it was last alive
_SIGNS = ("heartbeats", "order_events", "decisions", "fills", "errors", "marks")
_OPEN: set[tuple[str, int]] = set()  # (journal path, run id) this process has open


@dataclass(frozen=True, slots=True)
class Interrupted:
    run_id: int
    strategy: str
    mode: str
    broker: str
    at: float  # the last moment it journaled


@dataclass(frozen=True, slots=True)
class RunState:
    """What a report says about a run."""

    state: str  # "running" | "ended" | "interrupted"
    interrupted_at: float | None = None
    continues: int | None = None  # the interrupted run this one continues
    continued_by: int | None = None  # the run that continues this one


def this_host() -> str:
    return socket.gethostname()


def opened(path: Path, run_id: int) -> None:
    _OPEN.add((str(path.resolve()), run_id))


def closed(path: Path, run_id: int) -> None:
    _OPEN.discard((str(path.resolve()), run_id))


def last_sign_of_life(conn: sqlite3.Connection, run_id: int, started_at: float) -> float:
    """The latest time the run journaled anything (its start when it journaled nothing)."""
    latest: float | None = None
    for table in _SIGNS:
        row = conn.execute(f"SELECT MAX(ts) FROM {table} WHERE run_id = ?", (run_id,)).fetchone()  # noqa: S608 - our tables
        if row is not None and row[0] is not None:
            latest = max(latest or row[0], row[0])
    return latest if latest is not None else started_at


def _alive(
    conn: sqlite3.Connection, row: dict[str, Any], path: Path, now: float, host: str
) -> bool:
    pid, run_id = row["pid"], int(row["id"])
    if row["host"] == host and pid:
        if int(pid) == os.getpid():
            return (str(path.resolve()), run_id) in _OPEN
        return _pid_running(int(pid))
    last = last_sign_of_life(conn, run_id, float(row["started_at"] or 0.0))
    return max(last, float(row["started_at"] or 0.0)) > now - STALE_ELSEWHERE


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def _unended(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT id, started_at, strategy, mode, broker, pid, host FROM runs "
        "WHERE ended_at IS NULL AND interrupted_at IS NULL ORDER BY id"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def find_interrupted(
    conn: sqlite3.Connection, path: Path, now: float, host: str | None = None
) -> list[Interrupted]:
    """Runs not ended, not yet marked, whose process is gone (oldest first)."""
    here = host or this_host()
    found = []
    for row in _unended(conn):
        if _alive(conn, row, path, now, here):
            continue
        at = last_sign_of_life(conn, int(row["id"]), float(row["started_at"] or 0.0))
        found.append(
            Interrupted(int(row["id"]), row["strategy"] or "", row["mode"] or "",
                        row["broker"] or "", at)
        )  # fmt: skip
    return found


def mark_interrupted(
    conn: sqlite3.Connection, path: Path, now: float, host: str | None = None
) -> list[Interrupted]:
    """Mark (commit) every interrupted run found; returns them."""
    found = find_interrupted(conn, path, now, host)
    if found:
        with conn:
            conn.executemany(
                "UPDATE runs SET interrupted_at = ? WHERE id = ? AND ended_at IS NULL",
                [(r.at, r.run_id) for r in found],
            )
    return found


def to_continue(
    conn: sqlite3.Connection, strategy: str, mode: str, broker: str
) -> Interrupted | None:
    """The interrupted run a new run of (strategy, mode, broker) continues: the latest run
    of that kind, if it was interrupted and nothing continues it yet."""
    row = conn.execute(
        "SELECT id, interrupted_at FROM runs WHERE strategy IS ? AND mode IS ? AND broker IS ? "
        "ORDER BY id DESC LIMIT 1",
        (strategy, mode, broker),
    ).fetchone()
    if row is None or row[1] is None:
        return None
    taken = conn.execute("SELECT 1 FROM runs WHERE continues = ?", (row[0],)).fetchone()
    if taken is not None:
        return None
    return Interrupted(int(row[0]), strategy, mode, broker, float(row[1]))


def run_state(conn: sqlite3.Connection, run_id: int) -> RunState:
    """How the run stands now, for reports: a run not ended whose process is gone is
    interrupted even before a restart marks it."""
    row = conn.execute(
        "SELECT id, started_at, ended_at, interrupted_at, continues, pid, host FROM runs "
        "WHERE id = ?",
        (run_id,),
    ).fetchone()
    if row is None:
        return RunState("ended")
    nxt = conn.execute("SELECT MIN(id) FROM runs WHERE continues = ?", (run_id,)).fetchone()
    continued_by = int(nxt[0]) if nxt is not None and nxt[0] is not None else None
    continues = int(row[4]) if row[4] is not None else None
    if row[2] is not None:
        return RunState("ended", None, continues, continued_by)
    if row[3] is not None:
        return RunState("interrupted", float(row[3]), continues, continued_by)
    info = {"id": row[0], "started_at": row[1], "pid": row[5], "host": row[6]}
    if not _alive(conn, info, _path(conn), time.time(), this_host()):
        at = last_sign_of_life(conn, run_id, float(row[1] or 0.0))
        return RunState("interrupted", at, continues, continued_by)
    return RunState("running", None, continues, continued_by)


def _path(conn: sqlite3.Connection) -> Path:
    row = conn.execute("PRAGMA database_list").fetchone()
    return Path(row[2] if row is not None and row[2] else ":memory:")


def state_fields(conn: sqlite3.Connection, run_id: int) -> dict[str, Any]:
    """``run_state`` as report fields: running, state, interrupted_at, continues,
    continued_by."""
    st = run_state(conn, run_id)
    return {
        "running": st.state == "running",
        "state": st.state,
        "interrupted_at": st.interrupted_at,
        "continues": st.continues,
        "continued_by": st.continued_by,
    }

"""Runs that did not end cleanly (issue 14, item 7): marked interrupted at the next start,
continued by the next run of the same kind, and shown as such by the reports."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.journal import Journal
from autotrader.journal.runs import run_state, this_host
from autotrader.report.text import clock

LIVE = {"strategy": "s", "mode": "live", "broker": "kiwoom-mock"}


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of a process that is running."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def killed_run(path: Path, pid: int, *, last: float = 1_795_140_000.5, **fields: str) -> int:
    """A run as kill -9 leaves it: no ended_at, rows up to ``last``, its process ``pid``."""
    j = Journal(path)
    rid = j.start_run(**(LIVE | fields), pid=pid, host=this_host(), started_at=last - 60)
    j.heartbeat(last - 5, True, last - 5, "active", {})
    j.error(last, "live", "the last thing it wrote")
    j.flush()
    j.close()  # no end_run
    return rid


def test_a_killed_run_is_marked_at_the_next_start_and_continued(
    tmp_path: Path, dead_pid: int
) -> None:
    """The next start of the same strategy, mode and broker marks the run interrupted at
    the last moment it journaled, and continues it (``continues``); a later run does not
    continue it again."""
    path = tmp_path / "j.db"
    first = killed_run(path, dead_pid)
    j = Journal(path)
    second = j.start_run(**LIVE)
    assert [(r.run_id, r.at) for r in j.interrupted] == [(first, 1_795_140_000.5)]
    assert j.continues is not None and j.continues.run_id == first
    j.end_run({})
    third = j.start_run(**LIVE)
    assert j.continues is None and j.interrupted == []
    j.end_run({})
    j.close()
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, interrupted_at, continues FROM runs ORDER BY id").fetchall()
    assert rows == [(first, 1_795_140_000.5, None), (second, None, first), (third, None, None)]
    st = run_state(conn, first)
    assert (st.state, st.interrupted_at) == ("interrupted", 1_795_140_000.5)
    assert st.continued_by == second


def test_a_run_whose_process_still_runs_is_left_alone(tmp_path: Path, live_pid: int) -> None:
    """Another process on this host still runs it: not interrupted, not continued."""
    path = tmp_path / "j.db"
    first = killed_run(path, live_pid)
    j = Journal(path)
    j.start_run(**LIVE)
    assert j.interrupted == [] and j.continues is None
    assert run_state(j.conn, first).state == "running"
    j.close()


def test_another_kind_of_run_marks_it_but_does_not_continue_it(
    tmp_path: Path, dead_pid: int
) -> None:
    """A dry-run of another strategy notices the dead live run (marked), but only a live
    run of the same strategy and broker continues it."""
    path = tmp_path / "j.db"
    first = killed_run(path, dead_pid)
    j = Journal(path)
    j.start_run(strategy="other", mode="dry-run", broker="paper")
    assert [r.run_id for r in j.interrupted] == [first] and j.continues is None
    j.end_run({})
    j.start_run(**LIVE)
    assert j.continues is not None and j.continues.run_id == first
    j.close()


def test_a_run_this_process_closed_without_ending_is_interrupted(tmp_path: Path) -> None:
    """Same pid (an engine restarted in-process, a crashed replay): the run whose journal
    was closed without end_run is interrupted; one still open is not."""
    path = tmp_path / "j.db"
    j = Journal(path)
    first = j.start_run(strategy="s", mode="dry-run", broker="paper")
    other = Journal(path)
    other.start_run(strategy="t", mode="dry-run", broker="paper")
    assert other.interrupted == []  # ``first`` is open in this process: running
    other.end_run({})
    other.close()
    j.close()
    again = Journal(path)
    again.start_run(strategy="s", mode="dry-run", broker="paper")
    assert [r.run_id for r in again.interrupted] == [first]
    assert again.continues is not None and again.continues.run_id == first
    assert os.getpid() == again.conn.execute("SELECT pid FROM runs WHERE id = 1").fetchone()[0]
    again.close()


def test_reports_say_interrupted_at_before_and_after_the_restart(
    tmp_path: Path, dead_pid: int
) -> None:
    """'autotrader runs' and 'autotrader report' say "interrupted at ..." for a killed run,
    even before any restart marked it; after one, which run continued it."""
    path = tmp_path / "j.db"
    first = killed_run(path, dead_pid)
    when = clock(1_795_140_000.5, day=True)
    runs = CliRunner().invoke(app, ["runs", "--journal", str(path)], env={"COLUMNS": "200"})
    assert runs.exit_code == 0, runs.output
    assert f"live (interrupted at {when})" in runs.output
    j = Journal(path)
    second = j.start_run(**LIVE)
    j.end_run({})
    j.close()
    report = CliRunner().invoke(
        app, ["report", "--journal", str(path), "--run", str(first)], env={"COLUMNS": "200"}
    )
    assert report.exit_code == 0, report.output
    assert f"interrupted at {when}, continued by run {second}" in report.output
    listed = CliRunner().invoke(app, ["runs", "--journal", str(path), "--json"])
    rows = {r["id"]: r for r in orjson.loads(listed.output)}
    assert (rows[first]["state"], rows[first]["continued_by"]) == ("interrupted", second)
    assert (rows[second]["state"], rows[second]["continues"]) == ("ended", first)

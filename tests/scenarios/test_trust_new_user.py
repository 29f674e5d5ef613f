"""The new user's path: the journal named in autotrader.toml, ``autotrader halt`` typed in
another terminal, and the running engine stops trading."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.integration.test_live_cli import ENV, FakeInThread

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample-day.jsonl.gz"
T = TypeVar("T")

STRATEGY = """\
strategy: newcomer
symbols: ["005930", "000660"]
risk: {trading_hours: ["00:00", "23:59:59"]}
rules:
  - name: nibble
    when: open_orders == 0 and position.qty < 50
    cooldown: 1s
    do: [{buy: {qty: 1, type: limit, price: bid - 5 ticks}}]
"""


def eventually(probe: Callable[[], T | None], within: float = 30.0) -> T:
    deadline = time.monotonic() + within
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=5.0)
    try:
        return list(conn.execute(sql).fetchall())
    except sqlite3.OperationalError:  # the tables are not there yet
        return []
    finally:
        conn.close()


def autotrader(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autotrader", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _venue_takes_limit_orders_now() -> bool:
    """The subprocess trades on the wall clock: the venue refuses every order at night."""
    from autotrader.clock import seconds_of_day
    from autotrader.market.phases import Venue, phase_for, refusal
    from autotrader.model import OrderType

    sod = seconds_of_day(time.time())
    return refusal(phase_for(Venue.KRX, sod, OrderType.LIMIT, vi=False), OrderType.LIMIT) is None


@pytest.mark.skipif(
    not _venue_takes_limit_orders_now(),
    reason="a live subprocess runs on the wall clock; KRX takes no limit order now",
)
def test_halt_from_another_process_reaches_the_engine_via_autotrader_toml(
    tmp_path: Path,
) -> None:
    """No --journal anywhere: run and halt both take it from autotrader.toml (in a folder
    that does not exist yet); after the halt every new order is refused by the kill
    switch and the working ones are cancelled."""
    (tmp_path / "autotrader.toml").write_text('journal = "state/today.db"\n', encoding="utf-8")
    (tmp_path / "newcomer.yaml").write_text(STRATEGY, encoding="utf-8")
    db = tmp_path / "state" / "today.db"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KIWOOM_", "AUTOTRADER_"))}
    base["PYTHONPATH"] = str(ROOT)
    server = FakeInThread(
        tape=SAMPLE,
        appkey=ENV["KIWOOM_APPKEY"],
        secretkey=ENV["KIWOOM_SECRETKEY"],
        auto_stream=True,
        wait_for_client=True,
        speed=300.0,
    )
    with server as fake:
        env = base | ENV | {"KIWOOM_REST_URL": fake.rest_url, "KIWOOM_WS_URL": fake.ws_url}
        args = ["run", "newcomer.yaml", "--live", "--yes", "--max-seconds", "40", "--no-report"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "autotrader", *args],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            eventually(lambda: query(db, "SELECT id FROM orders WHERE state = 'accepted'"))
            halted = autotrader("halt", "--reason", "lunch", cwd=tmp_path, env=base)
            assert halted.returncode == 0, halted.stdout + halted.stderr
            assert str(tmp_path / "state" / "autotrader.halt") in halted.stdout
            row = eventually(lambda: query(db, "SELECT ts FROM errors WHERE source = 'killswitch'"))
            halt_ts = float(row[0][0])  # type: ignore[arg-type]
            # Orders keep being tried on ticks; each is refused by the kill switch.
            eventually(
                lambda: query(
                    db,
                    f"SELECT id FROM orders WHERE created_at > {halt_ts} AND action = 'buy'",
                )
            )
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    detail = query(db, "SELECT detail FROM errors WHERE source = 'killswitch'")
    assert detail[0][0] == "halted: lunch"
    after = query(
        db, f"SELECT state, reason FROM orders WHERE created_at > {halt_ts} AND action = 'buy'"
    )
    assert after and all(
        state == "rejected" and "kill_switch" in str(reason) for state, reason in after
    )
    working = query(db, "SELECT id FROM orders WHERE action = 'buy' AND state = 'accepted'")
    assert working == []  # the halt cancelled what was working

"""What every fault scenario asserts, against the fake Kiwoom's own book.

``judge`` (``autotrader/drill/verdict.py``, which the drill reports from) reads the
journal after the run and compares it with the fake:

* **no duplicate order**: every order the fake accepted as *new* is the order of exactly
  one journal row (following modify chains through ``orig_ord_no``), and no two journal
  rows claim the same one;
* **no lost fill quantity**: per journal row, the journaled fills add up to what the fake
  filled over the row's whole chain, and so does the row's ``filled_qty``;
* **positions**: the starting holdings plus the journaled fills equal the fake's
  holdings, and so does the engine's position;
* **no traceback** in any log record, and **no secret** (app key, secret key, any token
  the fake issued) in any file under the test's folder or in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from autotrader.drill.verdict import judge
from autotrader.fake_kiwoom import FakeKiwoom
from tests.integration.live_support import APPKEY, SECRETKEY, Live, rows

START_HOLDINGS = {"005930": 10}  # live_run's default fake account

# The settings the scenarios share: short timeouts, and a feed whose PINGs come every
# 0.2 s so a stall shows within 1.5 s (the floor keeps a busy test machine, whose event
# loop may pause for a moment, from seeing stalls that are not there).
FAULT_SETTINGS: dict[str, Any] = {
    "order_timeout": 0.5,
    "ws_silence_timeout": 3.0,
    "ws_stall_min": 1.5,
}
FAULT_FAKE: dict[str, Any] = {"ping_interval": 0.2, "ping_timeout": 2.0}


def assert_books_agree(live: Live) -> None:
    """The journal (after the run) against the fake's book (``autotrader/drill/verdict.py``)."""
    engine = {s: st.pos_qty for s, st in live.runner.engine.states.items()}
    verdict = judge(live.fake, live.journal_path, START_HOLDINGS, engine)
    assert verdict.consistent, verdict.problems
    assert verdict.duplicates == 0 and verdict.lost == 0


def assert_clean(tmp_path: Path, fake: FakeKiwoom, caplog: pytest.LogCaptureFixture) -> None:
    """No traceback in the log; no key or token in any file or log line."""
    tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks
    secrets = [APPKEY, SECRETKEY, *fake.tokens.issued]
    texts = [caplog.text.encode()]
    texts += [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    for text in texts:
        leaked = [s[:6] + "..." for s in secrets if s.encode() in text]
        assert not leaked, leaked


def journal_errors(live: Live, source: str | None = None) -> list[str]:
    sql = "SELECT source, detail FROM errors ORDER BY id"
    return [r["detail"] for r in rows(live.journal_path, sql) if source in (None, r["source"])]


def capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# A limit buy that rests below the market once 10 shares are held (open orders, modifies).
RESTING_BUY = """\
  - name: resting-buy
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    cooldown: 1h
    do:
      - buy: {qty: 3, type: limit, price: 60000}
"""

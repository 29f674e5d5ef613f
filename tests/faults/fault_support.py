"""What every fault scenario asserts, against the fake Kiwoom's own book.

``Verdict`` reads the journal after the run and compares it with the fake:

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
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import Kind, Order
from autotrader.model import Side
from tests.integration.live_support import APPKEY, SECRETKEY, Live, rows

START_HOLDINGS = {"005930": 10}  # live_run's default fake account
NEW_ACTIONS = ("buy", "sell", "credit_buy", "credit_sell")

# The settings the scenarios share: short timeouts, and a feed whose PINGs come every
# 0.2 s so a stall shows within 1.5 s (the floor keeps a busy test machine, whose event
# loop may pause for a moment, from seeing stalls that are not there).
FAULT_SETTINGS: dict[str, Any] = {
    "order_timeout": 0.5,
    "ws_silence_timeout": 3.0,
    "ws_stall_min": 1.5,
}
FAULT_FAKE: dict[str, Any] = {"ping_interval": 0.2, "ping_timeout": 2.0}


def root(fake: FakeKiwoom, number: str) -> Order | None:
    """The new order a (modify) number descends from."""
    order = fake.book.order(number)
    while order is not None and order.orig_ord_no:
        parent = fake.book.order(order.orig_ord_no)
        if parent is None:
            break
        order = parent
    return order


def chain_filled(fake: FakeKiwoom, new: Order) -> int:
    """Shares the fake filled for ``new`` and every modify that descends from it."""
    return sum(
        o.filled for o in fake.orders if o.kind is not Kind.CANCEL and root(fake, o.ord_no) is new
    )


def assert_books_agree(live: Live) -> None:
    """The journal (after the run) against the fake's book: see the module docstring."""
    fake, path = live.fake, live.journal_path
    journal = rows(path, "SELECT * FROM orders")
    fills = rows(path, "SELECT order_id, symbol, side, qty FROM fills")
    new_rows = [r for r in journal if r["action"] in NEW_ACTIONS]
    roots: dict[str, int] = {}
    for r in new_rows:
        number = r["broker_order_no"] or ""
        if not number:
            assert r["state"] in ("rejected", "pending", "unknown"), dict(r)
            continue
        origin = root(fake, number)
        assert origin is not None, f"journal row {r['id']} names {number}, unknown to the fake"
        assert origin.ord_no not in roots, (
            f"rows {roots[origin.ord_no]} and {r['id']} are both Kiwoom order {origin.ord_no}"
        )
        roots[origin.ord_no] = r["id"]
    new_at_fake = [o for o in fake.orders if o.kind is Kind.NEW]
    unclaimed = [o.ord_no for o in new_at_fake if o.ord_no not in roots]
    assert not unclaimed, f"orders at the fake that no journal row holds: {unclaimed}"
    journaled = Counter[int]()
    for f in fills:
        journaled[f["order_id"]] += f["qty"]
    for number, order_id in roots.items():
        origin = fake.book.order(number)
        assert origin is not None
        filled = chain_filled(fake, origin)
        (row,) = [r for r in new_rows if r["id"] == order_id]
        assert journaled[order_id] == filled, f"order {order_id}: fills lost or doubled"
        assert row["filled_qty"] == filled, f"order {order_id}: filled_qty {row['filled_qty']}"
    net = Counter[str](START_HOLDINGS)
    for f in fills:
        net[f["symbol"]] += f["qty"] if f["side"] == Side.BUY.value else -f["qty"]
    held = {symbol: h.qty for symbol, h in fake.holdings.items() if h.qty}
    assert {s: q for s, q in net.items() if q} == held
    engine = {s: st.pos_qty for s, st in live.runner.engine.states.items() if st.pos_qty}
    assert engine == held


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

"""The journal after a run against the fake Kiwoom's own book: duplicates, lost fills.

The fake is the venue's truth: every order number it accepted, what filled, what it
holds. ``judge`` reads the journal (a finished run's SQLite file) and counts

* **duplicates**: orders the fake accepted as *new* that no journal row claims (a resend
  the journal does not know of) or that two rows claim, plus shares journaled twice;
* **lost fills**: shares the fake filled (over a row's whole modify chain, followed
  through ``orig_ord_no``) that the row's journaled fills do not hold;
* **positions**: the starting holdings plus the journaled fills against the fake's
  holdings, and against the engine's positions when they are known.

The fault tests (``tests/faults``) assert on the same verdict; the drill reports it.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import Kind, Order
from autotrader.model import Side

NEW_ACTIONS = ("buy", "sell", "credit_buy", "credit_sell")
UNSENT_STATES = ("rejected", "pending", "unknown")


@dataclass
class Verdict:
    """What the journal and the fake agree on, and every way they do not."""

    orders: int = 0  # new orders the fake accepted
    fills: int = 0  # shares the fake filled for them
    journal_fills: int = 0  # shares the journal holds
    duplicates: int = 0
    lost: int = 0  # shares filled at the fake and missing from the journal
    problems: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        self.problems.append(text)


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


def read_rows(path: Path, sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def judge(
    fake: FakeKiwoom,
    journal: Path,
    start_holdings: Mapping[str, int],
    engine_positions: Mapping[str, int] | None = None,
) -> Verdict:
    """Compare the journal at ``journal`` with ``fake``'s book; see the module docstring."""
    v = Verdict()
    rows = read_rows(journal, "SELECT * FROM orders")
    fills = read_rows(journal, "SELECT order_id, symbol, side, qty FROM fills")
    new_rows = [r for r in rows if r["action"] in NEW_ACTIONS]
    roots: dict[str, int] = {}
    for r in new_rows:
        number = r["broker_order_no"] or ""
        if not number:
            if r["state"] not in UNSENT_STATES:
                v.problem(f"journal row {r['id']} is {r['state']} without a Kiwoom number")
            continue
        origin = root(fake, number)
        if origin is None:
            v.problem(f"journal row {r['id']} names {number}, unknown to the fake")
            continue
        if origin.ord_no in roots:
            v.duplicates += 1
            v.problem(f"rows {roots[origin.ord_no]} and {r['id']} are both order {origin.ord_no}")
            continue
        roots[origin.ord_no] = r["id"]
    new_at_fake = [o for o in fake.orders if o.kind is Kind.NEW]
    v.orders = len(new_at_fake)
    unclaimed = [o.ord_no for o in new_at_fake if o.ord_no not in roots]
    if unclaimed:
        v.duplicates += len(unclaimed)
        v.problem(f"orders at the fake that no journal row holds: {', '.join(unclaimed)}")
    journaled = Counter[int]()
    for f in fills:
        journaled[f["order_id"]] += f["qty"]
    v.journal_fills = sum(journaled.values())
    by_id = {r["id"]: r for r in new_rows}
    for number, order_id in roots.items():
        origin = fake.book.order(number)
        assert origin is not None
        filled = chain_filled(fake, origin)
        v.fills += filled
        got = journaled[order_id]
        if got < filled:
            v.lost += filled - got
            v.problem(f"order {order_id} ({number}): {filled - got} filled shares not journaled")
        elif got > filled:
            v.duplicates += got - filled
            v.problem(f"order {order_id} ({number}): {got - filled} shares journaled twice")
        if by_id[order_id]["filled_qty"] != got:
            v.problem(f"order {order_id}: filled_qty {by_id[order_id]['filled_qty']} != {got}")
    net = Counter[str](dict(start_holdings))
    for f in fills:
        net[f["symbol"]] += f["qty"] if f["side"] == Side.BUY.value else -f["qty"]
    held = {symbol: h.qty for symbol, h in fake.holdings.items() if h.qty}
    journal_net = {s: q for s, q in net.items() if q}
    if journal_net != held:
        v.problem(f"positions: journal {journal_net} != fake {held}")
    if engine_positions is not None:
        engine = {s: q for s, q in engine_positions.items() if q}
        if engine != held:
            v.problem(f"positions: engine {engine} != fake {held}")
    return v

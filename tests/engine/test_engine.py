"""The engine's event path: index by symbol, risk before journal before broker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from autotrader.broker.base import Emit, OrderAccepted
from autotrader.model import OrderRequest
from autotrader.risk import RiskLimits
from tests.frames import real, trade
from tests.harness import Harness

TWO_SYMBOLS = """
strategy: t
symbols: ["005930", "000660"]
rules:
  - name: samsung-only
    symbols: ["005930"]
    when: price > 0
    do:
      - buy: {qty: 1}
  - name: hynix-only
    symbols: ["000660"]
    when: price > 0
    do:
      - buy: {qty: 1}
"""


def _fires(h: Harness) -> dict[str, int]:
    return {r.name: r.fires for r in h.plan.rules}


def test_tick_reaches_only_its_symbols_rules(tmp_path: Path) -> None:
    """A 005930 tick fires the 005930 rule and never the 000660 rule, though both match."""
    h = Harness(TWO_SYMBOLS, tmp_path)
    h.feed([real(trade("005930", "090001", 70000))])
    assert _fires(h) == {"samsung-only": 1, "hynix-only": 0}
    h.feed([real(trade("000660", "090002", 200000))])
    assert _fires(h) == {"samsung-only": 1, "hynix-only": 1}
    assert "hynix" not in (h.plan.evaluators["005930"].__doc__ or "")


def test_tick_for_unsubscribed_symbol_is_counted_not_evaluated(tmp_path: Path) -> None:
    """A tick for a symbol no rule names touches no rule and is counted."""
    h = Harness(TWO_SYMBOLS, tmp_path)
    h.feed([real(trade("035720", "090001", 44000))])
    assert _fires(h) == {"samsung-only": 0, "hynix-only": 0}
    assert h.decoder.counters.unsubscribed == 1


OVERSIZE = """
strategy: t
symbols: ["005930"]
rules:
  - name: big
    when: price > 0
    cooldown: 1h
    do:
      - buy: {qty: 1000}
"""


def test_oversize_order_is_rejected_with_reason_journaled(tmp_path: Path) -> None:
    """An order over max_order_value never reaches the broker; the reason is journaled."""
    h = Harness(OVERSIZE, tmp_path, limits=RiskLimits(max_order_value=1_000_000))
    h.feed([real(trade("005930", "090001", 70000))])
    orders = h.rows("SELECT state, reason FROM orders")
    assert len(orders) == 1
    state, reason = orders[0]
    assert state == "rejected"
    assert "max_order_value" in reason and "70,000,000" in reason
    checks = h.rows("SELECT check_name, passed, reason FROM risk_checks ORDER BY id")
    failed = [c for c in checks if not c[1]]
    assert [c[0] for c in failed] == ["max_order_value"]
    assert h.rows("SELECT COUNT(*) FROM fills") == [(0,)]
    assert h.engine.stats["rejected"] == 1 and h.engine.stats["orders"] == 0


class IntentCheckingBroker:
    """A broker that looks in the journal, from another connection, when it gets an order."""

    name = "spy"
    wants_ticks = False

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.seen: list[tuple[int, str | None]] = []
        self._emit: Emit | None = None

    def attach(self, emit: Emit) -> None:
        self._emit = emit

    def submit(self, order: OrderRequest) -> None:
        con = sqlite3.connect(self.db_path)
        row = con.execute("SELECT state FROM orders WHERE id = ?", (order.order_id,)).fetchone()
        con.close()
        self.seen.append((order.order_id, row[0] if row else None))
        assert self._emit is not None
        self._emit(OrderAccepted(order.order_id, "0000001", order.created_at))

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        raise AssertionError("not called for wants_ticks=False")


def test_intent_row_is_committed_before_broker_sees_order(tmp_path: Path) -> None:
    """When submit() runs, another connection already reads the order as 'pending'."""
    spy = IntentCheckingBroker(tmp_path / "journal.db")
    h = Harness(OVERSIZE.replace("qty: 1000", "qty: 1"), tmp_path, broker=spy)
    h.feed([real(trade("005930", "090001", 70000))])
    assert len(spy.seen) == 1
    order_id, state_seen = spy.seen[0]
    assert state_seen == "pending"
    assert h.rows("SELECT state, broker_order_no FROM orders WHERE id = ?", order_id) == [
        ("accepted", "0000001")
    ]


def test_cooldown_stops_a_rule_refiring(tmp_path: Path) -> None:
    """A rule with a one-hour cooldown fires once over two ticks a second apart."""
    h = Harness(OVERSIZE.replace("qty: 1000", "qty: 1"), tmp_path)
    h.feed([real(trade("005930", "090001", 70000)), real(trade("005930", "090002", 70000))])
    assert h.engine.stats["fired"] == 1


def test_time_condition_follows_the_tape_clock(tmp_path: Path) -> None:
    """'time >= 10:00' is false for a 09:59:59 tick and true for a 10:00:00 tick."""
    strat = OVERSIZE.replace("price > 0", "time >= 10:00").replace("qty: 1000", "qty: 1")
    h = Harness(strat, tmp_path)
    h.feed([real(trade("005930", "095959", 70000))])
    assert h.engine.stats["fired"] == 0
    h.feed([real(trade("005930", "100000", 70000))])
    assert h.engine.stats["fired"] == 1

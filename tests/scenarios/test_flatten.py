"""Scenarios: the stop-loss idiom (``flatten``), cancel scopes, and the reason a firing
that sends nothing leaves in the journal and the report.

``SlowCancels`` is the paper broker with Kiwoom's timing for cancels: a cancel is
accepted at once and takes effect on the next trade of the symbol, so the target can
still fill in between. It also plays the exchange's part: a new sell beyond the shares
held and not already offered fails the test (a position offered twice).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.broker.base import OrderAccepted, OrderCancelled
from autotrader.broker.paper import PaperBroker
from autotrader.model import OrderAction, OrderRequest, Side
from autotrader.report.figures import build_report
from autotrader.report.html import render_html
from autotrader.report.text import silent_firings
from tests.scenarios.trust_support import Outcome, run, session, tick

HEAD = 'strategy: s\nsymbols: ["005930"]\nrules:\n'
ENTRY_AND_TP = (
    "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
    "  - name: take-profit\n    on: {order: filled, tag: entry}\n"
    "    do: [{sell: {qty: available, type: limit, price: position.avg_price + 10 ticks, "
    "tag: tp}}]\n"
)
STOP_LOSS = (
    "  - name: stop-loss\n    when: position.qty > 0 and position.pnl_pct <= -1%\n"
    "    once_per_symbol: true\n    do: [{flatten: {type: market}}]\n"
)


class SlowCancels(PaperBroker):
    """Cancels take effect on the symbol's next trade; sells never exceed what is held."""

    def __init__(self, ticks: int = 1) -> None:
        super().__init__()
        self.ticks = ticks  # trades of the symbol before a cancel takes effect
        self.later: list[tuple[int, OrderRequest]] = []
        self.held: dict[str, int] = {}
        self.most_offered = 0
        self.violations: list[str] = []  # sells beyond the shares held and not offered

    def offered(self, symbol: str) -> int:
        """Shares of working sells at the venue."""
        book = self.matcher.orders.get(symbol, {})
        return sum(w.qty for w in book.values() if w.side is Side.SELL)

    def submit(self, order: OrderRequest) -> None:
        if order.action is OrderAction.CANCEL:
            self._send(OrderAccepted(order.order_id, f"C{order.order_id:07d}", order.created_at))
            self.later.append((self.ticks, order))
            return
        if order.action is OrderAction.SELL:
            offered = order.qty + self.offered(order.symbol)
            held = self.held.get(order.symbol, 0)
            if offered > held:  # recorded, not raised: the engine would journal an exception
                self.violations.append(f"{offered} shares offered, {held} held")
            self.most_offered = max(self.most_offered, offered)
        super().submit(order)

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        super().on_tick(symbol, price, ask, bid, ts)  # a target may fill before its cancel
        due = [c for n, c in self.later if n <= 1 and c.symbol == symbol]
        self.later = [(n - (c.symbol == symbol), c) for n, c in self.later if c not in due]
        for cancel in due:
            target = self._orders.get(cancel.target_id or 0)
            if target is not None and self.matcher.working(symbol, target.order_id):
                qty = self.matcher.cancel(symbol, target.order_id)
                self._orders.pop(target.order_id, None)
                self._send(OrderCancelled(target.order_id, qty, ts))

    def _fill(self, order: OrderRequest, qty: int, price: int, ts: float) -> None:
        sign = 1 if order.side is Side.BUY else -1
        self.held[order.symbol] = self.held.get(order.symbol, 0) + sign * qty
        super()._fill(order, qty, price, ts)


def _flat(out: Outcome) -> bool:
    return out.result.engine.states["005930"].pos_qty == 0


def test_stop_loss_flatten_with_a_resting_take_profit(tmp_path: Path) -> None:
    """The stop-loss pattern of issue 11: a filled entry rests a take-profit for all its
    shares; the price falls 1%: one flatten cancels the take-profit, then sells the 10
    shares at market, and the position ends flat. One decision."""
    out = run(
        tmp_path,
        HEAD + ENTRY_AND_TP + STOP_LOSS,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),  # entry fills, tp rests
            tick("005930", "09:05:00.000", 69300, bid=69200),  # -1%: stop-loss
            tick("005930", "09:05:00.300", 69200, bid=69100),
        ],
    )
    assert out.orders() == [
        "09:00:01.000 entry buy 10 market -> filled 10@70000 09:00:01.000",
        "09:00:01.000 take-profit sell 10 limit 71000 -> cancelled (10 cancelled) 09:05:00.000",
        "09:05:00.000 stop-loss cancel 0 market -> done 09:05:00.000",
        "09:05:00.000 stop-loss sell 10 market -> filled 10@69200 09:05:00.000",
    ]
    assert [d for d in out.decisions() if "stop-loss" in d] == [
        "09:05:00.000 stop-loss 005930 0B flatten"
    ]
    assert _flat(out)


def test_flatten_sells_only_once_the_cancel_is_confirmed(tmp_path: Path) -> None:
    """With Kiwoom's timing the take-profit still offers the 10 shares when the stop-loss
    fires: nothing is sold then (the exchange would see 20 offered); the cancel is
    confirmed on the next trade and the flatten sells the 10 freed shares at once."""
    broker = SlowCancels()
    out = run(
        tmp_path,
        HEAD + ENTRY_AND_TP + STOP_LOSS,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),  # stop-loss: cancel only
            tick("005930", "09:05:00.400", 69200, bid=69100),  # cancel confirmed: sell 10
            tick("005930", "09:05:00.900", 69200, bid=69000),  # the sell fills
        ],
        broker=broker,
    )
    assert out.orders() == [
        "09:00:01.000 entry buy 10 market -> filled 10@70000 09:00:01.000",
        "09:00:01.000 take-profit sell 10 limit 71000 -> cancelled (10 cancelled) 09:05:00.400",
        "09:05:00.000 stop-loss cancel 0 market -> done 09:05:00.400",
        "09:05:00.400 stop-loss sell 10 market -> filled 10@69100 09:05:00.400",
    ]
    assert [d for d in out.decisions() if "stop-loss" in d] == [
        "09:05:00.000 stop-loss 005930 0B flatten",  # the decision: cancel, sell when freed
        "09:05:00.400 stop-loss 005930 flatten order",  # its continuation: the freed shares
    ]
    assert broker.most_offered == 10 and broker.violations == [] and _flat(out)


def test_flatten_when_the_take_profit_fills_before_its_cancel(tmp_path: Path) -> None:
    """The take-profit fills while its cancel is in flight: the cancel is refused, no
    share is left to sell, and the flatten sends nothing more."""
    broker = SlowCancels()
    out = run(
        tmp_path,
        HEAD + ENTRY_AND_TP + STOP_LOSS,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),
            tick("005930", "09:05:00.400", 71000, bid=71000),  # the take-profit fills first
            tick("005930", "09:05:00.900", 71000),
        ],
        broker=broker,
    )
    assert out.orders() == [
        "09:00:01.000 entry buy 10 market -> filled 10@70000 09:00:01.000",
        "09:00:01.000 take-profit sell 10 limit 71000 -> filled 10@71000 09:05:00.400",
        "09:05:00.000 stop-loss cancel 0 market -> rejected "
        "(target order 2 ended (filled) first) 09:05:00.400",
    ]
    assert broker.violations == [] and _flat(out)


def test_a_plain_sell_beside_the_take_profit_is_refused_not_sent(tmp_path: Path) -> None:
    """Why flatten exists: cancel-then-sell-10 written as two plain steps would offer 20
    shares for 10 held while the cancel is in flight; the risk guard refuses the sell,
    the decision says so, and the stop-loss has sold nothing."""
    strategy = (
        HEAD
        + ENTRY_AND_TP
        + (
            "  - name: stop-loss\n    when: position.qty > 0 and position.pnl_pct <= -1%\n"
            "    once_per_symbol: true\n"
            "    do: [{cancel: {tag: tp}}, {sell: {qty: 10, type: market}}]\n"
        )
    )
    broker = SlowCancels()
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),
            tick("005930", "09:05:01.000", 69300, bid=69200),
        ],
        broker=broker,
    )
    (sell,) = out.rows(
        "SELECT outcome, json_extract(values_json, '$.reason') FROM decisions "
        "WHERE rule = 'stop-loss' AND order_id IN (SELECT id FROM orders WHERE action = 'sell')"
    )
    assert sell[0] == "refused" and sell[1].startswith("risk: ")
    assert broker.violations == [] and not _flat(out)


def test_partial_take_profit_fill_then_flatten_sells_the_rest(tmp_path: Path) -> None:
    """Held 10, a take-profit for 4 and a second for 6 (two rules): the flatten cancels
    both and sells the shares each confirmed cancel frees; never more than 10 offered."""
    strategy = (
        HEAD
        + (
            "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
            "  - name: tp1\n    on: {order: filled, tag: entry}\n"
            "    do: [{sell: {qty: 4, type: limit, price: 71000}}]\n"
            "  - name: tp2\n    on: {order: filled, tag: entry}\n"
            "    do: [{sell: {qty: 6, type: limit, price: 72000}}]\n"
        )
        + STOP_LOSS
    )
    broker = SlowCancels()
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),
            tick("005930", "09:05:00.400", 69200, bid=69100),
            tick("005930", "09:05:00.900", 69200, bid=69000),
        ],
        broker=broker,
    )
    sells = [o for o in out.orders() if "stop-loss sell" in o]
    assert sells == [
        "09:05:00.400 stop-loss sell 4 market -> filled 4@69100 09:05:00.400",
        "09:05:00.400 stop-loss sell 6 market -> filled 6@69100 09:05:00.400",
    ]
    assert broker.most_offered == 10 and broker.violations == [] and _flat(out)


def test_a_second_flatten_while_the_first_waits_says_so(tmp_path: Path) -> None:
    """Without once_per_symbol the stop-loss fires on every trade: while its cancel is in
    flight a second flatten sends nothing and says why; once the market sell works, a
    third finds every share offered at market and leaves that sell to fill."""
    strategy = HEAD + ENTRY_AND_TP + STOP_LOSS.replace("    once_per_symbol: true\n", "")
    broker = SlowAccepts(ticks=2)  # the top-up sell stays unnumbered until the next trade
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),  # flatten: cancel the tp
            tick("005930", "09:05:00.100", 69300, bid=69200),  # cancel still in flight
            tick("005930", "09:05:00.200", 69300, bid=69200),  # confirmed: sell 10
            tick("005930", "09:05:00.300", 69300, bid=69200),  # the sell is numbered, fills
        ],
        broker=broker,
    )
    assert [d for d in out.decisions() if "stop-loss" in d] == [
        "09:05:00.000 stop-loss 005930 0B flatten",
        "09:05:00.100 stop-loss 005930 0B flatten_in_progress",
        "09:05:00.200 stop-loss 005930 flatten order",
        "09:05:00.200 stop-loss 005930 0B already_offered",
    ]
    reasons = out.rows(
        "SELECT outcome, json_extract(values_json, '$.reason') FROM decisions "
        "WHERE rule = 'stop-loss' AND outcome != 'order'"
    )
    assert reasons == [
        ("flatten", "held 10, 10 offered by tp #2: cancel 1, sell the rest as the cancels "
         "are confirmed"),
        ("flatten_in_progress", "the flatten by stop-loss at 09:05:00.000 still waits for "
         "1 cancel(s) to be confirmed"),
        ("already_offered", "all 10 shares already offered at market by stop-loss #4"),
    ]  # fmt: skip
    assert broker.most_offered == 10 and broker.violations == []


def test_the_old_stop_loss_pattern_says_why_it_sent_nothing(tmp_path: Path) -> None:
    """Issue 11's report: `cancel: all` + `sell: {qty: all}` beside a resting take-profit
    fires on every trade and sends nothing. Each firing is journaled with the reason,
    and the report counts them: fired 3, orders 0, and why."""
    strategy = (
        HEAD
        + ENTRY_AND_TP
        + (
            "  - name: stop-loss\n    when: position.qty > 0 and position.pnl_pct <= -1%\n"
            "    do: [{cancel: all}, {sell: {qty: all, type: market}}]\n"
        )
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.200", 70000, ask=70000),
            tick("005930", "09:05:00.000", 69300, bid=69200),
            tick("005930", "09:05:01.000", 69200, bid=69100),
            tick("005930", "09:05:02.000", 69100, bid=69000),
        ],
    )
    reasons = out.rows(
        "SELECT outcome, json_extract(values_json, '$.reason') FROM decisions "
        "WHERE rule = 'stop-loss' ORDER BY id"
    )
    assert (
        reasons
        == [
            ("no_target", "no working order tagged 'stop-loss' in 005930 to cancel"),
            ("already_offered", "all 10 shares already offered by tp #2"),
        ]
        * 3
    )
    report = build_report(sqlite_utils.Database(out.db), [out.result.run_id])
    row = next(r for r in report["rules"] if r["rule"] == "stop-loss")
    assert (row["fired"], row["orders"], row["silent"]) == (3, 0, 3)
    assert silent_firings(row) == (
        "  stop-loss: fired 3, orders 0, 3 sent nothing: 3 no target (no working order tagged "
        "'stop-loss' in 005930 to cancel); 3 already offered (all 10 shares already offered "
        "by tp #2)"
    )
    html = render_html(report)
    assert "<li>stop-loss: fired 3, orders 0, 3 sent nothing: 3 no target (no working" in html


def test_cancel_scopes(tmp_path: Path) -> None:
    """A resting buy (rule bid) and a resting sell (rule ask) of the same symbol:
    `cancel: sells` cancels only the sell; `cancel: {scope: symbol}` then the buy;
    `cancel: rule` of a rule with no orders finds nothing, and says so."""
    strategy = HEAD + (
        "  - name: seed\n    once_per_symbol: true\n    do: [{buy: {qty: 5, type: market}}]\n"
        "  - name: bid\n    when: position.qty > 0 and time < 09:02\n    once_per_symbol: true\n"
        "    do: [{buy: {qty: 1, type: limit, price: 68000}}]\n"
        "  - name: ask\n    when: position.qty > 0 and time < 09:02\n    once_per_symbol: true\n"
        "    do: [{sell: {qty: 2, type: limit, price: 72000}}]\n"
        '  - name: sells-off\n    on: {at: "09:03:00"}\n    do: [{cancel: sells}]\n'
        '  - name: own\n    on: {at: "09:04:00"}\n    do: [{cancel: rule}]\n'
        '  - name: all-off\n    on: {at: "09:05:00"}\n    do: [{cancel: {scope: symbol}}]\n'
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "09:00:01.500", 70000),  # seed fills; bid and ask rest
            tick("005930", "09:06:00.000", 70000),
        ],
    )
    assert [o for o in out.orders() if " cancel 0 " in o] == [
        "09:03:00.000 sells-off cancel 0 market -> done 09:03:00.000",
        "09:05:00.000 all-off cancel 0 market -> done 09:05:00.000",
    ]
    assert [o.split(" -> ")[1] for o in out.orders() if " bid " in o or " ask " in o] == [
        "cancelled (1 cancelled) 09:05:00.000",
        "cancelled (2 cancelled) 09:03:00.000",
    ]
    assert "09:04:00.000 own 005930 at no_target" in out.decisions()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    split=st.integers(min_value=0, max_value=10),
    delay=st.integers(min_value=1, max_value=3),
    path=st.lists(st.integers(min_value=68_500, max_value=72_500), min_size=3, max_size=8),
)
def test_flatten_never_offers_twice_and_ends_flat(
    tmp_path_factory: pytest.TempPathFactory, split: int, delay: int, path: list[int]
) -> None:
    """Any split of the take-profits (one, or two rules), any cancel delay, any prices
    after the stop-loss: the exchange never sees more offered than held, and the run
    ends flat (the take-profits or the flatten sold every share)."""
    tmp = tmp_path_factory.mktemp("prop")
    tps = "".join(
        f"  - name: tp{i}\n    on: {{order: filled, tag: entry}}\n"
        f"    do: [{{sell: {{qty: {q}, type: limit, price: {71000 + 500 * i}}}}}]\n"
        for i, q in enumerate(q for q in (split, 10 - split) if q)
    )
    entry = "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
    lines = [
        session("3", "09:00:00.000"),
        tick("005930", "09:00:01.000", 70000),
        tick("005930", "09:00:01.200", 70000, ask=70000),
        tick("005930", "09:05:00.000", 69300, bid=69200),  # the stop-loss fires
    ]
    lines += [tick("005930", f"09:05:{i + 1:02d}.000", p) for i, p in enumerate(path)]
    lines += [tick("005930", f"09:06:{i:02d}.000", 69000) for i in range(delay + 2)]
    broker = SlowCancels(ticks=delay)
    out = run(tmp, HEAD + entry + tps + STOP_LOSS, lines, broker=broker)
    assert broker.violations == []
    assert _flat(out)


class SlowAccepts(SlowCancels):
    """Also a new sell is numbered only on the symbol's next trade (and cannot be
    cancelled before)."""

    def __init__(self, ticks: int = 1) -> None:
        super().__init__(ticks)
        self.unnumbered: list[OrderRequest] = []

    def submit(self, order: OrderRequest) -> None:
        if order.action is OrderAction.SELL:
            self.unnumbered.append(order)
            return
        super().submit(order)

    def on_tick(self, symbol: str, price: int, ask: int, bid: int, ts: float) -> None:
        due, self.unnumbered = self.unnumbered, []
        super().on_tick(symbol, price, ask, bid, ts)
        for order in due:
            SlowCancels.submit(self, order)  # numbered now; it fills from the next trade


def test_flatten_waits_for_a_take_profit_not_yet_numbered(tmp_path: Path) -> None:
    """The entry fills on a trade already 1% down: the take-profit is sent but not yet
    numbered when the stop-loss fires on that same trade. The flatten can cancel it only
    once it is numbered: it waits, cancels it then, and sells after the cancel."""
    broker = SlowAccepts()
    out = run(
        tmp_path,
        HEAD + ENTRY_AND_TP + STOP_LOSS,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 69300, ask=70000, bid=69200),  # fill, tp, stop
            tick("005930", "09:00:01.200", 69300, bid=69200),  # tp numbered: cancel it
            tick("005930", "09:00:01.400", 69300, bid=69200),  # cancel confirmed: sell 10
            tick("005930", "09:00:01.600", 69300, bid=69100),  # the sell is numbered: fills
        ],
        broker=broker,
    )
    stop = [o for o in out.orders() if "stop-loss" in o]
    assert stop == [
        "09:00:01.200 stop-loss cancel 0 market -> done 09:00:01.400",
        # numbered and filled at the 09:00:01.600 bid; paper stamps an arrival fill with
        # the order's own time
        "09:00:01.400 stop-loss sell 10 market -> filled 10@69100 09:00:01.400",
    ]
    assert out.rows("SELECT outcome FROM decisions WHERE rule = 'stop-loss' AND event = '0B'") == [
        ("flatten",),
        ("once_per_symbol",),
    ]  # one decision; then held back, once
    assert broker.violations == [] and _flat(out)


def test_flatten_on_the_closing_notice_with_a_resting_take_profit(tmp_path: Path) -> None:
    """At the 15:20 closing notice the take-profit still rests: the flatten cancels it
    and enters the 10 shares into the closing auction, which fills them at the 15:30
    single price. The default session policy lets the exit through; the day ends flat."""
    strategy = (
        HEAD
        + ENTRY_AND_TP
        + (
            "  - name: last-call\n    on: {session: closing_notice}\n    when: position.qty > 0\n"
            "    do: [{flatten: market}]\n"
        )
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70000),
            tick("005930", "15:19:59.000", 70200),
            session("2", "15:20:00.000"),
            tick("005930", "15:30:00.000", 70300),  # the closing auction's single price
        ],
    )
    assert out.orders() == [
        "09:00:01.000 entry buy 10 market -> filled 10@70000 09:00:01.000",
        "09:00:01.000 take-profit sell 10 limit 71000 -> cancelled (10 cancelled) 15:20:00.000",
        "15:20:00.000 last-call cancel 0 market -> done 15:20:00.000",
        "15:20:00.000 last-call sell 10 market -> filled 10@70300 15:30:00.000",
    ]
    assert out.decisions()[-1] == "15:20:00.000 last-call 005930 session:closing_notice flatten"
    assert _flat(out)

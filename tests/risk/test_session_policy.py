"""The session policy (issue 11 item 5) and the venue's phases (docs/paper-fills.md)."""

from __future__ import annotations

from pathlib import Path

from autotrader.config import AppConfig
from autotrader.engine.trigger_event import TriggerEvent
from autotrader.model import OrderAction, OrderType
from autotrader.risk import RiskGuard, RiskLimits
from autotrader.risk import checks as c
from autotrader.rules import load_strategy_text
from tests.frames import real, trade
from tests.harness import Harness
from tests.risk.support import check_input, order, state

CLOSING = 15 * 3600 + 25 * 60  # 15:25, the closing auction
SELL = OrderAction.SELL


def reasons(o: object, st: object, limits: RiskLimits | None = None) -> str:
    return RiskGuard().review(check_input(o, st, limits=limits, pending_sell=0)).reason  # type: ignore[arg-type]


def test_by_default_exits_pass_in_the_closing_auction_and_entries_do_not() -> None:
    """15:25, session closing_notice: a market sell passes hours, session and venue; a
    market buy is refused by the entry hours and sessions."""
    st = state(sod=CLOSING, session="closing_notice", pos=10)
    sell = reasons(order(5, action=SELL), st)
    assert "trading_hours" not in sell and "session" not in sell and "venue_phase" not in sell
    buy = reasons(order(5), st)
    assert "trading_hours: 15:25:00 is outside trading hours 09:00:00-15:20:00" in buy
    assert "session: session 'closing_notice' is not one of open, nxt_main_start" in buy


def test_a_type_the_venue_refuses_now_is_refused_naming_phase_and_type() -> None:
    """A best_limit sell at 15:25, a market buy on _NX at 08:10: both refused by
    venue_phase; a limit on _NX at 08:10 passes it."""
    st = state(sod=CLOSING, session="closing_notice", pos=10)
    best = order(5, action=SELL)
    best.order_type = OrderType.BEST_LIMIT
    reason, _ = _run(c.venue_phase, check_input(best, st))
    assert reason == "KRX krx_closing_auction does not accept best_limit at 15:25:00"
    early = state(sod=8 * 3600 + 600)
    nx = order(1)
    nx.symbol = "005930_NX"
    reason, _ = _run(c.venue_phase, check_input(nx, early))
    assert reason == "NXT nxt_pre does not accept market at 08:10:00"
    nx_limit = order(1, price=70_000)
    nx_limit.symbol = "005930_NX"
    assert _run(c.venue_phase, check_input(nx_limit, early))[0] is None


def test_a_closing_notice_rule_passes_the_defaults_but_not_a_setting_the_user_made() -> None:
    """An entry from an on: session closing_notice rule is not refused by the default
    hours and sessions; a trading_hours the user set does refuse it."""
    st = state(sod=CLOSING - 300, session="closing_notice")
    st.market.event = TriggerEvent(session="closing_notice")
    limit = order(5, price=70_000)
    assert _run(c.trading_hours, check_input(limit, st))[0] is None
    assert _run(c.session, check_input(limit, st))[0] is None
    explicit = RiskLimits(explicit=frozenset({"trading_hours"}))
    assert _run(c.trading_hours, check_input(limit, st, limits=explicit))[0] is not None


def test_vi_block_holds_entries_only_and_can_be_switched_off() -> None:
    """In a VI auction a market sell passes; a market buy is refused unless vi_blocks
    is 'none'."""
    st = state(pos=10)
    st.vi_active, st.vi_kind = True, "static"
    assert _run(c.vi_auction, check_input(order(5, action=SELL), st))[0] is None
    assert _run(c.vi_auction, check_input(order(5), st))[0] is not None
    assert _run(c.vi_auction, check_input(order(5), st, limits=RiskLimits(vi_blocks="none")))[
        0
    ] is None  # fmt: skip


def test_a_strategys_risk_sets_every_key_of_the_risk_table() -> None:
    """Sessions, VI block, trading hours (none included), exit hours, and the limits the
    risk: block could not set before reach the limits in force."""
    spec = load_strategy_text(
        'strategy: t\nsymbols: ["005930"]\nrisk:\n  trading_hours: none\n'
        "  allowed_sessions: [open, closing_notice]\n  vi_blocks: none\n"
        '  exit_hours: ["09:00", "15:30"]\n  exit_sessions: [open]\n'
        "  max_gross_exposure: 5_000_000\n  max_orders_per_symbol_per_minute: 2\n"
        "  max_price_deviation: 0.02\n  exits_after_loss_limit: false\n"
        "rules:\n  - name: r\n    do: [{buy: {qty: 1}}]\n",
        "t.yaml",
    ).spec
    limits = AppConfig().limits_for(spec.risk)
    assert (limits.trading_start, limits.trading_end) == (0, 24 * 3600)
    assert limits.allowed_sessions == ("open", "closing_notice") and limits.vi_blocks == "none"
    assert limits.exit_hours == (9 * 3600, 15 * 3600 + 30 * 60)
    assert limits.exit_sessions == ("open",)
    assert limits.max_gross_exposure == 5_000_000
    assert limits.max_orders_per_symbol_per_minute == 2
    assert limits.max_price_deviation == 0.02 and limits.exits_after_loss_limit is False
    assert {"trading_hours", "allowed_sessions", "exit_hours", "exit_sessions"} <= limits.explicit
    assert AppConfig().limits_for(load_strategy_text(
        'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: r\n    do: [{buy: {qty: 1}}]\n',
        "t.yaml").spec.risk).explicit == frozenset()  # fmt: skip


FLATTEN = """
strategy: flatten
symbols: ["005930"]
rules:
  - name: entry
    max_per_day: 1
    do: [{buy: {qty: 5, type: market}}]
  - name: flatten
    on: {session: closing_notice}
    do:
      - sell: {qty: all, type: market}
      - buy: {qty: 1, type: limit, price: 70000}
"""


def session_frame(code: str, hms: str) -> dict[str, object]:
    entry = {"type": "0s", "item": "", "values": {"215": code, "20": hms}}
    return {"trnm": "REAL", "data": [entry]}


def test_a_closing_notice_rule_flattens_and_its_orders_meet_the_closing_auction(
    tmp_path: Path,
) -> None:
    """On the 15:20 closing notice, both of the rule's orders leave under the default
    policy (the entry too: no default refuses such a rule) and fill at the 15:30 price."""
    h = Harness(FLATTEN, tmp_path)
    h.feed([real(trade("005930", "100000", 70_000, volume=100))])
    h.feed([session_frame("2", "152000")])
    h.feed([real(trade("005930", "153000", 69_900, volume=500))])
    got = h.rows("SELECT rule, side, state, reason FROM orders ORDER BY id")
    assert got == [
        ("entry", "buy", "filled", ""),
        ("flatten", "sell", "filled", ""),
        ("flatten", "buy", "filled", ""),
    ]
    assert h.rows("SELECT side, qty, price FROM fills WHERE ts > 0 ORDER BY id")[1:] == [
        ("sell", 5, 69_900),
        ("buy", 1, 69_900),
    ]


def _run(check: c.Check, x: c.CheckInput) -> tuple[str | None, dict[str, object]]:
    seen: dict[str, object] = {}
    return check(x, seen), seen


def test_nextrade_session_codes_do_not_end_the_krx_session(tmp_path: Path) -> None:
    """With both venues' 0s codes on the tape (KRX 3 then Nextrade R at 09:00), a KRX entry
    still sees KRX's 'open' and leaves; an _NX entry is judged by Nextrade's session."""
    strat = FLATTEN.replace('symbols: ["005930"]', 'symbols: ["005930", "005930_NX"]')
    h = Harness(strat, tmp_path)
    h.feed([session_frame("3", "090000"), session_frame("R", "090000")])
    assert (h.engine.market.session, h.engine.market.nxt_session) == ("open", "nxt_main_start")
    h.feed([real(trade("005930", "100000", 70_000, volume=100))])
    assert h.rows("SELECT rule, state FROM orders") == [("entry", "filled")]
    st = h.engine.states["005930_NX"]
    h.feed([session_frame("S", "152000")])
    x = check_input(order(1, price=70_000), st)
    x.order.symbol = "005930_NX"
    assert _run(c.session, x)[0] == "session 'nxt_main_end' is not one of open, nxt_main_start"

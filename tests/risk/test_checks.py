"""Every pre-trade check: it passes what it should, and says why it rejects."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import msgspec

from autotrader.model import OrderAction
from autotrader.risk import RiskBook, RiskLimits, TradingLevel
from autotrader.risk import checks as c
from tests.risk.support import check_input, order, state


def run(check: c.Check, x: c.CheckInput) -> tuple[str | None, dict[str, Any]]:
    seen: dict[str, Any] = {}
    return check(x, seen), seen


def test_kill_switch_halted_rejects_every_order() -> None:
    """At 'halted' a buy and a sell are both refused, with the level's reason."""
    book = RiskBook(cash=10**9, level=TradingLevel.HALTED, level_reason="operator")
    for action in (OrderAction.BUY, OrderAction.SELL):
        reason, seen = run(c.kill_switch, check_input(order(action=action), book=book))
        assert reason == "kill switch is halted (operator): no new orders"
        assert seen == {"level": "halted"}


def test_kill_switch_reducing_lets_only_exits_through() -> None:
    """At 'reducing' a sell passes and a buy is refused."""
    book = RiskBook(cash=10**9, level=TradingLevel.REDUCING)
    assert run(c.kill_switch, check_input(order(action=OrderAction.SELL), book=book))[0] is None
    reason, _ = run(c.kill_switch, check_input(order(), book=book))
    assert reason == "kill switch is reducing: exits only"


def test_account_not_loaded_rejects() -> None:
    """No order before the account state is loaded."""
    st = state()
    st.market.account_loaded = False
    assert run(c.account_loaded, check_input(st=st))[0] == "the account state is not loaded yet"


def test_daily_loss_limit_blocks_entries_and_allows_exits_if_configured() -> None:
    """A day P&L at the limit refuses buys; sells pass only with exits_after_loss_limit."""
    book = RiskBook(cash=10**9, realized=-1_000_000)
    reason, seen = run(c.daily_loss, check_input(book=book))
    assert reason == "day P&L -1,000,000 KRW has reached the daily loss limit of -1,000,000 KRW"
    assert seen == {"day_pnl": -1_000_000, "limit": -1_000_000}
    sell = order(action=OrderAction.SELL)
    assert run(c.daily_loss, check_input(sell, book=book))[0] is None
    strict = RiskLimits(exits_after_loss_limit=False)
    assert run(c.daily_loss, check_input(sell, book=book, limits=strict))[0] is not None


def test_daily_loss_counts_unrealized_after_fees_and_tax() -> None:
    """A held position marked down counts, net of the fees and tax of selling it."""
    st = state(60_000, pos=100, avg=70_000)
    book = RiskBook(cash=10**9)
    book.track(st)
    value = 6_000_000
    expected = -1_000_000 - value * 150 // 1_000_000 - value * 2_000 // 1_000_000
    assert book.day_pnl() == expected
    assert run(c.daily_loss, check_input(st=st, book=book))[0] is not None


def test_book_marks_held_positions_tick_by_tick_in_constant_time(tmp_path: Path) -> None:
    """Each tick of a held symbol moves the book's value; a fill re-marks it exactly."""
    from tests.frames import real, trade
    from tests.harness import Harness

    strat = (
        'strategy: t\nsymbols: ["005930"]\nrisk: {daily_loss_limit: 100_000_000}\n'
        "rules:\n  - name: buy\n    when: position.qty == 0 and open_orders == 0\n"
        "    do:\n      - buy: {qty: 10}\n"
    )
    h = Harness(strat, tmp_path)
    h.feed([real(trade("005930", "100000", 70_000)), real(trade("005930", "100001", 70_000))])
    book = h.engine.book
    assert (book.held_value, book.held_cost) == (700_000, 700_000)
    h.feed([real(trade("005930", "100002", 71_000))])
    assert book.held_value == 710_000
    assert book.exposure() == 710_000
    assert book.unrealized() == 10_000 - 710_000 * 150 // 1_000_000 - 710_000 * 2_000 // 1_000_000


def test_position_before_its_first_tick_is_marked_at_cost() -> None:
    """A holding loaded at start-up, before any tick, shows no phantom loss."""
    st = state(0, pos=100, avg=70_000)
    book = RiskBook(cash=10**9)
    book.track(st)
    assert book.held_value == book.held_cost == 7_000_000


def test_trading_hours_rejects_before_the_open() -> None:
    """08:59:59 is outside 09:00-15:20."""
    reason, _ = run(c.trading_hours, check_input(st=state(sod=9 * 3600 - 1)))
    assert reason == "08:59:59 is outside trading hours 09:00:00-15:20:00"


def test_session_rejects_a_session_not_allowed_and_passes_unknown() -> None:
    """'closing_notice' is refused by default; an unknown session ('') passes."""
    reason, _ = run(c.session, check_input(st=state(session="closing_notice")))
    assert reason == "session 'closing_notice' is not one of open, nxt_main_start"
    assert run(c.session, check_input(st=state(session="")))[0] is None


def test_vi_blocks_market_orders_and_optionally_all() -> None:
    """During a VI a market order is refused; a limit order too when vi_blocks='all'."""
    st = state()
    st.vi_active, st.vi_kind = True, "dynamic"
    reason, _ = run(c.vi_auction, check_input(order(), st))
    assert reason == "005930 is in a VI auction (dynamic): no market orders"
    limit = order(price=70_000)
    assert run(c.vi_auction, check_input(limit, st))[0] is None
    reason, _ = run(c.vi_auction, check_input(limit, st, limits=RiskLimits(vi_blocks="all")))
    assert reason == "005930 is in a VI auction (dynamic): all orders blocked"


def test_max_order_qty() -> None:
    """11 shares over a 10-share limit is refused."""
    reason, _ = run(c.max_order_qty, check_input(order(11), limits=RiskLimits(max_order_qty=10)))
    assert reason == "order of 11 shares exceeds max_order_qty 10"


def test_max_order_value_uses_the_ask_for_market_buys() -> None:
    """A market buy is valued at the ask."""
    x = check_input(
        order(100), state(70_000, ask=70_100), limits=RiskLimits(max_order_value=7_000_000)
    )
    reason, seen = run(c.max_order_value, x)
    assert reason == "order value 7,010,000 KRW exceeds max_order_value 7,000,000 KRW"
    assert seen["price"] == 70_100


def test_max_position_qty_counts_held_and_working() -> None:
    """Held 5 + working 3 + this 3 > 10."""
    x = check_input(order(3), state(pos=5), pending_buy=3, limits=RiskLimits(max_position_qty=10))
    reason, _ = run(c.max_position_qty, x)
    assert reason == (
        "position would reach 11 shares (held 5, working 3, this 3), over max_position_qty 10"
    )


def test_max_position_value() -> None:
    """11 shares at 70,000 is over a 700,000 KRW position limit."""
    x = check_input(order(1), state(pos=10), limits=RiskLimits(max_position_value=700_000))
    reason, _ = run(c.max_position_value, x)
    assert reason == (
        "position in 005930 would be worth 770,000 KRW (11 shares at 70,000), "
        "over max_position_value 700,000 KRW"
    )


def test_gross_exposure_counts_every_symbol_and_working_buys() -> None:
    """Held elsewhere plus reserved plus this order over the account limit is refused."""
    other = state(10_000, pos=50)
    book = RiskBook(cash=10**9, reserved=200_000)
    book.track(other)
    x = check_input(order(5), book=book, limits=RiskLimits(max_gross_exposure=1_000_000))
    reason, _ = run(c.gross_exposure, x)
    assert reason == (
        "gross exposure would reach 1,050,000 KRW (now 700,000, this 350,000), "
        "over max_gross_exposure 1,000,000 KRW"
    )


def test_max_open_orders() -> None:
    """With 3 working and a limit of 3 a new order is refused."""
    x = check_input(book=RiskBook(cash=10**9, open_orders=3), limits=RiskLimits(max_open_orders=3))
    assert run(c.max_open_orders, x)[0] == "3 orders already working, max_open_orders is 3"


def test_order_rate_counts_only_the_last_minute() -> None:
    """Two approvals in the last minute hit a limit of 2; one 61 s old does not count."""
    now = 1_000_000.0
    book = RiskBook(cash=10**9, sent_times=deque([now - 61, now - 30, now - 1]))
    x = check_input(book=book, now=now, limits=RiskLimits(max_orders_per_minute=2))
    assert run(c.order_rate, x)[0] == "2 orders in the last minute, max_orders_per_minute is 2"
    x = check_input(book=book, now=now, limits=RiskLimits(max_orders_per_minute=3))
    assert run(c.order_rate, x)[0] is None


def test_symbol_order_rate() -> None:
    """One symbol's own limit applies."""
    now = 1_000_000.0
    book = RiskBook(cash=10**9, sent_by_symbol={"005930": deque([now - 5])})
    x = check_input(book=book, now=now, limits=RiskLimits(max_orders_per_symbol_per_minute=1))
    assert run(c.symbol_order_rate, x)[0] == (
        "1 orders for 005930 in the last minute, max_orders_per_symbol_per_minute is 1"
    )


def test_duplicate_same_rule_symbol_side_within_window() -> None:
    """The same rule, symbol, side, qty and price 1 s later is refused; another rule is not."""
    now = 1_000_000.0
    book = RiskBook(cash=10**9, last_sent={("r", "005930", "buy", 10, 0, ""): now - 1})
    reason, _ = run(c.duplicate, check_input(order(rule="r"), book=book, now=now))
    assert reason == "rule 'r' sent the same buy of 005930 (10) 1.0 s ago (duplicate_window 2 s)"
    assert run(c.duplicate, check_input(order(rule="other"), book=book, now=now))[0] is None
    assert run(c.duplicate, check_input(order(rule="r"), book=book, now=now + 2))[0] is None


def test_tick_grid() -> None:
    """70,050 is off the 100-won grid of that band."""
    reason, _ = run(c.tick_grid, check_input(order(price=70_050)))
    assert reason == "limit price 70,050 is not on the KRX tick grid"
    assert run(c.tick_grid, check_input(order(price=70_100)))[0] is None


def test_daily_price_limit_from_field_11_or_rate() -> None:
    """Base 70,000 (price 71,000, change +1,000): 91,100 is over the 91,000 upper limit."""
    st = state(71_000, change=1_000)
    reason, seen = run(c.daily_price_limit, check_input(order(price=91_100), st))
    assert reason == (
        "limit price 91,100 is outside today's limits 49,000-91,000 (base 70,000, estimated)"
    )
    assert seen["base"] == 70_000
    st = state(71_400, change=None)
    st.values = msgspec.structs.replace(st.values, f12="+2.00")
    assert c.base_price(st) == 70_000


def test_daily_price_limit_without_a_base_fails_closed() -> None:
    """No change and no rate on the tick: a limit order cannot be judged and is refused."""
    reason, _ = run(c.daily_price_limit, check_input(order(price=70_000), state(change=None)))
    assert reason == "no base price known for 005930 yet: cannot check the daily limits"


def test_price_distance_fat_finger() -> None:
    """A limit 10% from the last trade is refused at the default 5%."""
    reason, _ = run(c.price_distance, check_input(order(price=63_000)))
    assert reason == (
        "limit price 63,000 is 10.0% from the last trade 70,000, over max_price_deviation 5.0%"
    )


def test_sellable_qty() -> None:
    """Selling 6 with 10 held and 5 already offered is refused."""
    x = check_input(order(6, action=OrderAction.SELL), state(pos=10), pending_sell=5)
    reason, _ = run(c.sellable_qty, x)
    assert reason == "sell of 6 shares exceeds the 5 held and not already offered"


def test_orderable_cash_counts_commission_and_reserves() -> None:
    """A buy needing more than cash minus working buys is refused."""
    book = RiskBook(cash=1_000_000, reserved=400_000)
    reason, seen = run(c.orderable_cash, check_input(order(10), book=book))
    assert reason == "buy costs 700,105 KRW with commission, only 600,000 KRW is orderable"
    assert seen["available"] == 600_000


def test_credit_sell_needs_a_valid_loan() -> None:
    """A single loan needs a real YYYYMMDD date; unknown kinds (a Kiwoom code such as
    '33' included: codes stay at the broker's edge) are refused; combined passes."""
    for bad in ("11", "33"):
        bad_type = order(action=OrderAction.CREDIT_SELL, loan_type=bad)
        assert "loan 'single'" in (run(c.credit_loan, check_input(bad_type))[0] or "")
    bad_date = order(action=OrderAction.CREDIT_SELL, loan_type="single", loan_date="20261340")
    assert run(c.credit_loan, check_input(bad_date))[0] == (
        "credit sell of a single loan needs its loan date as YYYYMMDD, got '20261340'"
    )
    ok = order(action=OrderAction.CREDIT_SELL, loan_type="combined")
    assert run(c.credit_loan, check_input(ok))[0] is None


def test_a_plain_buy_passes_every_default_check() -> None:
    """The defaults let an ordinary order through (the checks are not all-refusing)."""
    x = check_input(order(10, price=70_000))
    for name, check in c.DEFAULT_CHECKS:
        assert run(check, x)[0] is None, name

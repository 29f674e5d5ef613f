"""Modify and cancel requests through the guard; what makes an order a duplicate."""

from __future__ import annotations

from typing import Any

import pytest

from autotrader.model import OrderAction, OrderRequest, OrderType
from autotrader.risk import RiskBook, RiskGuard, RiskLimits, TradingLevel
from autotrader.risk import checks as c
from tests.risk.support import TEN_AM, check_input, order, state

NOW = 1_000_000.0


def cancel(action: OrderAction = OrderAction.CANCEL) -> OrderRequest:
    """A cancel as the engine builds it: no price, market type, whole remainder."""
    return OrderRequest(order_id=2, action=action, symbol="005930", qty=0, target_id=1, rule="r")


def modify(price: int, order_type: OrderType = OrderType.LIMIT) -> OrderRequest:
    """A modify keeps its target's type and carries the new price."""
    return OrderRequest(
        order_id=3,
        action=OrderAction.MODIFY,
        symbol="005930",
        qty=0,
        order_type=order_type,
        price=price,
        target_id=1,
        rule="r",
    )


def run(check: c.Check, x: c.CheckInput) -> str | None:
    seen: dict[str, Any] = {}
    return check(x, seen)


@pytest.mark.parametrize("action", [OrderAction.CANCEL, OrderAction.CREDIT_CANCEL])
def test_cancel_passes_every_check_in_the_worst_conditions(action: OrderAction) -> None:
    """Outside hours, closed session, VI, halted, loss limit hit, book full: still approved."""
    st = state(sod=TEN_AM + 8 * 3600, session="close")
    st.vi_active, st.vi_kind = True, "static"
    book = RiskBook(cash=10**9, level=TradingLevel.HALTED, realized=-(10**8), open_orders=20)
    book.last_sent[c.duplicate_key(cancel(action))] = NOW - 0.1
    limits = RiskLimits(vi_blocks="all", exits_after_loss_limit=False)
    verdict = RiskGuard().review(check_input(cancel(action), st, limits=limits, book=book))
    assert verdict.approved, verdict.reason


@pytest.mark.parametrize(
    "check",
    [
        c.tick_grid,
        c.daily_price_limit,
        c.price_distance,
        c.trading_hours,
        c.session,
        c.duplicate,
        c.vi_auction,
        c.kill_switch,
        c.daily_loss,
        c.max_open_orders,
    ],
)
def test_cancel_is_not_rejected_by(check: c.Check) -> None:
    """Each check that could refuse a new order lets a cancel through."""
    st = state(change=None, sod=TEN_AM + 8 * 3600, session="close")  # no base price known
    st.vi_active = True
    book = RiskBook(cash=10**9, level=TradingLevel.HALTED, realized=-(10**8), open_orders=20)
    x = check_input(cancel(), st, book=book, limits=RiskLimits(vi_blocks="all"))
    assert run(check, x) is None


def test_new_orders_are_still_rejected_in_those_conditions() -> None:
    """The same conditions refuse a new buy: the exemptions are for cancels only."""
    st = state(sod=TEN_AM + 8 * 3600, session="close")
    book = RiskBook(cash=10**9, level=TradingLevel.HALTED)
    verdict = RiskGuard().review(check_input(order(price=70_000), st, book=book))
    failed = {r.name for r in verdict.results if not r.passed}
    assert {"kill_switch", "trading_hours", "session"} <= failed


@pytest.mark.parametrize(
    ("price", "check", "reason"),
    [
        (70_050, c.tick_grid, "limit price 70,050 is not on the KRX tick grid"),
        (80_000, c.price_distance, "limit price 80,000 is 14.3% from the last trade 70,000"),
        (91_100, c.daily_price_limit, "limit price 91,100 is outside today's limits"),
    ],
)
def test_modify_is_price_checked_on_its_new_price(price: int, check: c.Check, reason: str) -> None:
    """A modify's new price must be on the grid, near the last trade, inside the limits."""
    found = run(check, check_input(modify(price), state(70_000, change=0)))
    assert found is not None and found.startswith(reason)
    assert run(check, check_input(modify(70_100), state(70_000, change=0))) is None


def test_modify_outside_trading_hours_is_rejected() -> None:
    """Unlike a cancel, a modify still needs trading hours."""
    x = check_input(modify(70_000), state(sod=TEN_AM + 8 * 3600))
    assert run(c.trading_hours, x) is not None


def _sent(book: RiskBook, o: OrderRequest, at: float) -> None:
    book.approved(o, at)


def test_two_rules_selling_on_one_tick_are_not_duplicates() -> None:
    """Rule a and rule b each sell the same quantity at the same moment: both pass."""
    book = RiskBook(cash=10**9)
    _sent(book, order(5, action=OrderAction.SELL, rule="a"), NOW)
    x = check_input(order(5, action=OrderAction.SELL, rule="b"), book=book, now=NOW)
    assert run(c.duplicate, x) is None


def test_one_rule_two_distinct_sells_on_one_tick_are_not_duplicates() -> None:
    """One rule's two actions (different qty, or different price) on one tick both pass."""
    book = RiskBook(cash=10**9)
    _sent(book, order(5, action=OrderAction.SELL, price=70_500), NOW)
    other_qty = order(3, action=OrderAction.SELL, price=70_500)
    other_price = order(5, action=OrderAction.SELL, price=71_000)
    assert run(c.duplicate, check_input(other_qty, book=book, now=NOW)) is None
    assert run(c.duplicate, check_input(other_price, book=book, now=NOW)) is None


def test_same_rule_same_order_within_the_window_is_a_duplicate() -> None:
    """Same rule, symbol, side, qty and price within the window: refused; after it: passes."""
    book = RiskBook(cash=10**9)
    sell = order(5, action=OrderAction.SELL, price=70_500)
    _sent(book, sell, NOW)
    reason = run(c.duplicate, check_input(sell, book=book, now=NOW + 1))
    assert reason == (
        "rule 'r' sent the same sell of 005930 (5 @ 70,500) 1.0 s ago (duplicate_window 2 s)"
    )
    assert run(c.duplicate, check_input(sell, book=book, now=NOW + 2)) is None

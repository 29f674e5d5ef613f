"""The limit property is sensitive: loosen any one check and it finds a breach of that limit.

Each case swaps one check of ``DEFAULT_CHECKS`` for a mutant (one that always passes,
or a subtler loosening: a limit one higher, working orders forgotten, a level ignored)
and runs the property of the family that stresses it with its random examples only (no
explicit example, no shrinking, the first breach ends the search). The breach found
must name the loosened limit: the oracle, not some other check, caught it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

from autotrader.model import Side
from autotrader.risk import checks
from autotrader.risk.book import TradingLevel
from autotrader.risk.checks import DEFAULT_CHECKS, Check, CheckInput, Seen
from tests.risk.test_credit_eligibility import MUTATED_CHECKS as CREDIT_MUTATED
from tests.risk.test_properties import FAMILY, SEARCH_SETTINGS, Breach, check_family
from tests.risk.test_property_daily_loss import MUTATED_CHECKS as DAILY_LOSS_MUTATED


def passes(x: CheckInput, seen: Seen) -> str | None:
    return None


def with_limits(check: Check, **loosened: Callable[[Any], Any]) -> Check:
    """``check`` judging against limits changed by ``loosened`` (name -> new value)."""

    def mutant(x: CheckInput, seen: Seen) -> str | None:
        lim = x.limits
        changes = {name: f(getattr(lim, name)) for name, f in loosened.items()}
        return check(dataclasses.replace(x, limits=dataclasses.replace(lim, **changes)), seen)

    return mutant


def with_input(check: Check, **fields: object) -> Check:
    """``check`` blind to some of what it should see (e.g. working orders)."""

    def mutant(x: CheckInput, seen: Seen) -> str | None:
        return check(dataclasses.replace(x, **fields), seen)

    return mutant


def plus_one(n: int) -> int:
    return n + 1


def kill_switch_reduce_ignored(x: CheckInput, seen: Seen) -> str | None:
    if x.book.level is TradingLevel.REDUCING:
        return None
    return checks.kill_switch(x, seen)


def kill_switch_halt_lets_exits_out(x: CheckInput, seen: Seen) -> str | None:
    if x.book.level is TradingLevel.HALTED and x.order.side is Side.SELL:
        return None
    return checks.kill_switch(x, seen)


def gross_exposure_held_only(x: CheckInput, seen: Seen) -> str | None:
    value = x.order.qty * checks.reference_price(x.order, x.state)
    if x.order.side is Side.BUY and x.book.held_value + value > x.limits.max_gross_exposure:
        return "over"
    return None


def orderable_cash_without_reserve(x: CheckInput, seen: Seen) -> str | None:
    value = x.order.qty * checks.reference_price(x.order, x.state)
    cost = value + x.book.fees.commission(value)
    if x.order.side is Side.BUY and cost > x.book.cash:
        return "over"
    return None


# (case id, check replaced, mutant, family, the breach the oracle must report)
MUTANTS: list[tuple[str, str, Check, str, str]] = [
    ("max_order_qty", "max_order_qty", passes, "order_size", "max_order_qty"),
    ("max_order_qty+1", "max_order_qty", with_limits(checks.max_order_qty, max_order_qty=plus_one),
     "order_size", "max_order_qty"),
    ("max_order_value", "max_order_value", passes, "order_size", "max_order_value"),
    ("max_position_qty", "max_position_qty", passes, "position", "max_position_qty"),
    ("max_position_qty/no-working", "max_position_qty",
     with_input(checks.max_position_qty, pending_buy_qty=0), "position", "max_position_qty"),
    ("max_position_value", "max_position_value", passes, "position", "max_position_value"),
    ("gross_exposure", "gross_exposure", passes, "exposure", "gross_exposure"),
    ("gross_exposure/no-working", "gross_exposure", gross_exposure_held_only, "exposure",
     "gross_exposure"),
    ("max_open_orders", "max_open_orders", passes, "open_orders", "max_open_orders"),
    ("max_open_orders+1", "max_open_orders",
     with_limits(checks.max_open_orders, max_open_orders=plus_one), "open_orders",
     "max_open_orders"),
    ("order_rate", "order_rate", passes, "rate", "order_rate"),
    ("order_rate+1", "order_rate",
     with_limits(checks.order_rate, max_orders_per_minute=plus_one), "rate", "order_rate"),
    ("symbol_order_rate", "symbol_order_rate", passes, "rate", "symbol_order_rate"),
    ("symbol_order_rate+1", "symbol_order_rate",
     with_limits(checks.symbol_order_rate, max_orders_per_symbol_per_minute=plus_one), "rate",
     "symbol_order_rate"),
    ("sellable_qty", "sellable_qty", passes, "sellable", "sellable_qty"),
    ("sellable_qty/no-working", "sellable_qty",
     with_input(checks.sellable_qty, pending_sell_qty=0), "sellable", "sellable_qty"),
    ("orderable_cash", "orderable_cash", passes, "cash", "orderable_cash"),
    ("orderable_cash/no-reserve", "orderable_cash", orderable_cash_without_reserve, "cash",
     "orderable_cash"),
    ("credit_loan", "credit_loan", passes, "sellable", "credit_loan"),
    ("kill_switch/reduce", "kill_switch", kill_switch_reduce_ignored, "kill_switch",
     "kill_switch_reducing"),
    ("kill_switch/halt", "kill_switch", kill_switch_halt_lets_exits_out, "kill_switch",
     "kill_switch_halted"),
    ("trading_hours", "trading_hours", passes, "market_state", "trading_hours"),
    ("session", "session", passes, "market_state", "session"),
    ("account_loaded", "account_loaded", passes, "market_state", "account_loaded"),
    ("price_distance", "price_distance", passes, "price", "price_distance"),
    ("price_distance*1.5", "price_distance",
     with_limits(checks.price_distance, max_price_deviation=lambda d: 1.5 * d),
     "price", "price_distance"),
    ("tick_grid", "tick_grid", passes, "price", "tick_grid"),
    ("daily_price_limit", "daily_price_limit", passes, "daily_limit", "daily_price_limit"),
    ("duplicate", "duplicate", passes, "duplicate", "duplicate"),
    ("duplicate/half-window", "duplicate",
     with_limits(checks.duplicate, duplicate_window=lambda w: w / 2), "duplicate", "duplicate"),
    ("vi_auction", "vi_auction", passes, "vi", "vi_auction"),
    ("venue_phase", "venue_phase", passes, "venue", "venue_phase"),
    ("vi_auction/all-as-market", "vi_auction",
     with_limits(checks.vi_auction, vi_blocks=lambda _: "market"), "vi_all", "vi_auction"),
]  # fmt: skip
MUTANT_SETTINGS = settings(SEARCH_SETTINGS, max_examples=40)


def mutated(name: str, mutant: Check) -> tuple[tuple[str, Check], ...]:
    assert name in dict(DEFAULT_CHECKS), name
    return tuple((n, mutant if n == name else c) for n, c in DEFAULT_CHECKS)


@pytest.mark.parametrize(
    ("check", "mutant", "family", "breach"),
    [m[1:] for m in MUTANTS],
    ids=[m[0] for m in MUTANTS],
)
def test_the_property_catches_a_loosened_check(
    check: str, mutant: Check, family: str, breach: str
) -> None:
    """With this one check loosened, the family's random examples get an order past the
    guard that breaks this very limit."""
    with pytest.raises(Breach) as caught:
        check_family(FAMILY[family], mutated(check, mutant), MUTANT_SETTINGS)
    assert breach in caught.value.names, caught.value


def test_every_check_that_guards_a_limit_has_a_mutant() -> None:
    """No check of the default guard is left out of the mutation cases (the daily loss
    limit's are in test_property_daily_loss.py, beside its own P&L oracle, the credit
    eligibility's in test_credit_eligibility.py)."""
    covered = {m[1] for m in MUTANTS} | set(DAILY_LOSS_MUTATED) | set(CREDIT_MUTATED)
    assert set(dict(DEFAULT_CHECKS)) - covered == set()

"""Actions: every kind becomes the right order request; controls limit how often rules fire."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.broker.kiwoom.orders import TRDE_TP, order_type_of
from autotrader.model import Exchange, OrderAction, OrderState, OrderType
from autotrader.risk import RiskLimits
from tests.frames import real, trade
from tests.harness import Harness

HEAD = (
    'strategy: t\nsymbols: ["005930", "000660_NX"]\n'
    "risk: {max_order_value: 100_000_000, max_position_qty: 100_000}\nrules:\n"
)


def tick(h: Harness, hms: str, price: int = 70000, item: str = "005930", **kw: int) -> None:
    h.feed([real(trade(item, hms, price, **kw))])


def orders(h: Harness, rule: str) -> list[tuple[OrderAction, int, int]]:
    return [(o.action, o.qty, o.price) for o in h.placed() if o.rule == rule]


def test_limit_buy_price_expression_on_the_grid(tmp_path: Path) -> None:
    """'bid - 2 ticks' lands on the KRX grid; 'amount' buys amount // price shares."""
    h = Harness(
        HEAD + "  - name: a\n    once_per_symbol: true\n    symbols: ['005930']\n"
        "    do: [{buy: {amount: 1_000_000, type: limit, price: bid - 2 ticks}}]\n",
        tmp_path,
    )
    tick(h, "090000", 70000, ask=70100, bid=70000)
    assert orders(h, "a") == [(OrderAction.BUY, 1_000_000 // 69800, 69800)]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("limit_ioc", "10"),
        ("limit_fok", "20"),
        ("conditional_limit", "5"),
        ("market_ioc", "13"),
        ("best_limit", "6"),
        ("top_priority_limit", "7"),
        ("mid_price_fok", "31"),
    ],
)
def test_every_order_type_maps_to_its_trde_tp(tmp_path: Path, name: str, code: str) -> None:
    """Readable order-type names become Kiwoom trde_tp codes; priced ones carry a price."""
    priced = order_type_of(code).needs_price
    price = ", price: last" if priced else ""
    h = Harness(
        HEAD + f"  - name: a\n    once_per_symbol: true\n    symbols: ['005930']\n"
        f"    do: [{{buy: {{qty: 1, type: {name}{price}}}}}]\n",
        tmp_path,
    )
    tick(h, "090000")
    (order,) = h.placed()
    assert TRDE_TP[order.order_type] == code
    assert (order.price > 0) == priced


def test_after_hours_single_maps_to_62_in_its_session(tmp_path: Path) -> None:
    """after_hours_single is trde_tp 62, priced; it leaves in KRX's 16:00-18:00 session."""
    h = Harness(
        HEAD + "  - name: a\n    once_per_symbol: true\n    symbols: ['005930']\n"
        "    do: [{buy: {qty: 1, type: after_hours_single, price: last}}]\n",
        tmp_path,
        limits=RiskLimits(trading_start=0, trading_end=24 * 3600),
    )
    tick(h, "160500")
    (order,) = h.engine.ledger.working.values()
    assert (TRDE_TP[order.order_type], order.price > 0) == ("62", True)


def test_stop_limit_has_condition_price(tmp_path: Path) -> None:
    """A stop_limit order carries its price and condition price, both on the grid."""
    h = Harness(
        HEAD + "  - name: a\n    once_per_symbol: true\n    symbols: ['005930']\n"
        "    do: [{buy: {qty: 1, type: stop_limit, price: last + 3 ticks,"
        " condition_price: last + 1 tick}}]\n",
        tmp_path,
    )
    tick(h, "090000")
    (order,) = h.placed()
    assert (order.order_type, order.price, order.condition_price) == (
        OrderType.STOP_LIMIT,
        70300,
        70100,
    )


def test_sell_quantities_percent_and_all(tmp_path: Path) -> None:
    """'50%' sells half the position, 'all' what is left and not already offered."""
    h = Harness(
        HEAD + "  - name: buy\n    once_per_symbol: true\n    symbols: ['005930']\n"
        "    do: [{buy: {qty: 11}}]\n"
        "  - name: half\n    symbols: ['005930']\n    once_per_symbol: true\n"
        "    when: position.qty == 11\n"
        "    do: [{sell: {qty: 50%, type: limit, price: 71000}}]\n"
        "  - name: rest\n    symbols: ['005930']\n    once_per_symbol: true\n"
        "    when: open_orders.sell == 1 and time >= 09:00:10\n"
        "    do: [{sell: {qty: all, type: market}}]\n",
        tmp_path,
    )
    tick(h, "090000")
    tick(h, "090001")
    tick(h, "090010")
    assert [(a, q) for a, q, _ in orders(h, "half") + orders(h, "rest")] == [
        (OrderAction.SELL, 5),
        (OrderAction.SELL, 6),
    ]


def test_modify_and_cancel_address_the_rules_own_orders(tmp_path: Path) -> None:
    """A working limit is re-priced by 'modify' (newest) and then cancelled by tag."""
    h = Harness(
        HEAD + "  - name: bid-low\n    symbols: ['005930']\n    once_per_symbol: true\n"
        "    do: [{buy: {qty: 5, type: limit, price: 67000, tag: low}}]\n"
        "  - name: chase\n    symbols: ['005930']\n    once_per_symbol: true\n"
        "    when: open_orders.buy == 1 and open_orders.age >= 10s\n"
        "    do: [{modify: {tag: low, which: newest, price: bid - 5 ticks}}]\n"
        "  - name: give-up\n    symbols: ['005930']\n    when: open_orders.age >= 1m\n"
        "    do: [{cancel: {tag: low}}]\n",
        tmp_path,
    )
    tick(h, "090000")
    (working,) = [o for o in h.placed() if o.rule == "bid-low"]
    tick(h, "090011", 70000, ask=70100, bid=70000)
    assert orders(h, "chase") == [(OrderAction.MODIFY, 0, 69500)]
    assert working.price == 69500 and working.state is OrderState.ACCEPTED
    tick(h, "090111", 70000, ask=70100, bid=70000)
    assert [a for a, _, _ in orders(h, "give-up")] == [OrderAction.CANCEL]
    assert working.state is OrderState.CANCELLED
    assert h.engine.states["005930"].open_buy == 0
    tick(h, "090211")
    assert len(orders(h, "give-up")) == 1  # nothing left to cancel: no request


def test_credit_orders_carry_loan_fields_and_exchange(tmp_path: Path) -> None:
    """credit_buy/credit_sell map to their actions, loan type and date; _NX trades on NXT."""
    h = Harness(
        HEAD + "  - name: c\n    symbols: ['000660_NX']\n    once_per_symbol: true\n"
        "    do:\n      - credit_buy: {qty: 2, type: limit, price: bid - 5 ticks}\n"
        "      - credit_sell: {qty: 1, type: limit, price: ask + 5 ticks, loan: single,"
        " loan_date: '20261101'}\n"
        "      - credit_cancel: all\n",
        tmp_path,
    )
    h.engine.states["000660_NX"].pos_qty = 1
    tick(h, "090000", 200000, item="000660_NX")
    got = [o for o in h.placed() if o.rule == "c"]
    assert [o.action for o in got] == [
        OrderAction.CREDIT_BUY,
        OrderAction.CREDIT_SELL,
        OrderAction.CREDIT_CANCEL,
        OrderAction.CREDIT_CANCEL,
    ]
    assert {o.exchange for o in got} == {Exchange.NXT}
    assert (got[1].loan_type, got[1].loan_date) == ("single", "20261101")


def test_max_per_day_and_cooldown(tmp_path: Path) -> None:
    """'max_per_day: 2' stops a rule across symbols; 'cooldown' spaces fires per symbol."""
    h = Harness(
        HEAD + "  - name: twice\n    max_per_day: 2\n    do: [{buy: {qty: 1}}]\n"
        "  - name: slow\n    symbols: ['005930']\n    cooldown: 1m\n    do: [{buy: {qty: 1}}]\n",
        tmp_path,
    )
    tick(h, "090000")
    tick(h, "090001", 200000, item="000660_NX")
    tick(h, "090030")
    tick(h, "090101")
    assert len(orders(h, "twice")) == 2
    assert len(orders(h, "slow")) == 2  # 09:00:00 and 09:01:01


def test_disabled_rule_never_fires(tmp_path: Path) -> None:
    """'enabled: false' keeps a rule in the file but out of the plan."""
    h = Harness(HEAD + "  - name: off\n    enabled: false\n    do: [{buy: {qty: 1}}]\n", tmp_path)
    tick(h, "090000")
    assert h.placed() == []


def test_rules_fire_in_file_order_on_one_event(tmp_path: Path) -> None:
    """Several rules firing on one tick run in the order they appear in the file."""
    h = Harness(
        HEAD
        + "".join(
            f"  - name: r{i}\n    symbols: ['005930']\n    once_per_symbol: true\n"
            "    do: [{buy: {qty: 1}}]\n"
            for i in (3, 1, 2)
        ),
        tmp_path,
    )
    tick(h, "090000")
    assert [o.rule for o in sorted(h.placed(), key=lambda o: o.order_id)] == [
        "r3",
        "r1",
        "r2",
    ]

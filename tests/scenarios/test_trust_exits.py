"""Scenarios: exits from what happened since entry (trailing stops, age), indicators."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.trust_support import run, session, tick

HEAD = 'strategy: s\nsymbols: ["005930"]\nrules:\n'


def test_trailing_stop_in_percent_after_a_limit_entry(tmp_path: Path) -> None:
    """A limit entry fills at 70,000; the price runs to 72,000 (position.high); a 2% fall
    from there (70,560) sells everything at market."""
    strategy = HEAD + (
        "  - name: entry\n    once_per_symbol: true\n"
        "    do: [{buy: {qty: 10, type: limit, price: 70000}}]\n"
        "  - name: trail\n    when: position.qty > 0 and position.drawdown >= 2%\n"
        "    once_per_symbol: true\n    do: [{sell: {qty: all, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:01.000", 70100, ask=70100, bid=70000),
            tick("005930", "09:00:02.500", 69900, ask=70000, bid=69900),
            tick("005930", "09:00:10.000", 71000),
            tick("005930", "09:00:20.000", 72000),
            tick("005930", "09:00:30.000", 70600),  # -1.94% from 72,000: holds
            tick("005930", "09:00:40.250", 70500, ask=70600, bid=70500),  # -2.08%: sells
            tick("005930", "09:00:40.750", 70500, ask=70600, bid=70400),
        ],
    )
    assert out.orders() == [
        "09:00:01.000 entry buy 10 limit 70000 -> filled 10@70000 09:00:02.500",
        "09:00:40.250 trail sell 10 market -> filled 10@70500 09:00:40.250",
    ]


def test_trailing_stop_in_price_uses_the_high_since_entry_not_before(tmp_path: Path) -> None:
    """position.high starts at the entry fill: a high of the day before the entry (75,000)
    does not trigger the 1,000 KRW trailing stop."""
    strategy = HEAD + (
        "  - name: entry\n    when: time >= 09:30 and position.qty == 0 and open_orders == 0\n"
        "    once_per_symbol: true\n    do: [{buy: {qty: 3, type: limit, price: bid}}]\n"
        "  - name: trail\n    when: position.qty > 0 and price <= position.high - 1000\n"
        "    once_per_symbol: true\n    do: [{sell: {qty: all, type: limit, price: bid}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:10:00.000", 75000),
            tick("005930", "09:30:00.000", 71000, ask=71100, bid=71000),
            tick("005930", "09:30:00.500", 70900, ask=71000, bid=70900),  # entry fills
            tick("005930", "09:31:00.000", 71500),
            tick("005930", "09:32:00.000", 70500, ask=70600, bid=70500),  # 71,500 - 1,000
            tick("005930", "09:32:01.000", 70600, ask=70600, bid=70500),
        ],
    )
    assert out.orders() == [
        "09:30:00.000 entry buy 3 limit 71000 -> filled 3@71000 09:30:00.500",
        "09:32:00.000 trail sell 3 limit 70500 -> filled 3@70500 09:32:00.000",
    ]


def test_position_age_exit(tmp_path: Path) -> None:
    """position.age counts from the entry fill: a clock rule sells a position older than
    2 minutes, not a younger one."""
    strategy = HEAD + (
        "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 1, type: market}}]\n"
        '  - name: stale\n    on: {every: 1m, between: ["09:00", "09:10"]}\n'
        "    when: position.qty > 0 and position.age >= 2m\n"
        "    do: [{sell: {qty: all, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:30.000", 70000),
            tick("005930", "09:00:30.400", 70000, ask=70100),  # entry fills at 09:00:30.400
            tick("005930", "09:02:00.000", 70000),
            tick("005930", "09:03:10.000", 70000, bid=69900),  # 09:03:00 fired: age 2m29.6s
        ],
    )
    assert out.orders() == [
        "09:00:30.000 entry buy 1 market -> filled 1@70000 09:00:30.000",
        "09:03:00.000 stale sell 1 market -> filled 1@70000 09:03:00.000",
    ]


def test_rsi_entry_waits_for_its_warm_up(tmp_path: Path) -> None:
    """rsi(3) < 30 cannot fire before 3 price changes: falling prices from the first
    trade buy only at the 4th trade."""
    strategy = HEAD + (
        "  - name: oversold\n    when: rsi(3) < 30\n    once_per_symbol: true\n"
        "    do: [{buy: {qty: 1, type: limit, price: bid}}]\n"
    )
    lines = [session("3", "09:00:00.000")]
    lines += [tick("005930", f"09:01:0{i}.000", 70000 - 100 * i) for i in range(6)]
    out = run(tmp_path, strategy, lines)
    assert out.decisions() == ["09:01:03.000 oversold 005930 0B order"]


def test_a_wholly_unfilled_cancelled_order_is_replaced_by_its_age(tmp_path: Path) -> None:
    """on: {order: cancelled} reads event.unfilled and event.age (since it was placed):
    the remainder policy cancels a resting buy after 30 s, and a market buy replaces it."""
    strategy = HEAD + (
        "  - name: bid-low\n    once_per_symbol: true\n    remainder: {cancel_after: 30s}\n"
        "    do: [{buy: {qty: 2, type: limit, price: 69000}}]\n"
        "  - name: retry\n    on: {order: cancelled}\n"
        '    when: event.unfilled and event.age >= 30s and event.side == "buy"\n'
        "    do: [{buy: {qty: 2, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:01:00.000", 70000),
            tick("005930", "09:01:31.000", 70000, ask=70100),
            tick("005930", "09:01:32.000", 70000, ask=70100),
        ],
    )
    assert out.orders() == [
        "09:01:00.000 bid-low buy 2 limit 69000 -> cancelled (2 cancelled) 09:01:31.000",
        "09:01:31.000 bid-low cancel 0 market -> done 09:01:31.000",
        "09:01:31.000 retry buy 2 market -> filled 2@70000 09:01:31.000",
    ]


def test_stop_loss_with_a_resting_take_profit(tmp_path: Path) -> None:
    """A filled entry rests a take-profit sell; the price falls instead: the stop-loss
    cancels the take-profit (by its tag) and then sells every held share at market."""
    strategy = HEAD + (
        "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
        "  - name: take-profit\n    on: {order: filled, tag: entry}\n"
        "    do: [{sell: {qty: all, type: limit, price: position.avg_price + 10 ticks, "
        "tag: tp}}]\n"
        "  - name: stop-loss\n    when: position.qty > 0 and position.pnl_pct <= -1%\n"
        "    once_per_symbol: true\n"
        "    do: [{cancel: {tag: tp}}, {sell: {qty: all, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
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

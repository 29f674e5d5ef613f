"""Scenarios: entries on events, rule controls, credit orders, working-order changes."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.trust_support import run, session, tick, vi

HEAD = 'strategy: s\nsymbols: ["005930", "000660"]\nrules:\n'


def test_entry_on_vi_release(tmp_path: Path) -> None:
    """A VI-release rule buys at the release; a market order is refused during the auction."""
    strategy = HEAD + (
        "  - name: during\n    on: {vi: triggered}\n    do: [{buy: {qty: 5, type: market}}]\n"
        "  - name: after\n    on: {vi: released}\n"
        "    do: [{buy: {qty: 5, type: limit, price: ask}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "10:29:59.500", 77000),
            vi("005930", "10:30:00.000", released=False, trigger_price=77000),
            tick("000660", "10:31:00.000", 200000),
            vi("005930", "10:32:07.000", released=True, trigger_price=77000),
            tick("005930", "10:32:07.000", 77500, ask=77600, bid=77500),
            tick("005930", "10:32:08.250", 76900, ask=77000, bid=76900),
        ],
    )
    assert out.orders() == [
        "10:30:00.000 during buy 5 market -> rejected (risk: vi_auction: 005930 is in a VI "
        "auction (static): no market orders) 10:30:00.000",
        "10:32:07.000 after buy 5 limit 77000 -> filled 5@77000 10:32:07.000",
    ]


def test_cooldown_blocks_a_rule_on_one_symbol_for_its_duration(tmp_path: Path) -> None:
    """cooldown: 2s lets the rule fire again only 2 s after its last firing."""
    strategy = HEAD + (
        '  - name: dip\n    symbols: ["005930"]\n    when: price < 70000\n    cooldown: 2s\n'
        "    do: [{buy: {qty: 1, type: limit, price: bid}}]\n"
    )
    lines = [session("3", "09:00:00.000")]
    lines += [tick("005930", f"09:10:0{s}.{ms}", 69900 - s * 100) for s in range(6)
              for ms in ("000", "500")]  # fmt: skip
    out = run(tmp_path, strategy, lines)
    assert [d[:12] for d in out.decisions()] == ["09:10:00.000", "09:10:02.000", "09:10:04.000"]
    assert [o.split(" -> ")[0] for o in out.orders()] == [
        "09:10:00.000 dip buy 1 limit 69900",
        "09:10:02.000 dip buy 1 limit 69700",
        "09:10:04.000 dip buy 1 limit 69500",
    ]


def test_credit_buy_then_credit_sell(tmp_path: Path) -> None:
    """A credit buy is a kt10006 order (credit_buy) and fills like a buy; the position
    it opens is repaid by a credit sell."""
    strategy = HEAD + (
        '  - name: margin-in\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{credit_buy: {qty: 3, type: limit, price: ask}}]\n"
        '  - name: margin-out\n    symbols: ["005930"]\n'
        "    when: position.qty > 0 and open_orders == 0 and price >= 70300\n"
        "    do: [{credit_sell: {qty: all, type: limit, price: bid}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:01:00.000", 70000, ask=70100, bid=70000),
            tick("005930", "09:01:00.500", 70100, ask=70100, bid=70000),
            tick("005930", "09:02:00.000", 70300, ask=70400, bid=70300),
            tick("005930", "09:02:00.700", 70300, ask=70400, bid=70300),
        ],
    )
    assert out.orders() == [
        "09:01:00.000 margin-in credit_buy 3 limit 70100 -> filled 3@70100 09:01:00.000",
        "09:02:00.000 margin-out credit_sell 3 limit 70300 -> filled 3@70300 09:02:00.000",
    ]


def test_modify_then_cancel_a_working_order(tmp_path: Path) -> None:
    """A resting buy is re-priced by a clock rule, then cancelled by another."""
    strategy = HEAD + (
        '  - name: bid-low\n    on: {at: "09:05"}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 2, type: limit, price: 69000, tag: entry}}]\n"
        '  - name: chase\n    on: {at: "09:06"}\n    symbols: ["005930"]\n'
        "    do: [{modify: {tag: entry, price: bid}}]\n"
        '  - name: give-up\n    on: {at: "09:07:30"}\n    symbols: ["005930"]\n'
        "    do: [{cancel: {tag: entry}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:04:00.000", 70000, ask=70100, bid=70000),
            tick("005930", "09:05:30.000", 70100, ask=70200, bid=69900),
            tick("005930", "09:07:00.000", 70200, ask=70300, bid=70100),
            tick("005930", "09:08:00.000", 70200, ask=70300, bid=70100),
        ],
    )
    assert out.orders() == [
        "09:05:00.000 bid-low buy 2 limit 69900 -> cancelled (2 cancelled) 09:07:30.000",
        "09:06:00.000 chase modify 0 limit 69900 -> done 09:06:00.000",
        "09:07:30.000 give-up cancel 0 market -> done 09:07:30.000",
    ]

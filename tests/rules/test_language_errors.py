"""Each kind of mistake in a strategy file is reported at its line and column, usefully."""

from __future__ import annotations

import pytest

from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text

HEAD = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n'


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text, "s.yaml")
    return [(e.line, e.column, e.message) for e in info.value.errors]


@pytest.mark.parametrize(
    ("rule", "line", "col", "message"),
    [
        ("    on: tik\n    do: [{buy: {qty: 1}}]\n", 5, 9, "did you mean 'tick'"),
        ("    on: {session: opn}\n    do: [{buy: {qty: 1}}]\n", 5, 19, "did you mean 'open'"),
        ('    on: {at: "25:00"}\n    do: [{buy: {qty: 1}}]\n', 5, 14, "time of day"),
        ('    on: {cron: "61 * * * *"}\n    do: [{buy: {qty: 1}}]\n', 5, 16, "bad cron"),
        ("    on: {every: 0s}\n    do: [{buy: {qty: 1}}]\n", 5, 17, "from 100ms to 24h"),
        ("    on: {order: fild}\n    do: [{buy: {qty: 1}}]\n", 5, 17, "filled"),
        (
            "    on: {at: '09:00', cron: '* * * * *'}\n    do: [{buy: {qty: 1}}]\n",
            5,
            9,
            "one trigger",
        ),
        ("    on: {vi: {kind: statik}}\n    do: [{buy: {qty: 1}}]\n", 5, 21, "static"),
        ("    do: [{buy: {qty: 1, type: limit}}]\n", 5, 16, "needs a price"),
        ("    do: [{buy: {qty: 1, type: market, price: ask}}]\n", 5, 16, "takes no price"),
        ("    do: [{buy: {qty: 1, type: stop_limit, price: ask}}]\n", 5, 16, "condition_price"),
        ("    do: [{buy: {qty: 1, type: limt, price: ask}}]\n", 5, 31, "limit"),
        ("    do: [{buy: {qty: all}}]\n", 5, 16, "a buy needs shares"),
        ("    do: [{sell: {qty: 150%}}]\n", 5, 23, "at most 100%"),
        ("    do: [{sell: {qty: 1, type: limit, price: bid - 2 tickz}}]\n", 5, 54, "unexpected"),
        ("    do: [{sell: {qty: 1, type: limit, price: bidd}}]\n", 5, 46, "did you mean 'bid'"),
        ("    do: [{credit_sell: {qty: 1, loan: single}}]\n", 5, 24, "loan_date"),
        (
            "    do: [{credit_sell: {qty: 1, loan: single, loan_date: 2026-1-1}}]\n",
            5,
            58,
            "YYYYMMDD",
        ),
        ("    do: [{buy: {qty: 1}, sell: {qty: 1}}]\n", 5, 10, "exactly one of"),
        ("    do: [{modify: {which: oldest}}]\n", 5, 19, "price"),
        ("    do: [{cancel: {which: first}}]\n", 5, 27, "oldest"),
        ("    max_per_day: 0\n    do: [{buy: {qty: 1}}]\n", 5, 18, "greater than 0"),
        ("    cooldown: soon\n    do: [{buy: {qty: 1}}]\n", 5, 15, "duration"),
        ("    when: time < 1500\n    do: [{buy: {qty: 1}}]\n", 5, 18, "time like 15:00"),
        ("    when: change_rate < -1\n    do: [{buy: {qty: 1}}]\n", 5, 25, "-1%"),
        ("    when: sma(0) > price\n    do: [{buy: {qty: 1}}]\n", 5, 15, "tick count"),
        ("    when: smaa(20) > price\n    do: [{buy: {qty: 1}}]\n", 5, 11, "did you mean 'sma'"),
        ("    when: price > sma(5x)\n    do: [{buy: {qty: 1}}]\n", 5, 23, "unexpected"),
        ("    when: session == 3\n    do: [{buy: {qty: 1}}]\n", 5, 19, "cannot compare text"),
        ("    when: price\n    do: [{buy: {qty: 1}}]\n", 5, 11, "true or false"),
        ("    when: price > (1\n    do: [{buy: {qty: 1}}]\n", 5, 21, "expected ')'"),
        ("    colldown: 1m\n    do: [{buy: {qty: 1}}]\n", 5, 5, "unknown key 'colldown'"),
        ("    symbols: [SAMSUNG]\n    do: [{buy: {qty: 1}}]\n", 5, 15, "not a stock code"),
        ("    symbols: ['000660']\n    do: [{buy: {qty: 1}}]\n", 5, 15, "not in the strategy"),
        ("    enabled: maybe\n    do: [{buy: {qty: 1}}]\n", 5, 14, "boolean"),
        ("    when: event.qty > 1\n    do: [{buy: {qty: 1}}]\n", 5, 11, "'on: order'"),
        ("    on: order\n    do: [{buy: {qty: 1}}]\n", 5, 9, "needs a value, e.g. {order: filled}"),
        (
            "    on: vi\n    when: event.fill_qty > 1\n    do: [{buy: {qty: 1}}]\n",
            6,
            11,
            "only rules with 'on: order' can read it",
        ),
        (
            "    on: {order: filled}\n    when: event.qtty > 1\n    do: [{buy: {qty: 1}}]\n",
            6,
            11,
            "did you mean 'event.qty'",
        ),
        (
            "    when: event.status == 'filled'\n    do: [{buy: {qty: 1}}]\n",
            5,
            11,
            "'on: order' or 'on: vi'",
        ),
        (
            "    do: [{sell: {qty: 1, type: limit, price: event.fill_price}}]\n",
            5,
            46,
            "'event.fill_price' describes the triggering event",
        ),
    ],
)
def test_mistake_is_reported_where_it_is(rule: str, line: int, col: int, message: str) -> None:
    """The first problem points at the offending text and says what is wrong."""
    found = problems(HEAD + rule)
    assert (found[0][0], found[0][1]) == (line, col), found
    assert message in found[0][2], found


def test_all_problems_of_a_file_are_reported_at_once() -> None:
    """Three independent mistakes in three rules: three errors, in file order."""
    text = (
        HEAD
        + "    when: pric > 1\n    do: [{buy: {qty: 1}}]\n"
        + "  - name: b\n    on: {session: nope}\n    do: [{buy: {qty: 1}}]\n"
        + "  - name: c\n    do: [{sell: {qty: 1, type: limit}}]\n"
    )
    found = problems(text)
    assert [f[0] for f in found] == [5, 8, 11]

"""The usual mistakes each get an error at file:line:column that says how to fix them."""

from __future__ import annotations

import pytest

from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text

HEAD = 'strategy: t\nsymbols: ["005930"]\n'


def errors(body: str) -> list[str]:
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(HEAD + body, "s.yaml")
    return [str(e) for e in info.value.errors]


def rule(when: str = "price > 1", do: str = "[{buy: {qty: 1}}]", extra: str = "") -> str:
    return f"rules:\n  - name: a\n    when: {when}\n    do: {do}\n{extra}"


@pytest.mark.parametrize(
    ("when", "column", "message"),
    [
        ("price = 100", 17, "'=' is not a comparison: write '==' to compare"),
        ("change_rate > 1.5 %", 29, "write 1.5% without a space before '%'"),
        ("side == buy", 19, "unknown name 'buy': text is written in quotes, \"buy\""),
        ("buy != side", 11, "unknown name 'buy': text is written in quotes, \"buy\""),
        ("price > 1 && volume > 2", 21, "write 'and', 'or', 'not'"),
        ('session == "open', 22, 'this text has no closing ": quote it on both ends'),
    ],
)
def test_condition_slips(when: str, column: int, message: str) -> None:
    """'=' for '==', '1.5 %', unquoted text, '&&', an unclosed quote."""
    (error,) = errors(rule(when))
    assert error.startswith(f"s.yaml:5:{column}: rules.0.when: ")
    assert message in error


def test_a_tab_is_an_error_at_its_position() -> None:
    (error,) = errors("rules:\n  - name: a\n\twhen: price > 1\n    do: [{buy: {qty: 1}}]\n")
    assert error == "s.yaml:5:1: tab character: indent with spaces"


@pytest.mark.parametrize("indent", ["   ", "      "])
def test_bad_indentation_names_the_line_and_the_fix(indent: str) -> None:
    """A key indented less or more than its neighbours."""
    body = f"rules:\n  - name: a\n    when: price > 1\n{indent}do: [{{buy: {{qty: 1}}}}]\n"
    (error,) = errors(body)
    assert error.startswith("s.yaml:6:") and "check the indentation of this line" in error


def test_every_unknown_key_is_reported_at_once_with_did_you_mean() -> None:
    """Unknown keys anywhere (risk, a rule, an action, a trigger), all in one report."""
    body = rule(
        do="[{buy: {qty: 1, typ: limit}}]",
        extra="    cooldwn: 5s\n    on: {at: '09:00', betwen: 1}\n",
    )
    body += "risk: {max_ordr_value: 5}\nsymbol: ['005930']\n"
    found = errors(body)
    for expected in (
        "s.yaml:6:25: rules.0.do.0.buy.typ: unknown key 'typ' (did you mean 'type'?)",
        "s.yaml:7:5: rules.0.cooldwn: unknown key 'cooldwn' (did you mean 'cooldown'?)",
        "unknown key 'betwen' (did you mean 'between'?)",
        "s.yaml:9:8: risk.max_ordr_value: unknown key 'max_ordr_value' (did you mean "
        "'max_order_value'?)",
        "s.yaml:10:1: symbol: unknown key 'symbol' (did you mean 'symbols'?)",
    ):
        assert any(expected in e for e in found), (expected, found)


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("{buy: {qty: 1, type: limit, price: 70050}}", "70,050 is off the KRX tick grid "
         "(100 KRW steps at this price): use 70,000 or 70,100"),
        ("{sell: {qty: 1, type: limit, price: 2003}}", "2,003 is off the KRX tick grid "
         "(5 KRW steps at this price): use 2,000 or 2,005"),
        ("{modify: {price: 512_300}}", "512,300 is off the KRX tick grid (1,000 KRW steps"),
    ],
)  # fmt: skip
def test_a_literal_limit_price_off_the_tick_grid(action: str, message: str) -> None:
    """The risk guard would refuse it at every firing: the file says so at load."""
    (error,) = errors(rule(do=f"[{action}]"))
    assert error.startswith("s.yaml:6:") and message in error


def test_prices_on_the_grid_and_expressions_pass() -> None:
    load_strategy_text(HEAD + rule(do="[{buy: {qty: 1, type: limit, price: 70100}}]"))
    load_strategy_text(HEAD + rule(do="[{buy: {qty: 1, type: limit, price: bid - 1 tick}}]"))

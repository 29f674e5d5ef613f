"""Strategy parameters: named defaults in conditions, prices and settings; overrides from
a sweep; every mistake located at file:line:column."""

from __future__ import annotations

import pytest

from autotrader.compile import compile_strategy
from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text

TEXT = """\
strategy: p
symbols: ["005930"]
params:
  dip: -1%
  size: 10
  wait: 10m
  cutoff: "15:00"
  window: 20
  off: 2
rules:
  - name: dip-buy
    when: change_rate < params.dip and time < params.cutoff and price < sma(params.window)
    cooldown: params.wait
    do:
      - buy: {qty: params.size, type: limit, price: bid - params.off ticks}
"""


def _errors(text: str, **params: object) -> list[str]:
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text, "s.yaml", params=params or None)  # type: ignore[arg-type]
    return [str(e) for e in info.value.errors]


def test_defaults_stand_in_conditions_prices_and_settings() -> None:
    """Each params.NAME takes its literal: in the condition, the price, qty and cooldown."""
    loaded = load_strategy_text(TEXT, "s.yaml")
    rule = loaded.spec.rules[0]
    assert rule.when == "change_rate < (-1%) and time < 15:00 and price < sma(20)"
    assert rule.cooldown == 600.0
    order = rule.do[0].buy
    assert order is not None and order.qty == 10 and order.price == "bid - 2 ticks"
    assert loaded.spec.params == {
        "dip": "-1%",
        "size": 10,
        "wait": "10m",
        "cutoff": "15:00",
        "window": 20,
        "off": 2,
    }
    plan = compile_strategy(loaded)
    assert plan.rules[0].cooldown == 600.0


def test_a_sweep_point_overrides_the_defaults() -> None:
    """Values set from outside replace the file's, typed like YAML values."""
    loaded = load_strategy_text(TEXT, "s.yaml", params={"size": 30, "dip": "-2.5%", "window": 50})
    rule = loaded.spec.rules[0]
    assert "change_rate < (-2.5%)" in rule.when and "sma(50)" in rule.when
    assert rule.do[0].buy is not None and rule.do[0].buy.qty == 30
    assert loaded.spec.params["size"] == 30


def test_an_unknown_parameter_is_located_where_it_is_written() -> None:
    """A misspelt reference points at its column, with a did-you-mean."""
    text = TEXT.replace("time < params.cutoff", "time < params.cutof")
    (error,) = _errors(text)
    col = TEXT.splitlines()[11].index("params.cutoff") + 1
    assert error == (
        f"s.yaml:12:{col}: rules.0.when: unknown parameter 'params.cutof' (did you mean 'cutoff'?)"
    )


def test_errors_after_a_substitution_keep_their_file_column() -> None:
    """A type error after a parameter is reported at the column as written, not shifted."""
    text = TEXT.replace("time < params.cutoff", "time < params.cutoff and side == 3")
    (error,) = _errors(text)
    line = text.splitlines()[11]
    assert error.startswith(f"s.yaml:12:{line.index('== 3') + 1}: rules.0.when: cannot compare")


def test_bad_values_and_undeclared_overrides_are_errors() -> None:
    """A parameter must be one literal; a sweep cannot set what the file does not declare."""
    bad = TEXT.replace("size: 10", "size: lots")
    assert _errors(bad) == [
        "s.yaml:5:3: params.size: 'lots' is not a number, a percent (1.5%), "
        "a duration (5m) or a time (09:30)"
    ]
    assert _errors(TEXT, sise=5) == [
        "s.yaml:3:1: params: no parameter 'sise' to set (did you mean 'size'?)"
    ]


def test_a_parameter_in_a_setting_is_validated_like_the_setting() -> None:
    """qty: params.size with a size of 0 fails as qty: 0 would, at the qty."""
    errors = _errors(TEXT, size=0)
    assert len(errors) == 1 and errors[0].startswith("s.yaml:15:")
    assert "qty" in errors[0]

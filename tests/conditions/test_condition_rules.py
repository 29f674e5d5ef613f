"""The strategy syntax of condition search: universe, on: condition, errors where they stand."""

from __future__ import annotations

import pytest

from autotrader.compile import compile_strategy
from autotrader.compile.plan import UNIVERSE
from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text

GOOD = """\
strategy: s
symbols: ["005930"]
universe:
  condition: [surge, 4]
  max_symbols: 7
rules:
  - name: entry
    when: buy_volume > 0
    do:
      - buy: {qty: 1, type: market}
  - name: fixed-only
    symbols: ["005930"]
    do:
      - sell: {qty: all, type: market}
  - name: on-enter
    on: {condition: 4, event: enter}
    when: event.status == "enter"
    do:
      - cancel: {}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(StrategyErrors) as caught:
        load_strategy_text(text, "s.yaml")
    return [str(e) for e in caught.value.errors]


def test_a_universe_by_name_and_seq_compiles_its_rules_for_admitted_stocks() -> None:
    """Rules without 'symbols' run on the fixed symbols and on the universe's stocks."""
    loaded = load_strategy_text(GOOD)
    universe = loaded.spec.universe
    assert universe is not None and universe.condition == ["surge", "4"]
    assert universe.max_symbols == 7
    plan = compile_strategy(loaded)
    assert [r.name for r in plan.by_symbol[UNIVERSE]] == ["entry"]
    assert [r.name for r in plan.by_symbol["005930"]] == ["entry", "fixed-only"]
    assert plan.key_of("035720") == UNIVERSE and plan.key_of("005930") == "005930"
    (rule,) = plan.triggered["condition"]
    assert rule.on.condition == "4" and rule.on.condition_event == "enter" and rule.universe


def test_a_strategy_needs_symbols_or_a_universe() -> None:
    """Neither: one clear error."""
    text = "strategy: s\nrules:\n  - name: a\n    do:\n      - buy: {qty: 1, type: market}\n"
    (error,) = errors(text)
    assert "needs 'symbols'" in error and "universe: {condition: NAME}" in error


def test_a_condition_trigger_names_a_universe_condition_at_its_line_and_column() -> None:
    """Not in the universe, or no universe at all: the error points at the name."""
    (error,) = errors(GOOD.replace("{condition: 4, event", "{condition: breakout, event"))
    assert error.startswith("s.yaml:16:21: condition 'breakout' is not in the universe")
    no_universe = GOOD.replace("universe:\n  condition: [surge, 4]\n  max_symbols: 7\n", "")
    (error,) = errors(no_universe)
    assert error.startswith("s.yaml:13:21:") and "has no 'universe: {condition}'" in error


def test_event_without_condition_and_bad_universe_values_are_refused() -> None:
    """'event' alone, an empty name, a cap above what one connection registers."""
    alone = GOOD.replace("{condition: 4, event: enter}", "{tick: true, event: enter}")
    assert any("'event' only goes with a 'condition'" in e for e in errors(alone))
    assert any("cannot be empty" in e for e in errors(GOOD.replace("[surge, 4]", "''")))
    assert any(
        "max_symbols" in e for e in errors(GOOD.replace("max_symbols: 7", "max_symbols: 500"))
    )


def test_explain_describes_the_universe_and_the_condition_triggers() -> None:
    """'explain' says where the symbols come from, the cap, leaving, and each hit rule."""
    from autotrader.rules.authoring import explain

    text = "\n".join(explain(load_strategy_text(GOOD).spec))
    assert text.startswith("Strategy 's' on the stocks of condition search 'surge' or '4'")
    assert "at most 7 stocks at once" in " ".join(text.split())
    assert "an unknown name stops the run" in text and "'outside_universe'" in text
    assert "When: when a stock enters the condition search '4'" in text
    assert "for each stock in the universe and fixed symbol" in text

"""``protect:`` in strategy files: distances, where it may stand, what explain says."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.errors import StrategyError
from autotrader.rules import load_strategy, load_strategy_text
from autotrader.rules.authoring import explain
from autotrader.rules.protect import Distance

BASE = """\
strategy: p
symbols: ["005930"]
rules:
  - name: entry
    do:
      - {step}
    protect: {protect}
"""


def load(protect: str, step: str = "buy: {qty: 1, type: market}") -> object:
    return load_strategy_text(BASE.format(protect=protect, step=step), "p.yaml")


def test_percent_and_tick_distances_load() -> None:
    spec = load("{stop: 2%, take_profit: '5 ticks', trail: 1.5%, limit_ticks: 2}").spec  # type: ignore[attr-defined]
    protect = spec.rules[0].protect
    assert protect.stop == Distance(2.0, "%")
    assert protect.take_profit == Distance(5.0, "ticks")
    assert protect.trail == Distance(1.5, "%") and protect.limit_ticks == 2


@pytest.mark.parametrize(
    ("protect", "step", "where", "says"),
    [
        ("{stop: 2x}", "buy: {qty: 1, type: market}", "7:21", "is not a distance"),
        ("{stop: 0%}", "buy: {qty: 1, type: market}", "7:21", "above 0"),
        ("{stop: 1.5 ticks}", "buy: {qty: 1, type: market}", "7:21", "whole number"),
        ("{}", "buy: {qty: 1, type: market}", "7:14", "at least one of"),
        ("{stop: 2%, loss: 1%}", "buy: {qty: 1, type: market}", "7:", "loss"),
        ("{stop: 2%}", "sell: {qty: 1, type: market}", "7:14", "entry rule"),
    ],
)
def test_a_bad_protect_is_an_error_at_file_line_column(
    protect: str, step: str, where: str, says: str
) -> None:
    with pytest.raises(StrategyError) as err:
        load(protect, step)
    text = str(err.value)
    assert f"p.yaml:{where}" in text and says in text


def test_explain_says_what_rests_at_the_venue_and_what_halt_does() -> None:
    text = "\n".join(explain(load_strategy(Path("rules/protected-entry.yaml")).spec))
    assert "stop-limit sell (Kiwoom 28) of the filled shares rests at the broker" in text
    assert "triggered 2% below the fill price, limit 3 tick(s) under it" in text
    assert "1.5% below the highest trade since entry" in text and "never down" in text
    assert "4% above the average price" in text
    assert "halt --reduce leaves them resting; halt cancels them" in text


def test_a_price_expression_level_is_checked_where_it_stands() -> None:
    spec = load("{stop: 'position.avg_price - 5 ticks', take_profit: vwap * 1.02}").spec  # type: ignore[attr-defined]
    assert spec.rules[0].protect.stop == "position.avg_price - 5 ticks"
    with pytest.raises(StrategyError) as err:
        load("{stop: 'position.avg_pricee - 5 ticks'}")
    text = str(err.value)
    assert "p.yaml:7:" in text and "rules.0.protect.stop" in text
    assert "neither a distance" in text and "position.avg_pricee" in text


def test_explain_words_a_price_expression_level() -> None:
    text = "\n".join(explain(load("{stop: 'position.avg_price - 5 ticks'}").spec))  # type: ignore[attr-defined]
    assert "triggered at position.avg_price - 5 ticks (as the fill leaves it)" in text

"""Each symbol's ticks are checked for the fields *its* rules read (``Plan.reads_of``,
``validate.SymbolChecks``): a garbled field that only another symbol's rules read does
not cost a good tick, one that its own rules read still refuses it, and a reload
changes the checks with the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autotrader.compile import compile_strategy
from autotrader.compile.plan import UNIVERSE
from autotrader.engine.replay import reads_changed
from autotrader.rules import load_strategy_text
from tests.frames import real, trade
from tests.harness import Harness

TWO = """
strategy: t
symbols: ["005930", "000660"]
rules:
  - name: strong
    symbols: ["005930"]
    when: strength > 5000
    do:
      - buy: {qty: 1}
  - name: wide
    symbols: ["000660"]
    when: ask - bid > 1_000_000
    do:
      - buy: {qty: 1}
  - name: late
    on: {at: "15:00"}
    when: low > 0 and position.qty > 0
    do:
      - sell: {qty: all}
"""


def tick(item: str, hms: str, **values: Any) -> dict[str, Any]:
    t = trade(item, hms, 60_000, ask=60_100, bid=60_000)
    t["values"].update({"11": "+1000", "228": "+101.50", "18": "+59000", **values})
    return t


def test_the_plan_says_what_the_rules_of_each_symbol_read() -> None:
    plan = compile_strategy(load_strategy_text(TWO, "t.yaml"))
    # 'late' (a time rule, no 'symbols') reads low on every symbol of the strategy
    assert plan.reads_of("005930") >= {"strength", "low", "position.qty"}
    assert "ask" not in plan.reads_of("005930")
    assert plan.reads_of("000660") >= {"ask", "bid", "low"}
    assert "strength" not in plan.reads_of("000660")
    assert plan.reads_of("035720") == frozenset()  # not in the strategy


def test_a_universe_symbol_reads_what_the_rules_without_symbols_read() -> None:
    text = """
strategy: u
universe: {condition: "dip"}
rules:
  - name: any
    when: strength > 120
    do:
      - buy: {qty: 1}
"""
    plan = compile_strategy(load_strategy_text(text, "u.yaml"))
    assert plan.key_of("035720") == UNIVERSE
    assert "strength" in plan.reads_of("035720")


def test_a_field_only_other_symbols_read_does_not_refuse_a_tick(tmp_path: Path) -> None:
    h = Harness(TWO, tmp_path)
    h.feed([real(tick("005930", "090000"), tick("000660", "090000"))])
    assert h.decoder.counters.malformed == 0
    # 000660's rules do not read strength; 005930's do not read ask or bid
    h.feed([real(tick("000660", "090001", **{"10": "+60100", "228": "+1O1.50"}))])
    h.feed([real(tick("005930", "090002", **{"10": "+60200", "27": "+6O100"}))])
    assert h.decoder.counters.malformed == 0
    assert h.engine.states["000660"].price == 60_100
    assert h.engine.states["005930"].price == 60_200
    # ... but each symbol's own fields still refuse a garbled tick whole
    h.feed([real(tick("005930", "090003", **{"10": "+60300", "228": "+1O1.50"}))])
    h.feed([real(tick("000660", "090003", **{"10": "+60300", "28": "+6O000"}))])
    h.feed([real(tick("000660", "090004", **{"10": "+60400", "18": ""}))])  # 'late' reads low
    assert h.decoder.counters.malformed == 3
    assert h.engine.states["005930"].price == 60_200
    assert h.engine.states["000660"].price == 60_100
    assert [c.fields for c in map(h.decoder.checks_of, ("005930", "000660"))] == [
        ["18", "228"],
        ["18", "27", "28"],
    ]


def test_a_reload_checks_what_the_new_rules_read(tmp_path: Path) -> None:
    h = Harness(TWO, tmp_path)
    h.feed([real(tick("000660", "090000"))])
    h.feed([real(tick("000660", "090001", **{"10": "+60100", "228": "+1O1.50"}))])
    assert h.decoder.counters.malformed == 0
    reloaded = TWO.replace("when: ask - bid", "when: strength > 0 and ask - bid")
    assert reloaded != TWO
    reads_changed(h.decoder, compile_strategy(load_strategy_text(reloaded, "t.yaml")))
    h.feed([real(tick("000660", "090002", **{"10": "+60200", "228": "+1O1.50"}))])
    assert h.decoder.counters.malformed == 1
    assert "field 228 garbled" in h.decoder.counters.last_error
    assert h.engine.states["000660"].price == 60_100

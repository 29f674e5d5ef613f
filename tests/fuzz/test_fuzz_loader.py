"""Fuzzing the strategy loader: any text gives a strategy or ``StrategyErrors``, never
another exception, and stays within a memory bound. Examples per property come from the
hypothesis profile (100 by default; ``--hypothesis-profile=fuzz`` for a long run)."""

from __future__ import annotations

import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text
from autotrader.rules.loader import LoadedStrategy

VALID = """\
strategy: fuzz
symbols: ["005930", "000660"]
risk: {max_order_value: 2_000_000, trading_hours: ["09:00", "15:20"]}
rules:
  - name: dip
    when: change_rate <= -2% and position.qty == 0 and sma(20) > 0
    cooldown: 5m
    do:
      - buy: {amount: 1_000_000, type: limit, price: bid - 1 tick}
  - name: exit
    on: {order: filled, tag: dip}
    do:
      - sell: {qty: all, type: limit, price: position.avg_price * 1.02}
"""
MEMORY_LIMIT = 32_000_000  # bytes at the peak of one load

SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def load(text: str) -> LoadedStrategy | None:
    """The loader's only outcomes: a strategy, or StrategyErrors with located errors."""
    try:
        return load_strategy_text(text, "fuzz.yaml")
    except StrategyErrors as exc:
        assert exc.errors, "StrategyErrors without an error"
        for e in exc.errors:
            assert e.line >= 0 and e.column >= 0 and e.message
            assert "\x1b" not in str(e)
        return None


@SETTINGS
@given(st.text(max_size=2_000))
def test_any_text_loads_or_is_a_strategy_error(text: str) -> None:
    """Arbitrary unicode text: a strategy or StrategyErrors, nothing else."""
    load(text)


_EDITS = st.lists(
    st.tuples(
        st.integers(0, len(VALID)),
        st.integers(0, 8),
        st.sampled_from(
            [
                "",
                "&a ",
                "*a",
                "[",
                "{",
                "]",
                "}",
                ": ",
                "- ",
                "\n",
                "  ",
                "'",
                '"',
                "!!str ",
                ".nan",
                ".inf",
                "9" * 40,
                "\\e",
                "\t",
                "\x00",
                "\u202e",
                "é",
                "<<: *a",
                "#",
                "%",
            ]
        ),  # fmt: skip
    ),
    max_size=6,
)


@SETTINGS
@given(_EDITS)
def test_edits_of_a_valid_strategy_load_or_are_strategy_errors_in_bounded_memory(
    edits: list[tuple[int, int, str]],
) -> None:
    """A real strategy with YAML punctuation, anchors, aliases and hostile scalars spliced
    in: never another exception, never more than MEMORY_LIMIT at the peak."""
    text = VALID
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut :]
    tracemalloc.start()
    try:
        load(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT


_SCALARS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.sampled_from(["limit", "market", "tick", "vi", "5m", "bid - 1 tick", "price > 1", "all"]),
)
_KEYS = st.sampled_from(
    ["strategy", "symbols", "rules", "name", "when", "do", "buy", "sell", "qty", "amount",
     "price", "type", "on", "cooldown", "risk", "tag", "every", "remainder", "on_rule_error",
     "modify", "cancel", "cancel_after", "hold_after", "x"]
)  # fmt: skip
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=30,
)


@SETTINGS
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_document_shape_loads_or_is_a_strategy_error(doc: dict[str, object]) -> None:
    """Documents of strategy keys over any nesting of any values, written as JSON (a
    YAML subset): a strategy or StrategyErrors."""
    import json

    load(json.dumps(doc, allow_nan=True))

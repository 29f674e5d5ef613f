"""A chain of ``and`` runs its cheap tests first (slots, the clock) and parses tick fields
last: the same truth on every state, and a field is not read once a cheap test failed."""

from __future__ import annotations

import itertools

import msgspec

from autotrader.compile.conditions import compile_condition
from autotrader.engine.state import MarketState, SymbolState
from autotrader.feed.fastline import Tick
from autotrader.rules.expr import parse

ENTRY = "change_rate < -0.5% and position.qty == 0 and open_orders == 0 and time < 15:00"


def _state(rate: str, qty: int, orders: int, sod: int) -> SymbolState:
    market = MarketState()
    market.sod = sod
    st = SymbolState("005930", market)
    st.price = 70_000
    st.values = Tick.of({"20": "100000", "10": "+70000", "12": rate})
    st.pos_qty, st.pos_avg, st.open_orders = qty, 70_000 if qty else 0, orders
    return st


def _as_written(st: SymbolState) -> bool:
    """The condition evaluated in the order the file writes it."""
    rate = float(st.values.f12 or 0) / 100
    return rate < -0.005 and st.pos_qty == 0 and st.open_orders == 0 and st.market.sod < 54_000


def test_the_reordered_chain_has_the_written_truth_everywhere() -> None:
    condition = compile_condition(parse(ENTRY))
    for rate, qty, orders, sod in itertools.product(
        ("-1.20", "-0.50", "+0.30"), (0, 10), (0, 1), (36_000, 54_000)
    ):
        st = _state(rate, qty, orders, sod)
        assert bool(condition(st)) is _as_written(st), (rate, qty, orders, sod)


def test_a_failed_cheap_test_leaves_the_field_unread() -> None:
    """Held shares fail ``position.qty == 0``: the change rate is never parsed (a text
    that cannot be parsed proves it; the decoder never lets one through)."""
    condition = compile_condition(parse(ENTRY))
    st = _state("-1.20", 10, 0, 36_000)
    st.values = msgspec.structs.replace(st.values, f12="unparsed")
    assert condition(st) is False
    assert "s.pos_qty == 0" in condition.__doc__.split("_float")[0]

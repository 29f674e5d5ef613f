"""The mark sampler: held symbols every 30 s, every traded symbol every 5 minutes."""

from __future__ import annotations

import json
from pathlib import Path

from autotrader.engine.marks import MarkSampler
from autotrader.engine.state import MarketState, SymbolState
from autotrader.journal import Journal


def _trade(st: SymbolState, price: int) -> None:
    st.price, st.ticks = price, st.ticks + 1


def test_held_symbols_are_marked_often_the_rest_every_five_minutes(tmp_path: Path) -> None:
    """A held symbol gets a mark each 30 s it traded; a flat one only in the full sample;
    a symbol that did not trade since its last mark gets none."""
    j = Journal(tmp_path / "j.db")
    j.start_run(strategy="t", mode="test")
    market = MarketState()
    held, flat, quiet = (SymbolState(s, market) for s in ("000001", "000002", "000003"))
    states = {s.symbol: s for s in (held, flat, quiet)}
    sampler = MarkSampler(states, j)
    for st, px in ((held, 1000), (flat, 2000), (quiet, 3000)):
        _trade(st, px)
    sampler.sample(0.0)  # the first sample is full
    held.pos_qty = 10
    sampler.track("000001")
    for t in range(1, 300):  # once per clock second, as the engine's watch calls it
        if t % 10 == 0:
            _trade(held, 1000 + t)
            _trade(flat, 2000 + t)
        sampler.sample(float(t))
    _trade(flat, 9999)
    sampler.sample(300.0)  # full again: flat's latest price, quiet not re-marked
    j.flush()
    rows = [(ts, json.loads(p)) for ts, p in j.conn.execute(
        "SELECT ts, prices_json FROM marks ORDER BY id")]  # fmt: skip
    assert rows[0] == (0.0, {"000001": 1000, "000002": 2000, "000003": 3000})
    middle = rows[1:-1]
    assert [ts for ts, _ in middle] == [30.0, 60.0, 90.0, 120.0, 150.0, 180.0, 210.0, 240.0,
                                        270.0]  # fmt: skip
    assert all(set(p) == {"000001"} for _, p in middle)
    assert middle[0][1] == {"000001": 1030}
    assert rows[-1] == (300.0, {"000001": 1290, "000002": 9999})
    j.close()


def test_a_held_symbol_that_went_flat_gets_its_last_mark_then_none(tmp_path: Path) -> None:
    """Held symbols keep the order they were tracked in (rows are the same in every
    run); one sold out is marked once more, then leaves the held schedule; a position
    that came without a fill joins it at the next full sample."""
    j = Journal(tmp_path / "j.db")
    j.start_run(strategy="t", mode="test")
    market = MarketState()
    a, b, c = (SymbolState(s, market) for s in ("000003", "000001", "000002"))
    states = {s.symbol: s for s in (a, b, c)}
    sampler = MarkSampler(states, j)
    sampler.sample(0.0)  # full, nothing traded yet: no row
    for st in (a, b):
        st.pos_qty = 5
        sampler.track(st.symbol)
    c.pos_qty = 7  # held without a fill here: not on the held schedule until a full one
    for st, px in ((a, 100), (b, 200), (c, 300)):
        _trade(st, px)
    sampler.sample(30.0)
    a.pos_qty = 0  # sold out
    for st, px in ((a, 101), (b, 201), (c, 301)):
        _trade(st, px)
    sampler.sample(60.0)
    for st, px in ((a, 102), (b, 202), (c, 302)):
        _trade(st, px)
    sampler.sample(90.0)
    sampler.sample(300.0)  # full: c's position joins, a is flat
    for st, px in ((a, 103), (b, 203), (c, 303)):
        _trade(st, px)
    sampler.sample(330.0)
    j.flush()
    rows = [(ts, list(json.loads(p).items())) for ts, p in j.conn.execute(
        "SELECT ts, prices_json FROM marks ORDER BY id")]  # fmt: skip
    assert rows == [
        (30.0, [("000003", 100), ("000001", 200)]),
        (60.0, [("000003", 101), ("000001", 201)]),
        (90.0, [("000001", 202)]),
        (300.0, [("000003", 102), ("000002", 302)]),
        (330.0, [("000001", 203), ("000002", 303)]),
    ]
    j.close()

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

"""The msgspec fast path for tape lines (feed/fastline.py) replays exactly like the general
orjson path: the same orders, fills, positions, counters and skipped lines with the same
reasons and excerpts; a ``Tick`` reads like the values dict it replaces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine import Engine
from autotrader.engine.replay import make_decoder
from autotrader.feed import fastline, lines
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.journal import Journal
from autotrader.rules import load_strategy_text
from tests.frames import line, trade
from tests.frames import write_tape as write_lines
from tests.harness import replay_rows

STRATEGY = """\
strategy: fast
symbols: [{symbols}]
rules:
  - name: dip
    when: change_rate < -0.3% and strength > 90 and position.qty == 0 and open_orders == 0
    cooldown: 5m
    do:
      - buy: {{amount: 1_000_000, type: limit, price: bid}}
  - name: out
    when: position.qty > 0 and open_orders == 0 and (position.pnl_pct >= 0.3% or low < ask * 0.9)
    do:
      - sell: {{qty: all, type: market}}
"""


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_line: bytes) -> Any:
        raise fastline.NotFast("forced")

    monkeypatch.setattr(lines, "decode_line", refuse)


def _run(tape: Path, db: Path, symbols: tuple[str, ...]) -> tuple[Any, ...]:
    text = STRATEGY.format(symbols=", ".join(f'"{s}"' for s in symbols))
    queries = (
        "SELECT symbol, side, qty, price, state, filled_qty FROM orders ORDER BY id",
        "SELECT order_id, ts, qty, price FROM fills ORDER BY id",
        "SELECT symbol, qty, avg_price, realized FROM position_snapshots ORDER BY id",
        "SELECT source, detail FROM errors ORDER BY id",
    )
    result, got = replay_rows(text, tape, db, queries)
    return (result.engine.stats, result.counters.frames, result.counters.malformed, *got)


def test_a_synthetic_day_replays_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = tmp_path / "day.jsonl.gz"
    header = write_tape(tape, SynthConfig(seed=5, n_symbols=12, ticks=6_000))
    symbols = tuple(header.symbols)
    fast = _run(tape, tmp_path / "fast.db", symbols)
    _slow(monkeypatch)
    slow = _run(tape, tmp_path / "slow.db", symbols)
    assert fast == slow
    assert fast[0]["orders"] > 0 and fast[0]["fills"] > 0  # the day traded


def _tick(item: str, hms: str, price: int) -> dict[str, Any]:
    entry = trade(item, hms, price)
    entry["values"].update({"18": f"+{price}", "228": "101.50"})  # low and strength: read
    return entry


def test_bad_ticks_are_skipped_alike_with_the_same_reason_and_excerpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trade = _tick
    good = trade("005930", "090000", 60_000)
    garbled_ask = trade("005930", "090001", 60_100)
    garbled_ask["values"]["27"] = "+6O100"  # a letter O: the rules read ask
    out_of_band = trade("005930", "090002", 130_000)
    unread = trade("005930", "090003", 60_200)
    unread["values"]["9081"] = 7  # a number where Kiwoom sends text, in a field no rule reads
    as_number = trade("005930", "090004", 60_300)
    as_number["values"]["28"] = 60_300  # not a string: the fast path declines, feed judges
    frames = [
        line(good),
        line(garbled_ask),
        line(out_of_band),
        line(unread),
        line(as_number),
        b'{"trnm":"REAL","rt":"0900O5.000","data":[]}',
        line(trade("005930", "090006", 60_000), trade("000660", "090006", 0)),
    ]
    tape = tmp_path / "bad.jsonl"
    write_lines(tape, frames)
    fast = _run(tape, tmp_path / "fast.db", ("005930", "000660"))
    _slow(monkeypatch)
    slow = _run(tape, tmp_path / "slow.db", ("005930", "000660"))
    assert fast == slow
    errors = [detail for source, detail in fast[-1] if source == "frame"]
    assert any("line 3: 0B 005930: field 27 garbled" in d for d in errors)
    assert any("outside the day's band" in d for d in errors)
    assert fast[2] == 5  # garbled ask, band, number for bid, receive time, zero price


def test_a_tick_reads_like_the_values_dict() -> None:
    raw = line(trade("005930", "090000", 60_000, ask=60_100))
    tick = fastline.decode_line(raw).data[0].values
    values = orjson.loads(raw)["data"][0]["values"]
    for fid in ("20", "10", "12", "27", "28", "15", "13"):
        assert tick[fid] == tick.get(fid) == values[fid]
        assert fid in tick
    assert tick.get("11") is None and tick.get("11", 0) == 0 and "11" not in tick
    with pytest.raises(KeyError):
        tick["11"]
    assert dict(tick.items()) == {k: v for k, v in values.items() if k in fastline.ATTR}
    assert list(tick) == list(tick.keys()) and len(tick) == 7


def test_lines_that_are_not_plain_trade_ticks_take_the_general_path() -> None:
    for raw in (
        b'{"trnm":"REAL","data":[{"type":"0s","item":"","values":{"215":"3"}}]}',
        b'{"trnm":"REAL","data":[{"type":"0B","item":"005930","values":{"20":"090000"}}]}',
        b'{"trnm":"REAL","data":[{"type":"0B","item":"1","values":{"20":"090000","10":"\xff"}}]}',
        b'{"trnm":"REAL","data":[]} trailing',
    ):
        with pytest.raises(fastline.NotFast):
            fastline.decode_line(raw)


def test_a_skipped_tick_is_told_to_the_listener_with_the_same_excerpt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbled = _tick("005930", "090001", 60_100)
    garbled["values"]["27"] = "+6O100"
    numbered = [(2, line(_tick("005930", "090000", 60_000))), (3, line(garbled))]
    told: list[list[tuple[str, str]]] = []
    for path in ("fast", "slow"):
        if path == "slow":
            _slow(monkeypatch)
        text = STRATEGY.format(symbols='"005930"')
        plan = compile_strategy(load_strategy_text(text, "fast.yaml"))
        engine = Engine(plan, PaperBroker(), Journal(tmp_path / f"{path}.db"))
        decoder = make_decoder(engine, 0.0)
        heard: list[tuple[str, str]] = []
        decoder.counters.listener = lambda why, excerpt, heard=heard: heard.append((why, excerpt))
        lines.feed_numbered(decoder, numbered, where="t")
        told.append(heard)
    assert told[0] == told[1]
    assert told[0][0][0] == "0B 005930: field 27 garbled" and "6O100" in told[0][0][1]


def test_text_no_rule_reads_is_skipped_not_decoded() -> None:
    """A name that is not UTF-8 does not cost a tick whose fields are good: the fast path
    does not decode the name (nor the fields outside ``TICK_FIELDS``)."""
    raw = (
        b'{"trnm":"REAL","data":[{"type":"0B","name":"\xff\xfe","item":"005930",'
        b'"values":{"20":"090000","10":"+60000","9081":"\xff"}}]}'
    )
    tick = fastline.decode_line(raw).data[0]
    assert (tick.item, tick.values.f20, tick.values.f10) == ("005930", "090000", "+60000")

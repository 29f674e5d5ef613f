"""Scenario: a day of condition search, traded live on the fake Kiwoom, recorded, replayed.

The fake plays a synthetic day and runs the saved condition 'surge' over it. The live
run lists the conditions, starts the realtime search, admits the stocks that enter (one
at a time, the others wait), registers and drops them, and records its feed. The
recorded tape, replayed through the same strategy, rebuilds the same universe hit by hit:
the condition list, the initial list and the 02 frames are applied exactly as live.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import replay
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.feed.recorder import TapeRecorder
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.journal import Journal
from autotrader.rules import load_strategy_text
from tests.integration.live_support import MorningClock, fast_options, live_run, rows

SURGE = ("4", "surge", "change_rate > 0.3 or change_rate < -0.5")
# Watches the universe without trading, so the live fills cannot make the two runs differ.
RULES = """\
  - name: watch
    when: position.qty < 0
    do:
      - buy: {qty: 1, type: market}
  - name: on-enter
    on: {condition: surge, event: enter}
    when: position.qty < 0
    do:
      - cancel: {}
universe: {condition: surge, max_symbols: 1}
"""


def universe_hits(path: Path) -> list[tuple[str, str, str, str, str]]:
    sql = "SELECT name, symbol, event, source, outcome FROM condition_hits ORDER BY id"
    return [
        (r["name"], r["symbol"], r["event"], r["source"], r["outcome"]) for r in rows(path, sql)
    ]


@pytest.mark.anyio
async def test_a_recorded_condition_day_replays_to_the_same_universe(tmp_path: Path) -> None:
    """Live on the fake: hits admitted within the cap; the replay of its tape: the same hits."""
    day = tmp_path / "synth.jsonl.gz"
    write_tape(day, SynthConfig(seed=3, n_symbols=6, ticks=4_000, vi_kind=None))
    clock = MorningClock()
    recorder = TapeRecorder(tmp_path / "tapes", ["005930", "000660"], clock=clock, fsync=False)
    fake = {"tape": day, "conditions": [SURGE]}

    def matching_before_the_open(fake: FakeKiwoom) -> None:  # in the initial list
        fake.hub.conditions.on_tick("035420", {"10": "+216000", "12": "+0.70", "20": "085959"})

    async with live_run(
        tmp_path / "live", RULES, fake_options=fake, clock=clock,
        options=fast_options(record=recorder), before_start=matching_before_the_open,
    ) as live:  # fmt: skip
        await live.fake.play_tape()
        engine = live.runner.engine
        await live.until(lambda: engine.market.session == "close", 20.0)  # the day's last frame
        universe = engine.universe
        assert universe.stats["hits"] > 4 and universe.stats["over_cap"] > 0
        assert len(universe.admitted) <= 1
        live_symbols = set(engine.states)
    live_hits = universe_hits(tmp_path / "live" / "journal.db")
    assert {"list", "realtime"} <= {h[3] for h in live_hits}
    (tape,) = recorder.files
    plan = compile_strategy(load_strategy_text("strategy: live-test\nsymbols: ['005930', "
                                               "'000660']\nrules:\n" + RULES))  # fmt: skip
    journal = Journal(tmp_path / "replay.db")
    result = replay(plan, tape, PaperBroker(), journal)
    journal.close()
    assert universe_hits(tmp_path / "replay.db") == live_hits
    assert set(result.engine.states) == live_symbols
    assert result.counters.malformed == 0

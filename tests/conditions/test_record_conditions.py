"""``autotrader record --condition``: the tape holds what a universe strategy needs to replay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import replay
from autotrader.errors import UnknownConditionError
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.feed.tape import open_tape
from autotrader.journal import Journal
from autotrader.live.record import Recorder
from autotrader.rules import load_strategy_text
from tests.conditions.condition_support import day_tick, fake_options
from tests.integration.live_support import APPKEY, SECRETKEY, WAIT, MorningClock, settings_for

pytestmark = pytest.mark.anyio
KAKAO = "035720"
STRATEGY = """\
strategy: surge
universe: {condition: surge}
rules:
  - name: entry
    when: position.qty == 0 and open_orders == 0
    do:
      - buy: {qty: 1, type: market}
"""


async def _until(predicate: Callable[[], bool], within: float = WAIT) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the recorder offers no event to wait on
            await asyncio.sleep(0.01)


async def test_record_registers_entering_stocks_and_the_tape_replays(tmp_path: Path) -> None:
    """The list, the initial list and the 02 hits are taped; entering stocks are
    registered (their ticks taped), leaving ones removed; the tape replays the universe."""
    opts = fake_options() | {"appkey": APPKEY, "secretkey": SECRETKEY}
    async with FakeKiwoom(**opts) as fake:
        rec = Recorder(settings_for(fake), [], tmp_path, clock=MorningClock(), conditions=["surge"])
        task = asyncio.create_task(rec.run())
        await _until(lambda: "4" in rec.conditions.seqs)
        await fake.push_frame(day_tick(KAKAO, 4.0, hms="100000"))  # I: registered
        async with asyncio.timeout(WAIT):
            await fake.hub.wait_registered(KAKAO, "0B")
        await fake.push_frame(day_tick(KAKAO, 4.5, hms="100001"))  # taped
        await fake.push_frame(day_tick(KAKAO, 4.5, hms="100002"))
        await fake.push_frame(day_tick(KAKAO, 1.0, hms="100003"))  # D: removed
        await _until(lambda: not any(s.wants(KAKAO, "0B") for s in fake.hub.sessions))
        await fake.push_frame(day_tick(KAKAO, 1.0, hms="100004"))  # not taped
        await _until(lambda: rec.tape.frames == 7)
        rec.stop()
        await asyncio.wait_for(task, WAIT)
    (path,) = set(rec.tape.files)
    _, lines = open_tape(path)
    frames = [orjson.loads(x) for x in lines]
    kinds = [f["trnm"] if f["trnm"] != "REAL" else f["data"][0]["type"] for f in frames]
    assert kinds == ["CNSRLST", "CNSRREQ", "02", "0B", "0B", "0B", "02"]
    journal = Journal(tmp_path / "j.db")
    result = replay(compile_strategy(load_strategy_text(STRATEGY)), path, PaperBroker(), journal)
    journal.close()
    assert result.engine.universe.stats["hits"] == 2
    assert result.engine.stats["orders"] == 1 and result.engine.stats["fills"] == 1


async def test_record_stops_on_an_unknown_condition(tmp_path: Path) -> None:
    """A name the HTS list lacks ends the recording with the names it has."""
    opts = fake_options() | {"appkey": APPKEY, "secretkey": SECRETKEY}
    async with FakeKiwoom(**opts) as fake:
        rec = Recorder(settings_for(fake), ["005930"], tmp_path, conditions=["돌파"])
        with pytest.raises(UnknownConditionError, match="'돌파'.*4 'surge'"):
            await asyncio.wait_for(rec.run(), WAIT)

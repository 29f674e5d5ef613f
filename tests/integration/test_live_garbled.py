"""A live run fed garbled frames (issue #14 item 5): a ``00`` with a 400-digit quantity,
a ``04`` with a superscript, a ``0B`` whose price is ``²``: each is skipped, journaled with
its type, field and an excerpt, and the run goes on to trade the next good tick."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.live_support import live_run, rows, tick

RULES = """\
  - name: buy-once
    symbols: ["005930"]
    when: open_orders == 0 and position.qty == 10
    do:
      - buy: {qty: 1, type: limit, price: 59000}
"""
HUGE = "9" * 400


def _entry(kind: str, values: dict[str, str]) -> dict[str, object]:
    return {"trnm": "REAL", "data": [{"type": kind, "name": "", "item": "", "values": values}]}


@pytest.mark.anyio
async def test_garbled_frames_are_journaled_and_skipped_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    """Three garbled entries: three 'frame' error rows; then a good tick places an order."""
    async with live_run(tmp_path, RULES) as live:
        bad_tick = tick("005930", 60_000)
        bad_tick["data"][0]["values"]["10"] = "²"  # type: ignore[index]
        # Straight to the socket: the fake's own order book would choke on these.
        await live.fake.hub.broadcast(bad_tick)
        await live.fake.hub.broadcast(
            _entry("00", {"9203": "0000099", "9001": "005930", "913": "체결", "905": "+매수",
                          "907": "2", "900": HUGE, "902": "0", "910": "60000", "911": "1"})
        )  # fmt: skip
        await live.fake.hub.broadcast(_entry("04", {"9001": "005930", "930": "1²", "931": "5"}))
        await live.push(tick("005930", 60_000))
        await live.until(lambda: len(live.orders()) == 1)
        assert not live.task.done()
        realtime = live.runner.realtime.stats
        assert realtime.skipped["00: field 900 garbled"] == 1
        assert realtime.skipped["04: field 930 garbled"] == 1
        assert live.runner.decoder.counters.malformed == 1
    query = "SELECT detail FROM errors WHERE source = 'frame'"
    details = [d for (d,) in rows(live.journal_path, query)]
    assert any(d.startswith("0B 005930: field 10 garbled") for d in details)
    assert any(d.startswith("00: field 900 garbled") and "9203" in d for d in details)
    assert any(d.startswith("04: field 930 garbled") for d in details)
    assert all(len(d) < 400 for d in details)  # an excerpt, not the frame

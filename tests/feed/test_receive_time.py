"""The decoder's clock: every frame moves it; a line's receive time sets it to the ms."""

from __future__ import annotations

import datetime
from typing import Any

from autotrader.clock import day_start
from autotrader.engine.state import MarketState, SymbolState
from autotrader.feed.kiwoom import FrameDecoder
from tests.frames import real, trade

DAY0 = day_start(datetime.date(2026, 11, 20))


def decoder(*, live: bool = False) -> tuple[FrameDecoder, list[float]]:
    market = MarketState()
    states = {"005930": SymbolState("005930", market)}
    times: list[float] = []
    d = FrameDecoder(
        states, market, DAY0, lambda st: None, lambda ev: None, lambda ev: None, times.append,
        wall_clock=live, reads=(),  # only the price: these frames carry no day fields
    )  # fmt: skip
    return d, times


def with_rt(rt: str, frame: dict[str, Any]) -> dict[str, Any]:
    return {"rt": rt, **frame}


def test_a_trade_of_an_unsubscribed_symbol_moves_the_clock() -> None:
    """A 0B of a symbol no rule watches still advances the clock (and is counted)."""
    d, times = decoder()
    d.feed(real(trade("000660", "101600", 200000)))
    assert times == [DAY0 + 10 * 3600 + 16 * 60]
    assert d.counters.unsubscribed == 1


def test_receive_time_sets_the_clock_to_the_millisecond() -> None:
    """With rt, the clock is the line's receive time; field 20 no longer moves it."""
    d, times = decoder()
    d.feed(with_rt("090000.250", real(trade("005930", "090000", 70000))))
    d.feed(with_rt("090000.999", real(trade("005930", "090001", 70000))))
    assert [round(t - DAY0, 3) for t in times] == [32400.25, 32400.999]


def test_a_bad_receive_time_skips_the_line_as_malformed() -> None:
    """An rt that is not HHMMSS.fff is a malformed line: counted, not applied."""
    d, times = decoder()
    bad_times = ("0900", "090000.25", "090000,250", 9.5)
    # the shapes ``int`` would read: a sign, an underscore, a minute or hour out of range
    bad_times += ("+90000.250", "0_9000.250", "096000.250", "240000.000", "０90000.250")
    for bad in bad_times:
        d.feed(with_rt(bad, real(trade("005930", "090000", 70000))))  # type: ignore[arg-type]
    assert times == [] and d.counters.malformed == len(bad_times)
    assert d.states["005930"].ticks == 0


def test_a_live_feed_ignores_receive_times() -> None:
    """Live, the wall clock (stamp) is the clock: an rt key in a frame changes nothing."""
    d, times = decoder(live=True)
    d.feed(with_rt("120000.000", real(trade("005930", "090000", 70000))))
    assert times == [] and d.states["005930"].ticks == 1

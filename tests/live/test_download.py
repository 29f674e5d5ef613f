"""``autotrader download`` against the fake Kiwoom serving chart TRs from its tape:
paging under the throttle, strict fields, and day tapes of synthetic ticks."""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from autotrader.broker.kiwoom import KiwoomRest
from autotrader.broker.kiwoom.chart import TRS, fetch_bars, parse_row
from autotrader.cli import app
from autotrader.errors import BrokerError
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.feed.tape import open_tape
from autotrader.live.download import download
from tests.integration.live_support import APPKEY, SECRETKEY, settings_for
from tests.integration.test_live_cli import FakeInThread

pytestmark = pytest.mark.anyio
DAY = datetime.date(2026, 11, 20)
SYMBOLS = ("005930", "000660")


@pytest.fixture(scope="module")
def tape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chart") / "day.jsonl.gz"
    write_tape(path, SynthConfig(seed=3, symbols=SYMBOLS, ticks=3_000, vi_kind=None))
    return path


def _minute_bars(tape: Path, symbol: str) -> dict[str, tuple[int, int, int, int, int]]:
    """The tape's own trades per minute: open, high, low, close, volume."""
    trades: dict[str, list[tuple[int, int]]] = defaultdict(list)
    _, frames = open_tape(tape)
    for frame in frames:
        for e in orjson.loads(frame)["data"]:
            if e["type"] == "0B" and e["item"] == symbol:
                v = e["values"]
                trades[v["20"][:4]].append((abs(int(v["10"])), abs(int(v["15"]))))
    return {
        m: (t[0][0], max(p for p, _ in t), min(p for p, _ in t), t[-1][0], sum(q for _, q in t))
        for m, t in trades.items()
    }


async def test_minute_bars_page_through_the_whole_day(tape: Path) -> None:
    """ka10080 answers 50 rows a page, newest first; every minute of the tape comes back
    once, oldest first, equal to the tape's own trades (signs stripped)."""
    async with FakeKiwoom(tape, appkey=APPKEY, secretkey=SECRETKEY, page_size=50) as fake:
        rest = KiwoomRest(settings_for(fake))
        try:
            bars = await fetch_bars(rest, "minute", "005930", since=DAY, until=DAY, scope=1)
        finally:
            await rest.aclose()
    expected = _minute_bars(tape, "005930")
    assert len(expected) > 100  # more than two pages
    got = {f"{b.start // 3600:02d}{b.start // 60 % 60:02d}": b for b in bars}
    assert len(bars) == len(got) == len(expected)
    assert [b.start for b in bars] == sorted(b.start for b in bars)
    for minute, (o, h, lo, c, v) in expected.items():
        b = got[minute]
        assert (b.open, b.high, b.low, b.close, b.volume, b.span) == (o, h, lo, c, v, 60)


async def test_download_writes_a_day_tape_of_both_symbols_under_a_rate_limit(
    tape: Path, tmp_path: Path
) -> None:
    """With the fake limiting 5 requests a second per api-id, the throttled client pages
    5-minute bars of two symbols into one tape whose header says it was made from bars."""
    async with FakeKiwoom(
        tape, appkey=APPKEY, secretkey=SECRETKEY, page_size=20, rate_per_sec=5
    ) as fake:
        rest = KiwoomRest(settings_for(fake, query_rate=4.0, query_burst=1))
        try:
            result = await download(
                rest, SYMBOLS, tmp_path, kind="minute", since=DAY, until=DAY, scope=5
            )
        finally:
            await rest.aclose()
    assert [f.name for f in result.files] == ["20261120.jsonl.gz"]
    header, frames = open_tape(result.files[0])
    assert header.extra["source"] == "bars" and header.extra["bars"] == "5m"
    assert header.extra["origin"] == "ka10080"
    assert set(header.symbols) == set(SYMBOLS)
    volume: dict[str, int] = defaultdict(int)
    for frame in frames:
        for e in orjson.loads(frame)["data"]:
            if e["type"] == "0B":
                volume[e["item"]] += abs(int(e["values"]["15"]))
    for symbol in SYMBOLS:
        assert volume[symbol] == sum(b[4] for b in _minute_bars(tape, symbol).values())
        assert result.bars[symbol] > 20  # more than one page each


async def test_tick_chart_gives_one_bar_per_trade(tape: Path) -> None:
    """ka10079 with tic_scope 1: one single-trade bar (span 0) per trade of the tape."""
    async with FakeKiwoom(tape, appkey=APPKEY, secretkey=SECRETKEY, page_size=500) as fake:
        rest = KiwoomRest(settings_for(fake))
        try:
            bars = await fetch_bars(rest, "tick", "000660", since=DAY, until=DAY, scope=1)
        finally:
            await rest.aclose()
    _, frames = open_tape(tape)
    trades = sum(
        1
        for f in frames
        for e in orjson.loads(f)["data"]
        if e["type"] == "0B" and e["item"] == "000660"
    )
    assert len(bars) == trades and all(b.span == 0 for b in bars)
    assert sum(b.volume for b in bars) == sum(v[4] for v in _minute_bars(tape, "000660").values())


def test_a_row_without_a_field_is_an_error_naming_it() -> None:
    """A renamed or missing field is never read as zero."""
    row = {"cntr_tm": "20261120090000", "open_pric": "+100", "high_pric": "+101"}
    row |= {"low_pric": "-99", "trde_qty": "10"}
    with pytest.raises(BrokerError, match="'cur_prc'"):
        parse_row(TRS["minute"], row, "005930", 1)
    with pytest.raises(BrokerError, match="not a number"):
        parse_row(TRS["minute"], row | {"cur_prc": "n/a"}, "005930", 1)


def test_download_on_the_command_line_daily_bars(tape: Path, tmp_path: Path) -> None:
    """`autotrader download --kind day` writes a one-bar day: four ticks, 09:00 to 15:30."""
    server = FakeInThread(tape=tape, appkey=APPKEY, secretkey=SECRETKEY)
    with server as fake:
        env = {
            "KIWOOM_APPKEY": APPKEY,
            "KIWOOM_SECRETKEY": SECRETKEY,
            "KIWOOM_REST_URL": fake.rest_url,
            "KIWOOM_WS_URL": fake.ws_url,
        }
        args = ["download", "005930", "--kind", "day", "--since", "2026-11-20"]
        args += ["--until", "20261120", "--out", str(tmp_path)]
        result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    header, frames = open_tape(tmp_path / "20261120.jsonl.gz")
    assert header.extra["bars"] == "1d" and header.extra["origin"] == "ka10081"
    times = [
        e["values"]["20"] for f in frames for e in orjson.loads(f)["data"] if e["type"] == "0B"
    ]
    assert times == ["090000", "111000", "132000", "153000"]


async def test_daily_prices_come_from_ka10086(tape: Path) -> None:
    """ka10086 (daily prices, /api/dostk/mrkcond) gives the day's open, high, low, close."""
    async with FakeKiwoom(tape, appkey=APPKEY, secretkey=SECRETKEY) as fake:
        rest = KiwoomRest(settings_for(fake))
        try:
            (bar,) = await fetch_bars(rest, "daily-prices", "005930", since=DAY, until=DAY)
        finally:
            await rest.aclose()
    minutes = _minute_bars(tape, "005930")
    first, last = minutes[min(minutes)], minutes[max(minutes)]
    assert (bar.open, bar.close) == (first[0], last[3])
    assert bar.high == max(m[1] for m in minutes.values())
    assert bar.volume == sum(m[4] for m in minutes.values()) and bar.day == DAY

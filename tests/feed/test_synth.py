"""The synthetic day: deterministic, on the tick grid, on the KRX timetable, with a VI."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotrader.feed.synth import SAMPLE_CONFIG, SynthConfig, generate_frames, write_tape
from autotrader.feed.tape import open_tape
from autotrader.market.gold import gold_limits
from autotrader.market.ticks import daily_limits, is_on_grid, shift_ticks, tick_size

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample-day.jsonl.gz"
SMALL = SynthConfig(seed=11, n_symbols=5, ticks=4_000, vi_time="100000")
PRICE_FIELDS = ("10", "27", "28", "16", "17", "18")

# every 0B field of the guide, in the guide's order
# fmt: off
DOCUMENTED_0B = [
    "20", "10", "11", "12", "27", "28", "15", "13", "14", "16", "17", "18", "25", "26", "29",
    "30", "31", "32", "228", "311", "290", "691", "567", "568", "851", "1890", "1891", "1892",
    "1030", "1031", "1032", "1071", "1072", "1313", "1315", "1316", "1314", "1497", "1498",
    "620", "732", "852", "9081",
]
# fmt: on

Entry = dict[str, Any]


def entries(cfg: SynthConfig) -> list[Entry]:
    return [e for f in generate_frames(cfg) for e in orjson.loads(f)["data"]]


def entry_time(e: Entry) -> str:
    v = e["values"]
    if e["type"] == "1h":
        return str(v["1224"] if v["1224"] != "000000" else v["1223"])
    return str(v["20"])


@pytest.fixture(scope="module")
def sample() -> list[Entry]:
    return entries(SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def sample_frames() -> list[bytes]:
    return list(generate_frames(SAMPLE_CONFIG))


def test_same_config_gives_identical_bytes() -> None:
    """Two runs of one config produce the same frames byte for byte."""
    assert list(generate_frames(SMALL)) == list(generate_frames(SMALL))


def test_different_seed_gives_different_day() -> None:
    """Changing the seed changes the traffic (but not the symbol universe)."""
    other = SynthConfig(seed=12, n_symbols=5, ticks=4_000, vi_time="100000")
    assert list(generate_frames(SMALL)) != list(generate_frames(other))
    assert SMALL.codes() == other.codes()


def test_first_symbols_are_real_krx_codes_and_rest_are_generated() -> None:
    """The first eight symbols are real KOSPI names; the rest are distinct 6-digit codes."""
    codes = SynthConfig(n_symbols=40, ticks=1_000).codes()
    assert codes[:8] == ("005930", "000660", "035720", "005380", "035420", "068270", "051910",
                         "207940")  # fmt: skip
    assert len(set(codes)) == 40
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_ticks_is_the_exact_number_of_trade_entries(sample: list[Entry]) -> None:
    """cfg.ticks counts every 0B entry: opening, continuous, VI auction and closing trades."""
    assert sum(e["type"] == "0B" for e in sample) == SAMPLE_CONFIG.ticks


def test_every_price_is_on_the_tick_grid_and_within_daily_limits(sample: list[Entry]) -> None:
    """All trade, quote, open, high and low prices are valid KRX prices for the day."""
    for e in sample:
        if e["type"] != "0B":
            continue
        v = e["values"]
        last = abs(int(v["10"]))
        base = last - int(v["11"])
        lower, upper = daily_limits(base)
        for f in PRICE_FIELDS:
            p = abs(int(v[f]))
            assert is_on_grid(p), (f, v)
            assert lower <= p <= upper, (f, v)
            sign = "+" if p > base else "-" if p < base else ""
            assert v[f] == f"{sign}{p}", (f, v)


def test_quotes_straddle_the_trade_by_one_tick(sample: list[Entry]) -> None:
    """Ask is bid plus one tick; a buyer-initiated trade prints at the ask, a seller at the bid."""
    for e in (e for e in sample if e["type"] == "0B"):
        v = e["values"]
        last, ask, bid = (abs(int(v[f])) for f in ("10", "27", "28"))
        assert ask == shift_ticks(bid, 1), v
        assert last == (ask if int(v["15"]) > 0 else bid), v


def test_derived_fields_are_consistent(sample: list[Entry]) -> None:
    """Change, rate, sign code, cumulative volume and value agree with the trades."""
    cum: dict[str, int] = {}
    for e in (e for e in sample if e["type"] == "0B"):
        v = e["values"]
        last = abs(int(v["10"]))
        diff = int(v["11"])
        base = last - diff
        assert v["25"] == ("2" if diff > 0 else "5" if diff < 0 else "3")
        assert abs(float(v["12"]) - diff * 100 / base) < 0.006
        cum[e["item"]] = cum.get(e["item"], 0) + abs(int(v["15"]))
        assert int(v["13"]) == cum[e["item"]]
        assert int(v["1030"]) + int(v["1031"]) == int(v["13"])
        assert v["290"] == "2" and v["9081"] == "KRX"
        assert abs(int(v["18"])) <= last <= abs(int(v["17"]))


def test_times_never_go_backwards(sample: list[Entry]) -> None:
    """Frames are in non-decreasing time order, within the trading day."""
    times = [entry_time(e) for e in sample]
    assert times == sorted(times)
    assert times[0] == "084000" and times[-1] == "153000"


def test_session_codes_arrive_at_their_times(sample: list[Entry]) -> None:
    """0s codes 0, 3, 2, 4 come at 08:40, 09:00, 15:20, 15:30 with 214 000000."""
    sessions = [(i, e["values"]) for i, e in enumerate(sample) if e["type"] == "0s"]
    got = [(v["215"], v["20"], v["214"]) for _, v in sessions]
    assert got == [
        ("0", "084000", "000000"),
        ("3", "090000", "000000"),
        ("2", "152000", "000000"),
        ("4", "153000", "000000"),
    ]
    assert all(sample[i]["item"] == "" and sample[i]["name"] == "장시작시간" for i, _ in sessions)
    first_trade = next(i for i, e in enumerate(sample) if e["type"] == "0B")
    assert sessions[1][0] < first_trade
    assert sessions[-1][0] == len(sample) - 1


def test_closing_auction_has_only_one_closing_trade_per_symbol(sample: list[Entry]) -> None:
    """Between 15:20 and 15:30 no trade prints; at 15:30:00 each symbol prints exactly once."""
    late = [e for e in sample if e["type"] == "0B" and e["values"]["20"] >= "152000"]
    assert all(e["values"]["20"] == "153000" for e in late)
    assert sorted(e["item"] for e in late) == sorted(SAMPLE_CONFIG.codes())


def test_opening_trade_per_symbol_at_nine(sample: list[Entry]) -> None:
    """Every symbol's first trade is at 09:00:00 and sets its open price."""
    first: dict[str, Entry] = {}
    for e in (e for e in sample if e["type"] == "0B"):
        first.setdefault(e["item"], e)
    assert set(first) == set(SAMPLE_CONFIG.codes())
    for e in first.values():
        v = e["values"]
        assert v["20"] == "090000"
        assert v["16"] == v["10"] == v["17"] == v["18"]


def vi_entries(sample: list[Entry]) -> list[Entry]:
    return [e for e in sample if e["type"] == "1h"]


def test_vi_pair_arrives_under_bare_code_and_al_item(sample: list[Entry]) -> None:
    """A static VI on 005930 triggers (1224 000000) then releases, each under both items."""
    vi = vi_entries(sample)
    assert [(e["item"], e["values"]["1224"] == "000000") for e in vi] == [
        ("005930", True),
        ("005930_AL", True),
        ("005930", False),
        ("005930_AL", False),
    ]
    trig, rel = vi[0]["values"], vi[2]["values"]
    assert trig["9068"] == "1" and trig["1225"] == "정적" and trig["9069"] == "1"
    assert trig["9001"] == "005930" and trig["302"] == "삼성전자"
    assert trig["1223"] == "103000" == rel["1223"]
    assert {k: v for k, v in rel.items() if k != "1224"} == {
        k: v for k, v in trig.items() if k != "1224"
    }
    hms = [int(x[:2]) * 3600 + int(x[2:4]) * 60 + int(x[4:]) for x in (rel["1223"], rel["1224"])]
    assert 120 <= hms[1] - hms[0] <= 150
    ref, price = int(trig["1236"]), int(trig["1221"])
    assert is_on_grid(price)
    assert 10.0 <= (price - ref) * 100 / ref < 10.0 + tick_size(price) * 100 / ref
    assert trig["1238"] == trig["1489"] == f"+{(price - ref) * 100 / ref:.2f}"


def test_price_runs_into_the_static_vi_trigger(sample: list[Entry]) -> None:
    """The VI symbol's last trade before the trigger is one tick under the trigger price."""
    trig = vi_entries(sample)[0]["values"]
    before = [
        e
        for e in sample
        if e["type"] == "0B" and e["item"] == "005930" and e["values"]["20"] < trig["1223"]
    ]
    assert abs(int(before[-1]["values"]["10"])) == shift_ticks(int(trig["1221"]), -1)
    assert abs(int(before[0]["values"]["10"])) == int(trig["1236"])  # the open is the reference


def test_vi_symbol_is_silent_during_the_auction_then_prints_once(sample: list[Entry]) -> None:
    """No 0B for the VI symbol between trigger and release; the auction trade follows release."""
    vi = vi_entries(sample)
    start, end = vi[0]["values"]["1223"], vi[2]["values"]["1224"]
    during = [
        e
        for e in sample
        if e["type"] == "0B" and e["item"] == "005930" and start <= e["values"]["20"] <= end
    ]
    assert len(during) == 1 and during[0]["values"]["20"] == end
    release_at = sample.index(vi[3])
    assert sample[release_at + 1] is during[0]
    others = [e for e in sample if e["type"] == "0B" and start < e["values"]["20"] < end]
    assert others, "the rest of the market keeps trading"


@pytest.mark.parametrize("direction", ["up", "down"])
def test_dynamic_vi_jumps_from_the_last_trade(direction: str) -> None:
    """A dynamic VI on a KOSPI 200 name triggers 3% away from the last trade."""
    cfg = SynthConfig(
        seed=3, n_symbols=3, ticks=3_000, vi_symbol="000660", vi_kind="dynamic",
        vi_direction=direction, vi_time="140000",
    )  # fmt: skip
    es = entries(cfg)
    vi = [e["values"] for e in es if e["type"] == "1h"]
    assert len(vi) == 4 and vi[0]["9068"] == "2" and vi[0]["1225"] == "동적"
    ref, price = int(vi[0]["1237"]), int(vi[0]["1221"])
    trades = [e for e in es if e["type"] == "0B" and e["item"] == "000660"]
    last = [e for e in trades if e["values"]["20"] < "140000"][-1]
    assert abs(int(last["values"]["10"])) == ref
    move = (price - ref) * 100 / ref
    assert (move >= 3.0) if direction == "up" else (move <= -3.0)
    assert vi[0]["9069"] == ("1" if direction == "up" else "2")


def test_no_vi_when_disabled() -> None:
    """vi_kind None gives a day without 1h entries, and ticks still counts every 0B."""
    es = entries(SynthConfig(n_symbols=2, ticks=500, vi_kind=None))
    assert not [e for e in es if e["type"] == "1h"]
    assert sum(e["type"] == "0B" for e in es) == 500


def test_explicit_symbols_are_used_in_order() -> None:
    """An explicit symbol list, real or not, becomes the day's universe and header."""
    cfg = SynthConfig(symbols=("123450", "005930"), ticks=300)
    es = entries(cfg)
    assert {e["item"] for e in es if e["type"] == "0B"} == {"123450", "005930"}
    assert [e["item"] for e in es if e["type"] == "1h"][:1] == ["123450"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"date": "2026-11-20"},
        {"symbols": ("5930",)},
        {"symbols": ("005930", "005930")},
        {"symbols": ()},
        {"ticks": 5, "n_symbols": 3},
        {"vi_symbol": "999990"},
        {"vi_time": "085900"},
        {"vi_time": "151900"},
        {"multi_entry_ratio": 1.5},
    ],
)
def test_invalid_config_is_refused(kwargs: dict[str, Any]) -> None:
    """Configs that cannot describe a KRX day raise ValueError at construction."""
    with pytest.raises(ValueError):
        SynthConfig(**kwargs)


def test_frames_look_like_kiwoom_frames(sample_frames: list[bytes]) -> None:
    """Frames are compact REAL frames of ~550-700 bytes, UTF-8, some with two entries."""
    singles = [f for f in sample_frames if f.count(b'"type":"0B"') == 1 and b"},{" not in f]
    sizes = sorted(len(f) for f in singles)
    assert 550 <= sizes[len(sizes) // 2] <= 700
    doubles = sum(1 for f in sample_frames if len(orjson.loads(f)["data"]) == 2)
    assert 0.005 < doubles / len(sample_frames) < 0.1
    rt = re.compile(rb'^\{"rt":"\d{6}\.\d{3}","trnm":"REAL","data":\[')
    assert all(rt.match(f) for f in sample_frames)
    assert not any(b"\\u" in f or b"\n" in f for f in sample_frames)
    values = orjson.loads(singles[0])["data"][0]["values"]
    assert list(values) == DOCUMENTED_0B and all(isinstance(x, str) for x in values.values())


def test_write_tape_header_matches_config(tmp_path: Path) -> None:
    """write_tape returns and writes the header: date, symbols, source and seed."""
    path = tmp_path / "small.jsonl.gz"
    header = write_tape(path, SMALL)
    read, frames = open_tape(path)
    assert read == header
    assert header.date.isoformat() == "2026-11-20" and header.symbols == SMALL.codes()
    assert header.extra["source"] == "synth" and header.extra["seed"] == 11
    assert list(frames) == list(generate_frames(SMALL))


def test_bundled_sample_is_write_tape_of_sample_config(tmp_path: Path) -> None:
    """examples/sample-day.jsonl.gz is exactly write_tape(SAMPLE_CONFIG), and under 5 MB.

    The decompressed bytes are compared: zlib builds may compress identical input to
    different bytes, and what the engine replays is the decompressed text.
    """
    fresh = tmp_path / "fresh.jsonl.gz"
    write_tape(fresh, SAMPLE_CONFIG)
    assert SAMPLE.stat().st_size < 5 * 1024 * 1024
    assert gzip.decompress(SAMPLE.read_bytes()) == gzip.decompress(fresh.read_bytes())


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n_symbols=st.integers(1, 30),
    ticks=st.integers(61, 2_000),
    kind=st.sampled_from(["static", "dynamic", None]),
    direction=st.sampled_from(["up", "down"]),
)
def test_any_config_gives_a_valid_ordered_day(
    seed: int, n_symbols: int, ticks: int, kind: Any, direction: Any
) -> None:
    """For any seed and size, prices stay on the grid within limits and time never reverses."""
    cfg = SynthConfig(
        seed=seed, n_symbols=n_symbols, ticks=ticks, vi_kind=kind, vi_direction=direction
    )
    es = entries(cfg)
    times = [entry_time(e) for e in es]
    assert times == sorted(times)
    for e in (e for e in es if e["type"] == "0B"):
        v = e["values"]
        base = abs(int(v["10"])) - int(v["11"])
        lower, upper = daily_limits(base)
        assert all(is_on_grid(abs(int(v[f]))) for f in PRICE_FIELDS), v
        assert all(lower <= abs(int(v[f])) <= upper for f in PRICE_FIELDS), v


def test_receive_times_spread_each_second_over_its_milliseconds(
    sample_frames: list[bytes],
) -> None:
    """Each line's rt is its exchange second plus k*1000/n ms, non-decreasing over the day."""
    stamps = [orjson.loads(f)["rt"] for f in sample_frames]
    assert stamps == sorted(stamps)
    assert stamps[:2] == ["084000.000", "090000.000"]
    assert len(set(stamps)) > 0.95 * len(stamps)
    for f, stamp in zip(sample_frames, stamps, strict=True):
        entry = orjson.loads(f)["data"][0]
        if entry["type"] == "0B":
            assert stamp[:6] == entry["values"]["20"]


def test_receive_times_can_be_left_out() -> None:
    """receive_times=False gives the frames exactly as Kiwoom sends them."""
    cfg = SynthConfig(seed=3, n_symbols=2, ticks=300, receive_times=False)
    assert all(f.startswith(b'{"trnm":"REAL"') for f in generate_frames(cfg))


def test_gold_trades_on_its_own_grid_without_vi() -> None:
    """A day of a stock and gold spot: gold prices on the 10-won grid inside +-10% of the
    base, its quotes one 10-won step apart, and the VI on the stock (gold has none)."""
    cfg = SynthConfig(seed=3, symbols=("M04020000", "005930"), ticks=4_000)
    day = entries(cfg)
    gold = [e["values"] for e in day if e["type"] == "0B" and e["item"] == "M04020000"]
    assert len(gold) > 100
    for v in gold:
        last, ask, bid = (abs(int(v[f])) for f in ("10", "27", "28"))
        base = last - int(v["11"])
        lower, upper = gold_limits(base)
        for f in PRICE_FIELDS:
            p = abs(int(v[f]))
            assert p % 10 == 0 and lower <= p <= upper, (f, v)
        assert ask - bid == 10, v
    vi_items = {e["item"] for e in day if e["type"] == "1h"}
    assert vi_items and all(item.startswith("005930") for item in vi_items)


def test_a_gold_vi_is_refused() -> None:
    with pytest.raises(ValueError, match="gold has no VI"):
        SynthConfig(symbols=("M04020000", "005930"), vi_symbol="M04020000")

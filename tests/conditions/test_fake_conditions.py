"""The fake Kiwoom's condition search, screens, and the tapes that carry condition hits."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from autotrader.feed.recorder import TapeRecorder, market_line
from autotrader.feed.synth import SynthConfig, generate_frames
from autotrader.market.screen import Screen, ScreenError, condition_option, day_values
from tests.conditions.condition_support import day_tick, fake_options
from tests.fake_kiwoom.fake_support import running, socket


def test_a_screen_reads_the_day_values_and_nothing_else() -> None:
    """Names, arithmetic, and/or/not; a name outside the table is refused, never looked up."""
    values = day_values({"10": "+41600", "12": "+4.00", "13": "5000", "17": "+42000"})
    assert Screen("change_rate > 3 and cum_volume >= 5000").matches(values)
    assert Screen("not (price * 2 > high * 2) or volume < 0").matches(values)
    assert not Screen("(high - price) / price > 0.05").matches(values)
    for bad in ("__import__('os')", "price >", "price > 3 3", "open()", "price.real > 1"):
        with pytest.raises(ScreenError):
            Screen(bad)
    assert condition_option("4:surge:change_rate > 3") == ("4", "surge", "change_rate > 3")
    with pytest.raises(ScreenError, match="SEQ:NAME:SCREEN"):
        condition_option("surge")


@pytest.mark.anyio
async def test_the_fake_lists_searches_pages_and_sends_hits_to_realtime_searches() -> None:
    """CNSRLST first (else CNSRREQ is refused), pages by next_key, 02 I/D as the tape
    crosses the screen, nothing after CNSRCLR."""
    async with running(**fake_options(page_size=1)) as (fake, api), socket(fake, api.token) as ws:
        await fake.push_frame(day_tick("035720", 4.0))  # matching before the search starts
        await fake.push_frame(day_tick("035420", 5.0))
        search = {"trnm": "CNSRREQ", "seq": "4", "search_type": "1", "stex_tp": "K",
                  "cont_yn": "N", "next_key": ""}  # fmt: skip
        await ws.send(search)
        refused = await ws.recv()
        assert refused["trnm"] == "CNSRREQ" and refused["return_code"] != 0
        await ws.send({"trnm": "CNSRLST"})
        assert (await ws.recv())["data"] == [["4", "surge"]]
        await ws.send(search)
        first = await ws.recv()
        assert (first["cont_yn"], first["next_key"]) == ("Y", "1")
        assert [r["9001"] for r in first["data"]] == ["A035720"]
        await ws.send(search | {"cont_yn": "Y", "next_key": "1"})
        second = await ws.recv()
        assert second["cont_yn"] == "N" and [r["9001"] for r in second["data"]] == ["A035420"]
        await fake.push_frame(day_tick("035720", 1.0, hms="100500"))  # leaves: D
        hit = (await ws.recv())["data"][0]
        assert hit["type"] == "02"
        assert {k: hit["values"][k] for k in ("841", "9001", "843", "20")} == {
            "841": "4", "9001": "A035720", "843": "D", "20": "100500"}  # fmt: skip
        await ws.send({"trnm": "CNSRCLR", "seq": "4"})
        assert (await ws.recv())["return_code"] == 0
        await fake.push_frame(day_tick("035720", 4.0))  # enters again: nobody is told
        await fake.push_frame({"trnm": "REAL", "data": []})
        assert not fake.hub.sessions.copy().pop().searches


def test_the_recorder_keeps_hits_and_search_answers_and_drops_orders(tmp_path: Path) -> None:
    """02 entries and CNSRLST/CNSRREQ answers go to the tape; 00 entries never do."""
    hit = {"type": "02", "item": "035720", "values": {"841": "4", "843": "I"}}
    order = {"type": "00", "item": "035720", "values": {"9203": "1"}}
    mixed = orjson.dumps({"trnm": "REAL", "data": [hit, order]})
    assert orjson.loads(market_line(mixed) or b"{}")["data"] == [hit]
    answer = orjson.dumps({"trnm": "CNSRREQ", "seq": "4", "return_code": 0, "data": []})
    assert market_line(answer) == answer
    rec = TapeRecorder(tmp_path, ["005930"], clock=lambda: 1_795_132_800.0, fsync=False)
    rec.on_frame(answer)
    rec.on_frame(mixed)
    rec.close()
    lines = gzip.decompress(rec.files[0].read_bytes()).splitlines()
    assert [orjson.loads(x)["trnm"] for x in lines] == ["TAPE", "CNSRREQ", "REAL"]


def test_the_synthetic_day_plays_its_conditions_as_02_frames() -> None:
    """Each 02 follows the trade that crossed the screen; I and D alternate per stock."""
    cfg = SynthConfig(n_symbols=4, ticks=3_000, conditions=(("4", "surge", "change_rate > 1"),))
    frames = [orjson.loads(f) for f in generate_frames(cfg)]
    assert frames[0]["data"][0]["type"] == "0s"  # the pre-open notice, then the answers
    assert frames[1]["trnm"] == "CNSRLST" and frames[1]["data"] == [["4", "surge"]]
    assert frames[2]["trnm"] == "CNSRREQ" and frames[2]["data"] == []
    assert frames[1]["rt"] == frames[0]["rt"][:6] + ".333"  # stamped within its second
    hits = [(i, f["data"][0]) for i, f in enumerate(frames) if f["trnm"] == "REAL" and
            f["data"][0]["type"] == "02"]  # fmt: skip
    assert hits
    last: dict[str, str] = {}
    for i, entry in hits:
        v = entry["values"]
        assert last.get(v["9001"], "D") != v["843"]
        last[v["9001"]] = v["843"]
        j = i - 1
        while frames[j]["data"][0]["type"] == "02":  # hits of one trade frame follow it
            j -= 1
        crossed = [e for e in frames[j]["data"] if "A" + e["item"] == v["9001"]]
        assert crossed and crossed[0]["values"]["20"] == v["20"]
        rate = float(crossed[0]["values"]["12"])
        assert (rate > 1) == (v["843"] == "I")
    assert list(generate_frames(cfg)) == list(generate_frames(cfg))  # the same bytes

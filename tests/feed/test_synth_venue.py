"""Synthetic days with the whole venue: auctions' 0H, after-hours sessions, Nextrade."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.feed.synth import SAMPLE_CONFIG, SynthConfig, generate_frames
from autotrader.feed.tape import open_tape
from autotrader.market.ticks import is_on_grid

CFG = SynthConfig(n_symbols=3, ticks=3_000, auctions=True, after_hours=True, nextrade=("005930",))


def entries(cfg: SynthConfig) -> list[dict[str, Any]]:
    return [e for f in generate_frames(cfg) for e in orjson.loads(f)["data"]]


def test_the_options_leave_the_base_day_byte_identical() -> None:
    """Every frame of the plain day appears, in order, in the day with all options (as
    Kiwoom sent it: receive times differ once frames are added between)."""
    plain = list(generate_frames(SynthConfig(n_symbols=3, ticks=3_000, receive_times=False)))
    full = list(generate_frames(replace(CFG, receive_times=False)))
    it = iter(full)
    assert all(any(f == g for g in it) for f in plain)
    assert list(generate_frames(SAMPLE_CONFIG))[:3] == list(generate_frames(SAMPLE_CONFIG))[:3]


def test_auctions_carry_expected_prices_and_one_single_price_trade_each() -> None:
    """0H every minute 08:30-08:59 and 15:20-15:29, every 10 s in the VI auction; the
    0B single-price trades stay at 09:00:00, 15:30:00 and the release."""
    es = entries(CFG)
    h = [e for e in es if e["type"] == "0H"]
    opening = {e["values"]["20"] for e in h if e["values"]["20"] < "090000"}
    closing = {e["values"]["20"] for e in h if "152000" <= e["values"]["20"] < "153000"}
    assert len(opening) == 30 and len(closing) == 10
    vi = [e for e in h if "090000" < e["values"]["20"] < "152000"]
    assert vi and all(e["item"] == "005930" for e in vi)
    krx = [e for e in es if e["type"] == "0B" and e["item"] == "000660"]
    assert not [e for e in krx if "084000" <= e["values"]["20"] < "090000"]
    assert not [e for e in krx if "152000" <= e["values"]["20"] < "153000"]
    assert sum(e["values"]["20"] == "153000" for e in krx) == 1


def test_after_hours_sessions_trade_at_the_closes_and_every_ten_minutes() -> None:
    """08:30-08:39 at the previous close, 15:40-15:59 at the close, 16:10...18:00 within
    +-10% of the close on the grid, each with its 0s codes."""
    es = entries(CFG)
    codes = [e["values"]["215"] for e in es if e["type"] == "0s"]
    for code in "0324abcd":
        assert code in codes
    krx = [e for e in es if e["type"] == "0B" and e["item"] == "000660"]
    price = {e["values"]["20"]: abs(int(e["values"]["10"])) for e in krx}
    base = abs(int(krx[0]["values"]["10"])) - int(krx[0]["values"]["11"])
    pre = [p for t, p in price.items() if "083000" <= t < "084000"]
    assert pre and set(pre) == {base}
    close = price["153000"]
    post = [p for t, p in price.items() if "154000" <= t < "160000"]
    assert post and set(post) == {close}
    single = sorted(t for t in price if t >= "160000")
    assert single == [
        f"{(960 + 10 * k) // 60:02d}{(960 + 10 * k) % 60:02d}00" for k in range(1, 13)
    ]
    assert all(close * 9 <= price[t] * 10 <= close * 11 and is_on_grid(price[t]) for t in single)


def test_nextrade_items_trade_in_their_three_sessions() -> None:
    """005930_NX prints in 08:00-08:50, 09:00-15:20 and 15:30-20:00 only, with P..V codes."""
    es = entries(CFG)
    nx = [e["values"]["20"] for e in es if e["type"] == "0B" and e["item"] == "005930_NX"]
    assert any(t < "085000" for t in nx) and any("090000" <= t < "152000" for t in nx)
    assert any("153000" <= t < "200000" for t in nx)
    assert not [t for t in nx if "085000" <= t < "090000" or "152000" <= t < "153000"]
    codes = {e["values"]["215"] for e in es if e["type"] == "0s"}
    assert set("PQRSUV") <= codes


def test_tape_synth_venue_writes_a_day_with_the_whole_venue(tmp_path: Path) -> None:
    """autotrader tape synth --venue: 0H, after-hours codes and _NX frames on the tape."""
    out = tmp_path / "day.jsonl.gz"
    args = ["tape", "synth", str(out), "--symbols", "2", "--ticks", "2000", "--venue"]
    assert CliRunner().invoke(app, args).exit_code == 0
    _, lines = open_tape(out)
    es = [e for line in lines for e in orjson.loads(line)["data"]]
    assert {e["type"] for e in es} >= {"0B", "0H", "0s", "1h"}
    assert any(e["item"].endswith("_NX") for e in es)
    assert "c" in {e["values"]["215"] for e in es if e["type"] == "0s"}

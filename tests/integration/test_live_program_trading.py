"""ka90004 and 0w: program trading figures from the fake, the broker and a live start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.kiwoom.program import program_entry
from autotrader.feed import program
from tests.fake_kiwoom.fake_support import running
from tests.integration.live_support import live_run

pytestmark = pytest.mark.anyio
STKINFO = "/api/dostk/stkinfo"
ZERO_W = {"202": "100", "204": "6", "206": "8043", "208": "483", "210": "7943", "212": "477"}


def zero_w(item: str = "005930") -> dict[str, Any]:
    entry = {"type": "0w", "name": "종목별프로그램매매", "item": item, "values": ZERO_W}
    return {"trnm": "REAL", "data": [entry]}


async def test_fake_ka90004_lists_the_latest_0w_per_stock_with_paging() -> None:
    """After a 0w for 005930 the KOSPI list pages one row at a time; KOSDAQ is empty."""
    async with running(page_size=1) as (fake, api):
        await fake.push_frame(zero_w())
        body = {"dt": "20261120", "mrkt_tp": "P00101", "stex_tp": "1"}
        first = await api.post(STKINFO, "ka90004", body)
        key = first.headers["next-key"]
        second = await api.post(STKINFO, "ka90004", body, headers={"cont-yn": "Y", "next-key": key})
        kosdaq = await api.call(STKINFO, "ka90004", body | {"mrkt_tp": "P10102"})
        bad = await api.call(STKINFO, "ka90004", body | {"dt": "2026-11-20"})
    rows = first.json()["stk_prm_trde_prst"] + second.json()["stk_prm_trde_prst"]
    samsung = next(r for r in rows if r["stk_cd"] == "005930")
    assert (samsung["buy_cntr_qty"], samsung["sel_cntr_amt"], samsung["netprps_prica"]) == (
        "8043", "6", "+477",
    )  # fmt: skip
    assert first.json()["tot_1"] == "8043" and kosdaq["stk_prm_trde_prst"] == []
    assert "[1517:" in bad["return_msg"]


def test_ka90004_row_becomes_a_0w_entry() -> None:
    """The document's row shape: quantities and amounts land on 202-212, net as given."""
    row = {
        "stk_cd": "005930", "stk_nm": "삼성전자", "cur_prc": "-75000", "flu_sig": "5",
        "pred_pre": "-2800", "buy_cntr_qty": "8043", "buy_cntr_amt": "483",
        "sel_cntr_qty": "100", "sel_cntr_amt": "6", "netprps_prica": "+477",
        "all_trde_rt": "+0.00",
    }  # fmt: skip
    entry = program_entry(row)
    assert entry is not None and entry["type"] == "0w" and entry["item"] == "005930"
    values = entry["values"]
    assert (program.net_qty(values), program.net_amount(values)) == (7_943, 477)
    assert (program.buy_amount(values), program.sell_qty(values)) == (483, 100)
    assert program_entry({"stk_nm": "no code"}) is None


PROGRAM_RULE = """\
  - name: follow-programs
    symbols: ["005930"]
    when: program.net_qty > 5_000
    do:
      - buy: {qty: 1, type: market}
"""


async def test_live_start_loads_the_days_program_trading_and_registers_0w(
    tmp_path: Path,
) -> None:
    """A rule reading program.* makes the run ask ka90004 at start (the figures are there
    before any 0w) and register 0w for its symbols."""

    def before_start(fake: Any) -> None:
        fake.programs.on_0w("005930", ZERO_W)  # what the exchange reported before we came

    async with live_run(tmp_path, PROGRAM_RULE, before_start=before_start) as live:
        st = live.runner.engine.states["005930"]
        assert program.net_qty(st.program) == 7_943
        assert "0w" in live.runner.realtime.symbol_types
        await live.fake.hub.wait_registered("005930", "0w")

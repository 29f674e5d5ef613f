"""The fake's quote and credit TRs (ka10004, kt20016, kt20017) and the fuller account fields."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import anyio
import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from tests.fake_kiwoom.fake_support import (
    ACNT,
    CRDORDR,
    ORDR,
    WAIT,
    Api,
    buy,
    running,
    socket,
    tick,
)

pytestmark = pytest.mark.anyio
MRKCOND, STKINFO = "/api/dostk/mrkcond", "/api/dostk/stkinfo"


def depth_frame(item: str = "005930") -> dict[str, Any]:
    """A ``0D`` frame: asks 60100.. and bids 60000.., 100 shares more per level."""
    values: dict[str, str] = {"21": "090001"}
    for n in range(10):
        values[str(41 + n)] = f"+{60_100 + 100 * n}"
        values[str(61 + n)] = str(100 * (n + 1))
        values[str(51 + n)] = f"-{60_000 - 100 * n}" if n else "60000"
        values[str(71 + n)] = str(200 * (n + 1))
    values |= {"121": "5500", "125": "11000"}
    entry = {"type": "0D", "name": "주식호가잔량", "item": item, "values": values}
    return {"trnm": "REAL", "data": [entry]}


async def test_ka10004_answers_the_last_0d_book_at_mrkcond() -> None:
    """ka10004 at /api/dostk/mrkcond answers the ten levels and totals of the last 0D."""
    async with running() as (fake, api):
        await fake.push_frame(depth_frame())
        answer = await api.call(MRKCOND, "ka10004", {"stk_cd": "005930"})
    assert answer["return_code"] == 0, answer
    assert answer["sel_fpr_bid"] == "+60100" and answer["sel_fpr_req"] == "100"
    assert answer["sel_10th_pre_bid"] == "+61000" and answer["sel_10th_pre_req"] == "1000"
    assert answer["buy_fpr_bid"] == "60000" and answer["buy_fpr_req"] == "200"
    assert answer["buy_2th_pre_bid"] == "-59900" and answer["buy_2th_pre_req"] == "400"
    assert answer["tot_sel_req"] == "5500" and answer["tot_buy_req"] == "11000"
    assert answer["bid_req_base_tm"] == "090001"


async def test_ka10004_before_any_0d_builds_levels_around_the_last_quote() -> None:
    """Without a 0D the book is ten levels one tick apart around the last 0B ask/bid."""
    async with running(synthetic_depth=300) as (fake, api):
        await fake.push_frame(tick("005930", 60_000, ask=60_100, bid=60_000))
        answer = await api.call(MRKCOND, "ka10004", {"stk_cd": "005930"})
    assert answer["sel_fpr_bid"] == "+60100" and answer["sel_2th_pre_bid"] == "+60200"
    assert answer["buy_fpr_bid"] == "60000" and answer["buy_10th_pre_bid"] == "-59100"
    assert answer["sel_fpr_req"] == "300" and answer["tot_buy_req"] == "3000"


async def test_ka10004_on_an_unknown_stock_answers_1903() -> None:
    """A stock the exchange does not list answers the table's 1903."""
    async with running() as (_fake, api):
        answer = await api.call(MRKCOND, "ka10004", {"stk_cd": "999999"})
    assert answer["return_code"] != 0 and "[1903:" in answer["return_msg"]


async def test_ka10004_at_the_account_url_answers_1504() -> None:
    """The api-id belongs to /mrkcond: sent to /acnt it is refused as the wrong URI."""
    async with running() as (_fake, api):
        answer = await api.call(ACNT, "ka10004", {"stk_cd": "005930"})
    assert "[1504:" in answer["return_msg"]


async def test_kt20017_says_whether_a_credit_loan_is_available() -> None:
    """kt20017 answers the guide's '< A급 신용융자 가능 >', or 불가 off the list."""
    async with running(credit_stocks={"005930": "B"}) as (_fake, api):
        yes = await api.call(STKINFO, "kt20017", {"stk_cd": "005930"})
        no = await api.call(STKINFO, "kt20017", {"stk_cd": "000660"})
    assert yes["crd_alow_yn"] == "< B급 신용융자 가능 >"
    assert "불가" in no["crd_alow_yn"] and no["return_code"] == 0


async def test_kt20016_lists_eligible_stocks_by_grade_with_paging() -> None:
    """kt20016 lists the credit stocks (A-prefixed codes), filtered by grade, paged."""
    grades = {"005930": "A", "000660": "A", "035420": "C"}
    async with running(credit_stocks=grades, page_size=1, base_prices=_bases()) as (_f, api):
        body = {"crd_stk_grde_tp": "A", "mrkt_deal_tp": "%", "stk_cd": ""}
        first = await api.post(STKINFO, "kt20016", body)
        key = first.headers["next-key"]
        second = await api.post(STKINFO, "kt20016", body, headers={"cont-yn": "Y", "next-key": key})
    rows = first.json()["crd_loan_pos_stk"] + second.json()["crd_loan_pos_stk"]
    assert first.headers["cont-yn"] == "Y" and second.headers["cont-yn"] == "N"
    assert [r["stk_cd"] for r in rows] == ["A000660", "A005930"]
    assert set(rows[0]) >= {"crd_assr_rt", "repl_pric", "pred_close_pric", "crd_limit_over_txt"}


async def test_credit_buy_outside_the_credit_list_is_rejected() -> None:
    """kt10006 on a stock without a credit loan is refused (return_code 20), others pass."""
    async with running(credit_stocks={"005930": "A"}) as (_fake, api):
        refused = await api.call(CRDORDR, "kt10006", buy("000660", 1, 200_000))
        accepted = await api.call(CRDORDR, "kt10006", buy("005930", 1, 60_000))
    assert refused["return_code"] == 20 and "신용" in refused["return_msg"]
    assert accepted["return_code"] == 0


async def test_kt00001_answers_every_deposit_field_zero_padded() -> None:
    """kt00001 carries the clients' 70 fields (not 5); amounts are 15 zero-padded digits."""
    async with running(cash=5_000_000) as (_fake, api):
        answer = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
    assert len(answer) >= 70
    assert answer["entr"] == "000000005000000" and answer["d2_pymn_alow_amt"] == answer["entr"]
    assert answer["fid_20stk_ord_alow_amt"] == answer["ord_alow_amt"]
    assert answer["stk_entr_prst"] == []


async def test_ka10075_rows_carry_quotes_amounts_and_the_last_fill() -> None:
    """An open, partly filled order's row has cntr_tot_amt, unit fill, best quotes, account."""
    async with running(max_fill_qty=2) as (fake, api):
        await api.call(ORDR, "kt10000", buy("005930", 5, 60_000))
        await fake.push_frame(tick("005930", 60_000, ask=60_000, bid=59_900, volume=10))
        body = {"all_stk_tp": "0", "trde_tp": "0", "stk_cd": "", "stex_tp": "0"}
        rows = (await api.call(ACNT, "ka10075", body))["oso"]
    row = rows[0]
    assert row["acnt_no"] == fake.account and row["oso_qty"] == "3"
    assert row["cntr_tot_amt"] == "120000" and row["unit_cntr_qty"] == "2"
    assert row["unit_cntr_pric"] == "60000"
    assert row["sel_bid"] == "60000" and row["buy_bid"] == "59900"
    assert row["stex_tp_txt"] == "KRX" and row["tdy_trde_cmsn"].isdigit()


async def test_04_frame_carries_best_quotes_and_the_guides_example_fields() -> None:
    """A 04 after a fill has 27/28 from the last quote and the example's 980-983."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await api.call(ORDR, "kt10001", buy("005930", 4, 61_000))
        await fake.push_frame(tick("005930", 61_000, ask=61_100, bid=61_000))
        msg = await ws.recv_until(
            lambda m: m.get("trnm") == "REAL" and m["data"][0]["type"] == "04"
        )
    values = msg["data"][0]["values"]
    assert values["27"] == "+61100" and values["28"] == "+61000"
    for fid in ("980", "981", "982", "983", "990", "991", "8019", "950"):
        assert values[fid] != "" and fid in values
    realized = 4 * (61_000 - 58_000)
    assert 0 < int(values["990"]) < realized  # after commission and tax
    assert values["980"] == values["990"]


async def test_serve_command_sets_page_size_and_ping_interval() -> None:
    """`fake-kiwoom serve --page-size 1 --ping-interval 0.2`: pages of one row, fast PINGs."""
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    cmd = [sys.executable, "-m", "autotrader", "fake-kiwoom", "serve"]
    cmd += ["--page-size", "1", "--ping-interval", "0.2", "--ping-timeout", "5"]
    cmd += ["--start-at", "10:00"]  # the venue's clock on a trading morning, at any hour
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        assert proc.stdout is not None
        with anyio.fail_after(20):
            rest = (await proc.stdout.readline()).decode().split()[-1]
            ws_url = (await proc.stdout.readline()).decode().split()[-1]
        async with httpx.AsyncClient(base_url=rest) as http:
            api = Api(None, http)  # type: ignore[arg-type]  # no FakeKiwoom object here
            await api.issue()
            await api.call(ORDR, "kt10000", buy("005930", 1, 59_000))
            await api.call(ORDR, "kt10000", buy("005930", 1, 58_900))
            body = {"all_stk_tp": "0", "trde_tp": "0", "stk_cd": "", "stex_tp": "0"}
            first = await api.post(ACNT, "ka10075", body)
        assert len(first.json()["oso"]) == 1 and first.headers["cont-yn"] == "Y"
        with anyio.fail_after(WAIT):
            async with connect(ws_url) as conn:
                await conn.send(orjson.dumps({"trnm": "LOGIN", "token": api.token}).decode())
                seen = [await conn.recv() for _ in range(2)]
        assert any('"PING"' in str(m) for m in seen)
    finally:
        proc.terminate()
        await proc.wait()


def _bases() -> dict[str, int]:
    return {"005930": 60_000, "000660": 200_000, "035420": 180_000}

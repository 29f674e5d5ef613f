"""Order round trips on the fake Kiwoom: 00/04 events, matching against ticks, queries."""

from __future__ import annotations

import pytest

from tests.fake_kiwoom.fake_support import ACNT, CRDORDR, ORDR, buy, next_00, running, socket, tick

pytestmark = pytest.mark.anyio


async def test_buy_limit_is_accepted_then_filled_when_the_tape_crosses() -> None:
    """A resting buy gets 접수, stays open above it, then fills at its limit when a print
    trades through it (docs/paper-fills.md F03)."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        answer = await api.call(ORDR, "kt10000", buy(qty=3, price=60_000))
        accepted = await next_00(ws)
        await fake.push_frame(tick("005930", 60_200, ask=60_300, bid=60_200))
        assert fake.orders[0].filled == 0
        await fake.push_frame(tick("005930", 59_900, ask=59_900, bid=59_800, volume=10))
        filled = await next_00(ws)
        balance = await ws.recv_until(lambda m: m["data"][0]["type"] == "04")
    assert answer["ord_no"] == accepted["9203"] == filled["9203"]
    assert (accepted["913"], accepted["905"], accepted["902"]) == ("접수", "+매수", "3")
    assert (filled["913"], filled["910"], filled["911"], filled["902"]) == (
        "체결",
        "60000",
        "3",
        "0",
    )
    assert balance["data"][0]["values"]["930"] == "13"
    assert fake.holdings["005930"].qty == 13


async def test_market_sell_fills_at_the_next_ticks_bid() -> None:
    """A market sell that meets no quote rests until the next tick and fills at its bid."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        answer = await api.call(ORDR, "kt10001", buy(qty=2, tp="3"))
        assert (await next_00(ws))["905"] == "-매도"
        await fake.push_frame(tick("005930", 60_100, ask=60_200, bid=60_100, volume=10))
        filled = await next_00(ws)
    assert answer["return_code"] == 0
    assert (filled["910"], filled["911"], filled["907"]) == ("60100", "2", "1")
    assert fake.holdings["005930"].qty == 8


async def test_partial_fills_follow_max_fill_qty_per_tick() -> None:
    """With max_fill_qty=2 a 5-share market buy fills 2, 2, 1 over three ticks."""
    async with running(max_fill_qty=2) as (fake, api), socket(fake, api.token) as ws:
        await api.call(ORDR, "kt10000", buy(qty=5, tp="3"))
        await next_00(ws)
        remaining = []
        for _ in range(3):
            await fake.push_frame(tick("005930", 60_000, volume=10))
            remaining.append((await next_00(ws))["902"])
    assert remaining == ["3", "1", "0"]


async def test_ioc_cancels_at_once_what_it_cannot_fill_on_arrival() -> None:
    """A limit IOC (10) fills what the quote it meets allows and the rest is cancelled at
    once, in the same answer (docs/paper-fills.md F09)."""
    async with running(max_fill_qty=1) as (fake, api), socket(fake, api.token) as ws:
        await fake.push_frame(tick("005930", 60_000, volume=10))
        await api.call(ORDR, "kt10000", buy(qty=3, price=60_000, tp="10"))
        await next_00(ws)
        fill, cancel = await next_00(ws), await next_00(ws)
    assert (fill["913"], fill["911"]) == ("체결", "1")
    assert (cancel["913"], cancel["902"]) == ("취소", "0")
    assert fake.open_orders() == []


async def test_modify_moves_the_remainder_to_a_new_order_number() -> None:
    """kt10002 answers a new ord_no with base_orig_ord_no; the new order rests at the new price."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        orig = (await api.call(ORDR, "kt10000", buy(qty=2, price=59_000)))["ord_no"]
        await next_00(ws)
        body = {"dmst_stex_tp": "KRX", "orig_ord_no": orig, "stk_cd": "005930", "mdfy_qty": "0"}
        answer = await api.call(ORDR, "kt10002", body | {"mdfy_uv": "59500", "mdfy_cond_uv": ""})
        accepted, confirmed = await next_00(ws), await next_00(ws)
    assert answer["base_orig_ord_no"] == orig and answer["ord_no"] != orig
    assert int(answer["mdfy_qty"]) == 2
    assert (accepted["913"], accepted["905"], accepted["904"]) == ("접수", "+매수정정", orig)
    assert (confirmed["913"], confirmed["901"]) == ("확인", "59500")
    assert [o.price for o in fake.open_orders()] == [59_500]


async def test_cancel_with_zero_cancels_the_whole_remainder() -> None:
    """kt10003 with cncl_qty '0' cancels everything left; 확인 carries the original number."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        orig = (await api.call(ORDR, "kt10001", buy(qty=4, price=61_000)))["ord_no"]
        await next_00(ws)
        body = {"dmst_stex_tp": "KRX", "orig_ord_no": orig, "stk_cd": "005930", "cncl_qty": "0"}
        answer = await api.call(ORDR, "kt10003", body)
        await next_00(ws)
        confirmed = await next_00(ws)
    assert int(answer["cncl_qty"]) == 4 and answer["base_orig_ord_no"] == orig
    assert (confirmed["913"], confirmed["905"], confirmed["904"]) == ("확인", "-매도취소", orig)
    assert fake.open_orders() == []


async def test_modify_or_cancel_of_an_unknown_order_is_rejected() -> None:
    """An orig_ord_no the server never issued answers return_code 20, order not found."""
    async with running() as (_fake, api):
        body = {
            "dmst_stex_tp": "KRX",
            "orig_ord_no": "0009999",
            "stk_cd": "005930",
            "cncl_qty": "0",
        }
        answer = await api.call(ORDR, "kt10003", body)
    assert answer["return_code"] == 20
    assert "원주문번호" in answer["return_msg"]


async def test_credit_buy_and_sell_round_trip_with_loan_fields() -> None:
    """kt10006/kt10007 on /crdordr book credit orders; a 융자 sell needs crd_loan_dt."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        bought = await api.call(CRDORDR, "kt10006", buy(qty=1, price=60_000))
        accepted = await next_00(ws)
        sell = buy(qty=1, price=61_000) | {"crd_deal_tp": "33", "crd_loan_dt": ""}
        missing = await api.call(CRDORDR, "kt10007", sell)
        sold = await api.call(CRDORDR, "kt10007", sell | {"crd_loan_dt": "20260102"})
        body = {
            "dmst_stex_tp": "KRX",
            "orig_ord_no": sold["ord_no"],
            "stk_cd": "005930",
            "cncl_qty": "1",
        }
        cancelled = await api.call(CRDORDR, "kt10009", body)
    assert bought["return_code"] == 0 and accepted["922"] == "33"
    assert missing["return_msg"].startswith("[1511:")
    assert sold["return_code"] == 0 and cancelled["return_code"] == 0
    assert [o.credit for o in fake.orders] == [True, True, True]


async def test_fills_query_lists_filled_orders_newest_first() -> None:
    """ka10076 lists orders with fills (cntr), with quantities and prices."""
    async with running() as (fake, api):
        await api.call(ORDR, "kt10000", buy(qty=1, tp="3"))
        await api.call(ORDR, "kt10001", buy(qty=1, tp="3"))
        await fake.push_frame(tick("005930", 60_000, ask=60_100, bid=59_900, volume=10))
        body = {"qry_tp": "0", "sell_tp": "0", "stk_cd": "", "ord_no": "", "stex_tp": "0"}
        answer = await api.call(ACNT, "ka10076", body)
    rows = [(r["ord_no"], r["io_tp_nm"], r["cntr_pric"]) for r in answer["cntr"]]
    assert rows == [("0000002", "-매도", "59900"), ("0000001", "+매수", "60100")]


async def test_stop_limit_waits_for_its_condition_price() -> None:
    """A stop-limit buy (28) does not fill until the last price reaches cond_uv."""
    async with running() as (fake, api):
        body = buy(qty=1, price=61_000, tp="28") | {"cond_uv": "60500"}
        assert (await api.call(ORDR, "kt10000", body))["return_code"] == 0
        await fake.push_frame(tick("005930", 60_000))
        assert fake.orders[0].filled == 0
        await fake.push_frame(tick("005930", 60_500))
    assert fake.orders[0].filled == 1


async def test_an_order_type_the_venue_refuses_in_its_phase_is_answered_with_code_20() -> None:
    """An after_hours_close (81) at 09:00:01 and a market order on Nextrade at 16:00 are
    refused with return code 20 and the venue's reason (docs/paper-fills.md); no order."""
    async with running(mock=False) as (fake, api):
        await fake.push_frame(tick("005930", 60_000))
        early = await api.call(ORDR, "kt10000", buy(qty=1, tp="81"))
        await fake.push_frame(tick("005930_NX", 60_000, tm="160000"))
        nx = await api.call(ORDR, "kt10000", buy(qty=1, tp="3") | {"dmst_stex_tp": "NXT"})
    assert early["return_code"] == 20
    assert early["return_msg"] == "krx_continuous does not accept after_hours_close"
    assert (nx["return_code"], nx["return_msg"]) == (20, "nxt_after does not accept market")
    assert fake.orders == []

"""A public Kiwoom REST client (PyPI ``kiwoom-client``) drives the fake Kiwoom.

The fake must not drift into a world only autotrader believes in: here a maintained
third-party client, pointed at the fake with its own ``base_url``/``ws_url`` options (no
patching), runs token, account TRs, orders, credit, quotes, continuation and the
websocket (LOGIN, PING echo, REG, 0B/00/04). A second public client, ``kiwoom-rest-trade``,
contributes only its pydantic response models: every field they declare for the TRs the
fake serves must be present in the fake's answers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from kiwoom.models import domestic as models  # kiwoom-rest-trade
from kiwoom_client import AsyncKiwoomAPI, KiwoomAPIError, KiwoomWebSocket

from autotrader.fake_kiwoom import FakeKiwoom
from tests.fake_kiwoom.fake_support import tick
from tests.integration.live_support import MorningClock

pytestmark = pytest.mark.anyio
WAIT = 5.0
KEY, SECRET = "test-appkey", "test-secretkey"


@contextlib.asynccontextmanager
async def client(**fake_kwargs: Any) -> AsyncIterator[tuple[FakeKiwoom, AsyncKiwoomAPI]]:
    """A started fake and the public client pointed at it, throttling off."""
    fake_kwargs.setdefault("holdings", {"005930": (10, 58_000)})
    fake_kwargs.setdefault("clock", MorningClock())  # a trading morning: the venue is open
    async with FakeKiwoom(**fake_kwargs) as fake:
        api = AsyncKiwoomAPI(KEY, SECRET, base_url=fake.rest_url, rate_limit=None)
        try:
            yield fake, api
        finally:
            await api.close()


def order(stk_cd: str = "005930", qty: int = 1, price: int = 60_000) -> dict[str, str]:
    return {
        "dmst_stex_tp": "KRX",
        "stk_cd": stk_cd,
        "ord_qty": str(qty),
        "ord_uv": str(price),
        "trde_tp": "0",
        "cond_uv": "",
    }


async def test_public_client_gets_a_token_and_reads_the_account() -> None:
    """login, then kt00001/kt00018/kt00010 answer through the client's own error checks."""
    async with client(cash=10_000_000) as (_fake, api):
        with anyio.fail_after(WAIT):
            token = await api.login()
            deposit = await api.account.deposit_detail(qry_tp="3")
            balance = await api.account.evaluation_balance_detail(qry_tp="1", dmst_stex_tp="KRX")
            orderable = await api.account.withdrawable_amount(
                stk_cd="005930", trde_tp="2", uv="60000"
            )
    assert token["token_type"] == "bearer" and token["token"]
    assert int(deposit["entr"]) == 10_000_000
    assert balance["acnt_evlt_remn_indv_tot"][0]["stk_cd"] == "A005930"
    assert int(orderable["ord_alowq"]) == 10_000_000 // 60_000


async def test_public_client_orders_modify_cancel_and_credit() -> None:
    """kt10000/kt10002/kt10003 and kt10006 through the client; a refusal raises its error."""
    async with client(credit_stocks={"005930": "A"}) as (fake, api):
        with anyio.fail_after(WAIT):
            placed = await api.order.buy_order(**order(price=59_000))
            modified = await api.order.modify_order(
                dmst_stex_tp="KRX", orig_ord_no=placed["ord_no"], stk_cd="005930",
                mdfy_qty="0", mdfy_uv="59100", mdfy_cond_uv="",
            )  # fmt: skip
            cancelled = await api.order.cancel_order(
                dmst_stex_tp="KRX", orig_ord_no=modified["ord_no"], stk_cd="005930", cncl_qty="0"
            )
            credit = await api.credit_order.margin_buy_order(**order(price=59_000))
            with pytest.raises(KiwoomAPIError) as refused:
                await api.credit_order.margin_buy_order(**order("000660", 1, 200_000))
    assert cancelled["base_orig_ord_no"] == placed["ord_no"]
    assert credit["ord_no"] and refused.value.code == 20
    assert [o.ord_no for o in fake.open_orders()] == [credit["ord_no"]]


async def test_public_client_pages_open_orders_with_continuation_headers() -> None:
    """Five open orders at page size 2 come back in three pages via cont-yn/next-key."""
    async with client(page_size=2) as (_fake, api):
        with anyio.fail_after(WAIT):
            numbers = [
                (await api.order.buy_order(**order(price=59_000 - 100 * i)))["ord_no"]
                for i in range(5)
            ]
            rows: list[dict[str, Any]] = []
            cont, key, pages = "N", "", 0
            while True:
                answer = await api.account.unfilled_orders(
                    cont_yn=cont, next_key=key, all_stk_tp="0", trde_tp="0", stk_cd="", stex_tp="0"
                )
                rows += answer["oso"]
                pages += 1
                if answer["cont-yn"] != "Y":
                    break
                cont, key = "Y", answer["next-key"]
    assert pages == 3
    assert sorted(r["ord_no"] for r in rows) == sorted(numbers)


async def test_public_client_quote_and_credit_eligibility() -> None:
    """ka10004 (/mrkcond), kt20016 and kt20017 (/stkinfo) answer the client's calls."""
    async with client(credit_stocks={"005930": "A"}) as (fake, api):
        await fake.push_frame(tick("005930", 60_000, ask=60_100, bid=60_000, volume=100))
        with anyio.fail_after(WAIT):
            quote = await api.market.stock_quote(stk_cd="005930")
            listed = await api.stock_info.margin_loan_available_stocks(
                crd_stk_grde_tp="%", mrkt_deal_tp="%", stk_cd=""
            )
            one = await api.stock_info.margin_loan_inquiry(stk_cd="005930")
            other = await api.stock_info.margin_loan_inquiry(stk_cd="000660")
    assert quote["sel_fpr_bid"] == "+60100" and quote["buy_fpr_bid"] == "60000"
    assert [r["stk_cd"] for r in listed["crd_loan_pos_stk"]] == ["A005930"]
    assert "가능" in one["crd_alow_yn"] and "불가" in other["crd_alow_yn"]


async def test_public_websocket_logs_in_echoes_pings_and_receives_0b_00_04() -> None:
    """The client's websocket survives fast PINGs and receives 0B, then 00 and 04 of a fill."""
    async with client(ping_interval=0.05, ping_timeout=1.0) as (fake, api):
        token = (await api.login())["token"]
        ws = KiwoomWebSocket(token, ws_url=fake.ws_url)
        got: dict[str, list[dict[str, Any]]] = {"0B": [], "00": [], "04": []}
        systems: list[dict[str, Any]] = []
        for kind in ("0B", "00", "04"):
            ws.on(kind, got[kind].append)
        ws.on_trnm("SYSTEM", systems.append)
        with anyio.fail_after(WAIT):
            await ws.connect()
            await ws.subscribe(["0B"], ["005930"])
            await ws.subscribe(["00", "04"], [""])
            listener = anyio.create_task_group()
            async with listener:
                listener.start_soon(ws.listen)
                await fake.hub.wait_registered("", "04")
                await fake.hub.wait_registered("005930", "0B")
                while fake.hub.ping_echoes < 4:  # noqa: ASYNC110 - heartbeats take time
                    await anyio.sleep(0.02)
                await api.order.sell_order(**order(qty=2, price=61_000))
                await fake.push_frame(tick("005930", 61_000, ask=61_100, bid=61_000, volume=100))
                while not got["04"]:  # noqa: ASYNC110 - a callback list, no event to await
                    await anyio.sleep(0.02)
                await ws.disconnect()
    assert not systems  # no R10002: every PING was echoed
    assert got["0B"][0]["values"]["10"] == "+61000"
    statuses = [e["values"]["913"] for e in got["00"]]
    assert "접수" in statuses and "체결" in statuses
    balance = got["04"][-1]["values"]
    assert balance["930"] == "8" and balance["27"] == "+61100" and balance["28"] == "+61000"


# -- field coverage against the second client's response models ------------------------


def _missing(model: Any, answer: dict[str, Any]) -> set[str]:
    return set(model.model_fields) - set(answer)


async def test_answers_carry_every_field_of_the_public_models() -> None:
    """kt00001, kt00010, kt00018, ka10075, ka10076, ka10004, kt20016/17, ka90004 and order
    answers carry every field kiwoom-rest-trade's pydantic models declare."""
    async with client(credit_stocks={"005930": "A"}, max_fill_qty=1) as (fake, api):
        with anyio.fail_after(WAIT):
            placed = await api.order.buy_order(**order(qty=3, price=60_000))
            await fake.push_frame(tick("005930", 60_000, ask=60_000, bid=59_900, volume=100))
            answers = {
                "Kt10000Response": placed,
                "Kt00001Response": await api.account.deposit_detail(qry_tp="3"),
                "Kt00010Response": await api.account.withdrawable_amount(
                    stk_cd="005930", trde_tp="2", uv="60000"
                ),
                "Kt00018Response": await api.account.evaluation_balance_detail(
                    qry_tp="1", dmst_stex_tp="KRX"
                ),
                "Ka10004Response": await api.market.stock_quote(stk_cd="005930"),
                "Kt20016Response": await api.stock_info.margin_loan_available_stocks(
                    crd_stk_grde_tp="%", mrkt_deal_tp="%", stk_cd=""
                ),
                "Kt20017Response": await api.stock_info.margin_loan_inquiry(stk_cd="005930"),
                "Ka90004Response": await api.stock_info.program_trading_by_stock(
                    dt="20261120", mrkt_tp="P00101", stex_tp="1"
                ),
            }
            oso = await api.account.unfilled_orders(
                all_stk_tp="0", trde_tp="0", stk_cd="", stex_tp="0"
            )
            cntr = await api.account.filled_orders(
                stk_cd="", qry_tp="0", sell_tp="0", ord_no="", stex_tp="0"
            )
    rows = {
        "Ka10075ResponseOso": oso["oso"][0],
        "Ka10076ResponseCntr": cntr["cntr"][0],
        "Kt00018ResponseAcntEvltRemnIndvTot": answers["Kt00018Response"]["acnt_evlt_remn_indv_tot"][
            0
        ],
        "Kt20016ResponseCrdLoanPosStk": answers["Kt20016Response"]["crd_loan_pos_stk"][0],
        "Ka90004ResponseStkPrmTrdePrst": answers["Ka90004Response"]["stk_prm_trde_prst"][0],
    }
    missing = {
        name: sorted(_missing(getattr(models, name), answer))
        for name, answer in (answers | rows).items()
    }
    assert {name: gaps for name, gaps in missing.items() if gaps} == {}


async def test_public_client_gold_spot_round_trip() -> None:
    """The client's gold methods (kt50000-kt50003, kt50020/21/31/75) work on the fake, and
    their answers carry every field of the second client's gold models."""
    bases = {"005930": 60_000, "M04020000": 150_000}
    async with client(base_prices=bases, holdings={}) as (fake, api):
        gold = {"stk_cd": "M04020000", "ord_qty": "2", "ord_uv": "150010", "trde_tp": "00"}
        with anyio.fail_after(WAIT):
            bought = await api.order.gold_spot_buy_order(**gold)
            await fake.push_frame(tick("M04020000", 150_010, ask=150_010, bid=150_000, volume=100))
            resting = await api.order.gold_spot_buy_order(**(gold | {"ord_uv": "149000"}))
            modified = await api.order.gold_spot_modify_order(
                stk_cd="M04020000", orig_ord_no=resting["ord_no"], mdfy_qty="0", mdfy_uv="149100"
            )
            working = await api.account.gold_spot_unfilled_orders(
                ord_dt="20261120", qry_tp="1", mrkt_deal_tp="1", stk_bond_tp="0", sell_tp="0",
                stk_cd="", fr_ord_no="", dmst_stex_tp="KRX",
            )  # fmt: skip
            cancelled = await api.order.gold_spot_cancel_order(
                orig_ord_no=modified["ord_no"], stk_cd="M04020000", cncl_qty="0"
            )
            history = await api.account.gold_spot_order_execution(
                ord_dt="20261120", qry_tp="1", stk_bond_tp="0", sell_tp="0", stk_cd="",
                fr_ord_no="", dmst_stex_tp="%",
            )  # fmt: skip
            balance = await api.account.gold_spot_balance()
            deposit = await api.account.gold_spot_deposit()
            sold = await api.order.gold_spot_sell_order(**(gold | {"ord_uv": "150000"}))
    answers = {
        "Kt50000Response": bought,
        "Kt50001Response": sold,
        "Kt50002Response": modified,
        "Kt50003Response": cancelled,
        "Kt50020Response": balance,
        "Kt50021Response": deposit,
        "Kt50075Response": working,
        "Kt50020ResponseGoldAcntEvltPrst": balance["gold_acnt_evlt_prst"][0],
        "Kt50075ResponseAcntOrdOsoPrst": working["acnt_ord_oso_prst"][0],
        "Kt50031Response": history,
        "Kt50031ResponseAcntOrdCntrPrpsDtl": history["acnt_ord_cntr_prps_dtl"][0],
    }
    missing = {
        name: sorted(_missing(getattr(models, name), answer)) for name, answer in answers.items()
    }
    assert {name: gaps for name, gaps in missing.items() if gaps} == {}
    assert int(balance["gold_acnt_evlt_prst"][0]["real_qty"]) == 2

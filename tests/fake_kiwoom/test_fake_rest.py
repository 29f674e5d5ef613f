"""REST behaviour of the fake Kiwoom: tokens, header checks, price rules, queries, paging."""

from __future__ import annotations

import pytest

from autotrader.broker.kiwoom.account import parse_order_history
from tests.fake_kiwoom.fake_support import ACNT, CRDORDR, ORDR, buy, running

pytestmark = pytest.mark.anyio


async def test_token_issue_answers_bearer_token_with_korea_time_expiry() -> None:
    """A correct appkey/secretkey gets a bearer token and a 14-digit expires_dt."""
    async with running() as (_fake, api):
        answer = await api.issue()
    assert answer["return_code"] == 0
    assert answer["token_type"] == "bearer"
    assert len(answer["expires_dt"]) == 14 and answer["expires_dt"].isdigit()
    assert answer["token"]


async def test_token_issue_twice_returns_the_same_valid_token() -> None:
    """Asking again while the token is valid returns the same token."""
    async with running() as (_fake, api):
        first = api.token
        assert (await api.issue())["token"] == first


async def test_token_with_wrong_keys_is_refused_with_8001() -> None:
    """Wrong app keys are refused with the table's 8001."""
    async with running() as (_fake, api):
        answer = await api.issue(secretkey="wrong")
    assert answer["return_code"] != 0
    assert "[8001:" in answer["return_msg"]


async def test_token_without_keys_is_refused_with_8020() -> None:
    """Missing appkey/secretkey answers 8020."""
    async with running() as (_fake, api):
        answer = await api.issue(appkey="")
    assert "[8020:" in answer["return_msg"]


async def test_revoked_token_then_fails_with_8005() -> None:
    """After /oauth2/revoke the token answers 8005 with return_code 3."""
    async with running() as (_fake, api):
        body = {"appkey": "test-appkey", "secretkey": "test-secretkey", "token": api.token}
        revoked = (await api.http.post("/oauth2/revoke", json=body)).json()
        answer = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
    assert revoked["return_code"] == 0
    assert answer["return_code"] == 3
    assert answer["return_msg"].startswith("[8005:")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"api-id": ""}, 1501),
        ({"api-id": "kt99999"}, 1505),
        ({"api-id": "kt00018"}, 1504),
        ({"content-type": "text/plain"}, 1512),
        ({"authorization": ""}, 1513),
        ({"authorization": "Bearer"}, 1514),
        ({"authorization": "Basic abc"}, 1515),
        ({"authorization": "Bearer nonsense"}, 8005),
    ],
)
async def test_bad_headers_answer_their_table_code(headers: dict[str, str], code: int) -> None:
    """Missing or wrong api-id, content-type or authorization answer the documented code."""
    async with running() as (_fake, api):
        resp = await api.post(ORDR, "kt10000", buy(price=60_000), headers=headers)
    assert resp.status_code == 200
    assert resp.json()["return_code"] != 0
    assert resp.json()["return_msg"].startswith(f"[{code}:")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (buy(price=60_000, tp="3"), "[1517:"),  # market order with a price
        (buy(price=None, tp="0"), "[1511:"),  # limit order without a price
        (buy(price=None, tp="28"), "[1511:"),  # stop-limit needs ord_uv and cond_uv
        (buy(price=None, tp="99"), "[1517:"),  # unknown trde_tp
        (buy(qty=0, price=60_000), "[1517:"),  # zero quantity
        (buy(stk_cd="999999", price=60_000), "[1903:"),  # unknown stock
    ],
)
async def test_order_parameter_errors_answer_their_table_code(
    body: dict[str, str], code: str
) -> None:
    """Price rules per trde_tp and parameter checks refuse before anything is booked."""
    async with running() as (fake, api):
        answer = await api.call(ORDR, "kt10000", body)
        assert fake.orders == []
    assert answer["return_code"] != 0
    assert answer["return_msg"].startswith(code)


@pytest.mark.parametrize(
    ("price", "reason"),
    [(60_010, "호가단위"), (78_100, "상하한가"), (41_950, "상하한가")],
)
async def test_off_grid_or_beyond_limit_prices_are_rejected_with_20(
    price: int, reason: str
) -> None:
    """Off-grid prices and prices beyond +-30% of the base are rejected (return_code 20)."""
    async with running() as (fake, api):
        answer = await api.call(ORDR, "kt10000", buy(price=price))
        assert fake.orders == []
    assert answer["return_code"] == 20
    assert reason in answer["return_msg"]


async def test_limit_at_the_daily_limit_is_accepted() -> None:
    """The upper limit itself (78,000 for base 60,000) is a valid price."""
    async with running() as (_fake, api):
        answer = await api.call(ORDR, "kt10000", buy(price=78_000))
    assert answer["return_code"] == 0
    assert len(answer["ord_no"]) == 7


async def test_nxt_order_is_refused_in_mock_mode_and_accepted_in_production_mode() -> None:
    """The mock server supports KRX only; production mode also takes NXT and SOR."""
    body = buy(price=60_000) | {"dmst_stex_tp": "NXT"}
    async with running() as (_fake, api):
        mock = await api.call(ORDR, "kt10000", body)
    async with running(mock=False) as (_fake, api):
        prod = await api.call(ORDR, "kt10000", body)
    assert mock["return_msg"].startswith("[1517:")
    assert prod["return_code"] == 0 and prod["dmst_stex_tp"] == "NXT"


async def test_selling_more_than_held_is_rejected() -> None:
    """A sell above the sellable quantity is rejected with return_code 20."""
    async with running() as (_fake, api):
        answer = await api.call(ORDR, "kt10001", buy(qty=11, price=60_000))
    assert answer["return_code"] == 20
    assert "매도가능수량" in answer["return_msg"]


async def test_buying_beyond_cash_is_rejected() -> None:
    """A buy whose value exceeds the orderable cash is rejected."""
    async with running(cash=100_000) as (_fake, api):
        answer = await api.call(ORDR, "kt10000", buy(qty=2, price=60_000))
    assert answer["return_code"] == 20


async def test_api_id_must_match_the_url() -> None:
    """A credit order sent to /ordr is refused with 1504."""
    async with running() as (_fake, api):
        answer = await api.call(ORDR, "kt10006", buy(price=60_000))
        ok = await api.call(CRDORDR, "kt10006", buy(price=60_000))
    assert answer["return_msg"].startswith("[1504:")
    assert ok["return_code"] == 0


async def test_balance_lists_holdings_with_a_prefixed_code() -> None:
    """kt00018 answers acnt_evlt_remn_indv_tot with stk_cd 'A005930' and padded numbers."""
    async with running() as (_fake, api):
        answer = await api.call(ACNT, "kt00018", {"qry_tp": "1", "dmst_stex_tp": "KRX"})
    (row,) = answer["acnt_evlt_remn_indv_tot"]
    assert row["stk_cd"] == "A005930"
    assert int(row["rmnd_qty"]) == 10 and int(row["pur_pric"]) == 58_000


async def test_deposit_and_orderable_amount_reflect_reserved_cash() -> None:
    """kt00001 and kt00010 show cash minus what open buy orders reserve."""
    async with running(cash=1_000_000) as (_fake, api):
        await api.call(ORDR, "kt10000", buy(qty=10, price=60_000))
        deposit = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
        orderable = await api.call(
            ACNT, "kt00010", {"stk_cd": "005930", "trde_tp": "2", "uv": "60000"}
        )
    assert int(deposit["entr"]) == 1_000_000
    assert int(deposit["ord_alow_amt"]) == 400_000
    assert int(orderable["ord_alowa"]) == 400_000


async def test_open_orders_page_with_cont_yn_and_next_key() -> None:
    """ka10075 pages by page_size: cont-yn Y and next-key until the last page."""
    async with running(page_size=2) as (_fake, api):
        for price in (59_000, 59_100, 59_200, 59_300, 59_400):
            assert (await api.call(ORDR, "kt10000", buy(price=price)))["return_code"] == 0
        body = {"all_stk_tp": "0", "trde_tp": "0", "stk_cd": "", "stex_tp": "0"}
        seen: list[str] = []
        headers: dict[str, str] = {}
        for _ in range(5):
            resp = await api.post(ACNT, "ka10075", body, headers=headers)
            seen += [row["ord_no"] for row in resp.json()["oso"]]
            if resp.headers["cont-yn"] != "Y":
                break
            headers = {"cont-yn": "Y", "next-key": resp.headers["next-key"]}
    assert seen == ["0000005", "0000004", "0000003", "0000002", "0000001"]


async def test_bad_next_key_is_refused() -> None:
    """A continuation with an unknown next-key answers 1517."""
    async with running(page_size=2) as (_fake, api):
        body = {"all_stk_tp": "0", "trde_tp": "0", "stex_tp": "0"}
        answer = await api.call(ACNT, "ka10075", body, headers={"cont-yn": "Y", "next-key": "zz"})
    assert answer["return_msg"].startswith("[1517:")


async def test_wrong_http_method_is_not_allowed() -> None:
    """Kiwoom's REST side is POST only."""
    async with running() as (_fake, api):
        resp = await api.http.get(ACNT)
    assert resp.status_code == 405


async def test_order_history_lists_every_number_with_the_one_it_changed() -> None:
    """kt00007 lists a new order, two modifies and a cancel in number order, each with
    ori_ord: the modify in the middle neither works nor filled, only this list shows it."""
    async with running() as (_fake, api):
        first = (await api.call(ORDR, "kt10000", buy(qty=2, price=59_000)))["ord_no"]
        body = {"dmst_stex_tp": "KRX", "stk_cd": "005930", "mdfy_qty": "0", "mdfy_cond_uv": ""}
        mid = await api.call(ORDR, "kt10002", body | {"orig_ord_no": first, "mdfy_uv": "59100"})
        last = await api.call(
            ORDR, "kt10002", body | {"orig_ord_no": mid["ord_no"], "mdfy_uv": "59200"}
        )
        cancel = {"dmst_stex_tp": "KRX", "stk_cd": "005930", "cncl_qty": "0"}
        gone = await api.call(ORDR, "kt10003", cancel | {"orig_ord_no": last["ord_no"]})
        query = {"ord_dt": "20261120", "qry_tp": "1", "stk_bond_tp": "1", "sell_tp": "0"}
        answer = await api.call(ACNT, "kt00007", query | {"stk_cd": "", "dmst_stex_tp": "%"})
    rows = parse_order_history(answer["acnt_ord_cntr_prps_dtl"])
    assert [(r.order_no, r.kind, r.original_order_no, r.price) for r in rows] == [
        (first, "new", "", 59_000),
        (mid["ord_no"], "modify", first, 59_100),
        (last["ord_no"], "modify", mid["ord_no"], 59_200),
        (gone["ord_no"], "cancel", last["ord_no"], 0),
    ]
    assert rows[0].symbol == "005930" and rows[0].side is not None

"""Account queries: kt00018 balance, ka10075 open orders, ka10076 fills, deposit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autotrader.broker.kiwoom.account import AccountQueries
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.model import Side
from tests.broker.kiwoom.kiwoom_fakes import FakeKiwoom, ok

HOLDING = {
    "stk_cd": "A005930", "stk_nm": "삼성전자", "evltv_prft": "-00000000196888",
    "prft_rt": "-52.71", "pur_pric": "000000000124500", "rmnd_qty": "0000000000000003",
    "trde_able_qty": "0000000000000003", "cur_prc": "000000059000",
    "evlt_amt": "000000000680000", "crd_tp": "00", "crd_loan_dt": "",
}  # fmt: skip


@pytest.mark.anyio
async def test_balance_strips_the_a_prefix_and_follows_pages(
    kiwoom: FakeKiwoom, make_rest: Callable[..., KiwoomRest]
) -> None:
    """kt00018: totals from page one, holdings from every page, codes without 'A'."""
    kiwoom.script(
        "kt00018",
        ok({"tot_pur_amt": "000000017598258", "tot_evlt_amt": "000000025789890",
            "acnt_evlt_remn_indv_tot": [HOLDING]}, **{"cont-yn": "Y", "next-key": "k1"}),
        ok({"acnt_evlt_remn_indv_tot": [{**HOLDING, "stk_cd": "A000660", "rmnd_qty": ""}]}),
    )  # fmt: skip
    balance = await AccountQueries(make_rest()).balance()
    assert balance.total_purchase == 17598258
    assert [(h.symbol, h.qty, h.avg_price, h.profit) for h in balance.holdings] == [
        ("005930", 3, 124500, -196888)
    ]  # the second row has no quantity: skipped
    assert [r.headers["next-key"] for r in kiwoom.calls("kt00018")] == ["", "k1"]


@pytest.mark.anyio
async def test_open_orders_and_fills_are_typed(
    kiwoom: FakeKiwoom, make_rest: Callable[..., KiwoomRest]
) -> None:
    """ka10075 oso and ka10076 cntr rows become OpenOrder and FillRow values."""
    kiwoom.script("ka10075", ok({"oso": [{
        "ord_no": "0000024", "stk_cd": "005930", "ord_stt": "접수", "ord_qty": "0000000010",
        "ord_pric": "0000060000", "oso_qty": "0000000004", "cntr_qty": "6", "cntr_pric": "60000",
        "orig_ord_no": "0000000", "io_tp_nm": "+매수", "trde_tp": "보통", "tm": "09:40:22",
        "stex_tp": "KRX"}]}))  # fmt: skip
    kiwoom.script("ka10076", ok({"cntr": [{
        "ord_no": "0000024", "stk_cd": "A005930", "io_tp_nm": "-매도", "ord_pric": "60000",
        "ord_qty": "10", "cntr_pric": "60000", "cntr_qty": "6", "oso_qty": "4",
        "tdy_trde_cmsn": "90", "tdy_trde_tax": "", "ord_stt": "체결",
        "ord_tm": "094022"}]}))  # fmt: skip
    queries = AccountQueries(make_rest())
    [o] = await queries.open_orders()
    [f] = await queries.fills()
    assert (o.order_no, o.side, o.qty, o.price, o.remaining, o.time) == (
        "0000024", Side.BUY, 10, 60000, 4, "094022")  # fmt: skip
    assert (f.symbol, f.side, f.fill_qty, f.commission, f.tax) == ("005930", Side.SELL, 6, 90, 0)
    assert kiwoom.calls("ka10075")[0].content == (
        b'{"all_stk_tp":"0","trde_tp":"0","stk_cd":"","stex_tp":"0"}'
    )


@pytest.mark.anyio
async def test_deposit_and_orderable_amount(
    kiwoom: FakeKiwoom, make_rest: Callable[..., KiwoomRest]
) -> None:
    """kt00001 and kt00010 numbers are parsed from zero-padded strings."""
    kiwoom.script(
        "kt00001", ok({"entr": "000000001000000", "ord_alow_amt": "0000900000", "d2_entra": ""})
    )
    kiwoom.script("kt00010", ok({"ord_alowa": "000000000500000", "wthd_alowa": "0"}))
    queries = AccountQueries(make_rest())
    deposit = await queries.deposit()
    amount = await queries.orderable("005930", Side.BUY, 60000)
    assert (deposit.cash, deposit.orderable, deposit.d2) == (1_000_000, 900_000, 0)
    assert amount.orderable == 500_000

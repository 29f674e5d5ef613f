"""Gold spot on the fake Kiwoom: kt50000-kt50003 and the gold account queries."""

from __future__ import annotations

from typing import Any

import pytest

from autotrader.market.gold import gold_limits
from tests.fake_kiwoom.fake_support import ACNT, ORDR, running, tick

pytestmark = pytest.mark.anyio
GOLD, MINI = "M04020000", "M04020100"
BASES = {"005930": 60_000, GOLD: 150_000, MINI: 150_000}


def gold_order(qty: int, price: int, tp: str = "00", code: str = GOLD) -> dict[str, str]:
    return {"stk_cd": code, "ord_qty": str(qty), "ord_uv": str(price), "trde_tp": tp}


def gold_tick(price: int, code: str = GOLD) -> dict[str, Any]:
    return tick(code, price, ask=price, bid=price - 10, volume=10)


async def test_gold_round_trip_buy_fill_balance_sell() -> None:
    """Buy 3 g at 150,010 (on gold's 10-won grid, off the stock grid), fill, see it in
    kt50020, sell it back: cash moves by fills and commission, no transaction tax."""
    async with running(base_prices=BASES, holdings={}, cash=10_000_000) as (fake, api):
        bought = await api.call(ORDR, "kt50000", gold_order(3, 150_010))
        await fake.push_frame(gold_tick(150_010))
        balance = await api.call(ACNT, "kt50020", {})
        sold = await api.call(ORDR, "kt50001", gold_order(3, 150_000))
        await fake.push_frame(tick(GOLD, 150_000, ask=150_010, bid=150_000, volume=10))
        after = await api.call(ACNT, "kt50020", {})
        stock_view = await api.call(ACNT, "kt00018", {"qry_tp": "1", "dmst_stex_tp": "KRX"})
    assert bought["return_code"] == 0 and sold["return_code"] == 0, (bought, sold)
    (row,) = balance["gold_acnt_evlt_prst"]
    assert (row["stk_cd"], int(row["real_qty"]), int(row["avg_prc"])) == (GOLD, 3, 150_010)
    assert after["gold_acnt_evlt_prst"] == []
    sells = [o for o in fake.orders if o.api_id == "kt50001"]
    assert sells[0].tax == 0 and sells[0].commission > 0
    assert int(after["pl_amt"]) < 0  # bought 30 won higher, paid commission twice
    assert stock_view["acnt_evlt_remn_indv_tot"] == []  # gold stays out of kt00018


async def test_gold_price_rules_are_golds() -> None:
    """Off the 10-won grid, or beyond +-10% of the base, is refused; stock limits are not."""
    lower, upper = gold_limits(150_000)
    assert (lower, upper) == (135_000, 165_000)
    async with running(base_prices=BASES, holdings={}) as (_fake, api):
        off_grid = await api.call(ORDR, "kt50000", gold_order(1, 150_005))
        too_high = await api.call(ORDR, "kt50000", gold_order(1, upper + 10))
        at_limit = await api.call(ORDR, "kt50000", gold_order(1, upper))
        bad_type = await api.call(ORDR, "kt50000", gold_order(1, 150_000, tp="03"))
        stock = await api.call(ORDR, "kt50000", gold_order(1, 60_000, code="005930"))
    assert off_grid["return_code"] == 20 and too_high["return_code"] == 20
    assert at_limit["return_code"] == 0
    assert "[1517:" in bad_type["return_msg"] and "[1903:" in stock["return_msg"]


async def test_gold_modify_cancel_and_open_orders() -> None:
    """kt50002 moves the whole remainder to a new price, kt50003 cancels it; kt50075
    lists the working gold order and not the stock one."""
    async with running(base_prices=BASES, holdings={}) as (_fake, api):
        placed = await api.call(ORDR, "kt50000", gold_order(2, 149_000, code=MINI))
        await api.call(ORDR, "kt10000", {
            "dmst_stex_tp": "KRX", "stk_cd": "005930", "ord_qty": "1", "ord_uv": "59000",
            "trde_tp": "0", "cond_uv": "",
        })  # fmt: skip
        body = {"orig_ord_no": placed["ord_no"], "stk_cd": MINI, "mdfy_qty": "0"}
        modified = await api.call(ORDR, "kt50002", body | {"mdfy_uv": "149500"})
        query = {"ord_dt": "20261120", "qry_tp": "1", "mrkt_deal_tp": "1", "stk_bond_tp": "0"}
        query |= {"sell_tp": "0", "stk_cd": "", "fr_ord_no": "", "dmst_stex_tp": "KRX"}
        working = (await api.call(ACNT, "kt50075", query))["acnt_ord_oso_prst"]
        cancel = {"orig_ord_no": modified["ord_no"], "stk_cd": MINI, "cncl_qty": "0"}
        cancelled = await api.call(ORDR, "kt50003", cancel)
        left = (await api.call(ACNT, "kt50075", query))["acnt_ord_oso_prst"]
    assert modified["base_orig_ord_no"] == placed["ord_no"] and modified["mdfy_qty"].endswith("2")
    assert [(r["ord_no"], int(r["ord_uv"]), int(r["ord_remnq"])) for r in working] == [
        (modified["ord_no"], 149_500, 2)
    ]
    assert cancelled["return_code"] == 0 and left == []


async def test_gold_is_not_offered_credit() -> None:
    """Without an explicit credit list every stock is eligible, but never gold."""
    async with running(base_prices=BASES, holdings={}) as (_fake, api):
        answer = await api.call("/api/dostk/stkinfo", "kt20017", {"stk_cd": GOLD})
    assert "불가" in answer["crd_alow_yn"]

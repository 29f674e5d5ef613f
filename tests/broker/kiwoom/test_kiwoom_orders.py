"""Order request bodies for kt10000-kt10003 and kt10006-kt10009."""

from __future__ import annotations

import pytest

from autotrader.broker.kiwoom.orders import (
    api_id_for,
    build_order_body,
    order_type_of,
    parse_order_answer,
)
from autotrader.errors import BadRequestError, OutcomeUnknownError
from autotrader.model import Exchange, OrderAction, OrderRequest, OrderType


def order(action: OrderAction = OrderAction.BUY, **kw: object) -> OrderRequest:
    values: dict[str, object] = {"order_id": 1, "action": action, "symbol": "005930", "qty": 1}
    values.update(kw)
    return OrderRequest(**values)  # type: ignore[arg-type]


def test_market_buy_matches_the_guide_sample() -> None:
    """kt10000 market buy: ord_uv and cond_uv empty, numbers as strings."""
    assert api_id_for(OrderAction.BUY) == "kt10000"
    assert build_order_body(order(order_type=OrderType.MARKET, price=70000)) == {
        "dmst_stex_tp": "KRX",
        "stk_cd": "005930",
        "ord_qty": "1",
        "ord_uv": "",
        "trde_tp": "3",
        "cond_uv": "",
    }


def test_limit_sell_carries_the_price() -> None:
    """kt10001 limit sell: side by api-id, ord_uv set, trde_tp 0."""
    o = order(
        OrderAction.SELL, qty=10, order_type=OrderType.LIMIT, price=60100, exchange=Exchange.NXT
    )
    assert api_id_for(o.action) == "kt10001"
    body = build_order_body(o)
    assert body["ord_uv"] == "60100" and body["trde_tp"] == "0" and body["ord_qty"] == "10"
    assert body["dmst_stex_tp"] == "NXT"


@pytest.mark.parametrize("code", ["0", "5", "10", "20", "62"])
def test_priced_types_without_price_are_refused(code: str) -> None:
    """ord_uv is required for trde_tp 0, 5, 10, 20, 62."""
    with pytest.raises(BadRequestError, match="needs a price"):
        build_order_body(order(order_type=order_type_of(code), price=0))


@pytest.mark.parametrize(
    "code", ["3", "6", "7", "13", "16", "23", "26", "29", "30", "31", "61", "81"]
)
def test_unpriced_types_send_an_empty_price(code: str) -> None:
    """ord_uv must be empty for market-like types even if a price was given."""
    assert build_order_body(order(order_type=order_type_of(code), price=123))["ord_uv"] == ""


def test_stop_limit_needs_price_and_condition_price() -> None:
    """trde_tp 28 sends ord_uv and cond_uv, and refuses a missing condition price."""
    body = build_order_body(
        order(order_type=OrderType.STOP_LIMIT, price=70000, condition_price=69500)
    )
    assert (body["ord_uv"], body["cond_uv"], body["trde_tp"]) == ("70000", "69500", "28")
    with pytest.raises(BadRequestError, match="condition price"):
        build_order_body(order(order_type=OrderType.STOP_LIMIT, price=70000))


def test_modify_body_matches_the_guide_sample() -> None:
    """kt10002: orig_ord_no, mdfy_qty, mdfy_uv, empty mdfy_cond_uv."""
    o = order(OrderAction.MODIFY, qty=1, price=199700, target_id=7)
    assert api_id_for(o.action) == "kt10002"
    assert build_order_body(o, original_order_no="0000139") == {
        "dmst_stex_tp": "KRX",
        "orig_ord_no": "0000139",
        "stk_cd": "005930",
        "mdfy_qty": "1",
        "mdfy_uv": "199700",
        "mdfy_cond_uv": "",
    }


def test_modify_zero_quantity_means_whole_remainder() -> None:
    """mdfy_qty '0' modifies the whole remainder."""
    body = build_order_body(order(OrderAction.MODIFY, qty=0, price=5000), original_order_no="1")
    assert body["mdfy_qty"] == "0"


def test_modify_needs_a_price_and_the_original_number() -> None:
    """mdfy_uv is required; so is the order being modified."""
    with pytest.raises(BadRequestError, match="price"):
        build_order_body(order(OrderAction.MODIFY, price=0), original_order_no="1")
    with pytest.raises(BadRequestError, match="original order number"):
        build_order_body(order(OrderAction.MODIFY, price=100))


def test_cancel_body_uses_cncl_qty() -> None:
    """kt10003: cncl_qty ('0' cancels the whole remainder)."""
    o = order(OrderAction.CANCEL, qty=0, target_id=7)
    assert api_id_for(o.action) == "kt10003"
    assert build_order_body(o, original_order_no="0000140") == {
        "dmst_stex_tp": "KRX",
        "orig_ord_no": "0000140",
        "stk_cd": "005930",
        "cncl_qty": "0",
    }


def test_credit_buy_body_is_a_stock_buy_body() -> None:
    """kt10006 has the same fields as kt10000 (guide sample)."""
    o = order(OrderAction.CREDIT_BUY, order_type=OrderType.LIMIT, price=2580)
    assert api_id_for(o.action) == "kt10006"
    assert build_order_body(o) == {
        "dmst_stex_tp": "KRX",
        "stk_cd": "005930",
        "ord_qty": "1",
        "ord_uv": "2580",
        "trde_tp": "0",
        "cond_uv": "",
    }


def test_credit_sell_defaults_to_combined_loans() -> None:
    """kt10007 adds crd_deal_tp 99 (all loans) with an empty loan date (guide sample)."""
    o = order(OrderAction.CREDIT_SELL, qty=3, order_type=OrderType.LIMIT, price=6450)
    assert api_id_for(o.action) == "kt10007"
    assert build_order_body(o) == {
        "dmst_stex_tp": "KRX",
        "stk_cd": "005930",
        "ord_qty": "3",
        "ord_uv": "6450",
        "trde_tp": "0",
        "crd_deal_tp": "99",
        "crd_loan_dt": "",
        "cond_uv": "",
    }


def test_credit_sell_of_one_loan_needs_its_date() -> None:
    """crd_deal_tp 33 requires crd_loan_dt YYYYMMDD."""
    o = order(
        OrderAction.CREDIT_SELL,
        order_type=OrderType.MARKET,
        loan_type="single",
        loan_date="20260105",
    )
    body = build_order_body(o)
    assert (body["crd_deal_tp"], body["crd_loan_dt"]) == ("33", "20260105")
    with pytest.raises(BadRequestError, match="loan_date"):
        build_order_body(order(OrderAction.CREDIT_SELL, loan_type="single"))


def test_credit_modify_and_cancel_use_their_own_api_ids() -> None:
    """kt10008 / kt10009 have the stock modify / cancel bodies."""
    m = order(OrderAction.CREDIT_MODIFY, qty=1, price=2590)
    c = order(OrderAction.CREDIT_CANCEL, qty=1)
    assert (api_id_for(m.action), api_id_for(c.action)) == ("kt10008", "kt10009")
    assert build_order_body(m, original_order_no="0000455")["mdfy_uv"] == "2590"
    assert build_order_body(c, original_order_no="0001615")["cncl_qty"] == "1"


def test_answer_parsing_reads_order_numbers_and_quantities() -> None:
    """The modify answer gives the new and the base order number and the quantity."""
    answer = parse_order_answer(
        {"ord_no": "0000140", "base_orig_ord_no": "0000139", "mdfy_qty": "000000000001",
         "dmst_stex_tp": "KRX", "return_code": 0},
        "kt10002",
    )  # fmt: skip
    assert (answer.order_no, answer.original_order_no, answer.qty) == ("0000140", "0000139", 1)


def test_success_without_order_number_is_outcome_unknown() -> None:
    """An accepted answer with no ord_no cannot be tracked: reconcile it."""
    with pytest.raises(OutcomeUnknownError):
        parse_order_answer({"return_code": 0}, "kt10000")

"""Gold spot (금현물) on the fake: orders ``kt50000``-``kt50003`` on ``/api/dostk/ordr`` and
the gold account queries ``kt50020`` (balance), ``kt50021`` (deposit), ``kt50075`` (open
orders) on ``/api/dostk/acnt``.

Bodies follow the guide with its OCR corrected as the stock TRs and a public client's
models spell the fields: modify ``mdfy_qty``/``mdfy_uv`` (OCR ``mdfly_``), cancel
``cncl_qty`` (OCR ``cncd_qty``), balance rows ``gold_acnt_evlt_prst`` with ``est_lspft``.
Gold orders carry no exchange field; ``trde_tp`` is ``00`` (limit), ``10`` (IOC) or ``20``
(FOK), all priced. The book matches them like stock orders; the price rules are gold's
(``market/gold.py``: 10-won tick, +-10% limits) and a gold sale pays no transaction tax.
The fake keeps one account: stock queries leave gold out, gold queries show only gold.
"""

from __future__ import annotations

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.http import Drop, Hang, Reply, Response
from autotrader.fake_kiwoom.orders import BookEvent, Order, Refused
from autotrader.fake_kiwoom.rest import (
    Body,
    RestContext,
    choice,
    json_response,
    number,
    pad,
    page,
    text,
)
from autotrader.market.gold import GOLD_ORDER_TYPES, GOLD_PRODUCTS, is_gold
from autotrader.model.orders import Side

ORDER_IDS = frozenset({"kt50000", "kt50001", "kt50002", "kt50003"})
ACCOUNT_IDS = frozenset({"kt50020", "kt50021", "kt50031", "kt50075"})
_BOOK_TYPE = {"00": "0", "10": "10", "20": "20"}  # the book's trde_tp for each gold type
DONE = {"return_code": 0, "return_msg": "조회가 완료되었습니다"}


async def handle_gold_order(ctx: RestContext, api_id: str, body: Body) -> Reply:
    """One gold order TR, with the same injected failures as stock orders."""
    failure = ctx.faults.take_order_failure()
    if failure is not None and not failure.after_accept:
        return Hang() if failure.mode == "timeout" else Drop()
    try:
        answer, events = _dispatch(ctx, api_id, body)
    except Refused as refused:
        answer, events = refused.body, []
    await ctx.publish(events)
    if failure is not None:
        return Hang() if failure.mode == "timeout" else Drop()
    return json_response(answer, api_id=api_id)


def _dispatch(ctx: RestContext, api_id: str, body: Body) -> tuple[Body, list[BookEvent]]:
    stk_cd = text(body, "stk_cd")
    if not is_gold(stk_cd) or stk_cd not in ctx.book.base_prices:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.UNKNOWN_STOCK, stk_cd))
    if api_id in ("kt50000", "kt50001"):
        side = Side.BUY if api_id == "kt50000" else Side.SELL
        qty = number(body, "ord_qty", minimum=1)
        trde_tp = choice(body, "trde_tp", set(GOLD_ORDER_TYPES))
        price = number(body, "ord_uv", minimum=1)
        order, events = ctx.book.place(
            side, stk_cd, qty, _BOOK_TYPE[trde_tp], price, api_id=api_id, exchange="KRX"
        )
        word = "매수" if side is Side.BUY else "매도"
        return {"ord_no": order.ord_no} | _ok(f"{word}주문이 완료되었습니다."), events
    orig = text(body, "orig_ord_no")
    if api_id == "kt50002":
        qty, price = number(body, "mdfy_qty"), number(body, "mdfy_uv", minimum=1)
        order, events = ctx.book.modify(orig, stk_cd, qty, price, 0)
        answer = {"ord_no": order.ord_no, "base_orig_ord_no": _root(ctx, order)}
        answer["mdfy_qty"] = str(order.qty).zfill(12)
        return answer | _ok(f"{_word(order)}정정 주문입력이 완료되었습니다"), events
    order, events = ctx.book.cancel(orig, stk_cd, number(body, "cncl_qty"))
    answer = {"ord_no": order.ord_no, "base_orig_ord_no": _root(ctx, order)}
    answer["cncl_qty"] = str(order.qty).zfill(12)
    return answer | _ok(f"{_word(order)}취소주문입력이 완료되었습니다"), events


def handle_gold_account(
    ctx: RestContext, api_id: str, body: Body, headers: dict[str, str]
) -> Response:
    book = ctx.book
    if api_id == "kt50021":
        cash, orderable = pad(book.cash, 15), pad(book.orderable_cash(), 15)
        answer: Body = {"entra": cash, "prsm_entra": cash, "prsm_pymn_alow_amt": orderable}
        answer |= {"pymn_alow_amt": orderable, "ord_alow_amt": orderable}
        for zero in ("profa_ch", "chck_ina_amt", "etc_loan", "etc_loan_dlfe", "etc_loan_tot"):
            answer[zero] = pad(0, 15)
        for zero in ("buy_exct_amt", "sell_exct_amt", "sell_buy_exct_amt", "dly_amt"):
            answer[zero] = pad(0, 15)
        return json_response(answer | DONE, api_id=api_id)
    if api_id == "kt50075":
        return _open_orders(ctx, body, headers)
    if api_id == "kt50031":
        return _orders_and_fills(ctx, body, headers)
    rows: list[Body] = []
    total_book = total_est = 0
    for h in sorted(
        (h for h in book.holdings.values() if is_gold(h.stk_cd)), key=lambda h: h.stk_cd
    ):
        cur = book.last_price(h.stk_cd)
        cost, est = h.qty * h.avg_price, h.qty * cur
        fee = book.fees.commission(est)
        total_book, total_est = total_book + cost, total_est + est - fee
        row: Body = {"stk_cd": h.stk_cd, "stk_nm": GOLD_PRODUCTS[h.stk_cd]}
        row |= {
            "real_qty": pad(h.qty, 12),
            "avg_prc": pad(h.avg_price, 12),
            "cur_prc": pad(cur, 12),
        }
        row |= {"est_amt": pad(est - fee, 12), "est_lspft": pad(est - fee - cost, 12)}
        row |= {"est_ratio": f"{(est - fee - cost) * 100 / cost:.4f}" if cost else "0.0000"}
        row |= {"cmsn": pad(fee, 12), "vlad_tax": pad(0, 12), "book_amt2": pad(cost, 12)}
        row |= {"pl_prch_prc": f"{h.avg_price:.2f}", "qty": pad(h.qty, 12)}
        row |= {"buy_qty": pad(h.today_buy, 12), "sell_qty": pad(h.today_sell, 12)}
        row["able_qty"] = pad(max(book.sellable(h.stk_cd), 0), 12)
        rows.append(row)
    answer = {"tot_entr": pad(book.cash, 12), "net_entr": pad(book.cash, 12)}
    answer |= {"tot_est_amt": pad(total_est, 12), "net_amt": pad(book.cash + total_est, 12)}
    answer |= {"tot_book_amt2": pad(total_book, 12), "tot_dep_amt": pad(book.cash + total_est, 12)}
    answer |= {"paym_alowa": pad(book.orderable_cash(), 12), "pl_amt": pad(_realized(ctx), 12)}
    answer["gold_acnt_evlt_prst"] = rows
    return json_response(answer | DONE, api_id=api_id)


def _open_orders(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    text(body, "ord_dt")
    side = choice(body, "sell_tp", {"0", "1", "2"})
    one = text(body, "stk_cd", required=False)
    rows: list[Body] = []
    for o in reversed(ctx.book.open_orders()):
        if not is_gold(o.stk_cd) or (one and o.stk_cd != one):
            continue
        if side != "0" and (side == "1") != (o.side is Side.SELL):
            continue
        row: Body = {"stk_bond_tp": "1", "ord_no": o.ord_no, "stk_cd": o.stk_cd}
        row |= {"trde_tp": "지정가", "io_tp_nm": "매수" if o.side is Side.BUY else "매도"}
        row |= {"ord_qty": pad(o.qty, 10), "ord_uv": pad(o.price, 10), "cnfm_qty": pad(0, 10)}
        row |= {"data_send_end_tp": "접수", "mrkt_deal_tp": "", "rsrv_tp": ""}
        row |= {"orig_ord_no": o.orig_ord_no or "0000000", "stk_nm": GOLD_PRODUCTS[o.stk_cd]}
        row |= {"dcd_tp_nm": "", "crd_deal_tp": "보통매매", "cntr_qty": pad(o.filled, 10)}
        row |= {"cntr_uv": pad(o.avg_fill_price, 10), "ord_remnq": pad(o.remaining, 10)}
        row |= {"comm_ord_tp": "REST API", "mdfy_cncl_tp": "", "dmst_stex_tp": "KRX"}
        row["cond_uv"] = pad(0, 10)
        rows.append(row)
    chunk, resp_headers = page(ctx, "kt50075", rows, headers)
    return json_response({"acnt_ord_oso_prst": chunk} | DONE, headers=resp_headers)


def _orders_and_fills(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    """kt50031: today's gold orders (qry_tp 1 oldest first, 2 newest first, 3 working
    only, 4 with fills only), with what filled."""
    order = choice(body, "qry_tp", {"1", "2", "3", "4"})
    side = choice(body, "sell_tp", {"0", "1", "2"})
    one = text(body, "stk_cd", required=False)
    orders = [o for o in ctx.book.orders if is_gold(o.stk_cd) and (not one or o.stk_cd == one)]
    if order == "2":
        orders.reverse()
    rows: list[Body] = []
    for o in orders:
        if (order == "3" and not o.remaining) or (order == "4" and not o.filled):
            continue
        if side != "0" and (side == "1") != (o.side is Side.SELL):
            continue
        row: Body = {"ord_no": o.ord_no, "stk_cd": o.stk_cd, "trde_tp": "지정가"}
        row |= {"crd_tp": "", "ord_qty": pad(o.qty, 10), "ord_uv": pad(o.price, 10)}
        row |= {"cnfm_qty": pad(o.qty if o.orig_ord_no else 0, 10), "acpt_tp": "접수"}
        row |= {"rsrv_tp": "", "ord_tm": o.tm, "ori_ord": o.orig_ord_no or "0000000"}
        row |= {"stk_nm": GOLD_PRODUCTS[o.stk_cd], "io_tp_nm": o.io_tp_nm.lstrip("+-")}
        row |= {"loan_dt": "", "cntr_qty": pad(o.filled, 10), "cntr_uv": pad(o.avg_fill_price, 10)}
        row |= {"ord_remnq": pad(o.remaining, 10), "comm_ord_tp": "REST API"}
        row |= {"mdfy_cncl": "", "cnfm_tm": o.tm, "dmst_stex_tp": "KRX", "cond_uv": pad(0, 10)}
        rows.append(row)
    chunk, resp_headers = page(ctx, "kt50031", rows, headers)
    return json_response({"acnt_ord_cntr_prps_dtl": chunk} | DONE, headers=resp_headers)


def _realized(ctx: RestContext) -> int:
    return sum(gain for code, gain in ctx.book.realized.items() if is_gold(code))


def _root(ctx: RestContext, order: Order) -> str:
    current = order
    while current.orig_ord_no and (parent := ctx.book.order(current.orig_ord_no)) is not None:
        current = parent
    return current.ord_no


def _word(order: Order) -> str:
    return "매수" if order.side is Side.BUY else "매도"


def _ok(msg: str) -> Body:
    return {"return_code": codes.RC_OK, "return_msg": msg}

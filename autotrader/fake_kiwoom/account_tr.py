"""Account TRs on ``/api/dostk/acnt``: balance, deposit, orderable amount, open orders,
fills, and the day's order history (kt00007: every number, modifies and cancels too).

These are what a client reconciles with after an order's outcome is unknown, so the
lists page with ``cont-yn``/``next-key`` exactly like Kiwoom's, newest order first.
"""

from __future__ import annotations

import orjson

from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.orders import TRDE_TP_NAMES, Kind, Order
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
from autotrader.market.gold import is_gold
from autotrader.model.orders import Side

DONE = {"return_code": 0, "return_msg": "조회가 완료되었습니다"}


def handle_account(ctx: RestContext, api_id: str, body: Body, headers: dict[str, str]) -> Response:
    response = _handle(ctx, api_id, body, headers)
    if ctx.faults.take_query_no_return_code():  # the quirk: data, but no return_code
        answer = orjson.loads(response.body)
        answer.pop("return_code", None)
        response.body = orjson.dumps(answer)
    return response


def _handle(ctx: RestContext, api_id: str, body: Body, headers: dict[str, str]) -> Response:
    if api_id == "kt00018":
        return _balance(ctx, body, headers)
    if api_id == "kt00001":
        return _deposit(ctx, body)
    if api_id == "kt00010":
        return _orderable(ctx, body)
    if api_id == "ka10075":
        return _open_orders(ctx, body, headers)
    if api_id == "kt00007":
        return _history(ctx, body, headers)
    return _fills(ctx, body, headers)


def _balance(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    choice(body, "qry_tp", {"1", "2"})
    choice(body, "dmst_stex_tp", {"KRX", "NXT"})
    book = ctx.book
    rows: list[Body] = []
    total_pur = total_evlt = 0
    for h in sorted(book.holdings.values(), key=lambda h: h.stk_cd):
        if is_gold(h.stk_cd):
            continue  # the gold account's (kt50020)
        cur = book.last_price(h.stk_cd)
        pur, evlt = h.qty * h.avg_price, h.qty * cur
        total_pur, total_evlt = total_pur + pur, total_evlt + evlt
        rate = f"{(evlt - pur) * 100 / pur:.2f}" if pur else "0.00"
        row = {"stk_cd": f"A{h.stk_cd}", "stk_nm": book.names.get(h.stk_cd, h.stk_cd)}
        row |= {
            "evltv_prft": pad(evlt - pur, 15),
            "prft_rt": rate,
            "pur_pric": pad(h.avg_price, 15),
        }
        row |= {"pred_close_pric": pad(book.base_prices.get(h.stk_cd, 0), 12)}
        row |= {
            "rmnd_qty": pad(h.qty, 16),
            "trde_able_qty": pad(max(book.sellable(h.stk_cd), 0), 16),
        }
        row |= {"cur_prc": pad(cur, 12), "pred_buyq": pad(0, 16), "pred_sellq": pad(0, 16)}
        row |= {"tdy_buyq": pad(h.today_buy, 16), "tdy_sellq": pad(h.today_sell, 16)}
        row |= {"pur_amt": pad(pur, 15), "pur_cmsn": pad(book.fees.commission(pur), 16)}
        row |= {"evlt_amt": pad(evlt, 15), "sell_cmsn": pad(book.fees.commission(evlt), 15)}
        row |= {"tax": pad(book.fees.sell_tax(evlt), 16), "sum_cmsn": pad(0, 16), "poss_rt": "0.00"}
        row |= {"crd_tp": "00", "crd_tp_nm": "", "crd_loan_dt": ""}
        rows.append(row)
    chunk, resp_headers = page(ctx, "kt00018", rows, headers)
    answer: Body = {"tot_pur_amt": pad(total_pur, 15), "tot_evlt_amt": pad(total_evlt, 15)}
    answer |= {"tot_evlt_pl": pad(total_evlt - total_pur, 15)}
    answer |= {
        "tot_prft_rt": f"{(total_evlt - total_pur) * 100 / total_pur:.2f}" if total_pur else "0.00"
    }
    answer |= {"prsm_dpst_aset_amt": pad(book.cash + total_evlt, 16)}
    answer |= {
        "tot_loan_amt": pad(0, 16),
        "tot_crd_loan_amt": pad(0, 16),
        "tot_crd_ls_amt": pad(0, 16),
    }
    answer["acnt_evlt_remn_indv_tot"] = chunk
    return json_response(answer | DONE, headers=resp_headers)


# kt00001 fields that stay zero in a cash-only fake account (loans, substitutes, FX...).
_DEPOSIT_ZEROS = [
    "profa_ch",
    "bncr_profa_ch",
    "nxdy_bncr_sell_exct",
    "fc_stk_krw_repl_set_amt",
    "crd_grnta_ch",
    "crd_grnt_ch",
    "add_grnt_ch",
    "etc_profa",
    "uncl_stk_amt",
    "shrts_prica",
    "crd_set_grnta",
    "chck_ina_amt",
    "etc_chck_ina_amt",
    "crd_grnt_ruse",
    "knx_asset_evltv",
    "elwdpst_evlta",
    "crd_ls_rght_frcs_amt",
    "lvlh_join_amt",
    "lvlh_trns_alowa",
    "repl_amt",
    "remn_repl_evlta",
    "trst_remn_repl_evlta",
    "bncr_remn_repl_evlta",
    "profa_repl",
    "crd_grnta_repl",
    "crd_grnt_repl",
    "add_grnt_repl",
    "rght_repl_amt",
    "wrap_pymn_alow_amt",
    "ch_uncla",
    "ch_uncla_dlfe",
    "ch_uncla_tot",
    "crd_int_npay",
    "int_npay_amt_dlfe",
    "int_npay_amt_tot",
    "etc_loana",
    "etc_loana_dlfe",
    "etc_loan_tot",
    "nrpy_loan",
    "loan_sum",
    "ls_sum",
    "mdstrm_usfe",
    "loan_remn_evlt_amt",
    "dpst_grntl_remn",
    "sell_grntl_remn",
    "d1_slby_exct_amt",
    "d1_buy_exct_amt",
    "d1_out_rep_mor",
    "d1_sel_exct_amt",
    "d2_slby_exct_amt",
    "d2_buy_exct_amt",
    "d2_out_rep_mor",
    "d2_sel_exct_amt",
]
# Orderable amounts by margin rate: the fake's account is cash-only (100% margin), so
# every rate orders what the cash allows; a real account would order more at 20-60%.
_DEPOSIT_ORDERABLE = [
    "ord_alow_amt",
    "pymn_alow_amt",
    "bncr_buy_alowa",
    "fid_20stk_ord_alow_amt",
    "fid_30stk_ord_alow_amt",
    "fid_40stk_ord_alow_amt",
    "fid_50stk_ord_alow_amt",
    "fid_60stk_ord_alow_amt",
    "fid_100stk_ord_alow_amt",
    "d1_pymn_alow_amt",
    "d2_pymn_alow_amt",
]


def _deposit(ctx: RestContext, body: Body) -> Response:
    """kt00001 with every field of the public clients' models (NOTES.md: entr, ord_alow_amt,
    d2_entra, ...); amounts zero-padded to 15 as Kiwoom sends them."""
    choice(body, "qry_tp", {"2", "3"})
    cash, orderable = ctx.book.cash, ctx.book.orderable_cash()
    answer: Body = {"entr": pad(cash, 15), "d1_entra": pad(cash, 15), "d2_entra": pad(cash, 15)}
    answer |= {name: pad(orderable, 15) for name in _DEPOSIT_ORDERABLE}
    answer |= {name: pad(0, 15) for name in _DEPOSIT_ZEROS}
    answer |= {"crd_grnt_rt": "0.00", "min_ord_alow_yn": "N", "stk_entr_prst": []}
    return json_response(answer | DONE, api_id="kt00001")


def _orderable(ctx: RestContext, body: Body) -> Response:
    stk_cd = text(body, "stk_cd")
    side = choice(body, "trde_tp", {"1", "2"})
    price = number(body, "uv") or ctx.book.last_price(stk_cd)
    book = ctx.book
    amount = book.orderable_cash()
    qty = max(book.sellable(stk_cd), 0) if side == "1" else (amount // price if price else 0)
    answer = {"ord_alowa": pad(amount, 15), "wthd_alowa": pad(book.cash, 15)}
    answer |= {"ord_alowq": pad(qty, 10)}
    # By margin rate, as the public clients' model carries them: cash-only, so all alike.
    for rate in ("20", "30", "40", "50", "60", "rdex_60", "100"):
        answer |= {
            f"profa_{rate}ord_alow_amt": pad(amount, 15),
            f"profa_{rate}ord_alowq": pad(qty, 10),
        }
    answer |= {"entr": pad(book.cash, 15), "d2entra": pad(book.cash, 15), "repl_amt": pad(0, 15)}
    answer |= {"pred_reu_alowa": pad(0, 15), "tdy_reu_alowa": pad(0, 15), "uncla": pad(0, 15)}
    answer |= {"ord_pos_repl": pad(0, 15), "nxdy_wthd_alowa": pad(book.cash, 15)}
    value = qty * price if side == "2" else 0
    answer |= {"pur_amt": pad(value, 15), "cmsn": pad(book.fees.commission(value), 15)}
    answer |= {"pur_exct_amt": pad(value + book.fees.commission(value), 15)}
    answer["profa_rdex_aplc_tp"] = "0"
    return json_response(answer | DONE, api_id="kt00010")


def _open_orders(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    one = choice(body, "all_stk_tp", {"0", "1"}) == "1"
    side = choice(body, "trde_tp", {"0", "1", "2"})
    stk_cd = text(body, "stk_cd", required=one)
    choice(body, "stex_tp", {"0", "1", "2"})
    rows = [
        _row(ctx, o) | _open_extra(ctx, o)
        for o in reversed(ctx.book.open_orders())
        if _side_ok(o, side, sell="1") and (not one or o.stk_cd == stk_cd) and not is_gold(o.stk_cd)
    ]
    chunk, resp_headers = page(ctx, "ka10075", rows, headers)
    return json_response({"oso": chunk} | DONE, headers=resp_headers)


def _fills(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    one = choice(body, "qry_tp", {"0", "1"}) == "1"
    side = choice(body, "sell_tp", {"0", "1", "2"})
    stk_cd = text(body, "stk_cd", required=one)
    before = text(body, "ord_no", required=False)
    choice(body, "stex_tp", {"0", "1", "2"})
    rows = [
        _row(ctx, o)
        | {
            "oso_qty": str(o.remaining),
            "tdy_trde_cmsn": str(o.commission),
            "tdy_trde_tax": str(o.tax),
        }
        for o in reversed(ctx.book.orders)
        if o.filled
        and not is_gold(o.stk_cd)
        and _side_ok(o, side, sell="1")
        and (not one or o.stk_cd == stk_cd)
        and (not before or o.ord_no < before.zfill(7))
    ]
    chunk, resp_headers = page(ctx, "ka10076", rows, headers)
    return json_response({"cntr": chunk} | DONE, headers=resp_headers)


def _open_extra(ctx: RestContext, o: Order) -> Body:
    """The ka10075 fields beyond the shared row (the public clients' ``oso`` model)."""
    quote = ctx.book.quotes.get(o.stk_cd)
    ask, bid = (quote.ask, quote.bid) if quote else (0, 0)
    extra: Body = {"acnt_no": ctx.account, "mang_empno": "", "tsk_tp": "", "ind_invsr": ""}
    extra |= {"oso_qty": str(o.remaining), "cntr_tot_amt": str(o.fill_value)}
    extra |= {"cntr_no": "", "cur_prc": str(ctx.book.last_price(o.stk_cd))}
    extra |= {"sel_bid": str(ask), "buy_bid": str(bid)}
    extra |= {"unit_cntr_pric": str(o.last_fill_price), "unit_cntr_qty": str(o.last_fill_qty)}
    extra |= {"tdy_trde_cmsn": str(o.commission), "tdy_trde_tax": str(o.tax)}
    return extra


def _history(ctx: RestContext, body: Body, headers: dict[str, str]) -> Response:
    """kt00007: the account's stock orders of the day (the fake's book is one day), in
    order-number order (qry_tp 1) or newest first (2); 3 open only, 4 filled only. Gold
    is the gold account's (kt50031), as in the other stock queries."""
    text(body, "ord_dt")
    order = choice(body, "qry_tp", {"1", "2", "3", "4"})
    choice(body, "stk_bond_tp", {"0", "1", "2"})
    side = choice(body, "sell_tp", {"0", "1", "2"})
    stk_cd = text(body, "stk_cd", required=False)
    choice(body, "dmst_stex_tp", {"%", "KRX", "NXT", "SOR"})
    orders = ctx.book.orders if order != "2" else list(reversed(ctx.book.orders))
    rows = [
        _history_row(ctx, o)
        for o in orders
        if _side_ok(o, side, sell="1")
        and not is_gold(o.stk_cd)  # the gold account's: kt50031
        and (not stk_cd or o.stk_cd == stk_cd)
        and (order != "3" or o.remaining > 0)
        and (order != "4" or o.filled > 0)
    ]
    chunk, resp_headers = page(ctx, "kt00007", rows, headers)
    return json_response({"acnt_ord_cntr_prps_dtl": chunk} | DONE, headers=resp_headers)


def _history_row(ctx: RestContext, o: Order) -> Body:
    tm = f"{o.tm[:2]}:{o.tm[2:4]}:{o.tm[4:6]}"
    return {
        "ord_no": o.ord_no,
        "stk_cd": f"A{o.stk_cd}",
        "stk_nm": ctx.book.names.get(o.stk_cd, o.stk_cd),
        "trde_tp": TRDE_TP_NAMES.get(o.trde_tp, o.trde_tp),
        "io_tp_nm": o.io_tp_nm,
        "ord_qty": pad(o.qty, 10),
        "ord_uv": pad(o.price, 10),
        "cnfm_qty": pad(o.qty if o.kind is not Kind.NEW else 0, 10),
        "acpt_tp": "접수",
        "ord_tm": tm,
        "ori_ord": o.orig_ord_no or "0000000",
        "cntr_qty": pad(o.filled, 10),
        "cntr_uv": pad(o.avg_fill_price, 10),
        "ord_remnq": pad(o.remaining, 10),
        "mdfy_cncl": {Kind.NEW: "", Kind.MODIFY: "정정", Kind.CANCEL: "취소"}[o.kind],
        "cnfm_tm": tm,
        "dmst_stex_tp": o.exchange,
        "cond_uv": pad(o.cond_price, 10),
    }


def _side_ok(o: Order, wanted: str, *, sell: str) -> bool:
    return wanted == "0" or (wanted == sell) == (o.side is Side.SELL)


def _row(ctx: RestContext, o: Order) -> Body:
    return {
        "ord_no": o.ord_no,
        "stk_cd": o.stk_cd,
        "stk_nm": ctx.book.names.get(o.stk_cd, o.stk_cd),
        "ord_stt": str(o.status),
        "ord_qty": str(o.qty),
        "ord_pric": str(o.price),
        "cntr_qty": str(o.filled),
        "cntr_pric": str(o.avg_fill_price),
        "orig_ord_no": o.orig_ord_no or "0000000",
        "io_tp_nm": o.io_tp_nm,
        "trde_tp": o.trde_tp,
        "tm": o.tm,
        "ord_tm": o.tm,
        "stex_tp": {"KRX": "1", "NXT": "2"}.get(o.exchange, "0"),
        "stex_tp_txt": {"KRX": "KRX", "NXT": "NXT"}.get(o.exchange, "통합"),
        "sor_yn": "Y" if o.exchange == "SOR" else "N",
        "stop_pric": str(o.cond_price),
    }

"""``ka90004`` (종목별프로그램매매현황요청, ``/api/dostk/stkinfo``): program trading by stock.

Rows follow the document ``ka90004-program-trading.md``: ``stk_cd``, ``stk_nm``,
``cur_prc``/``flu_sig``/``pred_pre`` (signed against the base), buy and sell quantities and
amounts, ``netprps_prica``, ``all_trde_rt``; totals ``tot_1``-``tot_6``. The figures are
the latest ``0w`` pushed for each stock (zeros for a stock without one), amounts in
millions of KRW as ``0w`` carries them. The fake does not know which market a stock is
listed on: every stock is listed under ``P00101`` (KOSPI), none under ``P10102``.
"""

from __future__ import annotations

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.orders import Refused
from autotrader.fake_kiwoom.replay import to_int
from autotrader.fake_kiwoom.rest import Body, RestContext, choice, json_response, page, text
from autotrader.market.gold import is_gold

KOSPI, KOSDAQ = "P00101", "P10102"
DONE = {"return_code": 0, "return_msg": "정상적으로 처리되었습니다"}


def handle_program(ctx: RestContext, api_id: str, body: Body, headers: dict[str, str]) -> Response:
    day = text(body, "dt")
    if len(day) != 8 or not day.isdigit():
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, "dt", day))
    market = choice(body, "mrkt_tp", {KOSPI, KOSDAQ})
    choice(body, "stex_tp", {"1", "2", "3"})
    book = ctx.book
    rows: list[Body] = []
    totals = [0, 0, 0, 0, 0]
    stocks = [c for c in sorted(book.base_prices) if not is_gold(c)]
    for stk_cd in stocks if market == KOSPI else []:
        v = ctx.programs.latest.get(stk_cd, {})
        buy_q, buy_a = to_int(v.get("206")), to_int(v.get("208"))
        sell_q, sell_a = to_int(v.get("202")), to_int(v.get("204"))
        net_a = to_int(v.get("212"), signed=True) if v.get("212") else buy_a - sell_a
        base, last = book.base_prices[stk_cd], book.last_price(stk_cd)
        diff = last - base
        cum = to_int(v.get("13"))
        row = {"stk_cd": stk_cd, "stk_nm": book.names.get(stk_cd, stk_cd)}
        row |= {
            "cur_prc": _signed(last, diff),
            "flu_sig": "2" if diff > 0 else "5" if diff < 0 else "3",
        }
        row |= {"pred_pre": f"+{diff}" if diff > 0 else str(diff)}
        row |= {"buy_cntr_qty": str(buy_q), "buy_cntr_amt": str(buy_a)}
        row |= {"sel_cntr_qty": str(sell_q), "sel_cntr_amt": str(sell_a)}
        row |= {"netprps_prica": f"+{net_a}" if net_a > 0 else str(net_a)}
        row["all_trde_rt"] = f"+{(buy_q + sell_q) * 100 / cum:.2f}" if cum else "+0.00"
        rows.append(row)
        for i, n in enumerate((buy_q, buy_a, sell_q, sell_a, net_a)):
            totals[i] += n
    chunk, resp_headers = page(ctx, api_id, rows, headers)
    answer: Body = {f"tot_{i + 1}": str(n) for i, n in enumerate(totals)} | {"tot_6": ""}
    answer["stk_prm_trde_prst"] = chunk
    return json_response(answer | DONE, headers=resp_headers)


def _signed(price: int, diff: int) -> str:
    return f"+{price}" if diff > 0 else f"-{price}" if diff < 0 else str(price)

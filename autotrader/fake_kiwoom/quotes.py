"""``ka10004`` (주식호가요청) on ``/api/dostk/mrkcond``, from the order book the fake keeps.

The book is the fake's last ``0D`` for the stock, else a synthetic one around the last
quote (``market_facts.Depths``).

The answer's field names are the public clients' (``sel_fpr_bid``, ``buy_2th_pre_req``...);
prices carry a sign against the base price as Kiwoom's quote TRs do.
"""

from __future__ import annotations

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.market_facts import LEVELS, Depth
from autotrader.fake_kiwoom.orders import Refused
from autotrader.fake_kiwoom.rest import Body, RestContext, json_response, text

DONE = {"return_code": 0, "return_msg": "정상적으로 처리되었습니다"}


def handle_quotes(ctx: RestContext, api_id: str, body: Body, now: str) -> Response:
    """Answer ``ka10004`` for ``stk_cd`` (``_NX``/``_AL`` suffixes name the same book)."""
    stk_cd = text(body, "stk_cd").split("_")[0]
    if stk_cd not in ctx.book.base_prices:
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.UNKNOWN_STOCK, stk_cd))
    quote = ctx.book.quotes.get(stk_cd)
    last = ctx.book.last_price(stk_cd)
    ask, bid = (quote.ask, quote.bid) if quote else (0, 0)
    depth = ctx.depths.book(stk_cd, last=last, ask=ask, bid=bid, now=now)
    return json_response(quote_answer(depth, ctx.book.base_prices[stk_cd]) | DONE, api_id=api_id)


def quote_answer(depth: Depth, base: int) -> Body:
    """The ka10004 body for ``depth``: ten levels a side, totals, after-hours zeros."""
    answer: Body = {"bid_req_base_tm": depth.tm}
    for n in range(LEVELS, 0, -1):
        price, qty = depth.asks[n - 1] if n <= len(depth.asks) else (0, 0)
        if n == 1:
            answer |= {"sel_1th_pre_req_pre": "0", "sel_fpr_req": str(qty)}
            answer["sel_fpr_bid"] = _signed(price, base)
        else:
            stem = f"sel_{n}th_pre"
            answer |= {f"{stem}_req_pre": "0", f"{stem}_req": str(qty)}
            answer[f"{stem}_bid"] = _signed(price, base)
    for n in range(1, LEVELS + 1):
        price, qty = depth.bids[n - 1] if n <= len(depth.bids) else (0, 0)
        if n == 1:
            answer |= {"buy_fpr_bid": _signed(price, base), "buy_fpr_req": str(qty)}
            answer["buy_1th_pre_req_pre"] = "0"
        else:
            stem = f"buy_{n}th_pre"
            answer |= {f"{stem}_bid": _signed(price, base), f"{stem}_req": str(qty)}
            answer[f"{stem}_req_pre"] = "0"
    answer |= {"tot_sel_req_jub_pre": "0", "tot_sel_req": str(depth.total_ask)}
    answer |= {"tot_buy_req": str(depth.total_bid), "tot_buy_req_jub_pre": "0"}
    answer |= {"ovt_sel_req_pre": "0", "ovt_sel_req": "0", "ovt_buy_req": "0"}
    answer["ovt_buy_req_pre"] = "0"
    return answer


def _signed(price: int, base: int) -> str:
    if not price:
        return "0"
    if price > base:
        return f"+{price}"
    return f"-{price}" if price < base else str(price)

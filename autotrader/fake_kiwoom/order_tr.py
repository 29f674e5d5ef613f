"""Order TRs: kt10000-kt10003 on ``/api/dostk/ordr``, kt10006-kt10009 on ``/crdordr``.

Buy or sell is the api-id, never ``trde_tp``. The price rules per ``trde_tp`` are the ones
NOTES.md lists; the tick grid and the +-30% limits come from ``autotrader.market``.
Order-failure faults are applied here because only here is "after accept" meaningful.
"""

from __future__ import annotations

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.credit_tr import check_credit_buy
from autotrader.fake_kiwoom.http import Drop, Hang, Reply, Response
from autotrader.fake_kiwoom.orders import BookEvent, Order, Refused
from autotrader.fake_kiwoom.rest import Body, RestContext, choice, json_response, number, text
from autotrader.market.ticks import is_on_grid
from autotrader.model.orders import Side

NEW = {"kt10000": Side.BUY, "kt10001": Side.SELL, "kt10006": Side.BUY, "kt10007": Side.SELL}
MODIFY = frozenset({"kt10002", "kt10008"})
CANCEL = frozenset({"kt10003", "kt10009"})
CREDIT = frozenset({"kt10006", "kt10007", "kt10008", "kt10009"})
EXCHANGES = frozenset({"KRX", "NXT", "SOR"})
TRDE_TPS = codes.TRDE_TPS
CREDIT_DEAL_TPS = frozenset({"33", "99"})  # 33 융자, 99 융자합


async def handle_order(ctx: RestContext, api_id: str, body: Body) -> Reply:
    """Run one order TR, with any injected failure of its answer."""
    failure = ctx.faults.take_order_failure()
    if failure is not None and not failure.after_accept:
        return _failed(failure.mode, {"return_msg": ""}, api_id)
    try:
        answer, events = _dispatch(ctx, api_id, body)
    except Refused as refused:
        answer, events = refused.body, []
    await ctx.publish(events)
    if failure is not None:
        return _failed(failure.mode, answer, api_id)
    return json_response(answer, api_id=api_id)


def _failed(mode: str, answer: Body, api_id: str) -> Reply:
    if mode == "timeout":
        return Hang()
    if mode == "http500":
        return Response(500, b"<html><body>Internal Server Error</body></html>")
    if mode == "no_return_code":
        return json_response({k: v for k, v in answer.items() if k != "return_code"}, api_id=api_id)
    return Drop()


def _dispatch(ctx: RestContext, api_id: str, body: Body) -> tuple[Body, list[BookEvent]]:
    exchange = _exchange(ctx, body)
    if api_id in NEW:
        order, events = _new(ctx, api_id, NEW[api_id], body, exchange)
        word = "신용 " if api_id in CREDIT else ""
        side = "매수" if order.side is Side.BUY else "매도"
        msg = f"{word}{side}주문이 완료되었습니다."
        return {"ord_no": order.ord_no, "dmst_stex_tp": exchange} | _ok(msg), events
    orig_no = text(body, "orig_ord_no")
    stk_cd = text(body, "stk_cd")
    if api_id in MODIFY:
        qty = number(body, "mdfy_qty")
        price = number(body, "mdfy_uv")
        cond = number(body, "mdfy_cond_uv", required=False)
        order, events = ctx.book.modify(orig_no, stk_cd, qty, price, cond)
        answer = {"ord_no": order.ord_no, "base_orig_ord_no": _root(ctx, order)}
        answer |= {"mdfy_qty": str(order.qty).zfill(12), "dmst_stex_tp": order.exchange}
        return answer | _ok(f"{_side_word(order)}정정 주문입력이 완료되었습니다"), events
    qty = number(body, "cncl_qty")
    order, events = ctx.book.cancel(orig_no, stk_cd, qty)
    answer = {"ord_no": order.ord_no, "base_orig_ord_no": _root(ctx, order)}
    answer |= {"cncl_qty": str(order.qty).zfill(12)}
    return answer | _ok(f"{_side_word(order)}취소 주문입력이 완료되었습니다"), events


def _new(
    ctx: RestContext, api_id: str, side: Side, body: Body, exchange: str
) -> tuple[Order, list[BookEvent]]:
    stk_cd = text(body, "stk_cd")
    qty = number(body, "ord_qty", minimum=1)
    order_type = choice(body, "trde_tp", TRDE_TPS)
    raw_price = text(body, "ord_uv", required=False)
    if order_type in codes.PRICED_TRDE_TPS:
        price = number(body, "ord_uv")
    elif raw_price:
        reason = f"{raw_price} (매매구분 {order_type}은 주문단가를 비워야 합니다)"
        raise Refused(codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, "ord_uv", reason))
    else:
        price = 0
    cond = number(body, "cond_uv", required=order_type == codes.STOP_LIMIT)
    if cond and not is_on_grid(cond):
        raise Refused(codes.rejected_body(codes.REJECT_OFF_GRID))
    extra: dict[str, object] = {"exchange": exchange, "cond_price": cond, "api_id": api_id}
    if api_id in CREDIT:
        extra["credit"] = True
    if api_id == "kt10007":
        deal = choice(body, "crd_deal_tp", CREDIT_DEAL_TPS)
        loan_dt = text(body, "crd_loan_dt", required=deal == "33")
        if loan_dt and (len(loan_dt) != 8 or not loan_dt.isdigit()):
            raise Refused(
                codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, "crd_loan_dt", loan_dt)
            )
        extra |= {"crd_deal_tp": deal, "crd_loan_dt": loan_dt}
    elif api_id == "kt10006":
        check_credit_buy(ctx, stk_cd)
        extra["crd_deal_tp"] = "33"
    return ctx.book.place(side, stk_cd, qty, order_type, price, **extra)


def _exchange(ctx: RestContext, body: Body) -> str:
    exchange = choice(body, "dmst_stex_tp", EXCHANGES)
    if ctx.mock and exchange != "KRX":
        reason = f"{exchange} (모의투자는 KRX만 지원합니다)"
        raise Refused(
            codes.error_body(codes.RC_BAD_REQUEST, codes.BAD_VALUE, "dmst_stex_tp", reason)
        )
    return exchange


def _root(ctx: RestContext, order: Order) -> str:
    """모주문번호: the first order of the modify/cancel chain ``order`` belongs to."""
    current = order
    while current.orig_ord_no and (parent := ctx.book.order(current.orig_ord_no)) is not None:
        current = parent
    return current.ord_no


def _side_word(order: Order) -> str:
    return "매수" if order.side is Side.BUY else "매도"


def _ok(msg: str) -> Body:
    return {"return_code": codes.RC_OK, "return_msg": msg}


def is_order_tr(api_id: str) -> bool:
    return api_id in NEW or api_id in MODIFY or api_id in CANCEL

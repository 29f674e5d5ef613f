"""Credit eligibility on ``/api/dostk/stkinfo``: ``kt20016`` (the list) and ``kt20017``
(one stock), and the refusal of a credit buy (``kt10006``) on a stock outside the list.

The guide shows only positive answers: ``kt20017`` ``crd_alow_yn`` reads
``"< A급 신용융자 가능 >"``. For a stock without a credit loan the fake answers
``"< 신용융자 불가 >"`` (an assumption: the words 가능/불가 are what a client must read).
``kt20016`` rows carry ``stk_cd`` with the ``A`` prefix, as the guide's example does.
The list itself is ``market_facts.CreditList``.
"""

from __future__ import annotations

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.http import Response
from autotrader.fake_kiwoom.orders import Refused
from autotrader.fake_kiwoom.rest import Body, RestContext, choice, json_response, pad, page, text

GRADES = frozenset("ABCDE")
DEPOSIT_RATE = {"A": "40%", "B": "45%", "C": "50%", "D": "60%", "E": "70%"}
DONE = {"return_code": 0, "return_msg": "조회가 완료되었습니다"}
REJECT_NO_CREDIT = "신용융자 불가 종목입니다"


def handle_credit(ctx: RestContext, api_id: str, body: Body, headers: dict[str, str]) -> Response:
    if api_id == "kt20017":
        stk_cd = text(body, "stk_cd")
        grade = ctx.credit.grade(stk_cd, ctx.book.base_prices)
        answer = f"< {grade}급 신용융자 가능 >" if grade else "< 신용융자 불가 >"
        return json_response({"crd_alow_yn": answer} | DONE, api_id=api_id)
    wanted = choice(body, "crd_stk_grde_tp", GRADES | {"%"}, required=False) or "%"
    choice(body, "mrkt_deal_tp", {"%", "0", "1"})
    one = text(body, "stk_cd", required=False)
    book = ctx.book
    rows: list[Body] = []
    for stk_cd, grade in ctx.credit.eligible(book.base_prices):
        if (wanted != "%" and grade != wanted) or (one and stk_cd != one):
            continue
        base = book.base_prices.get(stk_cd, 0)
        row = {"stk_cd": f"A{stk_cd}", "stk_nm": book.names.get(stk_cd, stk_cd)}
        row |= {"crd_assr_rt": DEPOSIT_RATE.get(grade, "45%"), "repl_pric": pad(base * 7 // 10, 12)}
        row |= {"pred_close_pric": pad(base, 12), "crd_limit_over_yn": "N"}
        row["crd_limit_over_txt"] = ""
        rows.append(row)
    chunk, resp_headers = page(ctx, api_id, rows, headers)
    return json_response(
        {"crd_loan_able": "", "crd_loan_pos_stk": chunk} | DONE, headers=resp_headers
    )


def check_credit_buy(ctx: RestContext, stk_cd: str) -> None:
    """Refuse a credit buy (kt10006) on a stock without a credit loan, as the broker does."""
    if stk_cd in ctx.book.base_prices and not ctx.credit.grade(stk_cd, ctx.book.base_prices):
        raise Refused(codes.rejected_body(REJECT_NO_CREDIT))

"""Credit eligibility queries: kt20017 read in words and cached per Korean day; kt20016."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from autotrader.broker.kiwoom.credit import CreditQueries, parse_eligible_list, parse_loan_answer
from autotrader.broker.kiwoom.rest import KiwoomRest
from tests.broker.kiwoom.kiwoom_fakes import FakeClock, FakeKiwoom, ok


@pytest.mark.parametrize(
    ("text", "eligible"),
    [
        ("< A급 신용융자 가능 >", True),
        ("< 신용융자 불가 >", False),
        ("신용융자 가능여부 불가", False),
        ("", False),
        (None, False),
    ],
)
def test_kt20017_is_available_only_when_it_says_so(text: object, eligible: bool) -> None:
    """Only 가능 without 불가 is 'available'; an empty or missing answer is not success."""
    answer = parse_loan_answer("005930", {"crd_alow_yn": text}, "20260101")
    assert answer.eligible is eligible and answer.day == "20260101"


def test_kt20016_rows_strip_the_prefix_and_drop_exceeded_limits() -> None:
    """A-prefixed codes are stocks; a row over the company limit is not a loan on offer."""
    rows = [
        {"stk_cd": "A039490", "crd_assr_rt": "45%", "crd_limit_over_yn": "N"},
        {"stk_cd": "A005930", "crd_assr_rt": "40%", "crd_limit_over_yn": "Y"},
        {"stk_nm": "no code"},
    ]
    assert parse_eligible_list(rows) == {"039490": "45%"}


@pytest.mark.anyio
async def test_kt20017_is_asked_once_per_stock_per_korean_day(
    kiwoom: FakeKiwoom, clock: FakeClock, make_rest: Callable[..., KiwoomRest]
) -> None:
    """A second ask the same day is served from the cache; the next day asks again."""
    kiwoom.script(
        "kt20017",
        ok({"crd_alow_yn": "< A급 신용융자 가능 >"}),
        ok({"crd_alow_yn": "< 신용융자 불가 >"}),
    )
    queries = CreditQueries(make_rest(), clock)
    first = await queries.loan("005930")
    again = await queries.loan("005930")
    clock.now += 86_400
    next_day = await queries.loan("005930")
    assert first is again and first.eligible
    assert not next_day.eligible and next_day.day != first.day
    assert len(kiwoom.calls("kt20017")) == 2
    assert kiwoom.calls("kt20017")[0].url.path == "/api/dostk/stkinfo"


@pytest.mark.anyio
async def test_kt20016_follows_pages(
    kiwoom: FakeKiwoom, make_rest: Callable[..., KiwoomRest]
) -> None:
    """The list is read to its last page."""
    row = {"stk_cd": "A039490", "crd_assr_rt": "45%", "crd_limit_over_yn": "N"}
    kiwoom.script(
        "kt20016",
        ok({"crd_loan_pos_stk": [row]}, **{"cont-yn": "Y", "next-key": "k1"}),
        ok({"crd_loan_pos_stk": [{**row, "stk_cd": "A005930"}]}),
    )
    listed = await CreditQueries(make_rest()).eligible_stocks()
    assert listed == {"039490": "45%", "005930": "45%"}

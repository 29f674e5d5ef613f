"""KiwoomRest: headers, retries by kind of request, throttle, continuation, secrecy."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.errors import (
    BrokerError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TokenInvalidError,
)
from tests.broker.kiwoom.kiwoom_fakes import (
    APPKEY,
    SECRETKEY,
    FakeClock,
    FakeKiwoom,
    ok,
    token_value,
)

MakeRest = Callable[..., KiwoomRest]
BAD_TOKEN = (200, {"return_code": 3, "return_msg": "[8005:Token이 유효하지 않습니다]"}, {})
RATE_LIMITED = (
    429,
    {"return_code": 5, "return_msg": "[1700:허용된 API 요청 개수를 초과하였습니다. 유량=5]"},
    {},
)
ORDER = {
    "dmst_stex_tp": "KRX",
    "stk_cd": "005930",
    "ord_qty": "1",
    "ord_uv": "",
    "trde_tp": "3",
    "cond_uv": "",
}


@pytest.mark.anyio
async def test_every_call_sets_kiwoom_headers(kiwoom: FakeKiwoom, make_rest: MakeRest) -> None:
    """api-id, Bearer token, JSON content type and cont-yn/next-key go on every request."""
    await make_rest().call("ka10075", {"all_stk_tp": "0"})
    request = kiwoom.calls("ka10075")[0]
    assert request.url.path == "/api/dostk/acnt"
    assert request.headers["authorization"] == f"Bearer {token_value(1)}"
    assert request.headers["content-type"] == "application/json;charset=UTF-8"
    assert (request.headers["cont-yn"], request.headers["next-key"]) == ("N", "")


@pytest.mark.anyio
async def test_query_renews_token_once_on_8005(kiwoom: FakeKiwoom, make_rest: MakeRest) -> None:
    """A query refused with 8005 is retried once with a fresh token."""
    kiwoom.script("ka10075", BAD_TOKEN, ok({"oso": []}))
    assert (await make_rest().call("ka10075", {}))["oso"] == []
    calls = kiwoom.calls("ka10075")
    assert [c.headers["authorization"] for c in calls] == [
        f"Bearer {token_value(1)}",
        f"Bearer {token_value(2)}",
    ]


@pytest.mark.anyio
async def test_query_refused_twice_raises_token_invalid(
    kiwoom: FakeKiwoom, make_rest: MakeRest
) -> None:
    """The renewal is tried once only."""
    kiwoom.script("ka10075", BAD_TOKEN, BAD_TOKEN, ok())
    with pytest.raises(TokenInvalidError):
        await make_rest().call("ka10075", {})
    assert len(kiwoom.calls("ka10075")) == 2


@pytest.mark.anyio
async def test_order_refused_for_its_token_is_resent_once_with_a_new_one(
    kiwoom: FakeKiwoom, make_rest: MakeRest
) -> None:
    """8005 proves the order was not read: the token is renewed and the order sent again
    once; a second 8005 is final."""
    kiwoom.script("kt10000", BAD_TOKEN, ok({"ord_no": "0000024"}))
    rest = make_rest()
    assert (await rest.call("kt10000", ORDER))["ord_no"] == "0000024"
    calls = kiwoom.calls("kt10000")
    assert [c.headers["authorization"] for c in calls] == [
        f"Bearer {token_value(1)}",
        f"Bearer {token_value(2)}",
    ]
    kiwoom.script("kt10001", BAD_TOKEN, BAD_TOKEN, ok({"ord_no": "1"}))
    with pytest.raises(TokenInvalidError):
        await rest.call("kt10001", ORDER)
    assert len(kiwoom.calls("kt10001")) == 2


@pytest.mark.anyio
async def test_query_backs_off_on_1700_then_succeeds(
    kiwoom: FakeKiwoom, make_rest: MakeRest, clock: FakeClock
) -> None:
    """Rate-limited queries wait with growing, jittered delays and are retried."""
    kiwoom.script("ka10076", RATE_LIMITED, RATE_LIMITED, ok({"cntr": []}))
    await make_rest(backoff_base=0.5).call("ka10076", {})
    assert len(kiwoom.calls("ka10076")) == 3
    backoffs = [d for d in clock.slept if d in (0.375, 0.75)]  # rng 0.5 -> 75% of 0.5, 1.0
    assert backoffs == [0.375, 0.75]


@pytest.mark.anyio
async def test_query_gives_up_after_max_retries(kiwoom: FakeKiwoom, make_rest: MakeRest) -> None:
    """Persistent rate limiting ends in RateLimitedError after max_query_retries."""
    kiwoom.script("ka10076", *[RATE_LIMITED] * 5)
    with pytest.raises(RateLimitedError):
        await make_rest(max_query_retries=2).call("ka10076", {})
    assert len(kiwoom.calls("ka10076")) == 3


@pytest.mark.anyio
async def test_throttle_spaces_requests_per_api_id(
    kiwoom: FakeKiwoom, make_rest: MakeRest, clock: FakeClock
) -> None:
    """Beyond the burst, requests to one api-id wait 1/rate seconds; other ids do not."""
    rest = make_rest(query_rate=4, query_burst=2)
    for _ in range(4):
        await rest.call("ka10075", {})
    await rest.call("ka10076", {})
    assert clock.slept == [0.25, 0.25]


@pytest.mark.anyio
async def test_order_rate_limited_is_resent_after_backoff_within_its_budget(
    kiwoom: FakeKiwoom, make_rest: MakeRest, clock: FakeClock
) -> None:
    """A 429 proves the order was not accepted: it is re-sent after growing back-offs
    until accepted, as long as the order's time budget lasts."""
    kiwoom.script("kt10000", RATE_LIMITED, RATE_LIMITED, RATE_LIMITED, ok({"ord_no": "24"}))
    rest = make_rest(backoff_base=0.2, backoff_cap=1.0, order_budget=5.0)
    assert (await rest.call("kt10000", ORDER))["ord_no"] == "24"
    assert len(kiwoom.calls("kt10000")) == 4
    # each 1700 holds every order for the back-off, then its api-id for a full
    # interval (1/s on the mock domain): one wait per retry
    assert [round(d, 6) for d in clock.slept] == [1.15, 1.3, 1.6]


@pytest.mark.anyio
async def test_order_rate_limited_past_its_budget_is_refused_not_sent(
    kiwoom: FakeKiwoom, make_rest: MakeRest, clock: FakeClock
) -> None:
    """A 1700 storm longer than the order's budget ends in RateLimitedError that says so."""
    kiwoom.script("kt10001", *[RATE_LIMITED] * 50)
    with pytest.raises(RateLimitedError) as info:
        await make_rest(backoff_base=0.5, backoff_cap=1.0, order_budget=2.0).call("kt10001", ORDER)
    sent = len(kiwoom.calls("kt10001"))
    assert 2 <= sent < 10
    assert "order budget 2s" in str(info.value)
    assert info.value.raw_answer.startswith("HTTP 429 return_code=5")


@pytest.mark.anyio
async def test_pacer_keeps_each_api_id_to_its_own_rate(
    kiwoom: FakeKiwoom, make_rest: MakeRest, clock: FakeClock
) -> None:
    """api_rates overrides one TR's budget; the others keep the default."""
    rest = make_rest(query_rate=4, query_burst=1, api_rates={"ka10076": 1.0})
    for _ in range(3):
        await rest.call("ka10076", {})
    assert clock.slept == [1.0, 1.0]
    for _ in range(2):
        await rest.call("ka10075", {})
    assert clock.slept[2:] == [0.25]


def test_default_rates_follow_the_domain() -> None:
    """NOTES.md: about 1/s per TR on mock, about 5/s on production (kept under)."""
    from tests.broker.kiwoom.kiwoom_fakes import settings

    assert settings().rate_for("ka10075", order=False) == 1.0
    prod = settings(domain="production", allow_production=True)
    assert prod.rate_for("kt10000", order=True) == 4.0
    assert settings(order_rate=2.5).rate_for("kt10000", order=True) == 2.5


@pytest.mark.anyio
async def test_answer_without_return_code_is_unknown_for_orders_and_an_error_for_queries(
    kiwoom: FakeKiwoom, make_rest: MakeRest
) -> None:
    """HTTP 200 without return_code is never success: an order is in doubt (sent once),
    a query is retried and then fails."""
    kiwoom.script("kt10000", (200, {"ord_no": "0000031"}, {}))
    with pytest.raises(OutcomeUnknownError) as info:
        await make_rest().call("kt10000", ORDER)
    assert len(kiwoom.calls("kt10000")) == 1
    assert "return_code='<absent>'" in info.value.raw_answer
    kiwoom.script("ka10075", *[(200, {"oso": []}, {})] * 3)
    with pytest.raises(BrokerError) as query:
        await make_rest(max_query_retries=2).call("ka10075", {})
    assert "without a return_code" in str(query.value)
    assert len(kiwoom.calls("ka10075")) == 3


@pytest.mark.anyio
async def test_order_timeout_is_outcome_unknown_and_not_resent(
    kiwoom: FakeKiwoom, make_rest: MakeRest
) -> None:
    """A read timeout on an order raises OutcomeUnknown after exactly one request."""
    kiwoom.script("kt10000", httpx.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknownError):
        await make_rest().call("kt10000", ORDER)
    assert len(kiwoom.calls("kt10000")) == 1


@pytest.mark.anyio
async def test_order_rejection_carries_its_code(kiwoom: FakeKiwoom, make_rest: MakeRest) -> None:
    """return_code 20 on an order is OrderRejected with code 20, sent once."""
    kiwoom.script("kt10000", (200, {"return_code": 20, "return_msg": "주문가능금액 부족"}, {}))
    with pytest.raises(OrderRejectedError) as info:
        await make_rest().call("kt10000", ORDER)
    assert info.value.return_code == 20 and len(kiwoom.calls("kt10000")) == 1


@pytest.mark.anyio
async def test_query_transport_failure_is_retried_then_retryable_error(
    kiwoom: FakeKiwoom, make_rest: MakeRest
) -> None:
    """Connection failures on queries are retried, then raised as a plain BrokerError."""
    kiwoom.script("ka10075", httpx.ConnectError("refused"), ok({"oso": []}))
    assert (await make_rest().call("ka10075", {}))["oso"] == []
    kiwoom.script("ka10076", *[httpx.ReadTimeout("slow")] * 3)
    with pytest.raises(BrokerError) as info:
        await make_rest(max_query_retries=2).call("ka10076", {})
    assert type(info.value) is BrokerError


@pytest.mark.anyio
async def test_call_all_follows_continuation(kiwoom: FakeKiwoom, make_rest: MakeRest) -> None:
    """cont-yn Y / next-key are echoed until the last page; rows are concatenated."""
    kiwoom.script(
        "ka10076",
        ok({"cntr": [{"ord_no": "1"}]}, **{"cont-yn": "Y", "next-key": "A"}),
        ok({"cntr": [{"ord_no": "2"}]}, **{"cont-yn": "Y", "next-key": "B"}),
        ok({"cntr": [{"ord_no": "3"}]}, **{"cont-yn": "N"}),
    )
    rows = await make_rest().call_all("ka10076", {"qry_tp": "0"}, "cntr")
    assert [r["ord_no"] for r in rows] == ["1", "2", "3"]
    sent = [(c.headers["cont-yn"], c.headers["next-key"]) for c in kiwoom.calls("ka10076")]
    assert sent == [("N", ""), ("Y", "A"), ("Y", "B")]
    assert {c.content for c in kiwoom.calls("ka10076")} == {b'{"qry_tp":"0"}'}


@pytest.mark.anyio
async def test_secrets_never_reach_errors_or_logs(
    kiwoom: FakeKiwoom, make_rest: MakeRest, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys and tokens appear neither in exception text nor in any log line."""
    caplog.set_level(logging.DEBUG)
    echo = f"[8005:bad {token_value(1)} {APPKEY}]"
    kiwoom.script("ka10075", (200, {"return_code": 3, "return_msg": echo}, {}), BAD_TOKEN)
    kiwoom.script("kt10000", httpx.ReadTimeout(f"timeout {token_value(2)}"))
    rest = make_rest()
    errors: list[str] = []
    for api_id, body in (("ka10075", {}), ("kt10000", ORDER)):
        with pytest.raises(BrokerError) as info:
            await rest.call(api_id, body)
        errors.append(str(info.value))
    await rest.tokens.revoke()
    text = "\n".join(errors) + caplog.text
    for secret in (APPKEY, SECRETKEY, token_value(1), token_value(2)):
        assert secret not in text

"""Mapping Kiwoom answers to the error tree."""

from __future__ import annotations

import pytest

from autotrader.broker.kiwoom.codes import error_from_answer, path_for, scrub
from autotrader.errors import (
    BadRequestError,
    BrokerError,
    CredentialsRejectedError,
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TokenInvalidError,
    UnknownInstrumentError,
)


@pytest.mark.parametrize("code", [0, "0", " 0 "])
def test_return_code_zero_as_int_or_string_is_success(code: object) -> None:
    """return_code 0 means success whether it is sent as an int or a string."""
    assert error_from_answer(200, {"return_code": code, "return_msg": "ok"}, "ka10075") is None


def test_empty_list_with_code_zero_is_success() -> None:
    """An empty result is not an error."""
    assert error_from_answer(200, {"return_code": 0, "oso": []}, "ka10075") is None


@pytest.mark.parametrize(
    "msg", ["[8005:Token이 유효하지 않습니다]", "[CODE=8005, Token이 유효하지 않습니다]"]
)
def test_bracketed_token_code_wins_over_small_return_code(msg: str) -> None:
    """The table's 8005 inside return_msg maps to TokenInvalid and becomes the code."""
    error = error_from_answer(200, {"return_code": "3", "return_msg": msg}, "ka10075")
    assert isinstance(error, TokenInvalidError)
    assert error.return_code == 8005


def test_small_token_code_without_bracket_is_token_invalid() -> None:
    """return_code 3 alone still means a bad token."""
    error = error_from_answer(200, {"return_code": 3, "return_msg": "expired"}, "ka10075")
    assert isinstance(error, TokenInvalidError)


@pytest.mark.parametrize("api_id", ["ka10075", "kt10000"])
def test_http_429_with_1700_is_rate_limited(api_id: str) -> None:
    """HTTP 429 with [1700:...] is a rate limit for queries and orders alike."""
    body = {"return_code": 5, "return_msg": "[1700:허용된 API 요청 개수를 초과하였습니다. 유량=5]"}
    error = error_from_answer(429, body, api_id)
    assert isinstance(error, RateLimitedError)
    assert error.return_code == 1700


def test_bare_429_is_rate_limited() -> None:
    """A 429 without a body is still a rate limit."""
    assert isinstance(error_from_answer(429, None, "ka10076"), RateLimitedError)


@pytest.mark.parametrize("code", [1701, 1702])
def test_total_and_group_limits_are_rate_limited(code: int) -> None:
    """1701 and 1702 are rate limits too."""
    body = {"return_code": 5, "return_msg": f"[{code}:limit]"}
    assert isinstance(error_from_answer(200, body, "ka10076"), RateLimitedError)


@pytest.mark.parametrize("code", [8030, 8031])
@pytest.mark.parametrize("api_id", ["token", "ka10075", "kt10000", "LOGIN"])
def test_domain_mismatch_names_the_setting_to_fix(code: int, api_id: str) -> None:
    """8030/8031 (production/mock keys on the other domain) say which setting to change."""
    from autotrader.errors import DomainMismatchError

    body = {"return_code": 3, "return_msg": f"[{code}:실전/모의 도메인이 맞지 않습니다]"}
    error = error_from_answer(200, body, api_id)
    assert isinstance(error, DomainMismatchError)
    assert isinstance(error, CredentialsRejectedError)
    assert error.return_code == code and "KIWOOM_DOMAIN" in str(error)


@pytest.mark.parametrize("api_id", ["kt10000", "kt10003", "kt10008"])
def test_order_answer_without_return_code_is_outcome_unknown(api_id: str) -> None:
    """HTTP 200 with a body but no return_code may still have been accepted: in doubt."""
    error = error_from_answer(200, {"ord_no": "0000001", "return_msg": ""}, api_id)
    assert isinstance(error, OutcomeUnknownError)
    assert error.raw_answer == "HTTP 200 return_code='<absent>' return_msg=''"


@pytest.mark.parametrize("api_id", ["ka10075", "kt00018", "token", "REG"])
def test_query_answer_without_return_code_is_an_error(api_id: str) -> None:
    """HTTP 200 without return_code is an error for queries, never a success."""
    error = error_from_answer(200, {"oso": []}, api_id)
    assert type(error) is BrokerError


def test_errors_keep_the_raw_code_and_message() -> None:
    """The small return_code and the message it came with survive the mapping."""
    body = {"return_code": 5, "return_msg": "[1700:허용된 API 요청 개수를 초과하였습니다. 유량=5]"}
    error = error_from_answer(429, body, "kt10000")
    assert error is not None and error.return_code == 1700
    assert error.raw_answer == f"HTTP 429 return_code=5 return_msg={body['return_msg']!r}"


@pytest.mark.parametrize("code", [8001, 8002])
def test_key_codes_are_credentials_rejected(code: int) -> None:
    """App key / secret key refusals tell the operator to fix the configuration."""
    body = {"return_code": 1, "return_msg": f"[{code}:App Key와 Secret Key 검증에 실패했습니다]"}
    assert isinstance(error_from_answer(200, body, "token"), CredentialsRejectedError)


def test_1903_is_unknown_instrument() -> None:
    """1903: no such stock on that exchange."""
    body = {"return_code": 1, "return_msg": "[1903:종목 정보가 없습니다]"}
    assert isinstance(error_from_answer(200, body, "kt10000"), UnknownInstrumentError)


def test_order_with_return_code_20_is_rejected() -> None:
    """A non-zero return_code on an order is a business rejection, with its code."""
    body = {"return_code": 20, "return_msg": "주문가능금액을 초과합니다"}
    error = error_from_answer(200, body, "kt10000")
    assert isinstance(error, OrderRejectedError)
    assert error.return_code == 20


def test_cancel_of_unknown_order_is_order_not_found() -> None:
    """A cancel naming an order Kiwoom does not know is OrderNotFound."""
    body = {"return_code": 20, "return_msg": "원주문번호가 존재하지 않습니다"}
    assert isinstance(error_from_answer(200, body, "kt10003"), OrderNotFoundError)


def test_missing_parameter_is_bad_request() -> None:
    """1511 (required value missing) is our mistake: BadRequest."""
    body = {"return_code": 2, "return_msg": "[1511:필수 입력 값에 값이 존재하지 않습니다]"}
    assert isinstance(error_from_answer(200, body, "ka10075"), BadRequestError)


def test_gateway_error_on_order_is_outcome_unknown() -> None:
    """A 5xx without a code says nothing about the order: outcome unknown."""
    assert isinstance(error_from_answer(502, None, "kt10001"), OutcomeUnknownError)


def test_gateway_error_on_query_is_plain_broker_error() -> None:
    """A 5xx on a query is the general, retryable BrokerError."""
    error = error_from_answer(503, None, "ka10075")
    assert type(error) is BrokerError


def test_messages_never_carry_token_shaped_text() -> None:
    """Anything shaped like a token is masked in the error message."""
    secret = "Egicyx" + "A" * 60
    body = {"return_code": 3, "return_msg": f"[8005:bad token {secret}]"}
    error = error_from_answer(200, body, "ka10075")
    assert error is not None
    assert secret not in str(error)
    assert "***" in scrub(f"x {secret}", (secret,))


def test_credit_orders_use_crdordr_path() -> None:
    """kt10006-kt10009 go to /api/dostk/crdordr, stock orders to /api/dostk/ordr."""
    assert path_for("kt10006") == path_for("kt10009") == "/api/dostk/crdordr"
    assert path_for("kt10000") == "/api/dostk/ordr"
    assert path_for("ka10076") == path_for("kt00018") == "/api/dostk/acnt"

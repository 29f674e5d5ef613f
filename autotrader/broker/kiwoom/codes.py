"""Kiwoom's api-ids, their URL paths, and the mapping of answers to the error tree.

Kiwoom reports most failures as HTTP 200 with a non-zero ``return_code``; the error
table's four-digit code often sits inside ``return_msg`` (``[8005:Token이 유효하지
않습니다]``, ``[CODE=8005, ...]``) while ``return_code`` holds a small number (3 for a bad
token, 5 for a rate limit, 20 for a rejected order). ``error_from_answer`` reads both and
picks the class by what the caller must do next:

    1700 1701 1702, HTTP 429, rc 5     RateLimitedError          wait, then retry
    8005 8003 8010, rc 3, 401          TokenInvalidError         renew; retry queries once
    8001 8002 8020 8040 8050           CredentialsRejectedError  stop: fix the keys
    8030 8031                          DomainMismatchError       stop: fix the domain setting
    1901 1902 1903                     UnknownInstrumentError    the symbol is wrong
    15xx 1687 8011 8012 8104, 4xx      BadRequestError           our request is wrong
    modify/cancel "no such order"      OrderNotFoundError        reconcile
    any other code on an order         OrderRejectedError        the order is dead
    5xx without a code on an order     OutcomeUnknownError       reconcile, never resend
    no return_code on an order         OutcomeUnknownError       reconcile, never resend
    anything else                      BrokerError               queries may retry

An answer that cannot be understood is never a success: a 2xx body without a readable
``return_code`` is an unknown outcome for an order and an error for everything else.
Every error keeps the raw ``return_code`` and ``return_msg`` (scrubbed) in ``raw_answer``
so the journal shows what Kiwoom actually said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from autotrader.errors import (
    BadRequestError,
    BrokerError,
    CredentialsRejectedError,
    DomainMismatchError,
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TokenInvalidError,
    UnknownInstrumentError,
)

ORDER_PATH = "/api/dostk/ordr"
CREDIT_ORDER_PATH = "/api/dostk/crdordr"
ACCOUNT_PATH = "/api/dostk/acnt"
CHART_PATH = "/api/dostk/chart"  # historical bars (ka10079-ka10081)
MARKET_PATH = "/api/dostk/mrkcond"
STOCK_INFO_PATH = "/api/dostk/stkinfo"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a URL path)
REVOKE_PATH = "/oauth2/revoke"

ORDER_API_IDS = frozenset({"kt10000", "kt10001", "kt10002", "kt10003"})
CREDIT_ORDER_API_IDS = frozenset({"kt10006", "kt10007", "kt10008", "kt10009"})
GOLD_ORDER_API_IDS = frozenset({"kt50000", "kt50001", "kt50002", "kt50003"})  # never retried
ALL_ORDER_API_IDS = ORDER_API_IDS | CREDIT_ORDER_API_IDS | GOLD_ORDER_API_IDS
_MODIFY_OR_CANCEL = frozenset({"kt10002", "kt10003", "kt10008", "kt10009", "kt50002", "kt50003"})

API_PATHS: dict[str, str] = {
    **{api_id: ORDER_PATH for api_id in ORDER_API_IDS | GOLD_ORDER_API_IDS},
    **{api_id: CREDIT_ORDER_PATH for api_id in CREDIT_ORDER_API_IDS},
    **{
        api_id: ACCOUNT_PATH
        for api_id in ("kt00001", "kt00007", "kt00010", "kt00018", "ka10075", "ka10076")
    },
    **{api_id: ACCOUNT_PATH for api_id in ("kt50020", "kt50021", "kt50030", "kt50031", "kt50075")},
    **{
        api_id: MARKET_PATH
        for api_id in ("ka10004", "ka10005", "ka10006", "ka10007", "ka10086", "ka10087")
    },
    **{api_id: CHART_PATH for api_id in ("ka10079", "ka10080", "ka10081")},
    **{api_id: STOCK_INFO_PATH for api_id in ("kt20016", "kt20017", "ka90004")},
}

RATE_LIMIT_CODES = frozenset({1700, 1701, 1702})
TOKEN_CODES = frozenset({8003, 8005, 8010})
CREDENTIAL_CODES = frozenset({8001, 8002, 8020, 8040, 8050})
DOMAIN_CODES = frozenset({8030, 8031})  # production/mock keys or token on the other domain
DOMAIN_SETTING = "KIWOOM_DOMAIN (or [kiwoom] domain in the configuration file)"
INSTRUMENT_CODES = frozenset({1901, 1902, 1903})
BAD_REQUEST_CODES = frozenset(
    {1501, 1504, 1505, 1511, 1512, 1513, 1514, 1515, 1516, 1517, 1687, 8011, 8012, 8104}
)
_SMALL_TOKEN_RC = 3  # return_code for an invalid or expired token when the message has none
_SMALL_RATE_RC = 5  # return_code for a rate limit

# "[8005:...]", "[CODE=8005, ...]", "[ 1700 : ...]"
_BRACKETED = re.compile(r"\[\s*(?:CODE\s*=\s*)?(\d{4})\s*[:,\]]", re.IGNORECASE)
# Anything shaped like a token or key: long runs without spaces. Kiwoom does not echo
# them, but a message must never carry one even if a server (or a proxy) did.
_SECRET_LIKE = re.compile(r"[A-Za-z0-9+/=_\-.]{32,}")
_NOT_FOUND_HINTS = ("원주문", "주문번호", "not found", "no such order")
_NOT_FOUND_VERBS = ("없", "존재하지", "not found", "no such")
_MAX_MESSAGE = 300


def path_for(api_id: str) -> str:
    """URL path of an api-id; unknown ids are a programming error."""
    try:
        return API_PATHS[api_id]
    except KeyError:
        raise BadRequestError(None, "no URL path known for this api-id", api_id=api_id) from None


def is_order(api_id: str) -> bool:
    """Orders are never retried after they may have left (see rest.py)."""
    return api_id in ALL_ORDER_API_IDS


def parse_return_code(value: object) -> int | None:
    """``return_code`` as an int, whether it came as int, "0", " 3 " or is missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    return None


def bracketed_code(message: str) -> int | None:
    """The error table's four-digit code inside ``return_msg``, if any."""
    match = _BRACKETED.search(message)
    return int(match.group(1)) if match else None


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove known secrets and anything token-shaped from a message, and bound its size."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _SECRET_LIKE.sub("***", text)
    return text[:_MAX_MESSAGE]


def error_from_answer(
    http_status: int, body: Mapping[str, Any] | None, api_id: str
) -> BrokerError | None:
    """The error an answer stands for, or None when it is a success.

    ``body`` is the decoded JSON object (None when the body was not JSON). An answer with
    ``return_code`` 0 is a success even when its list is empty; one without a readable
    ``return_code`` never is.
    """
    error = _error(http_status, body or {}, api_id)
    if error is not None:
        error.raw_answer = raw_answer(http_status, body)
    return error


def raw_answer(http_status: int, body: Mapping[str, Any] | None) -> str:
    """What Kiwoom said, verbatim but scrubbed and bounded: HTTP status, code and message."""
    body = body or {}
    rc = body.get("return_code", "<absent>")
    msg = body.get("return_msg", "<absent>")
    return scrub(f"HTTP {http_status} return_code={rc!r} return_msg={msg!r}")


def _error(http_status: int, body: Mapping[str, Any], api_id: str) -> BrokerError | None:
    rc = parse_return_code(body.get("return_code"))
    raw_msg = body.get("return_msg")
    message = scrub(raw_msg if isinstance(raw_msg, str) else "")
    table = bracketed_code(message)

    if rc == 0 and http_status < 400:
        return None
    if rc is None and table is None:
        if 200 <= http_status < 300:
            text = f"HTTP {http_status} answer without a return_code"
            if is_order(api_id):  # it may have been accepted: reconcile, never resend
                return OutcomeUnknownError(None, text, api_id=api_id)
            return BrokerError(None, text, api_id=api_id)
        return _from_status(http_status, message, api_id)

    code = table if table is not None else rc
    text = message or f"HTTP {http_status}"
    if http_status == 429 or code in RATE_LIMIT_CODES or (table is None and rc == _SMALL_RATE_RC):
        return RateLimitedError(code, text, api_id=api_id)
    if code in TOKEN_CODES or (table is None and rc == _SMALL_TOKEN_RC):
        return TokenInvalidError(code, text, api_id=api_id)
    if code in DOMAIN_CODES:
        return DomainMismatchError(
            code,
            f"{text} -- production/mock mismatch: the keys or token belong to the other "
            f"domain; set {DOMAIN_SETTING} to the domain the keys were issued for",
            api_id=api_id,
        )
    if code in CREDENTIAL_CODES:
        return CredentialsRejectedError(code, text, api_id=api_id)
    if code in INSTRUMENT_CODES:
        return UnknownInstrumentError(code, text, api_id=api_id)
    if code in BAD_REQUEST_CODES:
        return BadRequestError(code, text, api_id=api_id)
    if is_order(api_id):
        if api_id in _MODIFY_OR_CANCEL and _says_not_found(message):
            return OrderNotFoundError(code, text, api_id=api_id)
        return OrderRejectedError(code, text, api_id=api_id)
    return BrokerError(code, text, api_id=api_id)


def _says_not_found(message: str) -> bool:
    lowered = message.lower()
    return any(h in lowered for h in _NOT_FOUND_HINTS) and any(
        v in lowered for v in _NOT_FOUND_VERBS
    )


def _from_status(http_status: int, message: str, api_id: str) -> BrokerError:
    text = message or f"HTTP {http_status} without a return_code"
    if http_status == 429:
        return RateLimitedError(None, text, api_id=api_id)
    if http_status == 401:
        return TokenInvalidError(None, text, api_id=api_id)
    if http_status >= 500 and is_order(api_id):
        # A gateway error says nothing about whether the order reached the exchange.
        return OutcomeUnknownError(None, text, api_id=api_id)
    if 400 <= http_status < 500:
        return BadRequestError(None, text, api_id=api_id)
    return BrokerError(None, text, api_id=api_id)

"""Kiwoom's answer codes, as the fake server sends them.

The guide's error table gives four-digit codes (``8005``, ``1511``...) and Kiwoom puts them
inside ``return_msg`` as ``[8005:Token이 유효하지 않습니다]`` while ``return_code`` holds a
small number. NOTES.md fixes 3 (token) and 5 (rate limit) and 20 (order rejected); the
other small numbers are not documented, so they are chosen here once and named, letting
a client that parses both fields pass against Kiwoom too.
"""

from __future__ import annotations

from typing import Any

# return_code values (the small number).
RC_OK = 0
RC_BAD_REQUEST = 2  # undocumented: header/parameter problems (15xx, 1903)
RC_TOKEN = 3  # NOTES.md: invalid or expired token (8005)
RC_CREDENTIALS = 3  # undocumented: appkey/secretkey refused at /oauth2/token (8001...)
RC_RATE_LIMIT = 5  # NOTES.md: HTTP 429 with 1700
RC_REJECTED = 20  # NOTES.md: a rejected order, reason in return_msg

# Table codes (the four-digit number inside return_msg).
API_ID_MISSING = 1501
API_ID_WRONG_URI = 1504
API_ID_UNKNOWN = 1505
REQUIRED_MISSING = 1511
HEADER_UNREADABLE = 1512
AUTH_MISSING = 1513
AUTH_MALFORMED = 1514
AUTH_GRANT_TYPE = 1515
AUTH_NO_TOKEN = 1516
BAD_VALUE = 1517
RATE_LIMIT = 1700
UNKNOWN_STOCK = 1903
KEYS_REJECTED = 8001
TOKEN_INVALID = 8005
DOMAIN_KEYS = 8030  # production keys on the mock domain, or the reverse
DOMAIN_TOKEN = 8031  # a token of the other domain
GRANT_TYPE_MISSING = 8011
GRANT_TYPE_WRONG = 8012
REVOKE_NO_TOKEN = 8016
KEYS_MISSING = 8020
NOT_IN_MOCK = 8104

MESSAGES: dict[int, str] = {
    API_ID_MISSING: "API ID가 Null이거나 값이 없습니다",
    API_ID_WRONG_URI: "해당 URI에서는 지원하지는 API ID가 아닙니다. API ID={}, URI={}",
    API_ID_UNKNOWN: "해당 API ID는 존재하지 않습니다. API ID={}",
    REQUIRED_MISSING: "필수 입력 값에 값이 존재하지 않습니다. 필수입력 파라미터={}",
    HEADER_UNREADABLE: "Http header에 값이 설정되지 않았거나 읽을 수 없습니다",
    AUTH_MISSING: "Http Header에 authorization 필드가 설정되어 있어야 합니다",
    AUTH_MALFORMED: "입력으로 들어온 Http Header의 authorization 필드 형식이 맞지 않습니다",
    AUTH_GRANT_TYPE: "Http Header의 authorization 필드 내 Grant Type이 미리 정의된 형식이 아닙니다",
    AUTH_NO_TOKEN: "Http Header의 authorization 필드 내 Token이 정의되어 있지 않습니다",
    BAD_VALUE: "입력 값 형식이 올바르지 않습니다. 파라미터={} 실패사유= {}",
    RATE_LIMIT: "허용된 API 요청 개수를 초과하였습니다. 유량={}, API ID={}",
    UNKNOWN_STOCK: "거래소에 해당 종목이 없습니다. 종목코드={}",
    KEYS_REJECTED: "App Key와 Secret Key 검증에 실패했습니다",
    TOKEN_INVALID: "Token이 유효하지 않습니다",
    DOMAIN_KEYS: "실전투자와 모의투자 App Key가 맞지 않습니다",
    DOMAIN_TOKEN: "실전투자와 모의투자 Token이 맞지 않습니다",
    GRANT_TYPE_MISSING: (
        "Access Token을 발급하는데 실패했습니다. 입력값에 grant_type이 들어오지 않았습니다"
    ),
    GRANT_TYPE_WRONG: "Access Token을 발급하는데 실패했습니다. grant_type의 값이 맞지 않습니다",
    REVOKE_NO_TOKEN: "Access Token을 폐기하는데 실패했습니다. 입력값에 Token이 들어오지 않았습니다",
    KEYS_MISSING: "입력파라미터로 appkey 또는 secretkey가 들어오지 않습니다.",
    NOT_IN_MOCK: "모의투자에서는 지원하지 않는 API입니다. API ID={}",
}

# Rejection reasons (return_code 20): the exchange's words, no table code exists.
REJECT_OFF_GRID = "주문가격이 호가단위에 맞지 않습니다"
REJECT_LIMITS = "주문가격이 상하한가 범위를 벗어났습니다"
REJECT_NO_CASH = "주문가능금액이 부족합니다"
REJECT_NO_SHARES = "매도가능수량이 부족합니다"
REJECT_NO_ORDER = "원주문번호가 존재하지 않습니다"
REJECT_NOTHING_LEFT = "정정/취소 가능수량이 없습니다"
REJECT_QTY = "주문수량이 올바르지 않습니다"

# Websocket codes.
SYS_DUPLICATE_LOGIN = "R10001"
SYS_NO_HEARTBEAT = "R10002"
SYS_NOT_LOGGED_IN = "R10004"
REG_TOO_MANY = 105115  # REG refused: too many items (seen in traffic, six digits)
LOGIN_REFUSED = 100013  # six digits as seen in traffic; the exact number is undocumented


def table_msg(code: int, *args: object) -> str:
    """``[8005:Token이 유효하지 않습니다]``: the table code wrapped the way Kiwoom sends it."""
    return f"[{code}:{MESSAGES[code].format(*args)}]"


def error_body(return_code: int, code: int, *args: object) -> dict[str, Any]:
    return {"return_code": return_code, "return_msg": table_msg(code, *args)}


def rejected_body(reason: str) -> dict[str, Any]:
    return {"return_code": RC_REJECTED, "return_msg": reason}


# trde_tp codes the order TRs accept, and those that need a price (ord_uv) (NOTES.md).
TRDE_TPS = frozenset(
    {"0", "3", "5", "6", "7", "10", "13", "16", "20", "23", "26", "28", "29", "30", "31"}
    | {"61", "62", "81"}
)
PRICED_TRDE_TPS = frozenset({"0", "5", "10", "20", "28", "62"})
STOP_LIMIT = "28"

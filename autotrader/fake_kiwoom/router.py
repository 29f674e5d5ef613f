"""The REST front door: token endpoints, header checks, rate limits, then the TR handler.

Checks run in the order a gateway would: URL, api-id (1501/1505/1504), content-type
(1512), authorization (1513-1516, then 8005), rate limit (HTTP 429, 1700), body (1517).
"""

from __future__ import annotations

import collections
from collections.abc import Callable

import orjson

from autotrader.fake_kiwoom import codes
from autotrader.fake_kiwoom.account_tr import handle_account
from autotrader.fake_kiwoom.auth import TokenStore, expires_dt, hhmmss, http_date
from autotrader.fake_kiwoom.chart_tr import CHART_IDS, DAILY_PRICES_ID, handle_chart
from autotrader.fake_kiwoom.credit_tr import handle_credit
from autotrader.fake_kiwoom.gold_tr import ACCOUNT_IDS as GOLD_ACCOUNT
from autotrader.fake_kiwoom.gold_tr import ORDER_IDS as GOLD_ORDERS
from autotrader.fake_kiwoom.gold_tr import handle_gold_account, handle_gold_order
from autotrader.fake_kiwoom.http import Reply, Request, Response
from autotrader.fake_kiwoom.order_tr import handle_order
from autotrader.fake_kiwoom.orders import Refused
from autotrader.fake_kiwoom.program_tr import handle_program
from autotrader.fake_kiwoom.quotes import handle_quotes
from autotrader.fake_kiwoom.rest import Body, RestContext, json_response

ROUTES: dict[str, frozenset[str]] = {
    "/api/dostk/ordr": frozenset({"kt10000", "kt10001", "kt10002", "kt10003"}) | GOLD_ORDERS,
    "/api/dostk/crdordr": frozenset({"kt10006", "kt10007", "kt10008", "kt10009"}),
    "/api/dostk/acnt": frozenset({"kt00001", "kt00007", "kt00010", "kt00018", "ka10075", "ka10076"})
    | GOLD_ACCOUNT,
    "/api/dostk/chart": CHART_IDS,
    "/api/dostk/mrkcond": frozenset({DAILY_PRICES_ID, "ka10004"}),  # chart_tr, quotes.py
    "/api/dostk/stkinfo": frozenset({"kt20016", "kt20017", "ka90004"}),  # credit/program_tr
}
KNOWN = frozenset().union(*ROUTES.values())
INJECTED_RATE = 5  # the 유량 figure quoted in injected 1700 answers, as seen in traffic


class Router:
    """Turns one HTTP request into Kiwoom's answer."""

    def __init__(
        self,
        ctx: RestContext,
        tokens: TokenStore,
        *,
        clock: Callable[[], float],
        rate_per_sec: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self.clock = clock
        self.rate_per_sec = rate_per_sec
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )

    async def __call__(self, req: Request) -> Reply:
        try:
            if req.path == "/oauth2/token":
                return self._issue(_parse(req))
            if req.path == "/oauth2/revoke":
                return self._revoke(_parse(req))
            if req.path not in ROUTES:
                return Response(404, b'{"return_code":1,"return_msg":"Not Found"}')
            api_id = self._check_headers(req)
            if self._over_limit(api_id):
                body = codes.error_body(codes.RC_RATE_LIMIT, codes.RATE_LIMIT, self._rate(), api_id)
                return json_response(body, api_id=api_id, status=429)
            body = _parse(req)
            if api_id in CHART_IDS or api_id == DAILY_PRICES_ID:
                return handle_chart(self.ctx, self.ctx.tape, api_id, body, req.headers)
            if api_id in GOLD_ACCOUNT:
                return handle_gold_account(self.ctx, api_id, body, req.headers)
            if api_id in GOLD_ORDERS:
                return await handle_gold_order(self.ctx, api_id, body)
            if api_id in ROUTES["/api/dostk/acnt"]:
                return handle_account(self.ctx, api_id, body, req.headers)
            if api_id == "ka10004":
                return handle_quotes(self.ctx, api_id, body, hhmmss(self.clock()))
            if api_id == "ka90004":
                return handle_program(self.ctx, api_id, body, req.headers)
            if api_id in ROUTES["/api/dostk/stkinfo"]:
                return handle_credit(self.ctx, api_id, body, req.headers)
            return await handle_order(self.ctx, api_id, body)
        except Refused as refused:
            return json_response(refused.body, api_id=req.headers.get("api-id", ""))

    def _check_headers(self, req: Request) -> str:
        api_id = req.headers.get("api-id", "")
        if not api_id:
            raise _bad(codes.API_ID_MISSING)
        if api_id not in KNOWN:
            raise _bad(codes.API_ID_UNKNOWN, api_id)
        if api_id not in ROUTES[req.path]:
            raise _bad(codes.API_ID_WRONG_URI, api_id, req.path)
        content_type = req.headers.get("content-type", "").replace(" ", "").lower()
        if not content_type.startswith("application/json"):
            raise _bad(codes.HEADER_UNREADABLE)
        auth = req.headers.get("authorization", "")
        if not auth:
            raise _bad(codes.AUTH_MISSING)
        scheme, _, token = auth.partition(" ")
        if not _:
            raise _bad(codes.AUTH_MALFORMED)
        if scheme.lower() != "bearer":
            raise _bad(codes.AUTH_GRANT_TYPE)
        if not token.strip():
            raise _bad(codes.AUTH_NO_TOKEN)
        if self.tokens.valid(token.strip()) is None:
            raise Refused(codes.error_body(codes.RC_TOKEN, codes.TOKEN_INVALID))
        if self.ctx.faults.domain_mismatch is not None:
            raise Refused(codes.error_body(codes.RC_TOKEN, codes.DOMAIN_TOKEN))
        return api_id

    def _over_limit(self, api_id: str) -> bool:
        if self.ctx.faults.take_rate_limit(api_id):
            return True
        if self.rate_per_sec is None:
            return False
        now, recent = self.clock(), self._recent[api_id]
        while recent and recent[0] <= now - 1.0:
            recent.popleft()
        if len(recent) >= self.rate_per_sec:
            return True
        recent.append(now)
        return False

    def _rate(self) -> int:
        return self.rate_per_sec or INJECTED_RATE

    def _issue(self, body: Body) -> Response:
        grant = body.get("grant_type")
        if not grant:
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.GRANT_TYPE_MISSING))
        if grant != "client_credentials":
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.GRANT_TYPE_WRONG))
        appkey, secretkey = str(body.get("appkey") or ""), str(body.get("secretkey") or "")
        if not appkey or not secretkey:
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.KEYS_MISSING))
        if not self.tokens.keys_match(appkey, secretkey):
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.KEYS_REJECTED))
        if self.ctx.faults.domain_mismatch is not None:
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.DOMAIN_KEYS))
        info = self.tokens.issue()
        offset = self.ctx.faults.clock_offset  # the venue's clock, as its answers show it
        answer: Body = {"expires_dt": expires_dt(info.expires_at + offset), "token_type": "bearer"}
        answer |= {"token": info.token, "return_code": 0, "return_msg": "정상적으로 처리되었습니다"}
        return json_response(answer, headers={"date": http_date(self.clock() + offset)})

    def _revoke(self, body: Body) -> Response:
        appkey, secretkey = str(body.get("appkey") or ""), str(body.get("secretkey") or "")
        if not appkey or not secretkey:
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.KEYS_MISSING))
        if not self.tokens.keys_match(appkey, secretkey):
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.KEYS_REJECTED))
        token = str(body.get("token") or "")
        if not token:
            return json_response(codes.error_body(codes.RC_CREDENTIALS, codes.REVOKE_NO_TOKEN))
        if not self.tokens.revoke(token):
            return json_response(codes.error_body(codes.RC_TOKEN, codes.TOKEN_INVALID))
        return json_response({"return_code": 0, "return_msg": "정상적으로 처리되었습니다"})


def _parse(req: Request) -> Body:
    try:
        body = orjson.loads(req.body or b"{}")
    except orjson.JSONDecodeError:
        raise _bad(codes.BAD_VALUE, "body", "JSON 형식 오류") from None
    if not isinstance(body, dict):
        raise _bad(codes.BAD_VALUE, "body", "JSON 객체가 아님")
    return body


def _bad(code: int, *args: object) -> Refused:
    return Refused(codes.error_body(codes.RC_BAD_REQUEST, code, *args))

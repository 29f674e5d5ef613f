"""Fakes for the Kiwoom client tests: settings, a scripted REST server, a fake clock."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from autotrader.broker.kiwoom.settings import KiwoomSettings

APPKEY = "APPKEY-very-secret-0123456789abcdefghijklmnop"
SECRETKEY = "SECRETKEY-very-secret-0123456789abcdefghijkl"
EXPIRES = "20300101120000"  # far future, Korea time

Answer = tuple[int, dict[str, Any], dict[str, str]]


def token_value(n: int) -> str:
    return f"TOKEN{n:02d}-" + "x" * 40


@dataclass
class FakeClock:
    """Monotonic and wall time that only move when told to (or when slept on)."""

    now: float = 1_767_225_600.0  # 2026-01-01 09:00:00 KST
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay


class FakeKiwoom:
    """An ``httpx.MockTransport`` handler: tokens on demand, scripted answers per api-id."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.scripts: dict[str, deque[Answer | Exception]] = {}
        self.tokens_issued = 0
        self.revoked: list[dict[str, Any]] = []
        self.expires_dt = EXPIRES
        self.date = ""  # an HTTP Date header on token answers (the server's clock)

    def script(self, api_id: str, *answers: Answer | Exception) -> None:
        self.scripts.setdefault(api_id, deque()).extend(answers)

    def calls(self, api_id: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.headers.get("api-id") == api_id]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth2/token":
            self.tokens_issued += 1
            return _json(
                200,
                {
                    "token": token_value(self.tokens_issued),
                    "token_type": "bearer",
                    "expires_dt": self.expires_dt,
                    "return_code": 0,
                    "return_msg": "정상적으로 처리되었습니다",
                },
                {"date": self.date} if self.date else None,
            )
        if request.url.path == "/oauth2/revoke":
            self.revoked.append(orjson.loads(request.content))
            return _json(200, {"return_code": 0, "return_msg": "ok"})
        api_id = request.headers["api-id"]
        queue = self.scripts.get(api_id)
        if not queue:
            return _json(200, {"return_code": 0, "return_msg": "조회가 완료되었습니다"})
        answer = queue.popleft()
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        return _json(status, body, headers)


def _json(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers=headers or {})


def ok(body: dict[str, Any] | None = None, **headers: str) -> Answer:
    return 200, {"return_code": 0, "return_msg": "ok", **(body or {})}, headers


def settings(**overrides: Any) -> KiwoomSettings:
    values: dict[str, Any] = {
        "appkey": APPKEY,
        "secretkey": SECRETKEY,
        "rest_url": "http://127.0.0.1:9",
    }
    values.update(overrides)
    return KiwoomSettings(**values)

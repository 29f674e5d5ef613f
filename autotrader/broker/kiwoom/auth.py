"""The access token: obtained, renewed ahead of ``expires_dt``, invalidated, revoked.

Kiwoom's token answer carries its own expiry (``expires_dt``, YYYYMMDDHHMMSS in Korea
time); we read it instead of assuming a lifetime. The lifetime is measured against the
server's own clock (the answer's HTTP ``Date`` header) when it sends one, so a local clock
minutes off does not make a fresh token look expired (or an old one fresh). The token is
renewed ahead of expiry by a margin relative to that lifetime (``renew_margin``: 10% by
default, at least a few seconds, at most 300 s, never more than half of it), so a 60 s
token is not renewed on every call and a 24 h one is not kept to its last second. A token
refused with 8005 is dropped with ``invalidate()`` and the next ``token()`` fetches a new
one. Only one renewal runs at a time: concurrent callers wait on the lock and reuse its
result.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from autotrader.broker.kiwoom.codes import REVOKE_PATH, TOKEN_PATH, error_from_answer, scrub
from autotrader.broker.kiwoom.settings import KiwoomSettings
from autotrader.errors import BrokerError

log = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")
_FALLBACK_LIFETIME = 600.0  # seconds, when an answer lacks a readable expires_dt
_HEADERS = {"content-type": "application/json;charset=UTF-8"}


def parse_expires_dt(text: str) -> float | None:
    """``YYYYMMDDHHMMSS`` in Asia/Seoul -> epoch seconds; None if unreadable."""
    try:
        naive = datetime.strptime(text.strip(), "%Y%m%d%H%M%S")  # noqa: DTZ007 (zone below)
    except (ValueError, AttributeError):
        return None
    return naive.replace(tzinfo=SEOUL).timestamp()


def renew_margin(lifetime: float, settings: KiwoomSettings) -> float:
    """Seconds before expiry to renew a token that lives ``lifetime`` seconds."""
    margin = max(settings.token_renew_min, settings.token_renew_fraction * lifetime)
    return max(0.0, min(margin, settings.token_renew_margin, lifetime / 2))


def server_time(date_header: str | None) -> float | None:
    """The HTTP ``Date`` header as epoch seconds, or None when absent or unreadable."""
    if not date_header:
        return None
    try:
        return parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: float  # local clock
    margin: float = 0.0

    def __repr__(self) -> str:
        return f"_Token(value='***', expires_at={self.expires_at}, margin={self.margin})"


class TokenManager:
    """Hands out a valid token, renewing it ahead of expiry; ``clock`` is epoch seconds."""

    def __init__(
        self,
        settings: KiwoomSettings,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._client = client
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    @property
    def expires_at(self) -> float | None:
        return self._token.expires_at if self._token else None

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never appear in a message or a log line."""
        keys = (
            self._settings.appkey.get_secret_value(),
            self._settings.secretkey.get_secret_value(),
        )
        return (*keys, self._token.value) if self._token else keys

    @property
    def margin(self) -> float | None:
        """Seconds before expiry the current token is renewed (None: no token yet)."""
        return self._token.margin if self._token else None

    def _valid(self, token: _Token | None) -> bool:
        return token is not None and self._clock() < token.expires_at - token.margin

    async def token(self) -> str:
        """A token valid for at least its margin more, renewing if needed."""
        current = self._token
        if current is not None and self._valid(current):
            return current.value
        async with self._lock:
            current = self._token
            if current is None or not self._valid(current):
                current = await self._issue()
                self._token = current
            return current.value

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (8005); with ``token``, only if it is still the current one.

        Naming the refused token keeps a late failure from discarding a token that a
        concurrent caller has already renewed.
        """
        if self._token is not None and (token is None or self._token.value == token):
            self._token = None

    async def revoke(self) -> None:
        """Revoke the current token at shutdown; failures are logged, not raised."""
        token = self._token
        self._token = None
        if token is None:
            return
        body = {
            "appkey": self._settings.appkey.get_secret_value(),
            "secretkey": self._settings.secretkey.get_secret_value(),
            "token": token.value,
        }
        try:
            status, answer, _ = await self._post(REVOKE_PATH, body)
        except BrokerError as exc:
            log.warning("token revoke failed: %s", exc)
            return
        error = error_from_answer(status, answer, "revoke")
        if error is not None:
            log.warning("token revoke refused: %s", error)

    async def _issue(self) -> _Token:
        body = {
            "grant_type": "client_credentials",
            "appkey": self._settings.appkey.get_secret_value(),
            "secretkey": self._settings.secretkey.get_secret_value(),
        }
        status, answer, date = await self._post(TOKEN_PATH, body)
        error = error_from_answer(status, answer, "token")
        if error is not None:
            error.message = scrub(error.message, self.secrets())
            raise error
        value = answer.get("token")
        if not isinstance(value, str) or not value:
            raise BrokerError(None, "token answer without a token", api_id="token")
        now = self._clock()
        expires_dt = parse_expires_dt(str(answer.get("expires_dt", "")))
        if expires_dt is None:
            log.warning("token answer without a readable expires_dt; renewing in 10 minutes")
            lifetime = _FALLBACK_LIFETIME
        else:
            # The lifetime on the server's clock when it says what time it is, else ours.
            lifetime = expires_dt - (server_time(date) or now)
        if lifetime <= 0:
            log.warning("token answer already expired by its own expires_dt; using it once")
            lifetime = 0.0
        margin = renew_margin(lifetime, self._settings)
        log.info(
            "token issued, lifetime %.0fs, renewed %.1fs before expiry (%s local)",
            lifetime, margin, _fmt(now + lifetime),
        )  # fmt: skip
        return _Token(value, now + lifetime, margin)

    async def _post(self, path: str, body: dict[str, str]) -> tuple[int, dict[str, Any], str]:
        try:
            response = await self._client.post(
                self._settings.base_url + path,
                content=orjson.dumps(body),
                headers=_HEADERS,
                timeout=httpx.Timeout(
                    self._settings.read_timeout, connect=self._settings.connect_timeout
                ),
            )
        except httpx.HTTPError as exc:
            # Name the failure, not its text: some transports echo request details.
            raise BrokerError(
                None, f"token endpoint unreachable ({type(exc).__name__})", api_id="token"
            ) from None
        try:
            decoded = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            decoded = None
        date = response.headers.get("date", "")
        return response.status_code, decoded if isinstance(decoded, dict) else {}, date


def _fmt(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, SEOUL).strftime("%Y-%m-%d %H:%M:%S KST")

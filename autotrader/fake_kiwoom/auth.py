"""Tokens as ``/oauth2/token`` hands them out: opaque strings with a Korea-time expiry.

Kiwoom may return the same token while it is still valid, so asking twice is harmless;
``expire_all`` is the fault that makes every token fail with 8005 from now on.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


@dataclass(slots=True)
class TokenInfo:
    token: str
    appkey: str
    expires_at: float  # epoch seconds
    revoked: bool = False


class TokenStore:
    """Issues, checks and revokes tokens for one appkey/secretkey pair."""

    def __init__(
        self, appkey: str, secretkey: str, *, ttl: float, clock: Callable[[], float]
    ) -> None:
        self.appkey = appkey
        self.secretkey = secretkey
        self.ttl = ttl
        self._clock = clock
        self._tokens: dict[str, TokenInfo] = {}

    def keys_match(self, appkey: str, secretkey: str) -> bool:
        return secrets.compare_digest(appkey, self.appkey) and secrets.compare_digest(
            secretkey, self.secretkey
        )

    def issue(self) -> TokenInfo:
        """The current valid token if there is one, else a fresh one."""
        for info in self._tokens.values():
            if self.valid(info.token):
                return info
        info = TokenInfo(secrets.token_urlsafe(48), self.appkey, self._clock() + self.ttl)
        self._tokens[info.token] = info
        return info

    @property
    def issued(self) -> list[str]:
        """Every token issued so far (tests check none of them leaks)."""
        return list(self._tokens)

    def valid(self, token: str) -> TokenInfo | None:
        info = self._tokens.get(token)
        if info is None or info.revoked or info.expires_at <= self._clock():
            return None
        return info

    def revoke(self, token: str) -> bool:
        info = self._tokens.get(token)
        if info is None:
            return False
        info.revoked = True
        return True

    def expire_all(self) -> None:
        now = self._clock()
        for info in self._tokens.values():
            info.expires_at = min(info.expires_at, now)


def expires_dt(epoch: float) -> str:
    """``YYYYMMDDHHMMSS`` in Korea time, as ``expires_dt`` carries it."""
    return datetime.fromtimestamp(epoch, KST).strftime("%Y%m%d%H%M%S")


def hhmmss(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, KST).strftime("%H%M%S")


def http_date(epoch: float) -> str:
    """An HTTP ``Date`` header value (RFC 9110, GMT)."""
    return format_datetime(datetime.fromtimestamp(epoch, UTC), usegmt=True)

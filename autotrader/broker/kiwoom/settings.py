"""Where Kiwoom lives and who we are to it: domain, URLs, credentials, timeouts, rates.

Credentials come from the environment (``KIWOOM_APPKEY``, ``KIWOOM_SECRETKEY``) or from a
private ``.env`` file, never from a strategy file: strategies are shared and versioned,
keys are not. A ``.env`` readable by group or others is refused rather than trusted.
Trading the production domain needs ``allow_production=True`` said explicitly.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_serializer, model_validator

from autotrader.errors import ConfigError
from autotrader.safetext import public_url
from autotrader.settings_check import unknown_env_keys

Domain = Literal["mock", "production"]

_REST_URLS: dict[str, str] = {
    "mock": "https://mockapi.kiwoom.com",
    "production": "https://api.kiwoom.com",
}
_WS_PATH = "/api/dostk/websocket"
# Requests/second per api-id by default: NOTES.md reports about 1/s per TR on the mock
# domain and about 5/s on production; stay just under.
_DEFAULT_RATES: dict[str, float] = {"mock": 1.0, "production": 4.0}
_WS_URLS: dict[str, str] = {
    "mock": f"wss://mockapi.kiwoom.com:10000{_WS_PATH}",
    "production": f"wss://api.kiwoom.com:10000{_WS_PATH}",
}


class KiwoomSettings(BaseModel):
    """Everything the Kiwoom client needs; secrets are ``SecretStr`` (masked in str/repr)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: Domain = "mock"
    appkey: SecretStr
    secretkey: SecretStr
    allow_production: bool = False
    account: str = ""  # display only (KIWOOM_ACCOUNT): the app key decides the account
    rest_url: str = ""  # empty: the domain's default
    ws_url: str = ""
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=10.0, gt=0)
    order_timeout: float = Field(default=10.0, gt=0)
    # Token renewal ahead of expires_dt: ``token_renew_fraction`` of the token's lifetime,
    # at least ``token_renew_min`` seconds, at most ``token_renew_margin`` seconds, and
    # never more than half the lifetime (a 60 s token is renewed 6 s early, not 300 s).
    token_renew_fraction: float = Field(default=0.1, ge=0, lt=0.5)
    token_renew_min: float = Field(default=5.0, ge=0)
    token_renew_margin: float = Field(default=300.0, ge=0)
    # Client-side pacing, per api-id (NOTES.md: about 1/s per TR on mock, about 5/s on
    # production; no official figures). None: the domain's default below.
    query_rate: float | None = Field(default=None, gt=0)  # requests/second per api-id
    query_burst: int = Field(default=2, ge=1)
    order_rate: float | None = Field(default=None, gt=0)
    order_burst: int = Field(default=2, ge=1)
    api_rates: dict[str, float] = Field(default_factory=dict)  # per api-id override
    order_budget: float = Field(default=5.0, gt=0)  # seconds an order may wait out 1700s
    # An entry waiting longer than this for the order budget (exits and cancels first)
    # is refused unsent, with the reason journaled (pacer.py).
    entry_wait: float = Field(default=5.0, gt=0)
    max_query_retries: int = Field(default=4, ge=0)
    backoff_base: float = Field(default=0.5, gt=0)
    backoff_cap: float = Field(default=8.0, gt=0)
    # Stall: no frame at all for this long (or for ``ws_stall_pings`` PING intervals, once
    # the server's PING rhythm is known, if shorter) ends the session: reconnect, resync.
    ws_silence_timeout: float = Field(default=10.0, gt=0)
    ws_stall_pings: float = Field(default=2.5, gt=1)
    ws_stall_min: float = Field(default=1.0, gt=0)  # never declare a stall sooner than this
    ws_login_timeout: float = Field(default=10.0, gt=0)
    ws_group_size: int = Field(default=100, ge=1)  # REG items per group before a split
    ws_max_items: int = Field(default=200, ge=1)  # REG items Kiwoom allows per connection

    @model_validator(mode="after")
    def _check(self) -> KiwoomSettings:
        if self.domain == "production" and not self.allow_production:
            raise ValueError("domain 'production' needs allow_production: true, said explicitly")
        if not self.appkey.get_secret_value() or not self.secretkey.get_secret_value():
            raise ValueError("appkey and secretkey must not be empty")
        for name, url, schemes in (
            ("rest_url", self.rest_url, ("http://", "https://")),
            ("ws_url", self.ws_url, ("ws://", "wss://")),
        ):
            if url and not url.startswith(schemes):
                # Not echoed: a URL can carry credentials (user:password@host).
                raise ValueError(f"{name} must start with one of {', '.join(schemes)}")
        return self

    def rate_for(self, api_id: str, *, order: bool) -> float:
        """Requests per second allowed for ``api_id``: its override, else the class default."""
        if api_id in self.api_rates:
            return self.api_rates[api_id]
        configured = self.order_rate if order else self.query_rate
        return configured if configured is not None else _DEFAULT_RATES[self.domain]

    @field_serializer("rest_url", "ws_url")
    def _public(self, url: str) -> str:
        # Dumped settings are journaled: a URL's user:password@ never leaves.
        return public_url(url)

    @property
    def base_url(self) -> str:
        """REST base URL, without a trailing slash."""
        return (self.rest_url or _REST_URLS[self.domain]).rstrip("/")

    @property
    def websocket_url(self) -> str:
        return self.ws_url or _WS_URLS[self.domain]

    @property
    def exchanges(self) -> frozenset[str]:
        """Exchanges this domain accepts orders for: the mock domain is KRX only."""
        return frozenset({"KRX"}) if self.domain == "mock" else frozenset({"KRX", "NXT", "SOR"})

    @classmethod
    def load(
        cls,
        *,
        env: Mapping[str, str] | None = None,
        env_file: str | Path | None = ".env",
        **overrides: object,
    ) -> KiwoomSettings:
        """Build settings from ``overrides``, the environment, then a private ``.env`` file.

        The environment wins over the file (a deploy can override a developer's file).
        Raises ConfigError, never a pydantic error carrying the input values.
        """
        environ = dict(os.environ if env is None else env)
        from_file: dict[str, str] = {}
        if env_file is not None and Path(env_file).exists():
            from_file = read_env_file(env_file)
            unknown = unknown_env_keys(from_file)
            if unknown:  # a misspelt key would leave its setting silently unset
                raise ConfigError(f"{env_file}: " + "; ".join(unknown))
        merged = {**from_file, **environ}
        values: dict[str, object] = {}
        for key, name in (
            ("appkey", "KIWOOM_APPKEY"),
            ("secretkey", "KIWOOM_SECRETKEY"),
            ("rest_url", "KIWOOM_REST_URL"),
            ("ws_url", "KIWOOM_WS_URL"),
            ("domain", "KIWOOM_DOMAIN"),
            ("account", "KIWOOM_ACCOUNT"),
        ):
            if merged.get(name):
                values[key] = merged[name]
        values.update(overrides)
        for key in ("appkey", "secretkey"):
            if not values.get(key):
                raise ConfigError(
                    f"Kiwoom {key} missing: set KIWOOM_{key.upper()} in the environment "
                    "or in a .env file readable only by you"
                )
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            # pydantic's message can echo input values; rebuild it from locations only.
            problems = getattr(exc, "errors", None)
            if callable(problems):
                text = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
                    for e in problems(include_input=False)
                )
            else:
                text = "invalid Kiwoom settings"
            raise ConfigError(f"Kiwoom settings: {text}") from None


def read_env_file(path: str | Path) -> dict[str, str]:
    """Parse a KEY=VALUE file (``#`` comments, optional quotes), refusing shared files."""
    p = Path(path)
    mode = p.stat().st_mode
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigError(
            f"{p}: readable by group or others (mode {stat.S_IMODE(mode):o}); run chmod 600 {p}"
        )
    values: dict[str, str] = {}
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read ({exc.strerror})") from None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            # Do not echo the line: it may hold a secret.
            raise ConfigError(f"{p}:{lineno}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values

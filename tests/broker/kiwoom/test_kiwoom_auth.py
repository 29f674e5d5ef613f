"""TokenManager: issue, renew ahead of expires_dt, invalidate, revoke."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest

from autotrader.broker.kiwoom.auth import SEOUL, TokenManager, parse_expires_dt
from autotrader.errors import CredentialsRejectedError
from tests.broker.kiwoom.kiwoom_fakes import APPKEY, FakeClock, FakeKiwoom, settings, token_value


def manager(kiwoom: FakeKiwoom, clock: FakeClock, margin: float = 300) -> TokenManager:
    client = httpx.AsyncClient(transport=httpx.MockTransport(kiwoom))
    return TokenManager(settings(token_renew_margin=margin), client, clock=clock)


def test_expires_dt_is_korea_time() -> None:
    """YYYYMMDDHHMMSS is read in Asia/Seoul; junk is None."""
    assert parse_expires_dt("20260105090000") == datetime(2026, 1, 5, 9, tzinfo=SEOUL).timestamp()
    assert parse_expires_dt("2026-01-05") is None


@pytest.mark.anyio
async def test_token_is_reused_then_renewed_ahead_of_expiry(
    kiwoom: FakeKiwoom, clock: FakeClock
) -> None:
    """The token is kept until margin seconds before expires_dt, then renewed."""
    expires = clock.now + 3600
    kiwoom.expires_dt = datetime.fromtimestamp(expires, SEOUL).strftime("%Y%m%d%H%M%S")
    tokens = manager(kiwoom, clock, margin=300)
    assert await tokens.token() == token_value(1)
    clock.now = expires - 301
    assert await tokens.token() == token_value(1)
    clock.now = expires - 299
    assert await tokens.token() == token_value(2)
    body = kiwoom.requests[0].content
    assert b'"grant_type":"client_credentials"' in body and APPKEY.encode() in body


@pytest.mark.anyio
async def test_short_lived_token_is_renewed_at_a_margin_relative_to_its_lifetime(
    kiwoom: FakeKiwoom, clock: FakeClock
) -> None:
    """A 60 s token is renewed 6 s early (10%), not on every call (fixed 300 s margin)."""
    kiwoom.expires_dt = datetime.fromtimestamp(clock.now + 60, SEOUL).strftime("%Y%m%d%H%M%S")
    tokens = manager(kiwoom, clock)
    for _ in range(5):
        assert await tokens.token() == token_value(1)
    assert tokens.margin == 6.0
    clock.now += 53
    assert await tokens.token() == token_value(1)
    clock.now += 2
    assert await tokens.token() == token_value(2)


def test_margin_is_a_fraction_with_a_floor_a_cap_and_half_the_lifetime() -> None:
    """10% of the lifetime, at least 5 s, at most 300 s, never over half the lifetime."""
    from autotrader.broker.kiwoom.auth import renew_margin

    s = settings()
    assert renew_margin(86_400, s) == 300
    assert renew_margin(600, s) == 60
    assert renew_margin(20, s) == 5
    assert renew_margin(4, s) == 2


@pytest.mark.anyio
async def test_lifetime_is_measured_on_the_servers_clock_when_it_says_the_time(
    kiwoom: FakeKiwoom, clock: FakeClock
) -> None:
    """A local clock 10 minutes fast does not make a fresh 60 s token look expired."""
    from email.utils import format_datetime

    server_now = clock.now - 600  # our clock runs 10 minutes ahead of Kiwoom's
    kiwoom.expires_dt = datetime.fromtimestamp(server_now + 60, SEOUL).strftime("%Y%m%d%H%M%S")
    kiwoom.date = format_datetime(datetime.fromtimestamp(server_now, SEOUL), usegmt=False)
    tokens = manager(kiwoom, clock)
    for _ in range(3):
        assert await tokens.token() == token_value(1)
    assert tokens.expires_at == pytest.approx(clock.now + 60)


@pytest.mark.anyio
async def test_concurrent_callers_share_one_renewal(kiwoom: FakeKiwoom, clock: FakeClock) -> None:
    """Ten callers at once cause a single token request."""
    tokens = manager(kiwoom, clock)
    async with asyncio.timeout(5):
        values = await asyncio.gather(*(tokens.token() for _ in range(10)))
    assert set(values) == {token_value(1)} and kiwoom.tokens_issued == 1


@pytest.mark.anyio
async def test_invalidate_forces_renewal_but_not_of_a_newer_token(
    kiwoom: FakeKiwoom, clock: FakeClock
) -> None:
    """invalidate(old) after a renewal keeps the new token."""
    tokens = manager(kiwoom, clock)
    first = await tokens.token()
    tokens.invalidate(first)
    second = await tokens.token()
    tokens.invalidate(first)  # late failure of a request that used the old token
    assert second == token_value(2) and await tokens.token() == second


@pytest.mark.anyio
async def test_revoke_sends_keys_and_token(kiwoom: FakeKiwoom, clock: FakeClock) -> None:
    """revoke() posts appkey, secretkey and the token to /oauth2/revoke."""
    tokens = manager(kiwoom, clock)
    value = await tokens.token()
    await tokens.revoke()
    assert kiwoom.revoked == [
        {"appkey": APPKEY, "secretkey": settings().secretkey.get_secret_value(), "token": value}
    ]
    assert tokens.expires_at is None


@pytest.mark.anyio
async def test_refused_keys_raise_without_echoing_them(clock: FakeClock) -> None:
    """8001 on the token endpoint is CredentialsRejected and the message holds no key."""

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"return_code": 1, "return_msg": f"[8001:검증 실패 {APPKEY}]"}
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    tokens = TokenManager(settings(), client, clock=clock)
    with pytest.raises(CredentialsRejectedError) as info:
        await tokens.token()
    assert APPKEY not in str(info.value)

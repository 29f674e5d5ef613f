"""Every fault of ``fake.faults``: what the client sees, and what the server did."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.fake_kiwoom.fake_support import ACNT, ORDR, buy, next_00, running, socket, tick

pytestmark = pytest.mark.anyio


async def test_drop_sockets_aborts_connections_without_a_close_frame() -> None:
    """drop_sockets() cuts every socket: the client sees the connection end abruptly."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await fake.faults.drop_sockets()
        await ws.closed()
        assert ws.conn.protocol.close_rcvd is None


async def test_silence_stops_pings_and_data_until_lifted() -> None:
    """silence() sends no PING and no data; the socket stays open and resumes after."""
    async with (
        running(ping_interval=0.01, ping_timeout=0.05) as (fake, api),
        socket(fake, api.token) as ws,
    ):
        await ws.reg(["005930"], ["0B"])
        fake.faults.silence()
        await fake.push_frame(tick("005930", 60_000))
        with pytest.raises(TimeoutError):
            await ws.recv(pings=True, within=0.15)  # 15 heartbeat intervals of nothing
        fake.faults.silence(False)
        await fake.push_frame(tick("005930", 60_100))
        frame = await ws.recv_until(lambda m: m.get("trnm") == "REAL")
    assert frame["data"][0]["values"]["10"] == "+60100"


async def test_rate_limit_answers_429_with_1700_for_that_api_id_only() -> None:
    """rate_limit(api_id, n) gives n HTTP 429 answers (return_code 5, 1700), others pass."""
    async with running() as (fake, api):
        fake.faults.rate_limit(api_id="kt00001", n=2)
        limited = [await api.post(ACNT, "kt00001", {"qry_tp": "3"}) for _ in range(2)]
        other = await api.post(ACNT, "kt00018", {"qry_tp": "1", "dmst_stex_tp": "KRX"})
        after = await api.post(ACNT, "kt00001", {"qry_tp": "3"})
    assert [r.status_code for r in limited] == [429, 429]
    body = limited[0].json()
    assert body["return_code"] == 5
    assert (
        body["return_msg"] == "[1700:허용된 API 요청 개수를 초과하였습니다. 유량=5, API ID=kt00001]"
    )
    assert other.status_code == after.status_code == 200


async def test_configured_rate_per_second_limits_each_api_id() -> None:
    """rate_per_sec=2 with a frozen clock lets two calls through, then 429."""
    async with running(rate_per_sec=2, clock=lambda: 1_800_000_000.0) as (_fake, api):
        codes = [(await api.post(ACNT, "kt00001", {"qry_tp": "3"})).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_expired_tokens_fail_rest_with_8005_and_login_until_renewed() -> None:
    """expire_tokens(): REST answers 8005, LOGIN is refused; a new token works again."""
    async with running() as (fake, api):
        old = api.token
        fake.faults.expire_tokens()
        answer = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
        async with socket(fake) as ws:
            refused = await ws.login(old)
        await api.issue()
        renewed = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
    assert (answer["return_code"], answer["return_msg"][:6]) == (3, "[8005:")
    assert refused["return_code"] != 0 and "CODE=8005" in refused["return_msg"]
    assert api.token != old and renewed["return_code"] == 0


async def test_order_lost_after_accept_by_timeout_is_booked_and_announced() -> None:
    """fail_next_order(after_accept=True, 'timeout'): no answer, yet the order rests and 00 came."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        fake.faults.fail_next_order(after_accept=True, mode="timeout")
        with pytest.raises(httpx.ReadTimeout):
            await api.post(ORDR, "kt10000", buy(price=60_000), read_timeout=0.2)
        accepted = await next_00(ws)
    assert len(fake.orders) == 1 and accepted["9203"] == fake.orders[0].ord_no


async def test_order_lost_after_accept_by_drop_closes_the_connection() -> None:
    """fail_next_order(after_accept=True, 'drop'): the connection closes, the order is booked."""
    async with running() as (fake, api):
        fake.faults.fail_next_order(after_accept=True, mode="drop")
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post(ORDR, "kt10000", buy(price=60_000))
        assert len(fake.orders) == 1
        assert (await api.call(ORDR, "kt10000", buy(price=60_000)))["return_code"] == 0
        assert len(fake.orders) == 2


async def test_order_lost_before_accept_books_nothing() -> None:
    """fail_next_order(after_accept=False): the request fails and nothing is placed."""
    async with running() as (fake, api):
        fake.faults.fail_next_order(after_accept=False, mode="drop")
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post(ORDR, "kt10000", buy(price=60_000))
        fake.faults.fail_next_order(after_accept=False, mode="timeout")
        with pytest.raises(httpx.ReadTimeout):
            await api.post(ORDR, "kt10000", buy(price=60_000), read_timeout=0.2)
        assert fake.orders == []


async def test_duplicate_executions_sends_each_00_twice() -> None:
    """duplicate_executions() repeats every 00 frame."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        fake.faults.duplicate_executions()
        await api.call(ORDR, "kt10000", buy(price=60_000))
        first, second = await next_00(ws), await next_00(ws)
    assert first == second and first["913"] == "접수"


async def test_reorder_executions_sends_the_fill_before_the_acceptance() -> None:
    """reorder_executions(2) holds two 00 frames and sends them reversed."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        fake.faults.reorder_executions(2)
        await api.call(ORDR, "kt10000", buy(tp="3"))
        await fake.push_frame(tick("005930", 60_000))
        first, second = await next_00(ws), await next_00(ws)
    assert (first["913"], second["913"]) == ("체결", "접수")


async def test_send_malformed_delivers_raw_text() -> None:
    """send_malformed() writes unparseable text to logged-in sockets."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await fake.faults.send_malformed(b"{not json")
        with anyio.fail_after(2):
            raw = await ws.conn.recv()
    assert raw == "{not json"


async def test_send_system_delivers_a_system_frame() -> None:
    """send_system() pushes a SYSTEM frame with code and message."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await fake.faults.send_system("R10003", "점검")
        frame = await ws.recv()
    assert frame == {"trnm": "SYSTEM", "code": "R10003", "message": "점검"}


async def test_refuse_login_refuses_the_next_login_only() -> None:
    """refuse_login(code=8010) refuses one LOGIN with that code; the next succeeds."""
    async with running() as (fake, api):
        fake.faults.refuse_login(code=8010)
        async with socket(fake) as ws:
            refused = await ws.login(api.token)
        async with socket(fake, api.token) as ws:
            assert (await ws.reg(["005930"], ["0B"]))["return_code"] == 0
    assert "CODE=8010" in refused["return_msg"]

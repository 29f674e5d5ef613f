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


async def test_omit_return_code_answers_data_without_the_code() -> None:
    """omit_return_code(1): the next account TR keeps its fields but loses return_code."""
    async with running() as (fake, api):
        fake.faults.omit_return_code(1)
        bare = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
        normal = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
    assert "return_code" not in bare and "entr" in bare
    assert normal["return_code"] == 0


@pytest.mark.parametrize("after_accept", [True, False])
async def test_order_answer_without_return_code_or_http_500(after_accept: bool) -> None:
    """fail_next_order(mode='no_return_code' | 'http500'): booked only after acceptance."""
    async with running() as (fake, api):
        fake.faults.fail_next_order(after_accept=after_accept, mode="no_return_code")
        bare = await api.call(ORDR, "kt10000", buy(price=60_000))
        fake.faults.fail_next_order(after_accept=after_accept, mode="http500")
        failed = await api.post(ORDR, "kt10000", buy(price=60_000))
        booked = len(fake.orders)
    assert "return_code" not in bare
    assert ("ord_no" in bare) is after_accept
    assert failed.status_code == 500
    assert booked == (2 if after_accept else 0)


async def test_system_mid_handshake_comes_between_login_and_reg() -> None:
    """system_mid_handshake(): SYSTEM R10004 right after the LOGIN answer; REG still works."""
    async with running() as (fake, api), socket(fake) as ws:
        fake.faults.system_mid_handshake("R10004")
        assert (await ws.login(api.token))["return_code"] == 0
        system = await ws.recv()
        registered = await ws.reg(["005930"], ["0B"])
    assert system == {"trnm": "SYSTEM", "code": "R10004", "message": "로그인 필요"}
    assert registered["return_code"] == 0


async def test_reg_too_many_items_is_refused_with_105115() -> None:
    """A group above max_group_items, or refuse_reg(), answers return_code 105115."""
    async with running(max_group_items=2) as (fake, api), socket(fake, api.token) as ws:
        big = await ws.reg(["005930", "000660", "035720"], ["0B"])
        small = await ws.reg(["005930", "000660"], ["0B"])
        fake.faults.refuse_reg(1)
        refused = await ws.reg(["035720"], ["0B"], grp="2")
    assert big["return_code"] == 105115 and "105115" in big["return_msg"]
    assert small["return_code"] == 0 and refused["return_code"] == 105115


async def test_mismatch_domain_refuses_token_trs_and_login() -> None:
    """mismatch_domain(): 8030 at /oauth2/token, 8031 on TRs and on LOGIN."""
    async with running() as (fake, api):
        token = api.token
        fake.faults.mismatch_domain()
        issued = await api.issue()
        query = await api.call(ACNT, "kt00001", {"qry_tp": "3"})
        async with socket(fake) as ws:
            login = await ws.login(token)
    assert issued["return_msg"].startswith("[8030:")
    assert query["return_msg"].startswith("[8031:")
    assert "CODE=8031" in login["return_msg"]


async def test_offset_clock_moves_the_venues_times() -> None:
    """offset_clock(600): order times and the token's Date header run 10 minutes ahead."""
    t0 = 1_794_965_200.0  # 2026-11-18 09:26:40 Seoul: the venue takes limit orders
    async with running(clock=lambda: t0) as (fake, api):
        fake.faults.offset_clock(600)
        await api.call(ORDR, "kt10000", buy(price=60_000))
        resp = await api.http.post(
            "/oauth2/token",
            json={"grant_type": "client_credentials", "appkey": "test-appkey",
                  "secretkey": "test-secretkey"},
        )  # fmt: skip
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    from autotrader.clock import SEOUL

    assert fake.orders[0].tm == datetime.fromtimestamp(t0 + 600, SEOUL).strftime("%H%M%S")
    assert parsedate_to_datetime(resp.headers["date"]).timestamp() == t0 + 600

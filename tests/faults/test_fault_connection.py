"""Fault scenarios on the websocket: drops (clean and abrupt), a stall with the socket
open, a SYSTEM frame mid-handshake, a REG refused for too many items, a garbled frame.

Each runs the live runner against the fake Kiwoom for a few seconds and then checks the
journal against the fake's book (``fault_support``): no duplicate order, no lost fill,
positions equal, no traceback, no secret anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.model import OrderState
from tests.faults.fault_support import (
    FAULT_FAKE,
    FAULT_SETTINGS,
    RESTING_BUY,
    assert_books_agree,
    assert_clean,
    capture,
    journal_errors,
)
from tests.integration.live_support import Live, live_run, tick

pytestmark = pytest.mark.anyio

RESTING = tick("005930", 60_100, ask=60_100, bid=60_000)  # fires the rule, does not cross
CROSSING = tick("005930", 60_000, ask=60_000, bid=59_900)  # fills the resting buy


async def resting(live: Live) -> None:
    await live.push(RESTING)
    await live.until(lambda: any(o.broker_order_no for o in live.orders()))


def filled(live: Live) -> bool:
    return [o.state for o in live.orders()] == [OrderState.FILLED]


@pytest.mark.parametrize("clean", [True, False], ids=["clean-close", "abrupt-drop"])
async def test_websocket_drop_loses_no_fill(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, clean: bool
) -> None:
    """A fill made while the socket is down is recovered by the resync after reconnect."""
    capture(caplog)
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        await resting(live)
        faults = live.fake.faults
        await (faults.close_sockets() if clean else faults.drop_sockets())
        await live.push(CROSSING)  # fills at the fake; its 00 reaches nobody
        await live.until(lambda: filled(live))
        await live.until(lambda: live.runner.realtime.sessions == 2)
        assert not live.task.done()
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_stall_with_the_socket_open_is_noticed_from_the_ping_rhythm(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fake goes silent (no PING, no data, socket open) while the order fills: the
    client notices within 1.5 s (PINGs every 0.2 s), reconnects once the fake answers
    again, and the resync (open orders, fills, balance) finds the fill and the holding.
    The threshold is journaled."""
    capture(caplog)
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        realtime = live.runner.realtime
        await live.until(lambda: realtime.watch.ping_interval is not None)
        assert realtime.watch.threshold() == 1.5  # the floor: 2.5 PINGs would be 0.5 s
        await resting(live)
        live.fake.faults.silence()
        await live.push(CROSSING)
        await live.until(lambda: realtime.stalls >= 1)  # bounded: seconds, not a minute
        live.fake.faults.silence(False)
        await live.until(lambda: filled(live))
        await live.until(lambda: realtime.sessions >= 2)
        # the 04 was swallowed by the stall too: the resync's kt00018 stands in for it
        balances = live.runner.balances
        await live.until(lambda: "005930" in balances and balances["005930"].qty == 13)
        assert not live.task.done()
    events = journal_errors(live, "websocket")
    assert any("server PINGs every" in e and "stall threshold" in e for e in events)
    assert any(e.startswith("feed stalled: no frame for") for e in events)
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_system_r10004_between_login_and_reg_does_not_tear_the_session_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SYSTEM R10004 right after the LOGIN answer: the handshake goes on (NOTES.md), one
    session, ticks and fills flow."""
    capture(caplog)

    def quirk(fake: object) -> None:
        fake.faults.system_mid_handshake("R10004")  # type: ignore[attr-defined]

    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS,
        before_start=quirk,
    ) as live:  # fmt: skip
        await resting(live)
        await live.push(CROSSING)
        await live.until(lambda: filled(live))
        assert live.runner.realtime.sessions == 1
    assert any("R10004" in e and "continuing" in e for e in journal_errors(live, "websocket"))
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_reg_refused_for_too_many_items_is_split_into_groups(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """105115 on a two-symbol REG: the group is split in two, both symbols tick."""
    capture(caplog)
    fake = FAULT_FAKE | {"max_group_items": 1}
    async with live_run(tmp_path, RESTING_BUY, fake_options=fake, settings=FAULT_SETTINGS) as live:
        states = live.runner.engine.states
        await live.push(tick("000660", 200_000))
        await resting(live)
        await live.until(lambda: states["000660"].ticks == 1 and states["005930"].ticks == 1)
        await live.push(CROSSING)
        await live.until(lambda: filled(live))
    assert any("105115" in e and "split" in e for e in journal_errors(live, "websocket"))
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)


async def test_reg_refused_for_too_many_items_even_alone_gives_up_clearly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """105115 on every REG, even one item a group: the run stops with a clear error
    instead of retrying forever."""
    capture(caplog)

    def refuse_all(fake: object) -> None:
        fake.faults.refuse_reg(50)  # type: ignore[attr-defined]

    with pytest.raises(Exception, match="too many items") as info:
        async with live_run(
            tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS,
            before_start=refuse_all,
        ):  # fmt: skip
            pass
    assert "trade fewer symbols" in str(info.value)


GARBLED_00 = (
    '{"trnm":"REAL","data":[{"type":"00","name":"주문체결","item":"005930","values":'
    '{"9203":"0009999","9001":"005930","913":"체결","905":"+매수","907":"2",'
    '"900":"3","901":"60000","902":"²","910":"6000²","911":"' + "9" * 400 + '",'
    '"908":"100000"}}]}'
)


async def test_a_garbled_00_frame_is_skipped_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A stray 00 frame with '²' and a 400-digit number, then the real fill's own 00
    garbled: both are skipped and journaled without a reconnect, and the resync they
    trigger recovers the fill from ka10076."""
    capture(caplog)
    async with live_run(
        tmp_path, RESTING_BUY, fake_options=FAULT_FAKE, settings=FAULT_SETTINGS
    ) as live:
        await resting(live)
        await live.fake.hub.send_raw(GARBLED_00)
        live.fake.faults.garble_next_fill()
        await live.push(CROSSING)
        await live.until(lambda: filled(live))
        assert live.runner.realtime.sessions == 1
        assert not live.task.done()
    skipped = [e for e in journal_errors(live, "websocket") if e.startswith("skipped a 00 entry")]
    assert len(skipped) == 2 and "005930" in skipped[0]
    assert_books_agree(live)
    assert_clean(tmp_path, live.fake, caplog)

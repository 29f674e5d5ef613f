"""Live mode and the account: cash into the risk book, 04 balances journaled and compared,
a daily-loss halt that survives a restart, raw frames journaled on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.engine.killswitch import halt_path, read_command
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.fake_kiwoom.orders import BalanceEvent, Holding
from autotrader.risk.book import TradingLevel
from autotrader.risk.checks import RiskLimits
from tests.integration.live_support import (
    APPKEY,
    BUY_WHILE_FLAT,
    FEES,
    SECRETKEY,
    ManualClock,
    live_run,
    placed,
    rows,
    tick,
)


def balance_errors(path: Path) -> list[str]:
    return [r["detail"] for r in rows(path, "SELECT detail FROM errors WHERE source = 'balance'")]


@pytest.mark.anyio
async def test_cash_comes_from_the_account_and_04_balances_are_journaled(tmp_path: Path) -> None:
    """kt00001's orderable cash is the risk book's cash; each 04 is a position snapshot,
    and one agreeing with the engine raises no error."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        book = live.runner.engine.book
        assert book.cash == live.fake.book.orderable_cash() == 100_000_000
        await live.push(tick("000660", 200_000))
        await live.until(lambda: placed(live))
        await live.push(tick("000660", 200_000))
        await live.until(lambda: "000660" in live.runner.balances)
        assert live.runner.balances["000660"].qty == 3
        # a fill at arrival can reach the socket before the order's own answer: the 04
        # is re-checked after the grace and then agrees
        await live.until(lambda: live.runner._balance_checks == {})
        assert book.cash < 100_000_000 - 3 * 200_000  # the fill moved it
    snapshots = rows(
        live.journal_path, "SELECT symbol, qty FROM position_snapshots WHERE reason = 'kiwoom 04'"
    )
    assert [(s["symbol"], s["qty"]) for s in snapshots] == [("000660", 3)]
    assert balance_errors(live.journal_path) == []


@pytest.mark.anyio
async def test_a_04_that_disagrees_with_the_engine_is_journaled_as_an_error(
    tmp_path: Path,
) -> None:
    """Kiwoom says 7 shares where the engine holds 10: after the grace, an error row."""
    async with live_run(tmp_path, BUY_WHILE_FLAT) as live:
        await live.fake.publish([BalanceEvent(Holding("005930", 7, 58_000), 7, 60_000)])
        await live.until(lambda: balance_errors(live.journal_path) != [])
    (error,) = balance_errors(live.journal_path)
    assert "005930" in error and "7 shares" in error and "holds 10" in error


@pytest.mark.anyio
async def test_daily_loss_halt_survives_a_restart(tmp_path: Path) -> None:
    """The loss limit trips on the wall clock (no fill needed); the kill switch file is
    written, and the next run starts at the same level."""
    clock = ManualClock()
    limits = RiskLimits(daily_loss_limit=10_000)
    async with FakeKiwoom(
        appkey=APPKEY, secretkey=SECRETKEY, fees=FEES, holdings={"005930": (10, 58_000)},
        clock=clock,
    ) as fake:  # fmt: skip
        async with live_run(tmp_path, BUY_WHILE_FLAT, fake=fake, limits=limits) as live:
            book = live.runner.engine.book
            await live.push(tick("005930", 50_000, bid=49_950))  # 10 shares down 8,000 each
            st = live.runner.engine.states["005930"]
            await live.until(lambda: st.ticks == 1)
            clock.advance(6.0)  # the next loss check is due; no frame arrives
            await live.until(lambda: book.level is not TradingLevel.ACTIVE)
            level = book.level
        command = read_command(halt_path(live.journal_path))
        assert command is not None and command.level is level
        assert "daily loss limit" in command.reason
        async with live_run(tmp_path, BUY_WHILE_FLAT, fake=fake, limits=limits) as again:
            assert again.runner.engine.book.level is level


@pytest.mark.anyio
async def test_raw_frames_are_journaled_when_configured(tmp_path: Path) -> None:
    """With raw_frames, every REAL frame's text (ticks and 00/04) reaches the frames table."""
    async with live_run(tmp_path, BUY_WHILE_FLAT, raw_frames=True) as live:
        await live.push(tick("000660", 200_000))
        await live.until(lambda: placed(live))
    frames = [r["frame"] for r in rows(live.journal_path, "SELECT frame FROM frames")]
    assert any('"0B"' in f for f in frames) and any('"00"' in f for f in frames)

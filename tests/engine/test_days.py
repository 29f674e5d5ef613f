"""Multi-day replay: days in date order as one run, positions and cash carried over a
KRX holiday, daily state reset, orders expiring at the close, the calendar enforced."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from autotrader.broker.paper import PaperBroker
from autotrader.cli import app
from autotrader.compile import compile_strategy
from autotrader.engine.days import DaysResult, replay_days
from autotrader.errors import TapeError
from autotrader.journal import Journal
from autotrader.market.calendar import KrxCalendar
from autotrader.model import OrderState
from autotrader.rules import load_strategy_text
from tests.frames import line, real, trade, write_tape

# Chuseok 2026: Thursday 24 and Friday 25 September are KRX holidays.
DAYS = ("20260923", "20260928", "20260929")
STRATEGY = """\
strategy: carry
symbols: ["005930"]
rules:
  - name: buy-once
    when: position.qty == 0 and open_orders == 0 and price < 65000
    max_per_day: 1
    do:
      - buy: {qty: 10, type: market}
  - name: take-profit
    when: position.qty > 0 and open_orders == 0 and price >= 66000
    do:
      - sell: {qty: all, type: market}
"""


def _session_open() -> bytes:
    values = {"215": "3", "20": "090000", "214": "000000"}
    return orjson.dumps(real({"type": "0s", "name": "장시작시간", "item": "", "values": values}))


def _day(tmp: Path, date: str, prices: list[int]) -> Path:
    frames = [_session_open()]
    frames += [line(trade("005930", f"10{i:02d}00", p)) for i, p in enumerate(prices)]
    path = tmp / f"{date}.jsonl"
    write_tape(path, frames, date)
    return path


def _run(tmp: Path, tapes: list[Path], strategy: str = STRATEGY) -> DaysResult:
    plan = compile_strategy(load_strategy_text(strategy, "carry.yaml"))
    journal = Journal(tmp / "j.db")
    try:
        return replay_days(plan, tapes, PaperBroker(), journal, calendar=KrxCalendar())
    finally:
        journal.close()


def test_a_position_bought_before_chuseok_is_sold_after_it(tmp_path: Path) -> None:
    """Bought on 23 September, held over the holiday and the weekend (no second buy on
    the 28th: the position carried over), sold on the 29th; cash follows both fills."""
    tapes = [
        _day(tmp_path, DAYS[2], [66_000, 66_100]),  # listed out of order on purpose
        _day(tmp_path, DAYS[0], [60_000, 60_100, 60_200]),
        _day(tmp_path, DAYS[1], [61_000, 61_500]),
    ]
    result = _run(tmp_path, tapes)
    assert [d.strftime("%Y%m%d") for d in result.days] == list(DAYS)
    assert result.missing == []  # 24-27 September are no sessions
    engine = result.engine
    conn = sqlite3.connect(tmp_path / "j.db")
    orders = conn.execute("SELECT id, side, qty, state FROM orders ORDER BY id").fetchall()
    assert [o[1:] for o in orders] == [("buy", 10, "filled"), ("sell", 10, "filled")]
    st = engine.states["005930"]
    assert st.pos_qty == 0 and st.realized > 0
    bought, sold = orders[0][0], orders[1][0]
    fills = conn.execute("SELECT order_id, price, qty, ts FROM fills ORDER BY ts").fetchall()
    first_fees = conn.execute("SELECT commission + tax FROM fills ORDER BY ts").fetchone()[0]
    stats = orjson.loads(conn.execute("SELECT stats_json FROM runs").fetchone()[0])
    conn.close()
    assert [f[0] for f in fills] == [bought, sold]
    assert (fills[0][1], fills[1][1]) == (60_000, 66_000)  # at the quote the order meets
    assert stats["days"] == 3 and stats["frames"] == 3 + 7
    # day one: bought 10 at 60,000, marked at its last print 60,200, fees paid
    assert result.equity[0] < result.start_equity + 10 * 200 - first_fees  # and exit costs
    assert engine.book.cash == result.equity[-1] == result.start_equity + st.realized


def test_working_orders_expire_at_the_close_of_their_day(tmp_path: Path) -> None:
    """A limit buy far below the market on day one is cancelled before day two."""
    strategy = """\
strategy: expire
symbols: ["005930"]
rules:
  - name: low-bid
    when: open_orders == 0 and position.qty == 0
    max_per_day: 1
    do:
      - buy: {qty: 1, type: limit, price: 58000}
"""
    tapes = [_day(tmp_path, DAYS[0], [60_000]), _day(tmp_path, DAYS[1], [60_000])]
    result = _run(tmp_path, tapes, strategy)
    conn = sqlite3.connect(tmp_path / "j.db")
    rows = conn.execute("SELECT action, state, reason FROM orders ORDER BY id").fetchall()
    conn.close()
    # one buy a day: day one's is cancelled at its close, day two places its own
    assert [r[:2] for r in rows] == [("buy", "cancelled"), ("cancel", "done"), ("buy", "accepted")]
    assert [o.state for o in result.engine.ledger.new_orders()] == [OrderState.ACCEPTED]
    assert result.engine.book.reserved == 58_000 + result.engine.book.fees.commission(58_000)


def test_a_tape_of_a_holiday_is_refused_and_missing_sessions_are_reported(
    tmp_path: Path,
) -> None:
    """24 September 2026 is no KRX session; 28 September missing from a run is said."""
    holiday = _day(tmp_path, "20260924", [60_000])
    with pytest.raises(TapeError, match="2026-09-24 is not a KRX trading day"):
        _run(tmp_path, [_day(tmp_path, DAYS[0], [60_000]), holiday])
    holiday.unlink()
    result = _run(tmp_path, [tmp_path / f"{DAYS[0]}.jsonl", _day(tmp_path, DAYS[2], [1])])
    assert [d.isoformat() for d in result.missing] == ["2026-09-28"]


def test_run_with_a_glob_replays_every_day_and_stays_quiet_off_a_terminal(tmp_path: Path) -> None:
    """`autotrader run STRATEGY --tape 'dir/*.jsonl.gz'`: one run over three days, no
    progress bar when the output is not a terminal."""
    for date, prices in zip(DAYS, ([60_000], [61_000], [66_000]), strict=True):
        _day(tmp_path, date, prices)
    strategy = tmp_path / "carry.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    args = ["run", str(strategy), "--tape", str(tmp_path / "*.jsonl")]
    result = CliRunner().invoke(app, [*args, "--journal", str(tmp_path / "j.db"), "--no-report"])
    assert result.exit_code == 0, result.output
    assert "dry-run carry: 6 frames" in result.output
    assert "frames/s" not in result.output and "day 2026" not in result.output


def test_a_daily_loss_halt_ends_with_its_day(tmp_path: Path) -> None:
    """Day one's loss trips the daily loss limit; the next day trades again."""
    from autotrader.risk.checks import RiskLimits

    strategy = """\
strategy: loss
symbols: ["005930"]
rules:
  - name: buy
    when: position.qty == 0 and open_orders == 0 and price >= 60000
    do:
      - buy: {qty: 10, type: market}
  - name: stop
    when: position.qty > 0 and open_orders == 0 and price < 55000
    do:
      - sell: {qty: all, type: market}
"""
    tapes = [
        _day(tmp_path, DAYS[0], [60_000, 60_000, 54_000, 54_000, 60_000, 60_000]),
        _day(tmp_path, DAYS[1], [60_000, 60_000]),
    ]
    plan = compile_strategy(load_strategy_text(strategy, "loss.yaml"))
    journal = Journal(tmp_path / "j.db")
    try:
        result = replay_days(
            plan,
            tapes,
            PaperBroker(),
            journal,
            limits=RiskLimits(daily_loss_limit=50_000),
            calendar=KrxCalendar(),
        )
    finally:
        journal.close()
    conn = sqlite3.connect(tmp_path / "j.db")
    buys = conn.execute(
        "SELECT created_at, state, reason FROM orders WHERE action = 'buy' ORDER BY id"
    ).fetchall()
    conn.close()
    first, *again, last = buys
    assert first[1] == "filled"
    # day one, after the stop-out tripped the limit: re-entries refused (exits only)
    assert again and all(b[1] == "rejected" and "daily loss limit" in b[2] for b in again)
    # day two: the limit is reset, the rule buys again
    assert last[1] == "filled" and last[0] > result.engine.market.now - 86_400
    assert result.engine.book.level.value == "active"


def test_on_a_terminal_a_progress_bar_shows_days_and_frames_per_second(tmp_path: Path) -> None:
    """The rich bar counts days and shows the replay rate; off a terminal there is none."""
    import io

    from rich.console import Console

    from autotrader.cli_progress import days_progress

    assert days_progress(Console(file=io.StringIO())) is None
    out = io.StringIO()
    progress = days_progress(Console(file=out, force_terminal=True, width=120), every=10)
    tapes = [
        _day(tmp_path, DAYS[0], [60_000] * 30),
        _day(tmp_path, DAYS[1], [61_000] * 30),
    ]
    plan = compile_strategy(load_strategy_text(STRATEGY, "carry.yaml"))
    journal = Journal(tmp_path / "j.db")
    try:
        from autotrader.engine import days

        every = days._counting.__defaults__
        days._counting.__defaults__ = (10,)  # report every 10 frames on this tiny tape
        try:
            replay_days(
                plan, tapes, PaperBroker(), journal, calendar=KrxCalendar(), progress=progress
            )
        finally:
            days._counting.__defaults__ = every
    finally:
        journal.close()
    text = out.getvalue()
    assert "day 2026-09-28" in text and "2/2" in text and "frames/s" in text

"""Notifications: what is worth a message, delivery to a local webhook, never blocking."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rich.console import Console

from autotrader.clock import day_start
from autotrader.config import NotifyConfig
from autotrader.journal import Journal
from autotrader.report.follow import Event, Follower, JournalReader
from autotrader.report.notify import ConsoleLines, Message, Notifications, Notifier, NotifyPolicy
from autotrader.report.watch import policy_for
from tests.report.test_figures import dry_run
from tests.report.webhook import Receiver

DAY = day_start(__import__("datetime").date(2026, 11, 20))
T0 = DAY + 10 * 3600  # 10:00 Seoul


def ev(kind: str, ts: float, text: str = "x") -> Event:
    return Event(kind, ts, text)


def test_a_burst_of_rejections_is_one_message_then_quiet_for_the_window() -> None:
    """Five rejections within 60 s: one warning; more in that window: nothing."""
    p = NotifyPolicy(rejection_burst=5, burst_window=60.0)
    out = [m for i in range(4) for m in p([ev("rejection", T0 + i)], T0 + i)]
    assert out == []
    burst = p([ev("rejection", T0 + 10, "rejected buy 005930: max_order_value")], T0 + 10)
    assert [m.kind for m in burst] == ["warning"] and "5 rejections" in burst[0].title
    assert "max_order_value" in burst[0].body
    assert p([ev("rejection", T0 + 20)] * 3, T0 + 20) == []
    spread = NotifyPolicy(rejection_burst=3, burst_window=10.0)
    assert [m for t in (0, 20, 40) for m in spread([ev("rejection", T0 + t)], T0 + t)] == []


def test_fills_and_halts_always_notify() -> None:
    """Every fill is a message; a kill-switch move is a failure message."""
    p = NotifyPolicy()
    out = p([ev("fill", T0, "BUY 005930 10 @ 70,000"), ev("halt", T0, "kill switch halted")], T0)
    assert [(m.kind, m.body) for m in out] == [
        ("success", "BUY 005930 10 @ 70,000"),
        ("failure", "kill switch halted"),
    ]


def test_a_disconnect_is_told_only_once_it_lasts_and_then_the_reconnect() -> None:
    """Down 10 s and back: nothing. Down past 30 s: one message, and one when back."""
    p = NotifyPolicy(disconnect_after=30.0)
    assert p([ev("disconnected", T0)], T0) == []
    assert p([ev("connected", T0 + 10)], T0 + 10) == []
    assert p([ev("disconnected", T0 + 100)], T0 + 100) == []
    assert p([], T0 + 129) == []
    told = p([], T0 + 131)
    assert [m.title for m in told] == ["autotrader: disconnected"]
    assert p([], T0 + 140) == []
    back = p([ev("connected", T0 + 150)], T0 + 150)
    assert [m.title for m in back] == ["autotrader: reconnected"] and "50 s" in back[0].body


def test_a_silent_engine_and_the_daily_summary() -> None:
    """No heartbeat for 30 s: one message. The summary once, at 15:40, once per day."""
    p = NotifyPolicy(disconnect_after=30.0, summary=lambda: "net +1,000 KRW")
    p.heartbeat(T0)
    assert p([], T0 + 29) == []
    assert [m.title for m in p([], T0 + 31)] == ["autotrader: engine silent"]
    p.heartbeat(T0 + 40)
    close = DAY + 15 * 3600 + 40 * 60
    p.heartbeat(close - 1)
    assert p([], close - 1) == []
    p.heartbeat(close)
    assert [m.body for m in p([], close)] == ["net +1,000 KRW"]
    p.heartbeat(close + 60)
    assert p([], close + 60) == []


def test_notifier_delivers_to_a_local_webhook() -> None:
    """apprise json:// posts title, body and type to the receiver."""
    with Receiver() as hook:
        n = Notifier([hook.url])
        n.send(Message("autotrader: fill", "BUY 005930 1 @ 70,000", "success"))
        bodies = hook.wait_for(1)
        n.close()
    assert bodies[0]["title"] == "autotrader: fill"
    assert bodies[0]["message"] == "BUY 005930 1 @ 70,000" and bodies[0]["type"] == "success"
    assert n.sent == 1 and n.failed == 0


def test_a_stuck_or_dead_notifier_never_blocks_the_caller() -> None:
    """While the webhook hangs, send() returns at once; the queue is bounded (oldest
    dropped); an unreachable service counts as failed and raises nothing."""
    with Receiver(hold=True) as hook:
        n = Notifier([hook.url], max_queue=10)
        for i in range(200):  # returns although nothing can be delivered yet
            n.send(Message("t", f"m{i}", "info"))
        assert n.dropped >= 180 and n.queue.qsize() <= 10
        hook.release()
        n.close()
        assert hook.bodies[-1]["message"] == "m199"
    dead = Notifier(["json://127.0.0.1:9/nothing"], timeout=2.0)
    dead.send(Message("t", "lost", "info"))
    dead.close()
    assert dead.failed == 1 and dead.sent == 0


def test_follower_turns_journal_rows_into_console_lines_and_webhook_messages(
    tmp_path: Path,
) -> None:
    """A run's fills, rejections, a halt and a long disconnect reach the webhook; the
    console shows each; the counts are the journal's."""
    db = tmp_path / "j.db"
    Journal(db).close()
    with Receiver() as hook:
        cfg = NotifyConfig(urls=(hook.url,), rejection_burst=3, burst_window=86_400,
                           disconnect_after=30)  # fmt: skip
        reader = JournalReader(db)
        notifier = Notifier(cfg.urls)
        console = Console(record=True, width=200)
        clock = [T0]
        follower = Follower(
            reader,
            [ConsoleLines(console), Notifications(policy_for(cfg, db), notifier, reader)],
            clock=lambda: clock[0],
        )
        dry_run(db)  # the sample day: fills and rejections
        con = sqlite3.connect(db)
        n_fills = con.execute("SELECT COUNT(*) FROM fills").fetchone()[0]
        n_rej = con.execute("SELECT COUNT(*) FROM orders WHERE state = 'rejected'").fetchone()[0]
        con.close()
        events = follower.step()
        assert sum(e.kind == "fill" for e in events) == n_fills > 0
        assert sum(e.kind == "rejection" for e in events) == n_rej >= 3
        j = Journal(db)
        j.run_id = 1
        j.heartbeat(T0, True, T0, "active", {"sessions": 1, "day_pnl": 0})
        j.heartbeat(T0 + 5, False, T0, "active", {"sessions": 1, "day_pnl": 0})
        j.error(T0 + 6, "killswitch", "halted: daily loss limit")
        j.close()
        clock[0] = T0 + 40
        events = follower.step()
        assert [e.kind for e in events] == ["disconnected", "halt"]
        follower.stop()
        notifier.close()
        bodies = hook.wait_for(n_fills + 3)
    titles = [b["title"] for b in bodies]
    assert titles.count("autotrader: fill") == n_fills
    assert sum(t.startswith("autotrader: 3 rejections") for t in titles) == 1
    assert "autotrader: kill switch" in titles and "autotrader: disconnected" in titles
    text = console.export_text()
    assert text.count(" fill ") == n_fills and "halted: daily loss limit" in text

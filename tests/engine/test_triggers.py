"""Every trigger kind runs its rules at the right moment, on the right symbol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autotrader.clock import seconds_of_day
from tests.frames import real, trade
from tests.harness import Harness

HEAD = 'strategy: t\nsymbols: ["005930", "000660"]\nrisk: {max_order_value: 100_000_000}\nrules:\n'


def vi(item: str, hms: str, *, released: bool, kind: str = "1", direction: str = "1") -> Any:
    values = {"9068": kind, "9069": direction, "1221": "+71000", "1223": hms}
    values["1224"] = hms if released else "000000"
    return real({"type": "1h", "name": "VI", "item": item, "values": values})


def session(code: str, hms: str) -> Any:
    return real({"type": "0s", "name": "장운영", "item": "", "values": {"215": code, "20": hms}})


def decisions(h: Harness) -> list[tuple[str, str, str]]:
    return [
        (r[0], r[1], r[2]) for r in h.rows("SELECT rule, symbol, event FROM decisions ORDER BY id")
    ]


def test_tick_trigger_fires_on_trades_of_its_symbols(tmp_path: Path) -> None:
    """'on: tick' (the default) runs on each 0B trade of the rule's symbols only."""
    h = Harness(
        HEAD + '  - name: a\n    symbols: ["000660"]\n    on: tick\n    when: price > 100\n'
        "    do: [{buy: {qty: 1}}]\n",
        tmp_path,
    )
    h.feed([real(trade("005930", "090001", 70000)), real(trade("000660", "090002", 200000))])
    assert decisions(h) == [("a", "000660", "0B")]


def test_vi_trigger_filters_released_static_up(tmp_path: Path) -> None:
    """A VI rule fires once per release (deduplicated across items), matching its filter."""
    rule = (
        "  - name: after-vi\n    on: {vi: {event: released, kind: static, direction: up}}\n"
        '    symbols: ["005930"]\n    when: vi.trigger_price == 71000 and not vi.active\n'
        "    do: [{buy: {qty: 1, type: limit, price: ask}}]\n"
    )
    h = Harness(HEAD + rule, tmp_path)
    h.feed([real(trade("005930", "090000", 70000))])
    h.feed([vi("005930", "090100", released=False), vi("005930_AL", "090100", released=False)])
    assert decisions(h) == []
    h.feed([vi("005930", "090330", released=True), vi("005930_AL", "090330", released=True)])
    assert decisions(h) == [("after-vi", "005930", "vi:released")]
    h.feed(
        [
            vi("005930", "091000", released=False, kind="2"),
            vi("005930", "091200", released=True, kind="2"),
        ]
    )
    assert len(decisions(h)) == 1  # dynamic VI: filtered out


def test_session_trigger_by_name_and_raw_code(tmp_path: Path) -> None:
    """'on: {session: open}' and the raw code '2' fire once per session change, per symbol."""
    rules = (
        "  - name: at-open\n    on: {session: open}\n    do: [{buy: {qty: 1}}]\n"
        '  - name: at-closing-notice\n    on: {session: "2"}\n'
        '    when: session == "closing_notice"\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([session("0", "084000"), session("3", "090000"), session("3", "090000")])
    assert decisions(h) == [
        ("at-open", "005930", "session:open"),
        ("at-open", "000660", "session:open"),
    ]
    h.feed([session("2", "152000")])
    assert decisions(h)[2:] == [
        ("at-closing-notice", "005930", "session:closing_notice"),
        ("at-closing-notice", "000660", "session:closing_notice"),
    ]


def test_order_trigger_sees_own_fills_by_tag(tmp_path: Path) -> None:
    """'on: {order: filled, tag: entry}' fires when an order tagged 'entry' fills."""
    rules = (
        '  - name: entry\n    symbols: ["005930"]\n'
        "    when: position.qty == 0 and open_orders == 0\n"
        "    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
        "  - name: exit-order\n    on: {order: filled, tag: entry}\n"
        "    do: [{sell: {qty: all, type: limit, price: position.avg_price + 2 ticks}}]\n"
        "  - name: log-accepts\n    on: {order: [accepted]}\n    when: false\n"
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090001", 70000)), real(trade("005930", "090002", 70000))])
    assert ("exit-order", "005930", "order:filled") in decisions(h)
    sells = [o for o in h.placed() if o.rule == "exit-order"]
    assert [(o.qty, o.price) for o in sells] == [(10, 70200)]


def test_order_trigger_on_risk_rejection(tmp_path: Path) -> None:
    """A risk-rejected order is a 'rejected' own-order event."""
    rules = (
        '  - name: big\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 100000}}]\n"
        "  - name: on-reject\n    on: {order: rejected}\n    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090001", 70000))])
    assert ("on-reject", "005930", "order:rejected") in decisions(h)


def test_at_trigger_fires_once_at_its_exact_time(tmp_path: Path) -> None:
    """'at: 09:30' fires once, with the clock at 09:30:00 exactly, when a later frame
    (of any symbol) passes that instant."""
    rules = (
        '  - name: half-past\n    on: {at: "09:30"}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "092959", 70000))])
    assert decisions(h) == []
    h.feed([real(trade("000660", "093004", 200000)), real(trade("005930", "093100", 70000))])
    rows = h.rows("SELECT rule, event, ts FROM decisions")
    assert [(r[0], r[1]) for r in rows] == [("half-past", "at")]
    assert seconds_of_day(rows[0][2]) == 9 * 3600 + 30 * 60
    assert h.engine.market.sod == 9 * 3600 + 31 * 60


def test_cron_trigger_follows_the_tape_clock(tmp_path: Path) -> None:
    """'cron: */10 9 * * *' fires at 09:00, 09:10, ... 09:50 of the tape's clock, each
    occurrence at its own time even across a quiet stretch of the tape."""
    rules = (
        '  - name: tenmin\n    on: {cron: "*/10 9 * * *"}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    for hms in ("085959", "090000", "090500", "091000", "095900", "100000"):
        h.feed([real(trade("005930", hms, 70000))])
    times = [seconds_of_day(r[0]) for r in h.rows("SELECT ts FROM decisions ORDER BY id")]
    assert times == [9 * 3600 + m * 60 for m in range(0, 60, 10)]


def test_every_trigger_runs_only_inside_its_window(tmp_path: Path) -> None:
    """'every: 1m' between 09:00 and 09:03 fires at 09:00, 09:01 and 09:02 only."""
    rules = (
        '  - name: poll\n    on: {every: 1m, between: ["09:00", "09:03"]}\n'
        '    symbols: ["005930"]\n    do: [{buy: {qty: 1}}]\n'
    )
    h = Harness(HEAD + rules, tmp_path)
    for minute in range(58, 60):
        h.feed([real(trade("005930", f"08{minute}00", 70000))])
    for minute in range(0, 6):
        h.feed([real(trade("005930", f"090{minute}00", 70000))])
    assert len(decisions(h)) == 3


def test_start_and_stop_triggers(tmp_path: Path) -> None:
    """'on: start' runs at Engine.start(), 'on: stop' at Engine.stop(), per symbol."""
    rules = (
        "  - name: hello\n    on: start\n    when: position.qty == 0\n    do: [{buy: {qty: 1}}]\n"
        '  - name: bye\n    on: stop\n    symbols: ["000660"]\n    do: [{cancel: all}]\n'
    )
    h = Harness(HEAD + rules, tmp_path)
    h.engine.start()
    h.engine.stop()
    h.journal.flush()
    assert decisions(h) == [
        ("hello", "005930", "start"),
        ("hello", "000660", "start"),
        ("bye", "000660", "stop"),
    ]

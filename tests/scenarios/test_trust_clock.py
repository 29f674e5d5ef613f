"""Scenarios: the replay clock is the live clock (exact fire times, same-instant order, ms)."""

from __future__ import annotations

from pathlib import Path

from autotrader.config import AppConfig, RiskConfig
from tests.scenarios.trust_support import run, session, tick

NO_DUPLICATE_CHECK = AppConfig(risk=RiskConfig(duplicate_window=0))

HEAD = 'strategy: s\nsymbols: ["005930", "000660"]\nrules:\n'


def test_entry_at_0900_sees_the_opening_session_frame_of_the_same_instant(
    tmp_path: Path,
) -> None:
    """'at: 09:00' fires after the 09:00:00.000 session frame, so it is not pre-open."""
    strategy = HEAD + (
        '  - name: open-entry\n    on: {at: "09:00"}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 10, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("0", "08:40:00.000"),
            tick("005930", "08:59:59.900", 70000),
            session("3", "09:00:00.000"),
            tick("005930", "09:00:00.000", 70000, ask=70100),
            tick("005930", "09:00:00.400", 70100, ask=70200, bid=70100),
        ],
    )
    assert out.orders() == [
        "09:00:00.000 open-entry buy 10 market -> filled 10@70100 09:00:00.000",
    ]


def test_clock_rule_fires_on_time_while_only_other_symbols_trade(tmp_path: Path) -> None:
    """'at: 10:16:00' for a quiet symbol fires at 10:16:00.000, not at its next trade."""
    strategy = HEAD + (
        '  - name: tenSixteen\n    on: {at: "10:16:00"}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 1, type: limit, price: bid}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "10:15:10.000", 70000, ask=70100, bid=70000),
            tick("000660", "10:15:59.999", 200000),
            tick("000660", "10:16:00.120", 200500),
            tick("000660", "10:17:00.000", 201000),
            tick("005930", "10:17:14.000", 70000, ask=70100, bid=70000),
        ],
    )
    assert out.decisions() == ["10:16:00.000 tenSixteen 005930 at order"]
    assert out.orders() == [
        "10:16:00.000 tenSixteen buy 1 limit 70000 -> filled 1@70000 10:17:14.000",
    ]


def test_half_second_trigger_times(tmp_path: Path) -> None:
    """'every: 500ms' fires at every half second between the frames, to the millisecond."""
    strategy = HEAD + (
        '  - name: half\n    on: {every: 500ms, between: ["09:30:00", "09:30:02"]}\n'
        '    symbols: ["005930"]\n    when: position.qty < 3\n'
        "    do: [{buy: {qty: 1, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:29:59.000", 70000),
            tick("005930", "09:30:00.250", 70000, ask=70100),
            tick("005930", "09:30:00.750", 70100, ask=70200),
            tick("005930", "09:30:01.250", 70200, ask=70300),
            tick("005930", "09:30:05.000", 70200, ask=70300),
        ],
        config=NO_DUPLICATE_CHECK,
    )
    assert out.orders() == [
        "09:30:00.000 half buy 1 market -> filled 1@70000 09:30:00.000",
        "09:30:00.500 half buy 1 market -> filled 1@70100 09:30:00.500",
        "09:30:01.000 half buy 1 market -> filled 1@70200 09:30:01.000",
    ]
    # 09:30:01.500: three shares held, the condition is false: no firing.
    assert [d[:12] for d in out.decisions()] == ["09:30:00.000", "09:30:00.500", "09:30:01.000"]


def test_clock_rule_at_the_last_instant_of_the_tape_still_fires(tmp_path: Path) -> None:
    """A rule due at the tape's last frame time fires after that frame, at the end."""
    strategy = HEAD + (
        '  - name: last\n    on: {at: "09:05"}\n    symbols: ["005930"]\n'
        "    when: price > 0\n    do: [{buy: {qty: 1, type: limit, price: 70000}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [session("3", "09:00:00.000"), tick("005930", "09:05:00.000", 70000)],
    )
    assert out.decisions() == ["09:05:00.000 last 005930 at order"]


def test_hours_guard_refuses_a_clock_entry_outside_trading_hours(tmp_path: Path) -> None:
    """The hours guard (risk: trading_hours) judges the rule's exact fire time."""
    strategy = (
        'strategy: s\nsymbols: ["005930", "000660"]\n'
        'risk: {trading_hours: ["09:00", "15:00"]}\nrules:\n'
        '  - name: late\n    on: {at: ["14:59:59", "15:00:00"]}\n    symbols: ["005930"]\n'
        "    do: [{buy: {qty: 1, type: limit, price: 70000}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "14:00:00.000", 70000),
            tick("000660", "15:00:00.500", 200000),
        ],
        config=NO_DUPLICATE_CHECK,
    )
    assert out.orders() == [
        "14:59:59.000 late buy 1 limit 70000 -> filled 1@70000 14:59:59.000",
        "15:00:00.000 late buy 1 limit 70000 -> rejected (risk: trading_hours: 15:00:00 is "
        "outside trading hours 09:00:00-15:00:00) 15:00:00.000",
    ]


def test_the_report_shows_times_to_the_millisecond(tmp_path: Path) -> None:
    """Order histories in the report keep the journal's milliseconds."""
    from rich.console import Console

    from autotrader.journal import open_journal
    from autotrader.report import print_report

    strategy = HEAD + (
        '  - name: e\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 1, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [
            session("3", "09:00:00.000"),
            tick("005930", "09:00:00.125", 70000),
            tick("005930", "09:00:00.375", 70000),
        ],
    )
    console = Console(record=True, width=200)
    print_report(open_journal(out.db), out.result.run_id, console=console)
    text = console.export_text()
    assert "pending 09:00:00.125" in text

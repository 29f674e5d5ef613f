"""Hot reload in replay (issue 19, item 3): ``run --reload-at`` swaps an edited strategy in
at the first event at or after the time, keeps working orders and positions, carries the
state of the rules that stay, applies the removed-rule policy, and refuses a bad file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine import Engine
from autotrader.engine.reload import Scheduled, parse_reload_at, rule_diff
from autotrader.engine.replay import RunResult, replay
from autotrader.journal import Journal
from autotrader.rules import load_strategy, load_strategy_text
from tests.frames import line, trade, write_tape

HELD_BACK_SQL = "('cooldown', 'once_per_symbol', 'max_per_day', 'held')"  # not firings

SYM = "005930"
BASE = """\
strategy: reload-test
symbols: ["005930"]
risk:
  max_order_value: 10_000_000
  trading_hours: ["09:00", "15:20"]
{policy}
rules:
  - name: dip-buy
    when: price <= {threshold}
    cooldown: 1h
    do:
      - buy: {{qty: 1, type: market}}
{extra}"""
RESTING = """\
  - name: resting-bid
    when: open_orders == 0 and position.qty == 0
    once_per_symbol: true
    do:
      - buy: {qty: 2, type: limit, price: 68000}
"""


def strategy(threshold: int, *, extra: str = "", policy: str = "") -> str:
    return BASE.format(threshold=threshold, extra=extra, policy=policy)


def tape(tmp: Path, prices: list[tuple[str, int]]) -> Path:
    path = tmp / "day.jsonl"
    write_tape(path, [line(trade(SYM, hms, p)) for hms, p in prices])
    return path


def run(tmp: Path, text: str, day: Path, reloads: list[Scheduled]) -> RunResult:
    first = tmp / "first.yaml"
    first.write_text(text, encoding="utf-8")
    plan = compile_strategy(load_strategy(first))
    journal = Journal(tmp / "journal.db")
    try:
        return replay(
            plan, day, PaperBroker(), journal,
            on_engine=lambda engine: engine.reloads.plan_schedule(reloads),
        )  # fmt: skip
    finally:
        journal.close()


def rows(tmp: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(tmp / "journal.db")
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def at(hms: str, path: Path) -> Scheduled:
    return parse_reload_at(f"{hms}={path}")


def test_a_threshold_changed_mid_day_takes_effect_at_the_next_event(tmp_path: Path) -> None:
    """70,000 never fires under 'price <= 69000'; from 10:30 the rule says 'price <=
    70500', and the first tick at or after 10:30 buys. Decisions carry version 2."""
    new = tmp_path / "new.yaml"
    new.write_text(strategy(70_500), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("102959", 70_000), ("103000", 70_000),
                          ("103001", 70_000)])  # fmt: skip
    result = run(tmp_path, strategy(69_000), day, [at("10:30", new)])
    (outcome,) = result.engine.reloads.outcomes
    assert outcome.status == "applied" and outcome.diff.changed == ("dip-buy",)
    decisions = rows(
        tmp_path,
        "SELECT ts, rule, outcome, version FROM decisions WHERE outcome NOT IN "
        + HELD_BACK_SQL
        + "",
    )
    assert len(decisions) == 1  # the cooldown holds the 10:30:01 tick
    ts, rule, what, version = decisions[0]
    assert (rule, what, version) == ("dip-buy", "order", 2)
    assert ts == pytest.approx(result.engine.reloads.schedule_day0 + 10.5 * 3600)
    versions = rows(tmp_path, "SELECT version, status, sha256, path FROM strategy_versions")
    assert [(v, s) for v, s, _, _ in versions] == [(1, "running"), (2, "applied")]
    assert versions[1][2] == outcome.sha256 and versions[1][3] == str(new)
    (text,) = rows(tmp_path, "SELECT text FROM strategy_versions WHERE version = 2")
    assert text[0] == new.read_text(encoding="utf-8")


def test_without_the_reload_the_old_threshold_never_fires(tmp_path: Path) -> None:
    """The control for the test above: the same tape under the old file buys nothing."""
    day = tape(tmp_path, [("100000", 70_000), ("103000", 70_000), ("103001", 70_000)])
    result = run(tmp_path, strategy(69_000), day, [])
    assert result.engine.stats["orders"] == 0
    assert rows(tmp_path, "SELECT version, status FROM strategy_versions") == [(1, "running")]


def test_unchanged_rules_keep_their_cooldown_across_a_reload(tmp_path: Path) -> None:
    """dip-buy fires at 10:00 (cooldown 1h); a reload at 10:10 adds a rule above it, so
    its place in the file moves: its cooldown still holds until 11:00."""
    other = "  - name: noop\n    when: price < 1\n    do:\n      - buy: {qty: 1, type: market}\n"
    text = strategy(70_000)
    new = tmp_path / "new.yaml"
    moved = text.replace("rules:\n", "rules:\n" + other)
    new.write_text(moved, encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("101500", 70_000), ("110001", 70_000)])
    result = run(tmp_path, text, day, [at("10:10", new)])
    assert result.engine.reloads.outcomes[0].diff.added == ("noop",)
    fired = rows(tmp_path, "SELECT substr(time(ts, 'unixepoch', '+9 hours'), 1, 8), version "
                           "FROM decisions WHERE rule = 'dip-buy' AND outcome NOT IN "
                           + HELD_BACK_SQL)  # fmt: skip
    assert fired == [("10:00:00", 1), ("11:00:01", 2)]


@pytest.mark.parametrize("policy", ["keep", "cancel"])
def test_a_removed_rules_working_order_is_kept_or_cancelled_per_policy(
    tmp_path: Path, policy: str
) -> None:
    """resting-bid's limit buy at 68,000 rests; the new version removes the rule and
    declares what happens to its orders. Kept: still working at the end; cancelled:
    a cancel request is journaled (decision event 'reload') and the order ends cancelled."""
    old = strategy(1, extra=RESTING)
    new = tmp_path / "new.yaml"
    new.write_text(
        strategy(1, policy=f"on_reload: {{removed_rule_orders: {policy}}}"), encoding="utf-8"
    )
    day = tape(tmp_path, [("100000", 70_000), ("103000", 70_000), ("103100", 70_000)])
    result = run(tmp_path, old, day, [at("10:30", new)])
    (outcome,) = result.engine.reloads.outcomes
    assert outcome.diff.removed == ("resting-bid",)
    orders = rows(tmp_path, "SELECT id, rule, action, state FROM orders ORDER BY id")
    if policy == "keep":
        assert orders == [(1, "resting-bid", "buy", "accepted")]
        assert outcome.orders == {"kept": [1], "cancelled": []}
        assert [o.order_id for o in result.engine.ledger.new_orders()] == [1]
    else:
        assert orders == [(1, "resting-bid", "buy", "cancelled"),
                          (2, "resting-bid", "cancel", "done")]  # fmt: skip
        assert outcome.orders == {"kept": [], "cancelled": [1]}
        assert result.engine.ledger.new_orders() == []
    word = "kept" if policy == "keep" else "cancel"
    assert rows(tmp_path, "SELECT event, outcome FROM decisions WHERE event = 'reload'") == [
        ("reload", word)
    ]
    (detail,) = rows(tmp_path, "SELECT detail FROM strategy_versions WHERE version = 2")
    assert json.loads(detail[0])["cancelled"] == ([1] if policy == "cancel" else [])


def test_a_bad_file_is_refused_and_the_old_strategy_keeps_running(tmp_path: Path) -> None:
    """A new file with an unknown name in 'when' is refused with its error, journaled; the
    old rule goes on firing after the reload time."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(strategy(70_000).replace("price <= 70000", "pricee <= 70000"), "utf-8")
    day = tape(tmp_path, [("103000", 69_000), ("113001", 69_000)])
    result = run(tmp_path, strategy(69_500), day, [at("10:00", bad)])
    (outcome,) = result.engine.reloads.outcomes
    assert outcome.status == "refused" and outcome.version == 1
    assert any("pricee" in e for e in outcome.errors)
    versions = rows(tmp_path, "SELECT version, status, detail FROM strategy_versions")
    assert versions[0][:2] == (1, "running")
    assert versions[1][:2] == (None, "refused") and "pricee" in versions[1][2]
    assert rows(tmp_path, "SELECT version FROM decisions") == [(1,), (1,)]
    errors = rows(tmp_path, "SELECT detail FROM errors WHERE source = 'reload'")
    assert len(errors) == 1 and "refused" in errors[0][0]


def test_a_new_strategy_name_or_risk_section_is_refused(tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(strategy(1).replace("reload-test", "other"), encoding="utf-8")
    risky = tmp_path / "risky.yaml"
    risky.write_text(strategy(1).replace("10_000_000", "20_000_000"), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("110000", 70_000)])
    result = run(tmp_path, strategy(1), day, [at("09:30", renamed), at("10:30", risky)])
    first, second = result.engine.reloads.outcomes
    assert first.status == second.status == "refused"
    assert "name changed" in first.errors[0] and "risk section" in second.errors[0]


def test_a_rolling_value_both_versions_read_keeps_its_window(tmp_path: Path) -> None:
    """sma(3) over 70,000, 70,100, 70,200 is 70,100; the reload at 10:30 changes the rule's
    threshold but not the window: the next tick (70,300) makes it 70,200 (a fresh window
    would say 70,300), and the new threshold 70,200 fires on it."""

    def text(limit: int) -> str:
        return strategy(1).replace("price <= 1", f"sma(3) >= {limit}")

    new = tmp_path / "new.yaml"
    new.write_text(text(70_200), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("100001", 70_100), ("100002", 70_200),
                          ("103000", 70_300)])  # fmt: skip
    result = run(tmp_path, text(70_201), day, [at("10:30", new)])
    st = result.engine.states[SYM]
    assert st.roll == [pytest.approx(70_200.0)]
    assert rows(tmp_path, "SELECT version FROM decisions") == [(2,)]


def test_rule_diff_names_added_removed_and_changed_rules() -> None:
    old = load_strategy_text(strategy(1, extra=RESTING)).spec
    new = load_strategy_text(strategy(2)).spec
    diff = rule_diff(old, new)
    assert (diff.added, diff.removed, diff.changed) == ((), ("resting-bid",), ("dip-buy",))
    assert diff.lines() == ["- resting-bid", "~ dip-buy"]


@pytest.mark.parametrize("text", ["10:30", "25:00=x.yaml", "10=x.yaml", "10:30="])
def test_reload_at_needs_a_time_and_a_file(text: str) -> None:
    with pytest.raises(ValueError, match="reload-at"):
        parse_reload_at(text)


def test_run_reload_at_on_the_command_line_reports_decisions_by_version(tmp_path: Path) -> None:
    """``autotrader run --reload-at 10:30=new.yaml``: the report shows both versions, the
    rule diff and the decisions each took; a malformed --reload-at is a clear error."""
    from typer.testing import CliRunner

    from autotrader.cli import app
    from autotrader.journal import open_journal
    from autotrader.report.versions import versions

    first, new = tmp_path / "first.yaml", tmp_path / "new.yaml"
    first.write_text(strategy(69_000), encoding="utf-8")
    new.write_text(strategy(70_500), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("103000", 70_000)])
    db = tmp_path / "cli.db"
    args = ["run", str(first), "--tape", str(day), "--journal", str(db)]
    result = CliRunner().invoke(app, [*args, "--reload-at", f"10:30={new}"])
    assert result.exit_code == 0, result.output
    assert "strategy versions" in result.output and "~dip-buy" in result.output
    v1, v2 = versions(open_journal(db), 1)
    assert (v1["version"], v1["decisions"], v2["version"], v2["orders"]) == (1, 0, 2, 1)
    assert v2["by_rule"] == {"dip-buy": [1, 1]}
    bad = CliRunner().invoke(app, [*args, "--reload-at", "half-past-ten"])
    assert bad.exit_code == 1 and "HH:MM" in bad.output


def test_a_swap_that_raises_halts_trading_and_is_journaled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a bad file but a defect inside the swap: the engine may hold half of each
    version, so it fails closed (halted, the row 'failed'); the run itself goes on."""
    import autotrader.engine.reload as reload_module

    def broken(*_args: object) -> None:
        raise RuntimeError("half a swap")

    monkeypatch.setattr(reload_module, "swap", broken)
    new = tmp_path / "new.yaml"
    new.write_text(strategy(70_500), encoding="utf-8")
    day = tape(tmp_path, [("103000", 70_000), ("103001", 70_000)])
    result = run(tmp_path, strategy(69_000), day, [at("10:00", new)])
    (outcome,) = result.engine.reloads.outcomes
    assert outcome.status == "failed" and "half a swap" in outcome.errors[0]
    assert result.engine.book.level.value == "halted"
    assert rows(tmp_path, "SELECT version, status FROM strategy_versions") == [
        (1, "running"),
        (2, "failed"),
    ]
    assert result.engine.stats["orders"] == 0


def test_a_garbled_request_file_is_refused_and_answered(tmp_path: Path) -> None:
    """The request channel: a request that is not JSON is refused (journaled, answered),
    never taken for some file; a good request is answered with the diff, then removed."""
    from autotrader.engine.reload_files import (
        read_result,
        request_path,
        result_path,
        write_request,
    )

    first = tmp_path / "first.yaml"
    first.write_text(strategy(69_000), encoding="utf-8")
    journal = Journal(tmp_path / "journal.db")
    try:
        engine = Engine(compile_strategy(load_strategy(first)), PaperBroker(), journal)
        journal.start_run(strategy="reload-test", mode="test", broker="paper")
        engine.reloads.record_start()
        request = request_path(journal.path)
        request.write_bytes(b"\x00not json")
        garbled = engine.reloads.answer_request(request)
        assert garbled is not None and garbled.status == "refused"
        assert "reload request" in garbled.errors[0] and not request.exists()
        first.write_text(strategy(70_500), encoding="utf-8")
        rid = write_request(request, None)
        good = engine.reloads.answer_request(request)
        assert good is not None and good.status == "applied" and good.version == 2
        answer = read_result(result_path(journal.path), rid)
        assert answer is not None and answer["lines"] == ["~ dip-buy"]
        assert not request.exists() and engine.reloads.answer_request(request) is None
    finally:
        journal.close()


def test_the_report_shows_the_text_that_ran_and_the_versions(tmp_path: Path) -> None:
    """The file is edited after the run: the report still shows the text the run started
    with (from the journal, not the file on disk), and each version's decisions."""
    from autotrader.journal import open_journal
    from autotrader.report.figures import build_report

    new = tmp_path / "new.yaml"
    new.write_text(strategy(70_500), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("103000", 70_000)])
    run(tmp_path, strategy(69_000), day, [at("10:30", new)])
    first = tmp_path / "first.yaml"
    first.write_text("edited afterwards", encoding="utf-8")
    data = build_report(open_journal(tmp_path / "journal.db"), [1])
    assert data["strategies"][str(first)] == {"text": strategy(69_000), "note": ""}
    (report_run,) = data["runs"]
    assert [(v["version"], v["status"], v["orders"]) for v in report_run["versions"]] == [
        (1, "running", 0),
        (2, "applied", 1),
    ]


def test_a_changed_once_per_symbol_rule_does_not_fire_twice_in_a_day(tmp_path: Path) -> None:
    """once-buy fired at 10:00; its threshold is edited at 10:30 (a changed rule): it
    keeps its once-per-symbol flag, so the day's later ticks do not fire it again. A
    renamed copy starts afresh and fires at once."""

    def text(limit: int, name: str = "once-buy") -> str:
        return strategy(1).replace("cooldown: 1h", "once_per_symbol: true").replace(
            "price <= 1", f"price <= {limit}").replace("dip-buy", name)  # fmt: skip

    edited, renamed = tmp_path / "edited.yaml", tmp_path / "renamed.yaml"
    edited.write_text(text(70_500), encoding="utf-8")
    renamed.write_text(text(70_500, "once-buy-2"), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("103001", 70_000), ("110001", 70_000)])
    result = run(tmp_path, text(70_000), day, [at("10:30", edited), at("11:00", renamed)])
    assert [o.diff.changed for o in result.engine.reloads.outcomes] == [("once-buy",), ()]
    fired = rows(
        tmp_path,
        "SELECT rule, version FROM decisions WHERE outcome NOT IN "
        + HELD_BACK_SQL
        + " ORDER BY id",
    )
    assert fired == [("once-buy", 1), ("once-buy-2", 3)]


def test_the_html_report_lists_the_versions(tmp_path: Path) -> None:
    from autotrader.journal import open_journal
    from autotrader.report.figures import build_report
    from autotrader.report.html import render_html

    new = tmp_path / "new.yaml"
    new.write_text(strategy(70_500), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("103000", 70_000)])
    run(tmp_path, strategy(69_000), day, [at("10:30", new)])
    html = render_html(build_report(open_journal(tmp_path / "journal.db"), [1]))
    assert "Strategy versions of run 1" in html and "~dip-buy" in html


def test_a_new_trailing_rule_is_told_the_high_since_entry_was_not_followed(
    tmp_path: Path,
) -> None:
    """The old version never read position.high, so ticks did not move it; the reload
    that adds a trailing exit says so for the held symbol, and from then on ticks do."""
    trail = (
        "  - name: trail\n    when: position.qty > 0 and position.drawdown >= 5%\n"
        "    do:\n      - sell: {qty: all, type: market}\n"
    )
    new = tmp_path / "new.yaml"
    new.write_text(strategy(70_000, extra=trail), encoding="utf-8")
    day = tape(tmp_path, [("100000", 70_000), ("100001", 70_000), ("100500", 72_000),
                          ("103000", 71_000), ("103001", 73_000)])  # fmt: skip
    result = run(tmp_path, strategy(70_000), day, [at("10:30", new)])
    (outcome,) = result.engine.reloads.outcomes
    assert outcome.diff.added == ("trail",)
    assert len(outcome.notes) == 1 and "005930" in outcome.notes[0]
    assert result.engine.states[SYM].pos_high == 73_000  # followed after the reload

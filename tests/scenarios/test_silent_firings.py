"""Scenarios: every firing that sends no order is a journaled decision with its reason
(issue 11 item 2): zero quantity, a guard refusal, a halt, nothing held, a held rule."""

from __future__ import annotations

from pathlib import Path

from autotrader.engine.killswitch import halt_path, write_command
from autotrader.risk.book import TradingLevel
from tests.scenarios.trust_support import Outcome, run, session, tick

HEAD = 'strategy: s\nsymbols: ["005930"]\nrules:\n'


def reasons(out: Outcome, rule: str) -> list[tuple[str, str]]:
    return [
        (str(o), str(r))
        for o, r in out.rows(
            "SELECT outcome, json_extract(values_json, '$.reason') FROM decisions "
            "WHERE rule = ? ORDER BY id",
            rule,
        )
    ]


def test_zero_quantity_and_nothing_held_say_why(tmp_path: Path) -> None:
    """50,000 KRW buys no share at 70,100; a sell with nothing held; 50% of 1 share."""
    strategy = HEAD + (
        "  - name: small\n    once_per_symbol: true\n"
        "    do: [{buy: {amount: 50_000, type: market}}]\n"
        "  - name: exit\n    once_per_symbol: true\n"
        "    do: [{sell: {qty: available, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [session("3", "09:00:00.000"), tick("005930", "09:00:01.000", 70000, ask=70100)],
    )
    assert reasons(out, "small") == [("zero_qty", "amount 50,000 KRW buys no share at 70,100 KRW")]
    assert reasons(out, "exit") == [("nothing_held", "no shares held: nothing to sell")]


def test_a_guard_refusal_is_the_decision_with_the_checks_that_failed(tmp_path: Path) -> None:
    """A buy over max_order_value: the decision is 'refused', with the guard's reason,
    and points at the rejected order."""
    strategy = HEAD.replace("rules:\n", "risk: {max_order_value: 100_000}\nrules:\n") + (
        "  - name: big\n    once_per_symbol: true\n    do: [{buy: {qty: 10, type: market}}]\n"
    )
    out = run(
        tmp_path, strategy, [session("3", "09:00:00.000"), tick("005930", "09:00:01.000", 70000)]
    )
    ((outcome, reason),) = reasons(out, "big")
    assert outcome == "refused"
    assert reason.startswith("risk: ") and "max_order_value" in reason
    (order_id,) = out.rows("SELECT order_id FROM decisions WHERE rule = 'big'")[0]
    assert out.rows("SELECT state FROM orders WHERE id = ?", order_id) == [("rejected",)]


def test_a_halt_is_a_refusal_with_its_reason(tmp_path: Path) -> None:
    """The kill switch says halt: the rule still fires, and its decision says the order
    was refused because trading is halted."""
    write_command(halt_path(tmp_path / "journal.db"), TradingLevel.HALTED, "desk says stop")
    strategy = HEAD + (
        "  - name: entry\n    once_per_symbol: true\n    do: [{buy: {qty: 1, type: market}}]\n"
    )
    out = run(
        tmp_path,
        strategy,
        [session("3", "09:00:00.000"), tick("005930", "09:00:02.000", 70000)],
    )
    ((outcome, reason),) = reasons(out, "entry")
    assert outcome == "refused" and "halt" in reason


def test_a_cooldown_is_journaled_once_per_window(tmp_path: Path) -> None:
    """The condition holds on four trades inside one 1-minute cooldown: one order, and
    one 'cooldown' row saying until when (not three)."""
    strategy = HEAD + (
        "  - name: dip\n    when: price < 70000\n    cooldown: 1m\n"
        "    do: [{buy: {qty: 1, type: limit, price: bid}}]\n"
    )
    lines = [session("3", "09:00:00.000")]
    lines += [tick("005930", f"09:00:0{s}.000", 69900) for s in range(1, 5)]
    out = run(tmp_path, strategy, lines)
    assert reasons(out, "dip") == [
        ("order", "None"),
        ("cooldown", "cooldown 60 s after the fire at 09:00:01.000: until 09:01:01.000"),
    ]


def test_a_held_rule_says_why_once_a_minute(tmp_path: Path) -> None:
    """A rule with an order in doubt is held: its firings are journaled as 'held', with
    the reason, at most once a minute per symbol (not on every trade)."""
    from tests.frames import real, trade
    from tests.harness import Harness

    h = Harness(HEAD + "  - name: buy\n    do: [{buy: {qty: 1, type: market}}]\n", tmp_path)
    h.engine.held_rules.add("buy")
    for hms in ("090001", "090002", "090030", "090102"):
        h.feed([real(trade("005930", hms, 70000))])
    rows = h.rows("SELECT outcome, json_extract(values_json, '$.reason') FROM decisions")
    why = "held: an order of this rule is in doubt until the account is reconciled"
    assert rows == [("held", why), ("held", why)]  # 09:00:01 and 09:01:02
    assert h.placed() == []

"""A rule whose condition or action raises: journaled with the event that caused it, and
held per the strategy's ``on_rule_error`` policy (day, event, or after N errors)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from autotrader.broker.base import Emit
from autotrader.broker.paper import PaperBroker
from autotrader.model import OrderRequest
from autotrader.rules.on_error import describe
from tests.frames import real, trade
from tests.harness import Harness

DAY = 86_400.0
STRATEGY = """
strategy: t
symbols: ["005930"]
{policy}
rules:
  - name: first
    when: ask > 0
    do:
      - buy: {{qty: 1}}
  - name: second
    when: price > 0
    do:
      - buy: {{qty: 1}}
"""


class FailingBroker(PaperBroker):
    """A paper broker with a bug: every submit raises."""

    def submit(self, order: OrderRequest) -> None:
        raise RuntimeError("broker bug")

    def attach(self, emit: Emit) -> None:
        super().attach(emit)


def run_ticks(tmp_path: Path, policy: str, ticks: int) -> Harness:
    h = Harness(STRATEGY.format(policy=policy), tmp_path, broker=FailingBroker())
    for i in range(ticks):
        h.feed([real(trade("005930", f"09{i:02d}00", 60_000))])  # a minute apart
    return h


def rule_errors(h: Harness) -> list[str]:
    return [r[0] for r in h.rows("SELECT detail FROM errors WHERE source = 'rule'")]


@pytest.mark.parametrize(
    ("policy", "fired", "held"),
    [
        ("", 1, True),  # the default: day
        ("on_rule_error: day", 1, True),
        ("on_rule_error: event", 4, False),
        ("on_rule_error: {hold_after: 3}", 3, True),
    ],
)
def test_policy_decides_when_a_raising_rule_is_held(
    tmp_path: Path, policy: str, fired: int, held: bool
) -> None:
    """Four ticks whose orders all raise: the rule fires as often as its policy allows."""
    h = run_ticks(tmp_path, policy, 4)
    first = h.plan.rules[0]
    assert first.fires == fired
    assert ("first" in h.engine.failed_rules) is held
    errors = rule_errors(h)
    assert len([e for e in errors if e.startswith("rule first")]) == fired
    assert all("price=60000" in e and "RuntimeError: broker bug" in e for e in errors)
    assert errors[-1].endswith("rule held for the day") is held


def test_a_hold_lapses_when_the_day_changes(tmp_path: Path) -> None:
    """Held on day 1, the rule fires again on day 2 (and is held again by its error)."""
    h = run_ticks(tmp_path, "", 1)
    assert "first" in h.engine.failed_rules
    h.engine.set_time(h.engine.market.now + DAY)
    h.engine.on_trade(h.engine.states["005930"])
    assert h.plan.rules[0].fires == 2


def test_a_raising_condition_does_not_silence_the_rules_below_it(tmp_path: Path) -> None:
    """A condition that raises on a tick is journaled; the next rule still fires that tick."""
    h = Harness(STRATEGY.format(policy="on_rule_error: event"), tmp_path)
    h.feed([real(trade("005930", "090000", 60_000))])
    st = h.engine.states["005930"]
    second_before = h.plan.rules[1].fires
    st.values = msgspec.structs.replace(
        st.values, f27="garbled"
    )  # past the decoder: only a bug gets here
    h.engine.on_trade(st)
    h.journal.flush()
    assert h.plan.rules[1].fires == second_before + 1
    errors = rule_errors(h)
    assert len(errors) == 1 and errors[0].startswith("rule first on 005930 (0B price=60000")
    assert "ValueError" in errors[0] and errors[0].endswith("event skipped")


def test_policy_is_said_in_words() -> None:
    """Each policy has a sentence for explain and the docs."""
    from autotrader.rules.on_error import HoldAfter

    assert "first error" in describe("day")
    assert "only the event" in describe("event")
    assert "3th" in describe(HoldAfter(hold_after=3))

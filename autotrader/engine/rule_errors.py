"""Rules that raised: count each rule's errors per day and hold it per the strategy's policy.

The engine asks ``held(rule, now)`` only for rules in its ``failed_rules`` (the hot path
never pays for this), and calls ``record`` when a rule's condition or action raised.
A hold lasts until the Korea-time day changes (``rules/on_error.py`` documents it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autotrader.clock import to_seoul
from autotrader.rules.on_error import OnRuleError, errors_before_hold
from autotrader.safetext import escape

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState


class RuleErrors:
    """Errors per rule and day, and the holds they led to."""

    def __init__(self, policy: OnRuleError) -> None:
        self.limit = errors_before_hold(policy)
        self.counts: dict[str, tuple[str, int]] = {}  # rule -> (day, errors that day)
        self.holds: dict[str, str] = {}  # rule -> the day it is held for

    def record(self, rule: str, now: float) -> bool:
        """Count one error of ``rule``; True when this error starts a hold."""
        day = _day(now)
        seen, errors = self.counts.get(rule, (day, 0))
        errors = errors + 1 if seen == day else 1
        self.counts[rule] = (day, errors)
        if self.limit is not None and errors >= self.limit and self.holds.get(rule) != day:
            self.holds[rule] = day
            return True
        return False

    def held(self, rule: str, now: float) -> bool:
        """Whether ``rule`` is held at ``now`` (a hold from an earlier day has lapsed)."""
        day = self.holds.get(rule)
        if day is None:
            return False
        if day != _day(now):
            del self.holds[rule]
            return False
        return True


def _day(now: float) -> str:
    return to_seoul(now).date().isoformat()


def event_excerpt(st: SymbolState, event: str) -> str:
    """The event a rule saw, in a line: its kind, the tick's time and price, its fields."""
    if event != "0B":
        return event
    fields = ",".join(f"{k}={v}" for k, v in list(st.values.items())[:12])
    return escape(f"0B price={st.price} {fields}")[:300]

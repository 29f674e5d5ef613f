"""What happens to a rule whose condition or action raises: the strategy's ``on_rule_error``.

    on_rule_error: day               # the default: hold the rule for the rest of the day
    on_rule_error: event             # skip only the event that raised; the rule runs on
    on_rule_error: {hold_after: 3}   # skip the event; hold the rule at its 3rd error of the day

Every error is journaled (source ``rule``) with the rule, the symbol and the event that
caused it, whatever the policy; a hold is journaled too, shown in the live status line
and in ``autotrader report``. Inputs are checked where they enter (``rules/bounds.py``,
``feed/validate.py``), so an error here means a bug, not a bad frame: holding at once is
the fail-closed default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HoldAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hold_after: int = Field(ge=1, le=1_000, description="errors in a day before the hold")


OnRuleError = Literal["day", "event"] | HoldAfter


def errors_before_hold(policy: OnRuleError) -> int | None:
    """How many errors in a day hold the rule (None: never)."""
    if isinstance(policy, HoldAfter):
        return policy.hold_after
    return 1 if policy == "day" else None


def describe(policy: OnRuleError) -> str:
    if isinstance(policy, HoldAfter):
        return f"a rule is held for the day at its {policy.hold_after}th error of the day"
    if policy == "day":
        return "a rule is held for the day at its first error"
    return "an error skips only the event that caused it"

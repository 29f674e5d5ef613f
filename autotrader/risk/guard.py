"""The risk guard: every new order passes every check, or it does not leave.

The guard fails closed: a check that raises rejects the order, with the exception named
as the reason. Its verdict lists every check with its outcome and the values it
compared, so the journal can show exactly why an order was approved or denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from autotrader.risk.checks import DEFAULT_CHECKS, Check, CheckInput


class CheckResult(NamedTuple):
    """One check's outcome (a tuple: twenty of these are built for every order)."""

    name: str
    passed: bool
    reason: str
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Verdict:
    approved: bool
    results: tuple[CheckResult, ...]

    @property
    def reason(self) -> str:
        """The reasons of the failed checks, joined; '' if approved."""
        return "; ".join(f"{r.name}: {r.reason}" for r in self.results if not r.passed)


class RiskGuard:
    """Runs named checks over an order; pure and fast (no I/O)."""

    def __init__(self, checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS) -> None:
        self.checks = checks

    def review(self, x: CheckInput) -> Verdict:
        results = []
        approved = True
        for name, check in self.checks:
            seen: dict[str, Any] = {}
            try:
                reason = check(x, seen)
            except Exception as exc:  # noqa: BLE001 - fail closed on any error
                reason = f"check failed with {type(exc).__name__}: {exc}"
            passed = reason is None
            approved = approved and passed
            results.append(CheckResult(name, passed, reason or "", seen))
        return Verdict(approved, tuple(results))

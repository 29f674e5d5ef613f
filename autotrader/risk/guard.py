"""The risk guard: every new order passes every check, or it does not leave.

The guard fails closed: a check that raises rejects the order, with the exception named
as the reason. Its verdict keeps every check's outcome and the values it compared, so
the journal can show exactly why an order was approved or denied.

A review is on every order's path, so the verdict is lean: the values each check wrote,
in check order, and the reasons of the checks that failed (usually none). The per-check
records (``results``) are built only when someone asks for them. A check is not called
for orders it has nothing to say about (``QUIET_FOR``: a buy's sellable shares, a market
order's limit price): its values stay empty, as the check itself would leave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from autotrader.model import OrderAction, OrderType
from autotrader.risk.checks import DEFAULT_CHECKS, QUIET_FOR, Check, CheckInput


class CheckResult(NamedTuple):
    """One check's outcome."""

    name: str
    passed: bool
    reason: str
    values: dict[str, Any]


@dataclass(slots=True)
class Verdict:
    """The checks' names and the values each wrote (aligned, in check order), and the
    reason of each check that failed, by its position. Not frozen: one is built per
    order, and a frozen init costs a microsecond; nothing changes it once returned."""

    approved: bool
    names: tuple[str, ...]
    seen: list[dict[str, Any]]
    failed: dict[int, str]
    by_name: dict[str, dict[str, Any]] | None = None  # the values by check name
    joined: str = ""  # the names joined with ', ' (the 'passed' row's reason when approved)

    @property
    def results(self) -> tuple[CheckResult, ...]:
        """Every check's outcome, in check order."""
        failed = self.failed
        return tuple(
            CheckResult(name, i not in failed, failed.get(i, ""), values)
            for i, (name, values) in enumerate(zip(self.names, self.seen, strict=True))
        )

    @property
    def passed(self) -> dict[str, dict[str, Any]]:
        """The passing checks' values by name, in check order (the journal's 'passed' row)."""
        if not self.failed:
            if self.by_name is not None:
                return dict(self.by_name)
            return dict(zip(self.names, self.seen, strict=True))
        failed, pairs = self.failed, zip(self.names, self.seen, strict=True)
        return {n: v for i, (n, v) in enumerate(pairs) if i not in failed}

    @property
    def failures(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The failed checks' names, reasons and values, in check order."""
        names, seen = self.names, self.seen
        return [(names[i], why, seen[i]) for i, why in self.failed.items()]

    @property
    def reason(self) -> str:
        """The reasons of the failed checks, joined; '' if approved."""
        return "; ".join(f"{self.names[i]}: {why}" for i, why in self.failed.items())


class RiskGuard:
    """Runs named checks over an order; pure and fast (no I/O)."""

    def __init__(self, checks: tuple[tuple[str, Check], ...] = DEFAULT_CHECKS) -> None:
        self._checks = checks
        self.names = tuple(name for name, _ in checks)
        self._functions = tuple(check for _, check in checks)
        self._joined = ", ".join(dict.fromkeys(self.names))  # the names of a 'passed' row
        # per (action, order type): the positions of the checks its orders go through
        self._runs: dict[tuple[OrderAction, OrderType], tuple[int, ...]] = {}

    @property
    def checks(self) -> tuple[tuple[str, Check], ...]:
        return self._checks

    def review(self, x: CheckInput) -> Verdict:
        order = x.order
        run = self._runs.get((order.action, order.order_type))
        if run is None:
            run = self._run_for(order.action, order.order_type)
        functions = self._functions
        seen_all: list[dict[str, Any]] = [{} for _ in functions]
        failed: dict[int, str] = {}
        i = -1
        try:  # one try for the whole pass (free unless a check raises)
            for i in run:
                why = functions[i](x, seen_all[i])
                if why is not None:
                    failed[i] = why
        except Exception as exc:  # noqa: BLE001 - fail closed on any error
            self._after_error(x, run, i, seen_all, failed, exc)
        if not failed:
            by_name = dict(zip(self.names, seen_all, strict=True))
            return Verdict(True, self.names, seen_all, failed, by_name, self._joined)
        return Verdict(False, self.names, seen_all, failed)

    def _run_for(self, action: OrderAction, order_type: OrderType) -> tuple[int, ...]:
        """The positions of the checks with something to say about orders of ``action``
        and ``order_type`` (every check but those ``QUIET_FOR`` leaves out), kept."""
        try:
            run = tuple(
                i
                for i, check in enumerate(self._functions)
                if (quiet := QUIET_FOR.get(check)) is None or not quiet(action, order_type)
            )
        except Exception:  # noqa: BLE001 - an unknown action or type: every check runs
            return tuple(range(len(self._functions)))
        self._runs[(action, order_type)] = run
        return run

    def _after_error(
        self,
        x: CheckInput,
        run: tuple[int, ...],
        at: int,
        seen_all: list[dict[str, Any]],
        failed: dict[int, str],
        exc: Exception,
    ) -> None:
        """The check at position ``at`` raised ``exc``: it fails with the exception as its
        reason, and the checks after it run one by one, each failing closed alike."""
        failed[at] = _raised(exc)
        functions = self._functions
        for i in run[run.index(at) + 1 :]:
            try:
                reason = functions[i](x, seen_all[i])
            except Exception as raised:  # noqa: BLE001 - fail closed on any error
                reason = _raised(raised)
            if reason is not None:
                failed[i] = reason


def _raised(exc: Exception) -> str:
    return f"check failed with {type(exc).__name__}: {exc}"

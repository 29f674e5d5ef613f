"""The guard: fails closed, names every check, keeps the values each compared."""

from __future__ import annotations

from typing import Any

from autotrader.risk import RiskGuard
from autotrader.risk.checks import CheckInput
from tests.risk.support import check_input, order


def test_a_check_that_raises_rejects_the_order() -> None:
    """An exception inside a check is a denial naming the exception."""

    def broken(x: CheckInput, seen: dict[str, Any]) -> str | None:
        raise ZeroDivisionError("boom")

    verdict = RiskGuard((("broken", broken),)).review(check_input())
    assert not verdict.approved
    assert verdict.reason == "broken: check failed with ZeroDivisionError: boom"


def test_verdict_lists_every_check_with_its_values() -> None:
    """Each default check appears once, with the values it compared."""
    verdict = RiskGuard().review(check_input(order(10, price=70_000)))
    assert verdict.approved
    by_name = {r.name: r for r in verdict.results}
    assert len(by_name) == len(verdict.results) >= 20
    assert by_name["max_order_value"].values == {
        "qty": 10, "price": 70_000, "value": 700_000, "limit": 10_000_000,
    }  # fmt: skip

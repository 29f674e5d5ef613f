"""The guard: fails closed, names every check, keeps the values each compared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autotrader.journal import Journal
from autotrader.risk import RiskGuard
from autotrader.risk.checks import DEFAULT_CHECKS, CheckInput
from tests.risk.support import check_input, order, state


def test_a_check_that_raises_rejects_the_order() -> None:
    """An exception inside a check is a denial naming the exception."""

    def broken(x: CheckInput, seen: dict[str, Any]) -> str | None:
        raise ZeroDivisionError("boom")

    verdict = RiskGuard((("broken", broken),)).review(check_input())
    assert not verdict.approved
    assert verdict.reason == "broken: check failed with ZeroDivisionError: boom"


def test_checks_after_one_that_raises_still_run_and_each_raise_fails_closed() -> None:
    """The guard runs its checks in one pass: a check that raises fails with the exception
    (and keeps what it wrote before), and every check after it still runs and is judged
    on its own, as one try per check would."""
    calls: list[str] = []

    def ok(x: CheckInput, seen: dict[str, Any]) -> str | None:
        calls.append("ok")
        seen["n"] = len(calls)
        return None

    def boom(x: CheckInput, seen: dict[str, Any]) -> str | None:
        calls.append("boom")
        seen["before"] = 1
        raise KeyError("gone")

    def no(x: CheckInput, seen: dict[str, Any]) -> str | None:
        calls.append("no")
        return "too big"

    guard = RiskGuard((("a", ok), ("b", boom), ("c", no), ("d", boom), ("e", ok)))
    verdict = guard.review(check_input())
    assert calls == ["ok", "boom", "no", "boom", "ok"]  # each once, in order
    assert not verdict.approved
    assert verdict.reason == (
        "b: check failed with KeyError: 'gone'; c: too big; d: check failed with KeyError: 'gone'"
    )
    assert verdict.passed == {"a": {"n": 1}, "e": {"n": 5}}
    assert [f[0] for f in verdict.failures] == ["b", "c", "d"]
    assert verdict.failures[0][2] == {"before": 1}
    assert verdict.by_name is None  # a denial: no 'passed' row of every check


def test_verdict_lists_every_check_with_its_values() -> None:
    """Each default check appears once, with the values it compared."""
    verdict = RiskGuard().review(check_input(order(10, price=70_000)))
    assert verdict.approved
    by_name = {r.name: r for r in verdict.results}
    assert len(by_name) == len(verdict.results) >= 20
    assert by_name["max_order_value"].values == {
        "qty": 10, "price": 70_000, "value": 700_000, "limit": 10_000_000,
    }  # fmt: skip


def _rows(tmp_path: Path, name: str, write: Callable[[Journal], None]) -> list[tuple[Any, ...]]:
    j = Journal(tmp_path / f"{name}.db")
    j.start_run(strategy="t", mode="test")
    write(j)
    j.flush()
    rows = j.conn.execute(
        "SELECT order_id, ts, check_name, passed, reason, values_json FROM risk_checks ORDER BY id"
    ).fetchall()
    j.close()
    return list(rows)


@pytest.mark.parametrize(
    "x",
    [
        check_input(order(10, price=70_000)),  # every check passes
        check_input(order(10_000, price=91_100)),  # several fail
        check_input(order(10, price=70_000), state(sod=8 * 3600)),  # before the open
    ],
    ids=["approved", "rejected", "early"],
)
def test_lean_verdict_journals_the_rows_of_the_per_check_results(
    tmp_path: Path, x: CheckInput
) -> None:
    """The engine journals the verdict from its lean form (passing values by name, the
    failures); the rows are the same as from every check's full result."""

    def broken(x: CheckInput, seen: dict[str, Any]) -> str | None:
        seen["half"] = 1
        raise ValueError("bad")

    guard = RiskGuard((*DEFAULT_CHECKS[:3], ("broken", broken), *DEFAULT_CHECKS[3:]))
    for g in (RiskGuard(), guard):
        verdict = g.review(x)
        passed, failures, results = verdict.passed, verdict.failures, verdict.results
        lean = _rows(tmp_path, "lean", lambda j: j.risk_outcome(5.0, 7, passed, failures))  # noqa: B023
        full = _rows(tmp_path, "full", lambda j: j.risk_verdict(5.0, 7, results))  # noqa: B023
        assert lean == full and lean
        assert verdict.approved == all(r.passed for r in verdict.results)
        assert verdict.reason == "; ".join(
            f"{r.name}: {r.reason}" for r in verdict.results if not r.passed
        )
        (tmp_path / "lean.db").unlink()
        (tmp_path / "full.db").unlink()
    assert not guard.review(x).approved  # the raising check rejects, whatever the rest say


def test_the_reference_price_is_read_once_per_review_and_a_failing_quote_fails_closed() -> None:
    """Four checks value an order at its reference price (its limit, else the side's best
    quote): ``CheckInput.reference`` reads the quote once for all of them. A quote that
    raises when read rejects the order at every check that values it."""
    from autotrader.engine.state import SymbolState

    reads: list[int] = []

    class Counted(SymbolState):
        __slots__ = ()

        @property
        def ask(self) -> int:
            reads.append(1)
            return 70_100

    class Broken(SymbolState):
        __slots__ = ()

        @property
        def ask(self) -> int:
            raise ValueError("quote unreadable")

    st = state(70_000)
    counted, broken = Counted("005930", st.market), Broken("005930", st.market)
    for s in (counted, broken):
        s.price, s.values = st.price, st.values
    verdict = RiskGuard(DEFAULT_CHECKS).review(check_input(order(10), counted))
    assert verdict.approved and len(reads) == 1
    assert verdict.passed["max_order_value"]["price"] == 70_100
    verdict = RiskGuard(DEFAULT_CHECKS).review(check_input(order(10), broken))
    assert not verdict.approved
    failed = {f[0] for f in verdict.failures}
    assert {"max_order_value", "max_position_value", "gross_exposure", "orderable_cash"} <= failed


class _EveryCheck(RiskGuard):
    """The guard calling every check on every order (no ``QUIET_FOR``)."""

    def _run_for(self, action: Any, order_type: Any) -> tuple[int, ...]:
        return tuple(range(len(self.names)))


def test_checks_left_out_of_a_pass_are_those_that_say_nothing_about_the_order() -> None:
    """The guard skips a check for orders ``QUIET_FOR`` says it is silent about. Held on
    every action and order type, and on states where the checks fail and where they
    pass: each quiet check returns nothing and writes nothing for such orders, and the
    verdict (values, reasons, approval) is the one calling every check gives."""
    from autotrader.model import OrderAction, OrderType, Side
    from autotrader.risk import RiskBook, RiskLimits, TradingLevel
    from autotrader.risk.checks import QUIET_FOR

    halted = RiskBook(cash=1_000, level=TradingLevel.HALTED, level_reason="test")
    setups: list[dict[str, Any]] = [
        {},  # passes
        {"book": halted, "limits": RiskLimits(max_order_qty=1, max_open_orders=0)},
        {"st": state(70_000, pos=5, avg=69_000, sod=8 * 3600), "pending_sell": 5},
    ]
    quiet_seen = 0
    for action in OrderAction:
        for order_type in OrderType:
            price = 70_000 if order_type.needs_price else 0
            kw: dict[str, Any] = {"target_id": 9} if action.side is None else {}
            o = order(10, action=action, price=price, **kw)
            o.order_type = order_type
            if order_type is OrderType.STOP_LIMIT:
                o.condition_price = 70_100
            for setup in setups:
                st = setup.get("st") or state(70_000)
                st.vi_active = action.side is Side.BUY
                args = {k: v for k, v in setup.items() if k != "st"}
                x = check_input(o, st, **args)
                for check, quiet in QUIET_FOR.items():
                    if quiet(action, order_type):
                        seen: dict[str, Any] = {}
                        assert check(x, seen) is None and seen == {}, (check, action, order_type)
                        quiet_seen += 1
                lean, full = RiskGuard().review(x), _EveryCheck().review(x)
                assert (lean.approved, lean.seen, lean.failed, lean.by_name) == (
                    full.approved, full.seen, full.failed, full.by_name
                ), (action, order_type)  # fmt: skip
    assert quiet_seen > 1000  # most pairs leave several checks out

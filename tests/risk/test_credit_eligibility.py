"""The credit-eligibility check: a credit buy leaves only on today's 'available' answer.

Unit cases name each outcome; a property over random answer books and orders compares
the whole guard with an oracle, and loosened mutants of the check must be caught by it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from autotrader.model import OrderAction
from autotrader.model.credit import CreditAnswer
from autotrader.risk import RiskBook, RiskGuard
from autotrader.risk.checks import DEFAULT_CHECKS, Check, CheckInput, Seen, credit_eligibility
from autotrader.risk.credit import CreditLoans, korea_day
from tests.risk.support import check_input, order

NOW = 1_780_000_000.0  # a Korean weekday morning
TODAY = korea_day(NOW)
YESTERDAY = korea_day(NOW - 86_400)


def book(*answers: CreditAnswer, assumed: bool = False) -> RiskBook:
    b = RiskBook(cash=100_000_000)
    b.credit = CreditLoans(assumed=assumed)
    if not assumed:
        b.credit.record({a.symbol: a for a in answers})
    return b


def yes(day: str = TODAY, symbol: str = "005930") -> CreditAnswer:
    return CreditAnswer(symbol, True, "< A급 신용융자 가능 >", day)


def no(day: str = TODAY, symbol: str = "005930") -> CreditAnswer:
    return CreditAnswer(symbol, False, "< 신용융자 불가 >", day)


def review(b: RiskBook, action: OrderAction = OrderAction.CREDIT_BUY) -> tuple[str | None, Seen]:
    seen: Seen = {}
    x = check_input(order(action=action, price=70_000), book=b, now=NOW)
    return credit_eligibility(x, seen), seen


def test_credit_buy_when_kt20017_says_no_then_denies_with_the_brokers_words() -> None:
    """'< 신용융자 불가 >' today refuses the credit buy and quotes the answer."""
    reason, seen = review(book(no()))
    assert reason is not None and "신용융자 불가" in reason
    assert seen["eligible"] is False and seen["source"] == "broker"


def test_credit_buy_when_kt20017_says_available_today_then_passes() -> None:
    """An 'available' answer of today lets the credit buy through."""
    assert review(book(yes()))[0] is None


def test_credit_buy_without_an_answer_then_denies() -> None:
    """No answer for the stock: fail closed."""
    reason, _ = review(book(yes(symbol="000660")))
    assert reason is not None and "not answered" in reason


def test_credit_buy_on_yesterdays_answer_then_denies() -> None:
    """The answer holds for its day only: yesterday's 'available' does not count."""
    reason, seen = review(book(yes(YESTERDAY)))
    assert reason is not None and YESTERDAY in reason and seen["today"] == TODAY


def test_dry_run_assumes_eligible_and_says_so() -> None:
    """Dry-run has no broker to ask: the check passes and records that it assumed."""
    reason, seen = review(book(assumed=True))
    assert reason is None and "assumed" in seen["source"]


@pytest.mark.parametrize("action", [OrderAction.BUY, OrderAction.SELL, OrderAction.CREDIT_SELL])
def test_other_actions_are_not_judged(action: OrderAction) -> None:
    """Cash orders and credit sells (repaying a loan) do not need a new loan."""
    assert review(book(no()), action)[0] is None


def test_the_guard_runs_the_check_and_journals_its_reason() -> None:
    """The default guard includes the check: a 'no' answer denies with its name."""
    x = check_input(order(action=OrderAction.CREDIT_BUY, price=70_000), book=book(no()), now=NOW)
    verdict = RiskGuard().review(x)
    assert not verdict.approved
    assert "credit_eligibility: no credit loan for 005930" in verdict.reason


# -- property: the guard against an oracle, and mutants it must catch ----------------------

SYMBOLS = ("005930", "000660")
answer = hs.builds(
    CreditAnswer,
    symbol=hs.sampled_from(SYMBOLS),
    eligible=hs.booleans(),
    detail=hs.just("text"),
    day=hs.sampled_from((TODAY, YESTERDAY)),
)
ACTIONS = (OrderAction.CREDIT_BUY, OrderAction.BUY, OrderAction.CREDIT_SELL)


def allowed(loans: CreditLoans, action: OrderAction, symbol: str) -> bool:
    if action is not OrderAction.CREDIT_BUY or loans.assumed:
        return True
    a = loans.answers.get(symbol)
    return a is not None and a.eligible and a.day == TODAY


def passes(x: CheckInput, seen: Seen) -> str | None:
    return None


def ignores_the_day(x: CheckInput, seen: Seen) -> str | None:
    answer = x.book.credit.answers.get(x.order.symbol)
    if answer is not None and x.order.action is OrderAction.CREDIT_BUY:
        fresh = CreditAnswer(answer.symbol, answer.eligible, answer.detail, TODAY)
        loans = CreditLoans(assumed=False, answers={answer.symbol: fresh})
        b = RiskBook(cash=x.book.cash)
        b.credit = loans
        x = CheckInput(x.order, x.state, x.limits, 0, 0, b, x.now)
    return credit_eligibility(x, seen)


def missing_passes(x: CheckInput, seen: Seen) -> str | None:
    if x.order.symbol not in x.book.credit.answers:
        return None
    return credit_eligibility(x, seen)


MUTATED_CHECKS = ("credit_eligibility",)  # test_property_mutations.py counts these covered


def breaches(check: Check, answers: list[CreditAnswer], action: OrderAction, symbol: str) -> bool:
    b = book(*answers)
    o = order(action=action, price=70_000)
    o.symbol = symbol
    x = check_input(o, book=b, now=NOW)
    return check(x, {}) is None and not allowed(b.credit, action, symbol)


EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True)
scenario = (
    hs.lists(answer, max_size=3, unique_by=lambda a: a.symbol),
    hs.sampled_from(ACTIONS),
    hs.sampled_from(SYMBOLS),
)


@EXAMPLES
@given(*scenario)
def test_no_credit_buy_leaves_without_todays_available_answer(
    answers: list[CreditAnswer], action: OrderAction, symbol: str
) -> None:
    """Whatever the answers on hand, the check never lets out what the oracle forbids,
    and never forbids what it allows."""
    b = book(*answers)
    o = order(action=action, price=70_000)
    o.symbol = symbol
    x = check_input(o, book=b, now=NOW)
    assert (credit_eligibility(x, {}) is None) == allowed(b.credit, action, symbol)


@pytest.mark.parametrize("mutant", [passes, ignores_the_day, missing_passes])
def test_the_property_catches_a_loosened_credit_check(mutant: Check) -> None:
    """Each loosened variant lets some forbidden credit buy out; the search finds one."""
    found: list[bool] = []

    @EXAMPLES
    @given(*scenario)
    def search(answers: list[CreditAnswer], action: OrderAction, symbol: str) -> None:
        found.append(breaches(mutant, answers, action, symbol))

    search()
    assert any(found)
    assert "credit_eligibility" in dict(DEFAULT_CHECKS)

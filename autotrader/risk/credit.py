"""Credit-buy eligibility as the risk guard sees it: a value the broker filled, one check.

Before a credit buy (``credit_buy``, Kiwoom kt10006) the broker must have said that a
credit loan is available for the stock today. The answer is fetched outside the guard
(``broker/kiwoom/credit.py`` asks kt20017, the live runner stores the answers here), so
the check stays a pure comparison of values:

* no answer for the stock, or an answer from another day: refused (fail closed);
* the broker said no: refused, with its words;
* dry-run (``assumed``): there is no broker to ask, and every stock counts as eligible;
  the journal records that the eligibility was assumed, not checked. ``validate`` and
  ``explain`` warn about credit rules on stocks outside a kt20016 list when given one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autotrader.clock import to_seoul
from autotrader.model import OrderAction
from autotrader.model.credit import CreditAnswer

if TYPE_CHECKING:
    from autotrader.risk.checks import CheckInput


@dataclass(slots=True)
class CreditLoans:
    """The broker's credit-loan answers of the day, per stock (or ``assumed`` in dry-run)."""

    assumed: bool = True  # dry-run default; a live run sets False before trading
    answers: dict[str, CreditAnswer] = field(default_factory=dict)

    def record(self, answers: dict[str, CreditAnswer]) -> None:
        """Take the broker's answers; from now on only answers count."""
        self.assumed = False
        self.answers.update(answers)


def korea_day(ts: float) -> str:
    return to_seoul(ts).strftime("%Y%m%d")


def credit_eligibility(x: CheckInput, seen: dict[str, Any]) -> str | None:
    if x.order.action is not OrderAction.CREDIT_BUY:
        return None
    loans: CreditLoans = x.book.credit
    symbol = x.order.symbol
    if loans.assumed:
        seen["source"] = "assumed eligible (dry-run: no broker to ask)"
        return None
    today = korea_day(x.now)
    answer = loans.answers.get(symbol)
    seen.update(source="broker", today=today)
    if answer is None:
        return f"no credit-loan answer for {symbol} from the broker (not answered): no credit buy"
    seen.update(eligible=answer.eligible, detail=answer.detail, day=answer.day)
    if answer.day != today:
        return (
            f"the credit-loan answer for {symbol} is from {answer.day}, not today ({today}): "
            "ask the broker again"
        )
    if not answer.eligible:
        return f"no credit loan for {symbol}: the broker says {answer.detail!r}"
    return None

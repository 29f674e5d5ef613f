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

from autotrader.clock import to_seoul
from autotrader.model.credit import CreditAnswer


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

"""Credit-loan eligibility from Kiwoom: ``kt20017`` per stock (cached per Korean day) and
the ``kt20016`` list, both on ``/api/dostk/stkinfo``.

``kt20017`` answers in words: ``crd_alow_yn`` = ``"< A급 신용융자 가능 >"`` in the guide's
example. The guide shows no refusal; the rule here is that an answer is "available" only
when it says 가능 (possible) and not 불가 (impossible); anything else, an empty text
included, is not available: an answer that cannot be understood is never success.
``kt20016`` lists ``crd_loan_pos_stk`` rows whose ``stk_cd`` carries an ``A`` prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.rest import KiwoomRest
from autotrader.clock import to_seoul
from autotrader.model.credit import CreditAnswer

LOAN_API, LIST_API = "kt20017", "kt20016"


def parse_loan_answer(symbol: str, body: Mapping[str, Any], day: str) -> CreditAnswer:
    """A kt20017 body -> ``CreditAnswer`` for ``day`` (pure)."""
    detail = fields.text(body.get("crd_alow_yn")).strip()
    eligible = "가능" in detail and "불가" not in detail
    return CreditAnswer(symbol, eligible, detail or "(no answer text)", day)


def parse_eligible_list(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """kt20016 rows -> {code: 신용보증금율 text} of the stocks a credit loan is given on,
    leaving out the rows whose company limit is exceeded (``crd_limit_over_yn`` Y)."""
    out: dict[str, str] = {}
    for row in rows:
        symbol = fields.symbol(row.get("stk_cd"))
        if symbol and fields.text(row.get("crd_limit_over_yn")).strip().upper() != "Y":
            out[symbol] = fields.text(row.get("crd_assr_rt")).strip()
    return out


class CreditQueries:
    """Asks Kiwoom about credit loans; kt20017 answers are kept for the Korean day."""

    def __init__(self, rest: KiwoomRest, clock: Callable[[], float] = time.time) -> None:
        self.rest = rest
        self.clock = clock
        self._day = ""
        self._answers: dict[str, CreditAnswer] = {}

    async def loan(self, symbol: str) -> CreditAnswer:
        """kt20017 for ``symbol``, from the cache when already asked today."""
        day = to_seoul(self.clock()).strftime("%Y%m%d")
        if day != self._day:
            self._day, self._answers = day, {}
        if symbol not in self._answers:
            body = await self.rest.call(LOAN_API, {"stk_cd": symbol})
            self._answers[symbol] = parse_loan_answer(symbol, body, day)
        return self._answers[symbol]

    async def loans(self, symbols: Iterable[str]) -> dict[str, CreditAnswer]:
        return {s: await self.loan(s) for s in sorted(set(symbols))}

    async def eligible_stocks(self, grade: str = "%", market: str = "%") -> dict[str, str]:
        """The kt20016 list (all pages): grade ``%``/A-E, market ``%``/1 KOSPI/0 KOSDAQ."""
        body = {"crd_stk_grde_tp": grade, "mrkt_deal_tp": market, "stk_cd": ""}
        return parse_eligible_list(await self.rest.call_all(LIST_API, body, "crd_loan_pos_stk"))

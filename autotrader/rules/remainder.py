"""What a rule does with the unfilled remainder of the orders it places.

    remainder: keep                                   # the default: it stays working
    remainder: {cancel_after: 30s}                    # cancel whatever is unfilled then
    remainder: {reprice_after: 10s, ticks: 0, max: 3} # re-price to the touch, then cancel

Re-pricing moves a limit order to the near side's best quote (the ask for a buy, the bid
for a sell) plus ``ticks`` ticks toward the market, at most ``max`` times, each
``reprice_after`` after the last; after the last one the remainder is cancelled.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from autotrader.rules.durations import DURATION_MAX, parse_duration


class CancelAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cancel_after: float = Field(
        gt=0, le=DURATION_MAX, description="cancel the unfilled rest after: '30s'"
    )

    @field_validator("cancel_after", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)


class RepriceAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reprice_after: float = Field(
        gt=0, le=DURATION_MAX, description="re-price the unfilled rest after: '10s'"
    )
    ticks: int = Field(default=0, ge=0, le=20, description="ticks beyond the touch")
    max: int = Field(default=3, ge=1, le=20, description="re-prices before cancelling")

    @field_validator("reprice_after", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)


Remainder = Literal["keep"] | CancelAfter | RepriceAfter

"""``protect:`` on an entry rule: the stop, take-profit and trailing stop of what it buys.

A distance is a percent of the fill price (``"2%"``) or a number of KRX ticks
(``"5 ticks"``); the loader checks it where it stands. The stop rests at the venue as a
stop-limit sell (Kiwoom ``trde_tp`` 28): its condition price is the stop level, its
limit ``limit_ticks`` ticks below it, so a gap through the level still fills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_DISTANCE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(%|ticks?|t)$")
MAX_PERCENT = 50.0
MAX_TICKS = 500


@dataclass(frozen=True, slots=True)
class Distance:
    """How far from the fill (or from the high since entry, for a trail)."""

    value: float
    unit: str  # "%" | "ticks"

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.unit == "%" else f"{int(self.value)} ticks"


def parse_distance(v: Any) -> Distance | None:
    if v is None or isinstance(v, Distance):
        return v
    if isinstance(v, bool) or not isinstance(v, str):
        raise ValueError("a distance is a percent like '2%' or ticks like '5 ticks'")
    m = _DISTANCE_RE.match(v.strip().lower())
    if m is None:
        raise ValueError(f"{v!r} is not a distance: write a percent like '2%' or '5 ticks'")
    value, unit = float(m.group(1)), "%" if m.group(2) == "%" else "ticks"
    if unit == "%" and not 0 < value <= MAX_PERCENT:
        raise ValueError(f"{v!r}: a percent distance is above 0 and at most {MAX_PERCENT:g}%")
    if unit == "ticks" and (value != int(value) or not 0 < value <= MAX_TICKS):
        raise ValueError(f"{v!r}: a tick distance is a whole number from 1 to {MAX_TICKS}")
    return Distance(value, unit)


class ProtectSpec(BaseModel):
    """``protect: {stop: 2%, take_profit: 3%, trail: 1.5%}`` (docs/strategy-language.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    stop: Distance | None = Field(default=None, description="below the fill: '2%' or '5 ticks'")
    take_profit: Distance | None = Field(default=None, description="above the fill")
    trail: Distance | None = Field(
        default=None, description="the stop follows the high since entry at this distance"
    )
    limit_ticks: int = Field(
        default=3, ge=0, le=50, description="the stop's limit, this many ticks below its level"
    )

    @field_validator("stop", "take_profit", "trail", mode="before")
    @classmethod
    def _distance(cls, v: Any) -> Distance | None:
        return parse_distance(v)

    @model_validator(mode="after")
    def _something(self) -> ProtectSpec:
        if self.stop is None and self.trail is None and self.take_profit is None:
            raise ValueError("protect needs at least one of stop, take_profit, trail")
        return self

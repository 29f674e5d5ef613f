"""``protect:`` on an entry rule: the stop, take-profit and trailing stop of what it buys.

A distance is a percent of the fill price (``"2%"``) or a number of KRX ticks
(``"5 ticks"``); the loader checks it where it stands. The stop rests at the venue as a
stop-limit sell (Kiwoom ``trde_tp`` 28): its condition price is the stop level, its
limit ``limit_ticks`` ticks below it, so a gap through the level still fills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

_DISTANCE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(%|ticks?|t)$")
_LOOKS_NUMERIC_RE = re.compile(r"^[\d.]+\s*[a-z%]*$", re.IGNORECASE)  # '2x', '2': a bad distance
MAX_PERCENT = 50.0
MAX_TICKS = 500


@dataclass(frozen=True, slots=True)
class Distance:
    """How far from the fill (or from the high since entry, for a trail)."""

    value: float
    unit: str  # "%" | "ticks"

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.unit == "%" else f"{int(self.value)} ticks"


def is_distance(v: Any) -> bool:
    """Written as a distance ('2%', '5 ticks'), not as a price expression."""
    return isinstance(v, str) and _DISTANCE_RE.match(v.strip().lower()) is not None


def parse_level(v: Any) -> Distance | str | None:
    """``stop`` / ``take_profit``: a distance, or a price expression kept as text (the
    loader checks it where it stands: ``position.avg_price - 5 ticks``, ``vwap * 0.98``)."""
    if isinstance(v, str) and not is_distance(v) and not _LOOKS_NUMERIC_RE.match(v.strip()):
        return v
    return parse_distance(v)


def parse_level_safe(v: Any) -> Distance | str | None:
    """``parse_level`` for the loader's pass over raw YAML: None when it is not valid
    (the model's validation reports that)."""
    try:
        return parse_level(v)
    except ValueError:
        return None


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


DistanceField = Annotated[
    Distance | None,
    BeforeValidator(parse_distance),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?\s*(%|ticks?|t)$"}),
]


LevelField = Annotated[
    Distance | str | None,
    BeforeValidator(parse_level),
    WithJsonSchema({"type": "string", "description": "'2%', '5 ticks' or a price expression"}),
]


class ProtectSpec(BaseModel):
    """``protect: {stop: 2%, take_profit: 3%, trail: 1.5%}`` (docs/strategy-language.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    stop: LevelField = Field(
        default=None, description="below the fill: '2%', '5 ticks' or a price expression"
    )
    take_profit: LevelField = Field(default=None, description="above the average price")
    trail: DistanceField = Field(
        default=None, description="the stop follows the high since entry at this distance"
    )
    limit_ticks: int = Field(
        default=3, ge=0, le=50, description="the stop's limit, this many ticks below its level"
    )

    @model_validator(mode="after")
    def _something(self) -> ProtectSpec:
        if self.stop is None and self.trail is None and self.take_profit is None:
            raise ValueError("protect needs at least one of stop, take_profit, trail")
        return self


def describe_protect(spec: ProtectSpec) -> list[str]:
    """What ``explain`` says about a rule's protection: what rests where, and when."""
    limit = f"limit {spec.limit_ticks} tick(s) under it" if spec.limit_ticks else "limit at it"
    lines = []
    if spec.stop is not None or spec.trail is not None:
        if isinstance(spec.stop, str):
            start = f"at {spec.stop} (as the fill leaves it)"
        else:
            start = f"{spec.stop} below the fill price" if spec.stop else f"{spec.trail} below it"
        lines.append(
            "Protect: after each fill, a stop-limit sell (Kiwoom 28) of the filled shares "
            f"rests at the broker, triggered {start}, {limit}; it protects while autotrader "
            "is down"
        )
    if spec.trail is not None:
        lines.append(
            f"  trail: the stops move up to {spec.trail} below the highest trade since entry "
            "(a modify, at most once a second), never down"
        )
    if spec.take_profit is not None:
        where = (
            f"the take-profit level {spec.take_profit}"
            if isinstance(spec.take_profit, str)
            else f"{spec.take_profit} above the average price"
        )
        lines.append(
            f"  take-profit: when a trade reaches {where}, "
            "the stops are cancelled and a limit sell at that level rests instead (Kiwoom "
            "locks offered shares: one leg rests at a time); a fall back to the stop level "
            "restores the stops"
        )
    lines.append("  halt --reduce leaves them resting; halt cancels them (the journal says so)")
    return lines

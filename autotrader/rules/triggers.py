"""What makes a rule run: the ``on:`` key of a rule, as pydantic models.

``on: tick`` (the default) runs the rule on every ``0B`` trade of its symbols. The other
triggers are rare events: a VI (``1h``), a market-session change (``0s``), an event of
the strategy's own orders (``00``), a time of day, a cron expression, an interval during
a window of the day, and the strategy's start and stop. One word (``on: vi``) or a
mapping with exactly one trigger key (``on: {session: open}``).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from autotrader.clock import SEOUL
from autotrader.market.sessions import SESSION_CODES, SESSION_NAMES
from autotrader.rules.bounds import Label
from autotrader.rules.durations import parse_duration

TRIGGER_WORDS = ("tick", "vi", "start", "stop")
TRIGGER_KEYS = ("tick", "vi", "session", "order", "at", "cron", "every", "start", "stop")
ORDER_EVENTS = ("accepted", "filled", "partially_filled", "cancelled", "rejected")
OrderEvent = Literal["accepted", "filled", "partially_filled", "cancelled", "rejected"]
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
DEFAULT_WINDOW = ("09:00:00", "15:20:00")
_NEEDS_VALUE = {
    "session": "{session: open}",
    "order": "{order: filled} or {order: any}",
    "at": "{at: '15:19:30'}",
    "cron": "{cron: '*/10 9-15 * * mon-fri'}",
    "every": "{every: 5m}",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_time_of_day(value: Any) -> str:
    """'9:30', '09:30' or '15:19:30' -> 'HH:MM:SS'; anything else is a ValueError."""
    m = _TIME_RE.match(str(value).strip()) if isinstance(value, str) else None
    if m is None:
        raise ValueError(f"expected a time of day like '09:30' or '15:19:30', got {value!r}")
    return f"{int(m.group(1)):02d}:{m.group(2)}:{m.group(3) or '00'}"


def tod_seconds(hms: str) -> int:
    h, m, s = (int(p) for p in hms.split(":"))
    return h * 3600 + m * 60 + s


def session_of(value: Any) -> str:
    """A readable session name, from a name or a raw ``0s`` code."""
    text = str(value).strip()
    if text in SESSION_NAMES:
        return text
    if text in SESSION_CODES:
        return SESSION_CODES[text]
    from autotrader.rules.typecheck import suggest

    hint = suggest(text, list(SESSION_NAMES))
    raise ValueError(f"unknown market session {text!r}{hint}")


class ViFilter(_Model):
    """Which VI events: triggered or released, which kind, which direction."""

    event: Literal["triggered", "released", "any"] = "any"
    kind: Literal["static", "dynamic", "both", "any"] = "any"
    direction: Literal["up", "down", "any"] = "any"

    def matches(self, released: bool, kind: str, direction: str) -> bool:
        if self.event != "any" and (self.event == "released") != released:
            return False
        if self.kind != "any" and kind not in (self.kind, "both"):
            return False
        return self.direction == "any" or direction == self.direction


class OnSpec(_Model):
    """A rule's trigger: exactly one of the keys below."""

    tick: Literal[True] | None = Field(default=None, description="every 0B trade tick")
    vi: ViFilter | None = Field(default=None, description="a volatility interruption")
    session: list[str] | None = Field(
        default=None, description="market-session changes, by name (open, close...) or code"
    )
    order: list[OrderEvent] | None = Field(
        default=None, description="events of this strategy's own orders"
    )
    tag: Label | None = Field(default=None, description="with 'order': only orders with this tag")
    at: list[str] | None = Field(default=None, description="times of day, Asia/Seoul")
    cron: str | None = Field(
        default=None, description="5-field cron: minute hour day month weekday (Asia/Seoul)"
    )
    every: float | None = Field(default=None, description="an interval, e.g. '5m'")
    between: tuple[str, str] | None = Field(
        default=None, description="with 'every': the window of the day (default 09:00-15:20)"
    )
    start: Literal[True] | None = Field(default=None, description="when the strategy starts")
    stop: Literal[True] | None = Field(default=None, description="when the strategy stops")

    @field_validator("vi", mode="before")
    @classmethod
    def _vi(cls, v: Any) -> Any:
        if v is None or v is True or v == "any":
            return {}
        if isinstance(v, str):
            return {"event": v}
        return v

    @field_validator("session", mode="before")
    @classmethod
    def _session(cls, v: Any) -> Any:
        items = v if isinstance(v, list) else [v]
        return [session_of(x) for x in items]

    @field_validator("order", mode="before")
    @classmethod
    def _order(cls, v: Any) -> Any:
        if v == "any":
            return list(ORDER_EVENTS)
        return v if isinstance(v, list) else [v]

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, v: Any) -> Any:
        items = v if isinstance(v, list) else [v]
        return [parse_time_of_day(x) for x in items]

    @field_validator("between", mode="before")
    @classmethod
    def _between(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple) or len(v) != 2:
            raise ValueError("expected two times of day, e.g. ['09:00', '15:20']")
        start, end = parse_time_of_day(v[0]), parse_time_of_day(v[1])
        if start >= end:
            raise ValueError("the window must start before it ends")
        return (start, end)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(
                "a cron expression has 5 fields: minute hour day month weekday "
                "(e.g. '*/10 9-15 * * mon-fri')"
            )
        try:
            CronTrigger.from_crontab(v, timezone=SEOUL)
        except ValueError as exc:
            raise ValueError(f"bad cron expression {v!r}: {exc}") from None
        return v

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, v: Any) -> float:
        seconds = parse_duration(v)
        if not 0.1 <= seconds <= 86_400:  # the clock keeps milliseconds; live steps 200 ms
            raise ValueError("an interval must be from 100ms to 24h")
        return seconds

    @model_validator(mode="after")
    def _exactly_one(self) -> OnSpec:
        given = [k for k in TRIGGER_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a trigger is exactly one of: " + ", ".join(TRIGGER_KEYS)
                if not given
                else "a rule has one trigger, found " + " and ".join(given)
            )
        if self.tag is not None and self.order is None:
            raise ValueError("'tag' only goes with an 'order' trigger")
        if self.between is not None and self.every is None:
            raise ValueError("'between' only goes with an 'every' trigger")
        return self

    @property
    def kind(self) -> str:
        """The trigger's key: tick, vi, session, order, at, cron, every, start or stop."""
        return next(k for k in TRIGGER_KEYS if getattr(self, k) is not None)

    @property
    def window(self) -> tuple[str, str]:
        return self.between or DEFAULT_WINDOW


def on_before(v: Any) -> Any:
    """Accept the one-word forms: 'tick', 'vi', 'start', 'stop'."""
    if isinstance(v, str):
        word = v.strip()
        if word in TRIGGER_WORDS:
            return {word: True}
        if word in TRIGGER_KEYS:
            example = _NEEDS_VALUE.get(word, "")
            raise ValueError(f"the '{word}' trigger needs a value, e.g. {example}")
        from autotrader.rules.typecheck import suggest

        hint = suggest(word, list(TRIGGER_KEYS))
        raise ValueError(
            f"unknown trigger {word!r}{hint}: use one of {', '.join(TRIGGER_WORDS)}, "
            "or a mapping such as {session: open} or {at: '15:19:30'}"
        )
    return v


TICK = OnSpec(tick=True)

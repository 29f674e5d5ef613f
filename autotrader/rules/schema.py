"""The strategy file format, as pydantic models (triggers and actions in their own modules).

Everything a strategy can say is declared here, with ``extra="forbid"`` so a misspelt
key is an error rather than a silently ignored line. Expressions are kept as text and
checked by the loader, which knows where in the file each one stands.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from autotrader.market.gold import is_gold
from autotrader.model import Side
from autotrader.rules.actions import ActionSpec, OrderSpec
from autotrader.rules.bounds import Count, Label, Money, Qty, Seconds
from autotrader.rules.durations import parse_duration
from autotrader.rules.on_error import OnRuleError
from autotrader.rules.on_reload import OnReload
from autotrader.rules.protect import ProtectSpec
from autotrader.rules.remainder import Remainder
from autotrader.rules.triggers import TICK, OnSpec, condition_ref, on_before

__all__ = [
    "ActionSpec",
    "OrderSpec",
    "RiskSpec",
    "RuleSpec",
    "StrategySpec",
    "UniverseSpec",
    "parse_duration",
]
DEFAULT_MAX_SYMBOLS = 20  # stocks a condition universe trades at once, unless set

SYMBOL_RE = re.compile(r"^[0-9A-Z]{6}(_NX|_AL)?$")


def normalize_symbol(value: Any) -> str:
    # YAML reads an unquoted 005930 as the integer 5930: restore the leading zeros.
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:06d}"
    text = str(value).strip().upper()
    if is_gold(text):  # KRX gold spot (docs/gold-spot.md); rules/gold_rules.py limits it
        return text
    if not SYMBOL_RE.match(text):
        raise ValueError(
            f"{value!r} is not a stock code (6 characters, optionally _NX or _AL, "
            "e.g. '005930', '005930_NX') or a gold spot code (M04020000, M04020100)"
        )
    return text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Symbol = Annotated[
    str,
    BeforeValidator(normalize_symbol),
    Field(description="'005930' (KRX), '005930_NX' (Nextrade) or '005930_AL' (SOR)"),
]


class RuleSpec(_Model):
    """One rule: a trigger, a condition, actions, and controls on how often it fires."""

    name: Label = Field(min_length=1, max_length=64)
    on: OnSpec = Field(default=TICK, description="what makes the rule run (default: tick)")
    symbols: list[Symbol] | None = None
    when: str = "true"
    cooldown: float = Field(default=0.0, description="pause per symbol after a fire: '10m'")
    max_per_day: Count | None = Field(default=None, description="fires per day, at most")
    once_per_symbol: bool = Field(default=False, description="at most one fire per symbol a day")
    enabled: bool = True
    remainder: Remainder = Field(
        default="keep", description="the unfilled rest of its orders: keep, cancel, re-price"
    )
    do: list[ActionSpec] = Field(min_length=1)
    protect: ProtectSpec | None = Field(
        default=None, description="stop / take_profit / trail resting at the venue per fill"
    )

    @field_validator("protect")
    @classmethod
    def _protect(cls, v: ProtectSpec | None, info: ValidationInfo) -> ProtectSpec | None:
        do = info.data.get("do") or ()
        if v is not None and not any(a.action.side is Side.BUY for a in do):
            raise ValueError("protect goes on an entry rule: one with a buy or credit_buy step")
        return v

    @field_validator("on", mode="before")
    @classmethod
    def _on(cls, v: Any) -> Any:
        return on_before(v)

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        return "true" if v is True else "false" if v is False else v


class RiskSpec(_Model):
    """Per-strategy risk settings: every key of the ``[risk]`` table. Unset values fall back
    to the global configuration; limits can only tighten it, the session policy (hours,
    sessions, VI block) is the strategy's own."""

    max_order_value: Money | None = None
    max_position_qty: Qty | None = None
    trading_hours: tuple[str, str] | Literal["none"] | None = Field(
        default=None, description="entries: ['09:00', '15:20'], or 'none' for no hours check"
    )
    max_order_qty: Qty | None = None
    max_position_value: Money | None = Field(default=None, description="KRW per symbol")
    max_gross_exposure: Money | None = Field(default=None, description="KRW, all symbols")
    max_open_orders: Count | None = None
    daily_loss_limit: Money | None = Field(default=None, description="KRW after fees")
    exits_after_loss_limit: bool | None = None
    max_orders_per_minute: Count | None = None
    max_orders_per_symbol_per_minute: Count | None = None
    duplicate_window: Seconds | None = Field(default=None, description="seconds")
    max_price_deviation: float | None = Field(default=None, gt=0, le=0.3, description="ratio")
    allowed_sessions: tuple[str, ...] | None = Field(
        default=None, description="entries: 0s session names, e.g. ['open']"
    )
    exit_hours: tuple[str, str] | None = Field(
        default=None, description="exits: a window, else whenever the venue takes them"
    )
    exit_sessions: tuple[str, ...] | None = Field(default=None, description="exits: 0s names")
    vi_blocks: Literal["market", "all", "none"] | None = Field(
        default=None, description="entries during a VI auction: block market orders, all, none"
    )


class UniverseSpec(_Model):
    """Symbols chosen by the broker's condition searches (조건검색), as they change."""

    condition: list[str] = Field(
        min_length=1, description="the condition searches, by name or seq: one or a list"
    )
    max_symbols: int = Field(
        default=DEFAULT_MAX_SYMBOLS,
        gt=0,
        le=190,
        description="stocks in the universe at once (each needs realtime registrations)",
    )

    @field_validator("condition", mode="before")
    @classmethod
    def _condition(cls, v: Any) -> Any:
        items = v if isinstance(v, list) else [v]
        return [condition_ref(x) for x in items]


class StrategySpec(_Model):
    strategy: Label = Field(min_length=1, max_length=64)
    description: Label = Field(default="", max_length=500)
    params: dict[str, int | float | str] = Field(
        default_factory=dict,
        description="named defaults, used as params.NAME in conditions and settings",
    )
    symbols: list[Symbol] = Field(
        default_factory=list, description="fixed symbols (needed unless a universe is given)"
    )
    universe: UniverseSpec | None = None
    risk: RiskSpec = RiskSpec()
    rules: list[RuleSpec] = Field(min_length=1)
    on_rule_error: OnRuleError = Field(
        default="day", description="a rule that raises: day, event or {hold_after: N}"
    )
    on_reload: OnReload = Field(
        default=OnReload(), description="hot reload: {removed_rule_orders: keep | cancel}"
    )

    @model_validator(mode="after")
    def _some_symbols(self) -> StrategySpec:
        if not self.symbols and self.universe is None:
            raise ValueError(
                "a strategy needs 'symbols' (a list of stock codes) or "
                "'universe: {condition: NAME}' (a condition search)"
            )
        return self

"""The strategy file format, as pydantic models.

Everything a strategy can say is declared here, with ``extra="forbid"`` so a misspelt
key is an error rather than a silently ignored line. Expressions are kept as text and
checked by the loader, which knows where in the file each one stands.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SYMBOL_RE = re.compile(r"^[0-9A-Z]{6}(_NX|_AL)?$")
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any) -> float:
    """'30s', '5m', '1h', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '30s' or '5m'")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    m = _DURATION_RE.match(str(value).strip())
    if m is None:
        raise ValueError(f"expected a duration like '30s' or '5m', got {value!r}")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)]


def normalize_symbol(value: Any) -> str:
    # YAML reads an unquoted 005930 as the integer 5930: restore the leading zeros.
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:06d}"
    text = str(value).strip().upper()
    if not SYMBOL_RE.match(text):
        raise ValueError(
            f"{value!r} is not a stock code (6 characters, optionally _NX or _AL, "
            "e.g. '005930', '005930_NX')"
        )
    return text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PriceRef = Literal["ask", "bid", "last", "market"]


class OrderSpec(_Model):
    """How much and at what price; exactly one of qty / amount."""

    qty: int | Literal["all"] | None = Field(default=None, description="shares, or 'all'")
    amount: int | None = Field(default=None, gt=0, description="KRW to spend (buys)")
    type: Literal["market", "limit"] = "market"
    price: int | PriceRef | None = Field(default=None, description="limit price or reference")
    ticks: int = Field(default=0, ge=-50, le=50, description="ticks added to a reference price")

    @field_validator("qty")
    @classmethod
    def _positive_qty(cls, v: int | str | None) -> int | str | None:
        if isinstance(v, int) and v <= 0:
            raise ValueError("qty must be a positive number of shares, or 'all'")
        return v

    @model_validator(mode="after")
    def _coherent(self) -> OrderSpec:
        if (self.qty is None) == (self.amount is None):
            raise ValueError("give exactly one of 'qty' or 'amount'")
        if self.type == "market" and self.price not in (None, "market"):
            raise ValueError("a market order takes no price (remove 'price' or use type: limit)")
        if self.type == "limit" and self.price in (None, "market"):
            raise ValueError("a limit order needs a price: a number, 'ask', 'bid' or 'last'")
        return self


class ActionSpec(_Model):
    """One step of a rule: exactly one of buy or sell."""

    buy: OrderSpec | None = None
    sell: OrderSpec | None = None

    @model_validator(mode="after")
    def _one(self) -> ActionSpec:
        if (self.buy is None) == (self.sell is None):
            raise ValueError("an action is exactly one of 'buy' or 'sell'")
        return self

    @property
    def side(self) -> Literal["buy", "sell"]:
        return "buy" if self.buy is not None else "sell"

    @property
    def order(self) -> OrderSpec:
        spec = self.buy if self.buy is not None else self.sell
        assert spec is not None
        return spec


Symbol = Annotated[str, Field(description="'005930', '005930_NX' or '005930_AL'")]


class RuleSpec(_Model):
    name: str = Field(min_length=1, max_length=64)
    on: Literal["tick"] = "tick"
    symbols: list[Symbol] | None = None
    when: str = "true"
    cooldown: float = 0.0
    enabled: bool = True
    do: list[ActionSpec] = Field(min_length=1)

    @field_validator("symbols", mode="before")
    @classmethod
    def _symbols(cls, v: Any) -> Any:
        return [normalize_symbol(s) for s in v] if isinstance(v, list) else v

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        return "true" if v is True else "false" if v is False else v


class RiskSpec(_Model):
    """Per-strategy risk limits; unset values fall back to the global configuration."""

    max_order_value: int | None = Field(default=None, gt=0)
    max_position_qty: int | None = Field(default=None, gt=0)
    trading_hours: tuple[str, str] | None = None
    max_order_qty: int | None = Field(default=None, gt=0)
    max_position_value: int | None = Field(default=None, gt=0, description="KRW per symbol")
    max_open_orders: int | None = Field(default=None, gt=0)
    daily_loss_limit: int | None = Field(default=None, gt=0, description="KRW after fees")
    max_orders_per_minute: int | None = Field(default=None, gt=0)
    duplicate_window: float | None = Field(default=None, ge=0, description="seconds")


class StrategySpec(_Model):
    strategy: str = Field(min_length=1, max_length=64)
    description: str = ""
    symbols: list[Symbol] = Field(min_length=1)
    risk: RiskSpec = RiskSpec()
    rules: list[RuleSpec] = Field(min_length=1)

    @field_validator("symbols", mode="before")
    @classmethod
    def _symbols(cls, v: Any) -> Any:
        return [normalize_symbol(s) for s in v] if isinstance(v, list) else v

"""What a rule does: the steps of ``do:``, as pydantic models.

Each step is one of ``buy``, ``sell``, ``credit_buy``, ``credit_sell`` (new orders,
Kiwoom kt10000/kt10001/kt10006/kt10007), ``modify``, ``cancel``, ``credit_modify``,
``credit_cancel`` (kt10002/kt10003/kt10008/kt10009), which address working orders (the
rule's own by default; a cancel may name its ``scope``: the rule's, or every working
order of the strategy in the symbol, and one ``side``), or ``flatten``: cancel the
strategy's working sells in the symbol, then sell every held share (the stop-loss step).
Every Kiwoom ``trde_tp`` has a readable name here, and the price rules of NOTES.md are
checked when the file loads: a market order with a price, or a limit order without one,
is an error in the file, not at the exchange.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from autotrader.model import OrderAction, OrderType
from autotrader.rules.bounds import MAX_PRICE, MAX_QTY, Label, Money, Qty


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OrderTypeName = Literal[
    "limit",
    "market",
    "conditional_limit",
    "best_limit",
    "top_priority_limit",
    "limit_ioc",
    "market_ioc",
    "best_limit_ioc",
    "limit_fok",
    "market_fok",
    "best_limit_fok",
    "stop_limit",
    "mid_price",
    "mid_price_ioc",
    "mid_price_fok",
    "pre_market_close",
    "after_hours_close",
    "after_hours_single",
]
ORDER_TYPES: dict[str, OrderType] = {m.name.lower(): m for m in OrderType}
_PCT_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_LOAN_DATE_RE = re.compile(r"^\d{8}$")
Which = Literal["oldest", "newest", "all"]
Scope = Literal["rule", "symbol"]
SideName = Literal["buy", "sell"]
# 'all' is the older spelling of 'available' (kept; `validate` warns that it reads two ways)
AVAILABLE = ("available", "all")
_QTY_HELP = "a number of shares, 'available' or a percent like '50%'"


def parse_qty(v: Any) -> Any:
    """A positive number of shares, 'available' (shares held and not already offered for
    sale; 'all' is its older spelling), or a percent of the position ('50%')."""
    if v is None:
        return v
    if isinstance(v, bool):
        raise ValueError(f"qty must be {_QTY_HELP}")
    if isinstance(v, int):
        if v <= 0:
            raise ValueError(f"qty must be positive: {_QTY_HELP}")
        if v > MAX_QTY:
            raise ValueError(f"qty can be at most {MAX_QTY:,} shares")
        return v
    text = str(v).strip()[:40]
    if text in AVAILABLE:
        return text
    if text == "position":
        raise ValueError(
            "qty: position is not a quantity: to sell every held share (cancelling the "
            "strategy's working sells first) use the step 'flatten: {type: market}'"
        )
    m = _PCT_RE.match(text)
    if m is None:
        raise ValueError(f"qty must be {_QTY_HELP}, not {text!r}")
    if not 0 < float(m.group(1)) <= 100:
        raise ValueError("a percent of the position must be more than 0% and at most 100%")
    return f"{m.group(1)}%"


class OrderSpec(_Model):
    """A new order: how much (exactly one of qty / amount), at what type and price."""

    qty: int | str | None = Field(
        default=None,
        description="shares, 'available' (sells: held and not already offered) or a percent "
        "of the position: '50%'",
    )
    amount: Money | None = Field(default=None, description="KRW to trade at the price")
    type: OrderTypeName = Field(default="market", description="the Kiwoom trde_tp, by name")
    price: int | str | None = Field(
        default=None,
        description="a number, or an expression of the tick: 'ask', 'bid - 2 ticks', "
        "'position.avg_price * 1.02'",
    )
    ticks: int = Field(default=0, ge=-50, le=50, description="ticks added to the price")
    condition_price: int | str | None = Field(
        default=None, description="stop_limit only: the price that activates the order"
    )
    tag: Label | None = Field(
        default=None, max_length=32, description="label for modify/cancel (default: rule name)"
    )

    @field_validator("qty", mode="before")
    @classmethod
    def _qty(cls, v: Any) -> Any:
        return parse_qty(v)

    @field_validator("price", "condition_price")
    @classmethod
    def _price(cls, v: int | str | None) -> int | str | None:
        return _positive_price(v)

    @model_validator(mode="after")
    def _coherent(self) -> OrderSpec:
        if (self.qty is None) == (self.amount is None):
            raise ValueError("give exactly one of 'qty' or 'amount'")
        _check_pricing(self.type, self.price, self.ticks, self.condition_price)
        return self

    @property
    def order_type(self) -> OrderType:
        return ORDER_TYPES[self.type]


def _check_pricing(
    type_: str, price: int | str | None, ticks: int, condition_price: int | str | None
) -> None:
    """The price rules of NOTES.md: a priced type needs a price, the others take none."""
    kind = ORDER_TYPES[type_]
    if kind.needs_price and price in (None, "market"):
        raise ValueError(
            f"a {type_} order needs a price: a number or an expression such as "
            "'ask', 'bid' or 'last - 1 tick'"
        )
    if not kind.needs_price and price not in (None, "market"):
        raise ValueError(
            f"a {type_} order takes no price (the exchange sets it): remove 'price' "
            "or use type: limit"
        )
    if not kind.needs_price and ticks:
        raise ValueError(f"'ticks' moves a price, and a {type_} order has none")
    if kind.needs_condition_price and condition_price is None:
        raise ValueError("a stop_limit order needs a condition_price")
    if not kind.needs_condition_price and condition_price is not None:
        raise ValueError("only a stop_limit order takes a condition_price")


class BuySpec(OrderSpec):
    @model_validator(mode="after")
    def _no_all(self) -> BuySpec:
        if self.qty in AVAILABLE:
            raise ValueError(
                f"qty: {self.qty} means shares held for sale; a buy needs shares or amount"
            )
        return self


class FlattenSpec(_Model):
    """Sell the whole position: cancel the strategy's working sells of the symbol, then
    sell every held share, as one decision (the stop-loss step). Its sell is a cash
    sell (kt10001); it does not repay credit."""

    type: OrderTypeName = Field(default="market", description="the sell's Kiwoom trde_tp")
    price: int | str | None = Field(default=None, description="for a priced type: 'bid'")
    ticks: int = Field(default=0, ge=-50, le=50, description="ticks added to the price")
    condition_price: int | str | None = Field(default=None, description="stop_limit only")
    tag: Label | None = Field(default=None, max_length=32, description="label of its sells")

    @field_validator("price", "condition_price")
    @classmethod
    def _price(cls, v: int | str | None) -> int | str | None:
        return _positive_price(v)

    @model_validator(mode="after")
    def _coherent(self) -> FlattenSpec:
        _check_pricing(self.type, self.price, self.ticks, self.condition_price)
        return self

    @property
    def order_type(self) -> OrderType:
        return ORDER_TYPES[self.type]


class CreditSellSpec(OrderSpec):
    """A credit sell repays a loan: every loan combined (99) or one loan by date (33)."""

    loan: Literal["combined", "single"] = Field(
        default="combined", description="'combined' (융자합, 99) or 'single' (융자, 33)"
    )
    loan_date: str | None = Field(default=None, description="YYYYMMDD, for loan: single")

    @field_validator("loan_date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if v is None:
            return v
        text = str(v)
        if not _LOAN_DATE_RE.match(text):
            raise ValueError(f"loan_date must be YYYYMMDD, got {v!r}")
        return text

    @model_validator(mode="after")
    def _loan(self) -> CreditSellSpec:
        if self.loan == "single" and self.loan_date is None:
            raise ValueError("loan: single needs the loan's loan_date (YYYYMMDD)")
        if self.loan == "combined" and self.loan_date is not None:
            raise ValueError("loan_date goes with loan: single")
        return self


class TargetSpec(_Model):
    """Which of the rule's own working orders a modify or cancel addresses."""

    which: Which = Field(default="all", description="oldest, newest or all of them")
    tag: Label | None = Field(
        default=None, description="orders placed with this tag (default: this rule's own)"
    )
    scope: Scope = Field(
        default="rule",
        description="'rule': this rule's orders (or the tag's); 'symbol': every working "
        "order of the strategy in the symbol",
    )
    side: SideName | None = Field(default=None, description="only buys, or only sells")

    @model_validator(mode="after")
    def _scoped(self) -> TargetSpec:
        if self.scope == "symbol" and self.tag is not None:
            raise ValueError(
                "scope: symbol addresses every working order of the symbol; a tag narrows "
                "to some of them: give one or the other"
            )
        return self


class ModifySpec(TargetSpec):
    price: int | str = Field(description="the new price: a number or a tick expression")
    ticks: int = Field(default=0, ge=-50, le=50)
    qty: Qty | None = Field(default=None, description="new quantity (default: unchanged)")
    condition_price: int | str | None = None

    @field_validator("price", "condition_price")
    @classmethod
    def _price(cls, v: int | str | None) -> int | str | None:
        return _positive_price(v)


class CancelSpec(TargetSpec):
    qty: Qty | None = Field(default=None, description="shares to cancel (default: all)")


def _positive_price(v: int | str | None) -> int | str | None:
    if isinstance(v, int) and not 0 < v <= MAX_PRICE:
        raise ValueError(f"a price must be from 1 to {MAX_PRICE:,} KRW")
    return v


# `cancel: WORD`: the readable scopes, and the older 'which' words (oldest, newest, all).
CANCEL_WORDS: dict[str, dict[str, str]] = {
    "rule": {"scope": "rule"},
    "symbol": {"scope": "symbol"},
    "sells": {"scope": "symbol", "side": "sell"},
    "buys": {"scope": "symbol", "side": "buy"},
}


def _cancel_before(v: Any) -> Any:
    if isinstance(v, str):
        return dict(CANCEL_WORDS.get(v.strip(), {"which": v}))
    return v


def _flatten_before(v: Any) -> Any:
    if v is None or v is True:
        return {}
    return {"type": v} if isinstance(v, str) else v


ACTION_KINDS: dict[str, OrderAction] = {a.value: a for a in OrderAction}
FLATTEN = "flatten"
STEP_KEYS = (*ACTION_KINDS, FLATTEN)  # every key a step may have


class ActionSpec(_Model):
    """One step of a rule: exactly one of the keys below."""

    buy: BuySpec | None = None
    sell: OrderSpec | None = None
    credit_buy: BuySpec | None = None
    credit_sell: CreditSellSpec | None = None
    modify: ModifySpec | None = None
    cancel: CancelSpec | None = None
    credit_modify: ModifySpec | None = None
    credit_cancel: CancelSpec | None = None
    flatten: FlattenSpec | None = Field(
        default=None, description="cancel the working sells, then sell every held share"
    )

    @field_validator("cancel", "credit_cancel", mode="before")
    @classmethod
    def _cancel(cls, v: Any) -> Any:
        return _cancel_before(v)

    @field_validator("flatten", mode="before")
    @classmethod
    def _flatten(cls, v: Any) -> Any:
        return _flatten_before(v)

    @model_validator(mode="before")
    @classmethod
    def _flatten_given(cls, data: Any) -> Any:
        # `- flatten:` with nothing after it is YAML null: the defaults (a market sell)
        if isinstance(data, dict) and FLATTEN in data and data[FLATTEN] is None:
            return {**data, FLATTEN: {}}
        return data

    @model_validator(mode="after")
    def _one(self) -> ActionSpec:
        given = [k for k in STEP_KEYS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an action is exactly one of: " + ", ".join(STEP_KEYS))
        return self

    @functools.cached_property
    def kind(self) -> str:
        """The step's one key (cached: every order a rule sends asks several times; the
        model is frozen, and nothing copies it with changes)."""
        return next(k for k in STEP_KEYS if getattr(self, k) is not None)

    @functools.cached_property
    def is_flatten(self) -> bool:
        return self.flatten is not None

    @functools.cached_property
    def action(self) -> OrderAction:
        """The Kiwoom request the step sends (a flatten: its sell; cached like ``kind``)."""
        return OrderAction.SELL if self.flatten is not None else ACTION_KINDS[self.kind]

    @property
    def side(self) -> Literal["buy", "sell"] | None:
        s = self.action.side
        return None if s is None else ("buy" if s.value == "buy" else "sell")

    @functools.cached_property
    def order(self) -> OrderSpec:
        """The new-order part (buy, sell and their credit variants; cached like ``kind``)."""
        spec = getattr(self, self.kind)
        if not isinstance(spec, OrderSpec):
            raise TypeError(f"{self.kind} is not a new order")
        return spec

    @property
    def target(self) -> ModifySpec | CancelSpec:
        spec = getattr(self, self.kind)
        if not isinstance(spec, ModifySpec | CancelSpec):
            raise TypeError(f"{self.kind} does not address working orders")
        return spec

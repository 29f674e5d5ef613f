"""Tools for strategy authors: the JSON Schema, a commented scaffold, and plain-words rules.

``json_schema()`` feeds YAML language servers (completion and inline errors in an
editor); ``scaffold(name)`` is what ``autotrader init`` writes; ``explain(spec)`` says
what each rule will do, in words, for ``autotrader explain``.
"""

from __future__ import annotations

import textwrap
from typing import Any

from autotrader.model import OrderType
from autotrader.rules.actions import (
    CANCEL_WORDS,
    ActionSpec,
    CancelSpec,
    CreditSellSpec,
    FlattenSpec,
    ModifySpec,
    OrderSpec,
)
from autotrader.rules.on_error import describe as describe_on_error
from autotrader.rules.protect import describe_protect
from autotrader.rules.remainder import CancelAfter, Remainder, RepriceAfter
from autotrader.rules.schema import RuleSpec, StrategySpec, UniverseSpec
from autotrader.rules.triggers import TRIGGER_WORDS, OnSpec

SCHEMA_ID = "https://autotrader.local/strategy.schema.json"


def json_schema() -> dict[str, Any]:
    """The strategy format as JSON Schema (draft 2020-12), from the pydantic models."""
    schema = StrategySpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "autotrader strategy"
    rule = schema["$defs"]["RuleSpec"]["properties"]
    # 'on' also takes one word; durations take '30s' / '5m' as well as seconds.
    on = rule["on"]
    rule["on"] = {
        "description": on.get("description", ""),
        "anyOf": [{"enum": list(TRIGGER_WORDS)}, {"$ref": "#/$defs/OnSpec"}],
        "default": "tick",
    }
    rule["cooldown"] = {
        "description": rule["cooldown"].get("description", ""),
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": _DURATION}],
    }
    schema["$defs"]["OnSpec"]["properties"]["every"] = {
        "anyOf": [{"type": "number"}, {"type": "string", "pattern": _DURATION}]
    }
    # 'cancel: sells' and 'flatten: market' are one word; 'flatten:' alone is a market one.
    step = schema["$defs"]["ActionSpec"]["properties"]
    words = [*CANCEL_WORDS, "oldest", "newest", "all"]
    for key in ("cancel", "credit_cancel"):
        step[key] = {"anyOf": [{"enum": words}, {"$ref": "#/$defs/CancelSpec"}, {"type": "null"}]}
    step["flatten"] = {
        "description": step["flatten"].get("description", ""),
        "anyOf": [
            {"enum": [m.value for m in OrderType if not m.needs_price]},
            {"$ref": "#/$defs/FlattenSpec"},
            {"type": "null"},
        ],
    }
    return schema


_DURATION = r"^\d+(\.\d+)?(ms|s|m|h)$"

SCAFFOLD = """\
# yaml-language-server: $schema=./strategy.schema.json
# {name}: a strategy for autotrader. Check it with `autotrader validate {file}`,
# read it back with `autotrader explain {file}`, dry-run it with `autotrader run {file}`.
# The language is described in docs/strategy-language.md.
strategy: {name}
description: What this strategy is for, in one line.
symbols: ["005930"]              # KRX codes; '005930_NX' trades on Nextrade, '_AL' via SOR

risk:                            # optional per-strategy limits (KRW, shares, times)
  max_order_value: 2_000_000
  max_position_qty: 100
  trading_hours: ["09:00", "15:20"]

rules:
  # Buy a dip once a day with a fixed budget, at the best bid.
  - name: buy-the-dip
    on: tick                     # or: vi, start, stop, {{session: open}}, {{at: "15:19:30"}},
                                 # {{cron: "*/10 9-15 * * 1-5"}}, {{every: 5m}}, {{order: filled}}
    when: change_rate <= -2% and position.qty == 0 and open_orders == 0 and time < 15:00
    once_per_symbol: true        # also: cooldown: 10m, max_per_day: 3, enabled: false
    do:
      - buy: {{amount: 1_000_000, type: limit, price: bid}}

  # Take profit with a limit two ticks above the average cost, as soon as the buy fills.
  - name: take-profit
    on: {{order: filled, tag: buy-the-dip}}
    do:
      - sell: {{qty: available, type: limit, price: position.avg_price * 1.02 + 2 ticks}}

  # Cut the loss at -3%: flatten cancels the resting take-profit, then sells every share.
  - name: stop-loss
    when: position.qty > 0 and position.pnl_pct <= -3%
    cooldown: 1m
    do:
      - flatten: {{type: market}}

  # Be flat before the closing auction: no new buys, no working sells, no shares.
  - name: flat-before-close
    on: {{at: "15:15"}}
    when: position.qty > 0 or open_orders > 0
    do:
      - cancel: buys
      - flatten: {{type: market}}
"""


def scaffold(name: str, file: str) -> str:
    """The commented strategy ``autotrader init NAME`` writes."""
    return SCAFFOLD.format(name=name, file=file)


def explain(spec: StrategySpec) -> list[str]:
    """Plain words for each rule: trigger, condition, actions and controls."""
    lines = [f"Strategy '{spec.strategy}' on {_universe(spec)}."]
    if spec.description:
        lines.append(spec.description)
    lines.append(f"If a rule raises: {describe_on_error(spec.on_rule_error)}.")
    if spec.universe is not None:
        lines += _universe_lines(spec.universe)
    every = "each of the strategy's symbols"
    if spec.universe is not None:
        every = "each stock in the universe" + (" and fixed symbol" if spec.symbols else "")
    kept = spec.on_reload.removed_rule_orders == "keep"
    lines.append(
        "On a hot reload: working orders of rules the new version removes are "
        + ("kept working." if kept else "cancelled.")
    )
    for i, rule in enumerate(spec.rules, 1):
        lines.append("")
        lines.append(f"{i}. {rule.name}" + ("" if rule.enabled else " (disabled: never runs)"))
        symbols = ", ".join(rule.symbols) if rule.symbols else every
        lines.append(f"   When: {_trigger(rule.on)}, for {symbols}")
        if rule.when.strip() != "true":
            lines.append(f"   If:   {rule.when}")
        for j, action in enumerate(rule.do, 1):
            prefix = "   Then:" if j == 1 else "   And:"
            lines.append(f"{prefix} {_action(action, rule)}")
        controls = _controls(rule)
        if controls:
            lines.append(f"   Limits: {controls}")
        rest = _remainder(rule.remainder)
        if rest:
            lines.append(f"   Unfilled: {rest}")
        if rule.protect is not None:
            lines.extend("   " + line for line in describe_protect(rule.protect))
    return lines


def _universe(spec: StrategySpec) -> str:
    if spec.universe is None:
        return ", ".join(spec.symbols)
    names = " or ".join(f"'{c}'" for c in spec.universe.condition)
    fixed = f" and {', '.join(spec.symbols)}" if spec.symbols else ""
    return f"the stocks of condition search {names}{fixed}"


def _universe_lines(universe: UniverseSpec) -> list[str]:
    names = ", ".join(f"'{c}'" for c in universe.condition)
    text = (
        f"Universe: the condition searches {names} saved in the HTS (by name, else by seq). "
        "At start the conditions are listed (an unknown name stops the run) and each "
        "realtime search starts with the stocks matching it now. A stock entering one gets "
        f"the rules and its realtime registrations, at most {universe.max_symbols} stocks "
        "at once (more wait, in order, for a place). A stock leaving every search gets no "
        "new buy (journaled 'outside_universe'); its sells still run, and it is let go "
        "once flat. Every hit is journaled; a reconnect restarts the searches and "
        "reconciles the universe."
    )
    return textwrap.wrap(text, 88, subsequent_indent="  ")


def _remainder(policy: Remainder) -> str:
    if isinstance(policy, CancelAfter):
        return f"cancelled {_seconds(policy.cancel_after)} after the order is placed"
    if isinstance(policy, RepriceAfter):
        beyond = f" {policy.ticks} tick(s) beyond" if policy.ticks else ""
        return (
            f"re-priced to{beyond} the best quote every {_seconds(policy.reprice_after)}, "
            f"{policy.max} time(s), then cancelled"
        )
    return ""


def _trigger(on: OnSpec) -> str:
    kind = on.kind
    if kind == "tick":
        return "on every trade"
    if kind == "vi" and on.vi is not None:
        vi = on.vi
        event = {"any": "triggered or released", "triggered": "triggered", "released": "released"}
        kind_text = "" if vi.kind == "any" else f" {vi.kind}"
        direction = "" if vi.direction == "any" else f" ({vi.direction}ward)"
        return f"when a{kind_text} VI is {event[vi.event]}{direction}"
    if kind == "session" and on.session:
        return "when the market session becomes " + " or ".join(on.session)
    if kind == "order" and on.order:
        whose = f"tagged '{on.tag}'" if on.tag else "of this strategy"
        return f"when an order {whose} is " + " or ".join(e.replace("_", " ") for e in on.order)
    if kind == "at" and on.at:
        return "every day at " + ", ".join(on.at) + " (Asia/Seoul)"
    if kind == "cron":
        return f"on the schedule '{on.cron}' (cron, Asia/Seoul)"
    if kind == "every" and on.every is not None:
        start, end = on.window
        return f"every {_seconds(on.every)} from {start} to {end}"
    if kind == "condition":
        moves = "enters" if on.condition_event == "enter" else "leaves"
        return f"when a stock {moves} the condition search '{on.condition}'"
    return {"start": "when the strategy starts", "stop": "when the strategy stops"}[kind]


def _action(action: ActionSpec, rule: RuleSpec) -> str:
    spec = getattr(action, action.kind)
    verb = action.kind.replace("_", " ")
    if isinstance(spec, OrderSpec):
        if spec.amount is not None:
            size = f"{spec.amount:,} KRW worth"
        elif spec.qty in ("all", "available"):
            size = "the shares held and not already offered"
        elif isinstance(spec.qty, str):
            size = f"{spec.qty} of the position"
        else:
            size = f"{spec.qty} shares"
        kind = spec.type.replace("_", " ")
        price = f" at {spec.price}" if spec.price not in (None, "market") else ""
        if spec.ticks:
            price += f" {spec.ticks:+d} ticks"
        text = f"{verb} {size}, {kind} order{price}"
        if spec.condition_price is not None:
            text += f", triggered at {spec.condition_price}"
        if isinstance(spec, CreditSellSpec):
            text += (
                f", repaying the loan of {spec.loan_date}"
                if spec.loan == "single"
                else ", repaying loans combined"
            )
        if spec.tag:
            text += f" (tag '{spec.tag}')"
        return text
    if isinstance(spec, FlattenSpec):
        price = f" at {spec.price}" if spec.price not in (None, "market") else ""
        return (
            "cancel the strategy's working sells of the symbol, then sell every held share, "
            f"{spec.type.replace('_', ' ')} order{price}"
        )
    if isinstance(spec, ModifySpec | CancelSpec):
        which = {"all": "every", "oldest": "the oldest", "newest": "the newest"}[spec.which]
        side = f" {spec.side}" if spec.side else ""
        if spec.scope == "symbol":
            whose = "of the strategy in the symbol"
        else:
            whose = f"tagged '{spec.tag}'" if spec.tag else "this rule placed"
        text = f"{verb} {which} working{side} order {whose}"
        if isinstance(spec, ModifySpec):
            text += f" to {spec.price}" + (f" {spec.ticks:+d} ticks" if spec.ticks else "")
        return text
    return verb  # pragma: no cover - every action kind is handled above


def _controls(rule: RuleSpec) -> str:
    parts = []
    if rule.cooldown:
        parts.append(f"waits {_seconds(rule.cooldown)} per symbol after firing")
    if rule.once_per_symbol:
        parts.append("at most once per symbol a day")
    if rule.max_per_day:
        parts.append(f"at most {rule.max_per_day} times a day")
    return "; ".join(parts)


def _seconds(value: float) -> str:
    if value >= 3600 and value % 3600 == 0:
        return f"{int(value // 3600)} h"
    if value >= 60 and value % 60 == 0:
        return f"{int(value // 60)} min"
    return f"{value:g} s"

"""Tools for strategy authors: the JSON Schema, a commented scaffold, and plain-words rules.

``json_schema()`` feeds YAML language servers (completion and inline errors in an
editor); ``scaffold(name)`` is what ``autotrader init`` writes; ``explain(spec)`` says
what each rule will do, in words, for ``autotrader explain``.
"""

from __future__ import annotations

from typing import Any

from autotrader.rules.actions import ActionSpec, CancelSpec, CreditSellSpec, ModifySpec, OrderSpec
from autotrader.rules.on_error import describe as describe_on_error
from autotrader.rules.protect import describe_protect
from autotrader.rules.remainder import CancelAfter, Remainder, RepriceAfter
from autotrader.rules.schema import RuleSpec, StrategySpec
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
      - sell: {{qty: all, type: limit, price: position.avg_price * 1.02 + 2 ticks}}

  # Cut the loss at -3%: cancel the working take-profit, then sell at the market.
  - name: stop-loss
    when: position.qty > 0 and position.pnl_pct <= -3%
    cooldown: 1m
    do:
      - cancel: {{tag: take-profit}}
      - sell: {{qty: all, type: market}}

  # Be flat before the closing auction.
  - name: flat-before-close
    on: {{at: "15:15"}}
    when: position.qty > 0
    do:
      - cancel: {{tag: take-profit}}
      - sell: {{qty: all, type: market}}
"""


def scaffold(name: str, file: str) -> str:
    """The commented strategy ``autotrader init NAME`` writes."""
    return SCAFFOLD.format(name=name, file=file)


def explain(spec: StrategySpec) -> list[str]:
    """Plain words for each rule: trigger, condition, actions and controls."""
    lines = [f"Strategy '{spec.strategy}' on {', '.join(spec.symbols)}."]
    if spec.description:
        lines.append(spec.description)
    lines.append(f"If a rule raises: {describe_on_error(spec.on_rule_error)}.")
    for i, rule in enumerate(spec.rules, 1):
        lines.append("")
        lines.append(f"{i}. {rule.name}" + ("" if rule.enabled else " (disabled: never runs)"))
        symbols = ", ".join(rule.symbols) if rule.symbols else "each of the strategy's symbols"
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
    return {"start": "when the strategy starts", "stop": "when the strategy stops"}[kind]


def _action(action: ActionSpec, rule: RuleSpec) -> str:
    spec = getattr(action, action.kind)
    verb = action.kind.replace("_", " ")
    if isinstance(spec, OrderSpec):
        if spec.amount is not None:
            size = f"{spec.amount:,} KRW worth"
        elif spec.qty == "all":
            size = "the whole position"
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
    if isinstance(spec, ModifySpec | CancelSpec):
        which = {"all": "every", "oldest": "the oldest", "newest": "the newest"}[spec.which]
        whose = f"tagged '{spec.tag}'" if spec.tag else "this rule placed"
        text = f"{verb} {which} working order {whose}"
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

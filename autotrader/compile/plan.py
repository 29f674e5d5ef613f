"""Compile a validated strategy into a plan the engine runs: closures indexed by symbol.

A tick for one symbol looks up ``plan.by_symbol[item]`` and touches only the rules that
can fire for it. Each ``CompiledRule`` carries its condition closure, its actions and its
controls, plus the mutable bookkeeping the controls need (last fire time, fire count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autotrader.compile.conditions import Condition, compile_condition, used_names
from autotrader.rules.expr import parse
from autotrader.rules.loader import LoadedStrategy
from autotrader.rules.schema import ActionSpec, StrategySpec


@dataclass(slots=True, eq=False)
class CompiledRule:
    """One rule, ready to evaluate."""

    name: str
    order: int  # position in the file: rules that fire on one event run in this order
    condition: Condition
    actions: tuple[ActionSpec, ...]
    cooldown: float
    symbols: tuple[str, ...]
    when_text: str
    last_fired: dict[str, float] = field(default_factory=dict)  # symbol -> ts
    next_allowed: dict[str, float] = field(default_factory=dict)  # symbol -> end of cooldown
    fires: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    strategy: StrategySpec
    source: str
    sha256: str
    rules: tuple[CompiledRule, ...]
    by_symbol: dict[str, tuple[CompiledRule, ...]]
    names: frozenset[str]  # every vocabulary name some rule reads

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self.strategy.symbols)


def compile_strategy(loaded: LoadedStrategy) -> Plan:
    """Build the plan; the loader has already reported every error in the file."""
    spec = loaded.spec
    rules: list[CompiledRule] = []
    names: set[str] = set()
    for i, rule in enumerate(spec.rules):
        if not rule.enabled:
            continue
        node = loaded.conditions.get(rule.name) or parse(rule.when)
        names.update(used_names(node))
        rules.append(
            CompiledRule(
                name=rule.name,
                order=i,
                condition=compile_condition(node, f"rule {rule.name}"),
                actions=tuple(rule.do),
                cooldown=rule.cooldown,
                symbols=tuple(rule.symbols or spec.symbols),
                when_text=rule.when,
            )
        )
    index: dict[str, list[CompiledRule]] = {s: [] for s in spec.symbols}
    for r in rules:
        for sym in r.symbols:
            index.setdefault(sym, []).append(r)
    by_symbol = {s: tuple(sorted(rs, key=lambda r: r.order)) for s, rs in index.items()}
    return Plan(spec, loaded.path, loaded.sha256, tuple(rules), by_symbol, frozenset(names))

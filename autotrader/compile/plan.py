"""Compile a validated strategy into a plan the engine runs, indexed by symbol.

A tick for one symbol touches only the rules that can fire for it. For ticks, the rules
of a symbol are fused into one generated function (``Evaluator``) that tests every
rule's cooldown and condition inline and calls back only for the rules that fire: one
Python call per tick instead of one per rule. Each ``CompiledRule`` also keeps its own
condition function, its actions and its controls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autotrader.compile.conditions import (
    Condition,
    build_function,
    compile_condition,
    render,
    used_names,
)
from autotrader.rules.expr import Node, parse
from autotrader.rules.loader import LoadedStrategy
from autotrader.rules.schema import ActionSpec, StrategySpec

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

# evaluate(state, now, cooldown_ends, fire): calls fire(i) for each rule i that fires.
Evaluator = Callable[["SymbolState", float, list[float], Callable[[int], None]], None]


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
    node: Node
    last_fired: dict[str, float] = field(default_factory=dict)  # symbol -> ts
    fires: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    strategy: StrategySpec
    source: str
    sha256: str
    rules: tuple[CompiledRule, ...]
    by_symbol: dict[str, tuple[CompiledRule, ...]]
    names: frozenset[str]  # every vocabulary name some rule reads
    evaluators: dict[str, Evaluator]  # symbol -> fused tick evaluator of its rules

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
                node=node,
            )
        )
    index: dict[str, list[CompiledRule]] = {s: [] for s in spec.symbols}
    for r in rules:
        for sym in r.symbols:
            index.setdefault(sym, []).append(r)
    by_symbol = {s: tuple(sorted(rs, key=lambda r: r.order)) for s, rs in index.items()}
    fused: dict[tuple[int, ...], Evaluator] = {}
    evaluators: dict[str, Evaluator] = {}
    for sym, group in by_symbol.items():
        if group:
            key = tuple(r.order for r in group)
            if key not in fused:
                fused[key] = fuse(group)
            evaluators[sym] = fused[key]
    return Plan(
        spec, loaded.path, loaded.sha256, tuple(rules), by_symbol, frozenset(names), evaluators
    )


def fuse(rules: tuple[CompiledRule, ...]) -> Evaluator:
    """One function testing each rule in order; ``cd[i]`` is rule i's cooldown end."""
    lines = ["def _evaluate(s, now, cd, fire):"]
    for i, rule in enumerate(rules):
        cooldown = f"cd[{i}] <= now and " if rule.cooldown else ""
        lines.append(f"    if {cooldown}{render(rule.node)}:")
        lines.append(f"        fire({i})")
    label = "rules " + ", ".join(r.name for r in rules)
    fn: Evaluator = build_function("\n".join(lines) + "\n", "_evaluate", label[:200])
    return fn

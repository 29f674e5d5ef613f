"""Compile a validated strategy into a plan the engine runs, indexed by symbol and trigger.

A tick for one symbol touches only the tick rules that can fire for it. For ticks, the
rules of a symbol are fused into one generated function (``Evaluator``) that first
updates the symbol's rolling values (if any rule reads one), then tests every rule's
controls and condition inline and calls back only for the rules that fire: one Python
call per tick instead of one per rule. Rules on other triggers (VI, session, own orders,
times, start, stop) are rare events: the engine runs them through each rule's own
compiled condition, from ``Plan.triggered``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autotrader.compile.conditions import (
    ENTRY_NAMES,
    Condition,
    RollKey,
    State,
    Value,
    build_function,
    compile_condition,
    compile_value,
    render,
    rolling_keys,
    used_names,
)
from autotrader.rules.actions import ActionSpec, FlattenSpec, ModifySpec, OrderSpec
from autotrader.rules.expr import Node, parse
from autotrader.rules.loader import LoadedStrategy
from autotrader.rules.names import NameInfo, names_for
from autotrader.rules.prices import PriceExpr, parse_price
from autotrader.rules.protect import ProtectSpec
from autotrader.rules.remainder import Remainder
from autotrader.rules.schema import StrategySpec
from autotrader.rules.triggers import OnSpec

# The key, in a plan's per-symbol tables, of what a stock admitted by the universe's
# condition searches gets: the rules written without 'symbols' (not a stock code).
UNIVERSE = "*"

# evaluate(state, now, blocked_until, fire): calls fire(i) for each rule i that fires, and
# fire(~i) for a rule whose condition holds while its controls hold it back (once a window).
Evaluator = Callable[[State, float, list[float], Callable[[int], None]], None]


@dataclass(frozen=True, slots=True)
class CompiledPrice:
    """A price expression: its value function and the grid steps added after rounding."""

    value: Value
    ticks: int
    text: str


@dataclass(frozen=True, slots=True)
class CompiledAction:
    spec: ActionSpec
    tag: str  # the label its orders carry (the action's tag, else the rule's name)
    price: CompiledPrice | None = None
    condition_price: CompiledPrice | None = None


@dataclass(slots=True, eq=False)
class CompiledRule:
    """One rule, ready to evaluate."""

    name: str
    order: int  # position in the file: rules that fire on one event run in this order
    condition: Condition
    actions: tuple[CompiledAction, ...]
    cooldown: float
    symbols: tuple[str, ...]
    when_text: str
    node: Node
    on: OnSpec = field(default_factory=lambda: OnSpec(tick=True))
    max_per_day: int | None = None
    once_per_symbol: bool = False
    remainder: Remainder = "keep"  # what happens to the unfilled rest of its orders
    universe: bool = False  # also runs on the stocks the condition searches admit
    protect: ProtectSpec | None = None  # stops resting at the venue for what it buys
    protect_prices: dict[str, CompiledPrice] = field(default_factory=dict)  # stop/take_profit
    last_fired: dict[str, float] = field(default_factory=dict)  # symbol -> ts
    fires: int = 0

    @property
    def trigger(self) -> str:
        return self.on.kind

    @property
    def has_controls(self) -> bool:
        return bool(self.cooldown or self.max_per_day or self.once_per_symbol)


@dataclass(frozen=True, slots=True)
class Plan:
    strategy: StrategySpec
    source: str
    sha256: str
    rules: tuple[CompiledRule, ...]
    by_symbol: dict[str, tuple[CompiledRule, ...]]  # tick rules of each symbol, in order
    names: frozenset[str]  # every vocabulary name some rule reads
    evaluators: dict[str, Evaluator]  # symbol -> fused tick evaluator of its rules
    triggered: dict[str, tuple[CompiledRule, ...]] = field(default_factory=dict)  # kind -> rules
    rolling: dict[RollKey, int] = field(default_factory=dict)  # rolling value -> slot
    rolling_by_symbol: dict[str, tuple[RollKey, ...]] = field(default_factory=dict)
    # per symbol key: the names its rules read, on any trigger (the fields its ticks check)
    reads_by_symbol: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The fixed symbols; a universe adds and removes others while it runs."""
        return tuple(self.strategy.symbols)

    def key_of(self, symbol: str) -> str:
        """Which per-symbol tables a symbol uses: its own, or the universe's."""
        return symbol if symbol in self.by_symbol else UNIVERSE

    def reads_of(self, symbol: str) -> frozenset[str]:
        """The names the rules of ``symbol`` read (on ticks, times or events): the feed
        checks those fields of its ticks."""
        return self.reads_by_symbol.get(self.key_of(symbol), frozenset())


def compile_strategy(loaded: LoadedStrategy) -> Plan:
    """Build the plan; the loader has already reported every error in the file."""
    spec = loaded.spec
    enabled = [(i, r) for i, r in enumerate(spec.rules) if r.enabled]
    nodes = {r.name: loaded.conditions.get(r.name) or parse(r.when) for _, r in enabled}
    vocab = {r.name: names_for(r.on.kind) for _, r in enabled}
    prices = {r.name: [_prices(a, vocab[r.name]) for a in r.do] for _, r in enabled}
    levels = {r.name: _levels(r.protect, vocab[r.name]) for _, r in enabled}
    # Rolling values: one slot per distinct value, kept only for the symbols that read it.
    slots: dict[RollKey, int] = {}
    per_symbol: dict[str, dict[RollKey, None]] = {}
    names: set[str] = set()
    reads: dict[str, set[str]] = {}
    for _, rule in enabled:
        exprs = [nodes[rule.name]] + [p.node for ps in prices[rule.name] for p in ps if p]
        exprs += [p.node for p in levels[rule.name].values()]
        keys = [k for e in exprs for k in rolling_keys(e)]
        used = {n for e in exprs for n in used_names(e)}
        names.update(used)
        for sym in _targets(rule.symbols, spec):
            reads.setdefault(sym, set()).update(used)
        for key in keys:
            slots.setdefault(key, len(slots))
            for sym in _targets(rule.symbols, spec):
                per_symbol.setdefault(sym, {})[key] = None
    rules: list[CompiledRule] = []
    for i, rule in enabled:
        node = nodes[rule.name]
        label = f"rule {rule.name}"
        actions = tuple(
            CompiledAction(
                spec=a,
                tag=_tag(a) or rule.name,
                price=_compiled(p, label, slots, vocab[rule.name]),
                condition_price=_compiled(c, label, slots, vocab[rule.name]),
            )
            for a, (p, c) in zip(rule.do, prices[rule.name], strict=True)
        )
        rules.append(
            CompiledRule(
                name=rule.name,
                order=i,
                condition=compile_condition(node, label, slots, vocab[rule.name]),
                actions=actions,
                cooldown=rule.cooldown,
                symbols=tuple(rule.symbols or spec.symbols),
                when_text=rule.when,
                node=node,
                on=rule.on,
                max_per_day=rule.max_per_day,
                once_per_symbol=rule.once_per_symbol,
                remainder=rule.remainder,
                universe=spec.universe is not None and not rule.symbols,
                protect=rule.protect,
                protect_prices={
                    key: c
                    for key, expr in levels[rule.name].items()
                    if (c := _compiled(expr, label, slots, vocab[rule.name])) is not None
                },
            )
        )
    index: dict[str, list[CompiledRule]] = {s: [] for s in spec.symbols}
    if spec.universe is not None:
        index[UNIVERSE] = []
    triggered: dict[str, list[CompiledRule]] = {}
    for r in rules:
        targets = (*r.symbols, UNIVERSE) if r.universe else r.symbols
        if r.trigger != "tick":
            triggered.setdefault(r.trigger, []).append(r)
            for sym in targets:
                index.setdefault(sym, [])
            continue
        for sym in targets:
            index.setdefault(sym, []).append(r)
    by_symbol = {s: tuple(sorted(rs, key=lambda r: r.order)) for s, rs in index.items()}
    rolling_by_symbol = {s: tuple(keys) for s, keys in per_symbol.items()}
    track = bool(names & ENTRY_NAMES)  # some rule reads position.high / low / drawdown
    fused: dict[tuple[tuple[int, ...], bool], Evaluator] = {}
    evaluators: dict[str, Evaluator] = {}
    for sym, group in by_symbol.items():
        rolls = bool(rolling_by_symbol.get(sym))
        if group or rolls or track:
            fkey = (tuple(r.order for r in group), rolls)
            if fkey not in fused:
                fused[fkey] = fuse(group, slots, rolls, track)
            evaluators[sym] = fused[fkey]
    return Plan(
        spec,
        loaded.path,
        loaded.sha256,
        tuple(rules),
        by_symbol,
        frozenset(names),
        evaluators,
        {k: tuple(v) for k, v in triggered.items()},
        slots,
        rolling_by_symbol,
        {sym: frozenset(used) for sym, used in reads.items()},
    )


def _targets(symbols: list[str] | None, spec: StrategySpec) -> list[str]:
    if symbols:
        return symbols
    return [*spec.symbols, UNIVERSE] if spec.universe is not None else spec.symbols


def _tag(action: ActionSpec) -> str | None:
    spec = getattr(action, action.kind)
    return spec.tag if isinstance(spec, OrderSpec | FlattenSpec) else None


def _prices(
    action: ActionSpec, names: dict[str, NameInfo]
) -> tuple[PriceExpr | None, PriceExpr | None]:
    spec = getattr(action, action.kind)
    if not isinstance(spec, OrderSpec | ModifySpec | FlattenSpec):
        return None, None
    price = None
    if spec.price is not None and spec.price != "market":
        parsed = parse_price(spec.price, names)
        price = PriceExpr(parsed.node, parsed.ticks + spec.ticks, parsed.text)
    cond = None
    if spec.condition_price is not None:
        cond = parse_price(spec.condition_price, names)
    return price, cond


def _levels(protect: ProtectSpec | None, names: dict[str, NameInfo]) -> dict[str, PriceExpr]:
    """``protect``'s stop / take_profit written as price expressions, parsed."""
    if protect is None:
        return {}
    written = {"stop": protect.stop, "take_profit": protect.take_profit}
    return {k: parse_price(v, names) for k, v in written.items() if isinstance(v, str)}


def _compiled(
    expr: PriceExpr | None, label: str, slots: dict[RollKey, int], names: dict[str, NameInfo]
) -> CompiledPrice | None:
    if expr is None:
        return None
    return CompiledPrice(compile_value(expr.node, label, slots, names), expr.ticks, expr.text)


def fuse(
    rules: tuple[CompiledRule, ...],
    slots: dict[RollKey, int] | None = None,
    rolls: bool = False,
    track: bool = False,
) -> Evaluator:
    """One function testing each rule in order; ``cd[i]`` is when rule i may fire again.

    ``track``: first move the position's high and low since entry to this trade."""
    lines = ["def _evaluate(s, now, cd, fire):"]
    if rolls:
        lines.append("    s.rolling.update(s)")
    if track:
        lines += [
            "    if s.pos_qty:",
            "        if s.price > s.pos_high: s.pos_high = s.price",
            "        if s.price < s.pos_low or not s.pos_low: s.pos_low = s.price",
        ]
    for i, rule in enumerate(rules):
        condition = render(rule.node, slots)
        if not rule.has_controls:
            lines += [f"    if {condition}:", f"        fire({i})"]
            continue
        # Held back by its controls: the first firing of the window is journaled, fire(~i).
        lines += [
            f"    if cd[{i}] <= now:",
            f"        if {condition}:",
            f"            fire({i})",
            f"    elif not s.noted[{i}] and ({condition}):",
            f"        fire({~i})",
        ]
    if len(lines) == 1:
        lines.append("    return None")
    label = "rules " + ", ".join(r.name for r in rules)
    fn: Evaluator = build_function("\n".join(lines) + "\n", "_evaluate", label[:200])
    return fn

"""Why a rule did not fire: replay the run with the rule's condition taken apart.

The journal records what fired, not every evaluation that did not (that would cost the
tick path a write per rule per tick). The engine is deterministic over a tape, so
``why`` replays the run's tape into a scratch journal with the same strategy and
limits, and watches one rule: each time it is evaluated, every top-level ``and`` term is
tested on its own and both sides of each comparison are read. The normal run pays
nothing; ``why`` pays one replay. The replay's fire count is checked against the
journal's, so a changed strategy file or tape is reported rather than trusted.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from autotrader.clock import day_start, to_seoul
from autotrader.compile import compile_strategy
from autotrader.compile.conditions import (
    FRAGMENTS,
    build_function,
    compile_condition,
    compile_value,
)
from autotrader.compile.plan import UNIVERSE, CompiledRule, Plan
from autotrader.engine.state import SymbolState
from autotrader.errors import AutotraderError
from autotrader.journal import queries
from autotrader.journal.outcomes import CONTINUATION_EVENTS, HELD_BACK
from autotrader.rules.expr import Between, Binary, Bool, Call, Name, Node, Num, Str, Unary
from autotrader.rules.names import NameInfo, names_for

COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
NEAREST = 5


def conjuncts(node: Node) -> list[Node]:
    """The top-level ``and`` terms of a condition, left to right."""
    if isinstance(node, Binary) and node.op == "and":
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def unparse(node: Node) -> str:
    """A node back in the strategy language (normalised spacing and units)."""
    if isinstance(node, Num):
        return _num(node)
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(_num(a) for a in node.args)})"
    if isinstance(node, Unary):
        return f"not {unparse(node.operand)}" if node.op == "not" else f"-{unparse(node.operand)}"
    if isinstance(node, Between):
        return f"{unparse(node.value)} between {unparse(node.low)} and {unparse(node.high)}"
    text = f"{unparse(node.left)} {node.op} {unparse(node.right)}"
    return f"({text})" if node.op in ("or", "and") else text


def _num(n: Num) -> str:
    if n.unit == "%":
        return f"{n.value * 100:g}%"
    if n.unit == "tod":
        return _tod(float(n.value))
    if n.unit == "s":
        return f"{n.value:g}s"
    return f"{n.value:g}" if isinstance(n.value, float) else f"{n.value:,}"


def _tod(v: float) -> str:
    v = int(v)
    return f"{v // 3600:02d}:{v % 3600 // 60:02d}:{v % 60:02d}"


def _unit(node: Node, names: dict[str, NameInfo]) -> str:
    """How to show a comparison's values: as a time of day, a percentage or a number."""
    parts: list[Node] = [node.left, node.right] if isinstance(node, Binary) else []
    if isinstance(node, Between):
        parts = [node.value, node.low, node.high]
    for p in parts:
        if isinstance(p, Num) and p.unit in ("%", "tod"):
            return p.unit
        info = names.get(p.name) if isinstance(p, Name) else None
        if info is not None and info.unit in ("%", "tod"):
            return info.unit
    return ""


def show(v: Any, unit: str) -> str:
    if isinstance(v, bool | str):
        return repr(v) if isinstance(v, str) else str(v).lower()
    if unit == "tod":
        return _tod(float(v))
    if unit == "%":
        return f"{float(v) * 100:.3g}%"
    return f"{v:,}" if isinstance(v, int) else f"{v:.6g}"


@dataclass
class Term:
    text: str
    test: Callable[[SymbolState], bool]
    sides: list[tuple[str, Callable[[SymbolState], float]]]
    unit: str
    comparison: str  # the operator for closeness, "" if not a plain comparison
    operands: list[Callable[[SymbolState], Any]] = field(default_factory=list)  # both sides
    false: int = 0
    only_false: int = 0  # times it was the one term that kept the rule from firing


@dataclass
class Probe:
    """Counts and near misses of one rule, fed by every evaluation during the replay."""

    rule: CompiledRule
    terms: list[Term]
    at: float | None = None
    evaluations: int = 0
    fired: int = 0
    blocked: int = 0  # skipped: cooldown, max_per_day or once_per_symbol
    by_symbol: dict[str, list[int]] = field(default_factory=dict)  # evaluations, fires
    nearest: dict[tuple[str, int], tuple[tuple[int, float], dict[str, Any]]] = field(
        default_factory=dict
    )
    closest_to_at: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def blocked_at(self, st: SymbolState) -> None:
        self.blocked += 1

    def observe(self, st: SymbolState, now: float, fired: bool) -> None:
        self.evaluations += 1
        counts = self.by_symbol.setdefault(st.symbol, [0, 0])
        counts[0] += 1
        if fired:
            self.fired += 1
            counts[1] += 1
        results = [_safe(t.test, st) for t in self.terms]
        false = [i for i, ok in enumerate(results) if not ok]
        for i in false:
            self.terms[i].false += 1
        if len(false) == 1:
            self.terms[false[0]].only_false += 1
        if self.at is not None:
            best = self.closest_to_at.get(st.symbol)
            if best is None or abs(now - self.at) < abs(best[0] - self.at):
                self.closest_to_at[st.symbol] = (now, self._snapshot(st, now, results, fired))
        if fired or not false:
            return
        gap = sum(self._gap(self.terms[i], st) for i in false)
        key = (len(false), gap)
        bucket = (st.symbol, int(now // 60))  # one near miss per symbol and minute
        kept = self.nearest.get(bucket)
        if kept is None or key < kept[0]:
            self.nearest[bucket] = (key, self._snapshot(st, now, results, fired))

    @staticmethod
    def _gap(term: Term, st: SymbolState) -> float:
        """How far a false comparison is from flipping, relative to its threshold side."""
        if len(term.operands) != 2:
            return 1.0
        a, b = (_value(fn, st) for fn in term.operands)
        if isinstance(a, bool) or not isinstance(a, int | float):
            return 1.0
        if isinstance(b, bool) or not isinstance(b, int | float):
            return 1.0
        return abs(a - b) / (abs(b) if b else max(abs(a), 1.0))

    def _snapshot(
        self, st: SymbolState, now: float, results: list[bool], fired: bool
    ) -> dict[str, Any]:
        return {
            "ts": now,
            "time": to_seoul(now).strftime("%H:%M:%S.%f")[:-3],
            "symbol": st.symbol,
            "fired": fired,
            "terms": [
                {
                    "term": t.text,
                    "true": ok,
                    "values": {label: show(_value(fn, st), t.unit) for label, fn in t.sides},
                }
                for t, ok in zip(self.terms, results, strict=True)
            ],
        }

    def result(self) -> dict[str, Any]:
        misses = sorted(self.nearest.values(), key=lambda kv: kv[0])[:NEAREST]
        return {
            "rule": self.rule.name,
            "when": self.rule.when_text,
            "trigger": self.rule.trigger,
            "evaluations": self.evaluations,
            "fired": self.fired,
            "blocked_by_controls": self.blocked,
            "by_symbol": {
                s: {"evaluations": c[0], "fired": c[1]} for s, c in sorted(self.by_symbol.items())
            },  # fmt: skip
            "terms": [
                {"term": t.text, "false": t.false, "only_false": t.only_false} for t in self.terms
            ],
            "nearest_misses": [m for _, m in misses],
            "at": [snap for _, snap in sorted(self.closest_to_at.values(), key=lambda x: x[0])],
        }


def _safe(fn: Callable[[SymbolState], Any], st: SymbolState) -> bool:
    try:
        return bool(fn(st))
    except (ValueError, TypeError, ArithmeticError):
        return False


def _value(fn: Callable[[SymbolState], Any], st: SymbolState) -> Any:
    try:
        return fn(st)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return f"error: {exc}"


def make_probe(plan: Plan, rule: CompiledRule, at: float | None) -> Probe:
    names = names_for(rule.trigger)
    terms = []
    for node in conjuncts(rule.node):
        sides: list[tuple[str, Node]] = []
        comparison = ""
        if isinstance(node, Binary) and node.op in COMPARISONS:
            sides, comparison = [("left", node.left), ("right", node.right)], node.op
        elif isinstance(node, Between):
            sides = [("value", node.value), ("low", node.low), ("high", node.high)]
        value_nodes = [(unparse(n), n) for _, n in sides if not isinstance(n, Num | Str | Bool)]
        terms.append(
            Term(
                text=unparse(node),
                test=compile_condition(node, f"why {rule.name}", plan.rolling, names),
                sides=[(label, _compile_side(n, plan, names)) for label, n in value_nodes],
                unit=_unit(node, names),
                comparison=comparison,
                operands=_numeric(sides, plan, names) if comparison else [],
            )
        )
    return Probe(rule, terms, at)


def _numeric(
    sides: list[tuple[str, Node]], plan: Plan, names: dict[str, NameInfo]
) -> list[Callable[[SymbolState], Any]]:
    try:
        return [compile_value(n, "why", plan.rolling, names) for _, n in sides]
    except ValueError:  # a text or true/false comparison: no distance to measure
        return []


def _compile_side(
    node: Node, plan: Plan, names: dict[str, NameInfo]
) -> Callable[[SymbolState], Any]:
    info = names.get(node.name) if isinstance(node, Name) else None
    if isinstance(node, Name) and info is not None and info.kind in ("bool", "str"):
        fragment = FRAGMENTS[node.name]  # a fixed fragment of our own table, never user text
        fn: Callable[[SymbolState], Any] = build_function(
            f"def _side(s):\n    return {fragment}\n", "_side", "why"
        )
        return fn
    return compile_value(node, "why", plan.rolling, names)


def instrument(plan: Plan, probe: Probe) -> None:
    """Wrap the rule's evaluation (its symbols' fused tick evaluators, or its condition
    for other triggers) so every evaluation reaches ``probe``."""
    rule = probe.rule
    if rule.trigger != "tick":
        inner = rule.condition

        def condition(s: SymbolState) -> bool:
            ok = inner(s)
            probe.observe(s, s.market.now, ok)
            return ok

        rule.condition = condition
        return
    # A universe rule also runs on the stocks the condition searches admit: their table.
    for sym in (*rule.symbols, UNIVERSE) if rule.universe else rule.symbols:
        group = plan.by_symbol.get(sym) or ()
        if rule not in group or sym not in plan.evaluators:
            continue
        index = group.index(rule)
        plan.evaluators[sym] = _wrap(plan.evaluators[sym], index, rule, probe)


def _wrap(evaluate: Any, index: int, rule: CompiledRule, probe: Probe) -> Any:
    def wrapped(s: SymbolState, now: float, cd: list[float], fire: Callable[[int], None]) -> None:
        fired = False

        def spy(i: int) -> None:
            nonlocal fired
            if i == index:
                fired = True
            fire(i)

        blocked = rule.has_controls and cd[index] > now
        evaluate(s, now, cd, spy)
        if blocked:
            probe.blocked_at(s)
        else:
            probe.observe(s, now, fired)

    return wrapped


def explain_rule(
    db: sqlite_utils.Database, rule_name: str, run_id: int | None = None, at: str | None = None
) -> dict[str, Any]:
    """Replay run ``run_id`` (default: the latest) watching ``rule_name``."""
    from autotrader.broker.paper import PaperBroker
    from autotrader.config import AppConfig
    from autotrader.engine.replay import replay
    from autotrader.feed.tape import open_tape
    from autotrader.journal import Journal
    from autotrader.rules import load_strategy

    rid = run_id if run_id is not None else queries.latest_run_id(db)
    run = queries.get_run(db, rid)
    if not run.tape or not Path(run.tape).exists():
        raise AutotraderError(
            f"run {rid} has no tape to replay ({run.tape or 'a live run'}): 'why' replays "
            "the run's market data; record live days as tapes to ask it about them"
        )
    loaded = load_strategy(run.strategy_path)
    spec_rules = {r.name: r for r in loaded.spec.rules}
    if rule_name not in spec_rules:
        raise AutotraderError(
            f"{run.strategy_path} has no rule {rule_name!r}; its rules: " + ", ".join(spec_rules)
        )
    if not spec_rules[rule_name].enabled:
        raise AutotraderError(f"rule {rule_name!r} is disabled (enabled: false): it never runs")
    row = db.execute("SELECT strategy_sha256, config_json FROM runs WHERE id = ?", [rid]).fetchone()
    notes = []
    if row[0] and row[0] != loaded.sha256:
        notes.append(
            f"{run.strategy_path} changed since run {rid}: the replay uses it as it is now"
        )
    try:
        cfg = AppConfig.model_validate_json(row[1] or "{}")
    except ValueError:
        cfg = AppConfig()
        notes.append("the run's configuration could not be read: defaults used")
    plan = compile_strategy(loaded)
    rule = next(r for r in plan.rules if r.name == rule_name)
    header, _ = open_tape(run.tape)
    at_ts = _at(at, header.date) if at else None
    probe = make_probe(plan, rule, at_ts)
    instrument(plan, probe)
    with tempfile.TemporaryDirectory(prefix="autotrader-why-") as tmp:
        j = Journal(Path(tmp) / "why.db")
        try:
            replay(plan, run.tape, PaperBroker(cfg.fee_model()), j,
                   limits=cfg.limits_for(loaded.spec.risk))  # fmt: skip
        finally:
            j.close()
    journaled = db.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT ts, symbol, event FROM decisions "
        "WHERE run_id = ? AND rule = ? AND event NOT IN (SELECT value FROM json_each(?)) "
        "AND outcome NOT IN (SELECT value FROM json_each(?)))",
        [
            rid,
            rule_name,
            json.dumps(sorted(CONTINUATION_EVENTS | {"protect"})),
            json.dumps(sorted(HELD_BACK)),
        ],
    ).fetchone()[0]
    out = probe.result()
    out.update(run_id=rid, journal_fired=int(journaled), notes=notes)
    if rule.trigger == "tick" and int(journaled) != probe.fired:
        notes.append(
            f"the replay fired {probe.fired} times, the journal has {journaled}: the tape, "
            "the strategy or the configuration differs from the run's"
        )
    return out


def _at(text: str, day: date) -> float:
    parts = [int(p) for p in text.split(":")]
    if not 2 <= len(parts) <= 3 or parts[0] > 23 or parts[1] > 59:
        raise AutotraderError(f"--at {text!r}: give a time of day, HH:MM or HH:MM:SS")
    h, m, s = (parts + [0])[:3]
    return day_start(day) + h * 3600 + m * 60 + s

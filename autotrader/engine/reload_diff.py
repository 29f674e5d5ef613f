"""What a hot reload compares and prepares, before it touches the engine.

``prepare`` reads, validates and compiles a new strategy file and diffs its rules against
the running version (added / removed / changed, by name); it reads no engine state, so a
live run does it in a worker thread. ``parse_reload_at`` reads a replay's
``--reload-at HH:MM[:SS]=FILE``. The swap itself is ``engine/reload_swap.py``; the steps
around it ``engine/reload.py``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from autotrader.compile.plan import Plan, compile_strategy
from autotrader.errors import StrategyErrors
from autotrader.rules.loader import load_strategy_text
from autotrader.rules.schema import StrategySpec


@dataclass(frozen=True, slots=True)
class RuleDiff:
    """What a new version changes, by rule name (enabled rules only)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()  # top-level keys that changed (symbols, risk...)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in ("added", "removed", "changed", "settings")}

    def lines(self) -> list[str]:
        """The diff as a trader reads it: ``+ rule``, ``- rule``, ``~ rule``."""
        out = [f"+ {n}" for n in self.added] + [f"- {n}" for n in self.removed]
        out += [f"~ {n}" for n in self.changed] + [f"~ ({n})" for n in self.settings]
        return out or ["(no rule changed)"]


def rule_diff(old: StrategySpec, new: StrategySpec) -> RuleDiff:
    """Rules compared by name; a rule reading a changed ``params`` value has changed."""
    before = {r.name: r.model_dump(mode="json") for r in old.rules if r.enabled}
    after = {r.name: r.model_dump(mode="json") for r in new.rules if r.enabled}
    params = {
        k for k in old.params.keys() | new.params.keys() if old.params.get(k) != new.params.get(k)
    }
    changed = []
    for name in after.keys() & before.keys():
        text = orjson.dumps(after[name]).decode()
        if after[name] != before[name] or any(f"params.{p}" in text for p in params):
            changed.append(name)
    settings = [
        key
        for key in ("symbols", "risk", "params", "on_rule_error", "on_reload")
        if getattr(old, key) != getattr(new, key)
    ]
    return RuleDiff(
        tuple(n for n in after if n not in before),
        tuple(n for n in before if n not in after),
        tuple(n for n in after if n in changed),
        tuple(settings),
    )


@dataclass
class Prepared:
    """A file read, validated and compiled (``plan``), or the errors that refuse it."""

    path: str
    text: str = ""
    sha256: str = ""
    plan: Plan | None = None
    errors: list[str] = field(default_factory=list)
    base: StrategySpec | None = None  # the version ``diff`` was computed against
    diff: RuleDiff = field(default_factory=RuleDiff)


def prepare(path: str, base: StrategySpec | None = None) -> Prepared:
    """Read, validate and compile ``path`` (and diff it against ``base``, the running
    version); reads no engine state, so a live run does it in a worker thread while
    events go on, and only the swap waits for a safe point."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Prepared(path, errors=[f"{path}: cannot read the file: {exc}"])
    sha = hashlib.sha256(text.encode()).hexdigest()
    try:
        plan = compile_strategy(load_strategy_text(text, path))
    except StrategyErrors as exc:
        return Prepared(path, text, sha, errors=[str(e) for e in exc.errors])
    except Exception as exc:  # noqa: BLE001 - a compile bug refuses, never stops the run
        return Prepared(path, text, sha, errors=[f"{path}: {type(exc).__name__}: {exc}"])
    diff = rule_diff(base, plan.strategy) if base is not None else RuleDiff()
    return Prepared(path, text, sha, plan, base=base, diff=diff)


@dataclass(frozen=True, slots=True)
class Scheduled:
    """A replay's reload: at ``at`` swap in ``path``; ``at`` is seconds of the day (Asia/
    Seoul) until the replay's first clock reading makes it epoch seconds on that day."""

    at: float
    path: str


def parse_reload_at(text: str) -> Scheduled:
    """``HH:MM[:SS]=FILE`` (on the replay's first day) -> a scheduled reload."""
    when, sep, path = text.partition("=")
    if not sep or not path.strip():
        raise ValueError(f"--reload-at {text!r}: write it as HH:MM[:SS]=FILE")
    parts = when.strip().split(":")
    try:
        if not 2 <= len(parts) <= 3:
            raise ValueError
        h, m, s = (int(p) for p in [*parts, "0"][:3])
        if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
            raise ValueError
    except ValueError:
        raise ValueError(f"--reload-at {text!r}: {when!r} is not a time HH:MM[:SS]") from None
    return Scheduled(h * 3600 + m * 60 + s, path.strip())

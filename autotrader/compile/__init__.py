"""Compile strategies: conditions to closures, rules to a per-symbol index."""

from autotrader.compile.plan import CompiledRule, Plan, compile_strategy

__all__ = ["CompiledRule", "Plan", "compile_strategy"]

"""Load and validate strategy files (YAML) with file:line:column errors."""

from autotrader.rules.loader import LoadedStrategy, load_strategy, load_strategy_text
from autotrader.rules.schema import StrategySpec

__all__ = ["LoadedStrategy", "StrategySpec", "load_strategy", "load_strategy_text"]

"""The engine: event evaluation over per-symbol state, orders through risk and journal."""

from autotrader.engine.engine import Engine
from autotrader.engine.state import MarketState, SymbolState

__all__ = ["Engine", "MarketState", "SymbolState"]

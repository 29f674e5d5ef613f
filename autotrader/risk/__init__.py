"""Pre-trade risk checks and the guard that runs them (fail closed)."""

from autotrader.risk.book import RiskBook, TradingLevel
from autotrader.risk.checks import CheckInput, RiskLimits
from autotrader.risk.guard import CheckResult, RiskGuard, Verdict

__all__ = [
    "CheckInput",
    "CheckResult",
    "RiskBook",
    "RiskGuard",
    "RiskLimits",
    "TradingLevel",
    "Verdict",
]

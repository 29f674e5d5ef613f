"""What a sweep row says about a run: net P&L after fees and tax, trades, win rate, max
drawdown and Sharpe.

- **net P&L**: equity at the end less equity at the start (cash plus held shares at
  their last trade, less the commission and tax of selling them), KRW;
- **trades**: round trips per symbol, from a flat position back to flat; a trade's P&L
  is everything realized in between, buy commission and sell tax included; a position
  still open at the end is not a trade (its mark is in the net P&L);
- **win rate**: the share of trades with a positive P&L;
- **max drawdown**: the largest fall of equity from a running peak, over the start and
  every day's end (KRW, positive);
- **Sharpe**: mean over standard deviation of daily equity returns, times sqrt(252);
  empty with fewer than two days.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

METRICS = ("net_pnl", "trades", "win_rate", "max_drawdown", "sharpe")
LOWER_IS_BETTER = frozenset({"max_drawdown"})


def round_trips(fills: Iterable[Mapping[str, Any]]) -> list[int]:
    """Each closed round trip's P&L (KRW, after fees and tax), in time order."""
    qty: dict[str, int] = {}
    avg: dict[str, int] = {}
    pnl: dict[str, int] = {}
    out: list[int] = []
    for f in fills:
        s, n, price = str(f["symbol"]), int(f["qty"]), int(f["price"])
        fees = int(f["commission"]) + int(f["tax"])
        held = qty.get(s, 0)
        if f["side"] == "buy":
            total = avg.get(s, 0) * held + price * n
            qty[s] = held + n
            avg[s] = total // qty[s]
            pnl[s] = pnl.get(s, 0) - fees
            continue
        matched = min(n, held)
        pnl[s] = pnl.get(s, 0) + (price - avg.get(s, 0)) * matched - fees
        qty[s] = held - matched
        if qty[s] == 0 and held > 0:
            out.append(pnl.pop(s))
            avg[s] = 0
    return out


def max_drawdown(curve: Sequence[int]) -> int:
    peak, worst = -math.inf, 0.0
    for value in curve:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    return int(worst)


def sharpe(curve: Sequence[int]) -> float | None:
    returns = [b / a - 1 for a, b in zip(curve, curve[1:], strict=False) if a > 0]
    if len(returns) < 2:
        return None
    sd = statistics.stdev(returns)
    return statistics.fmean(returns) / sd * math.sqrt(252) if sd > 0 else None


def run_metrics(
    start: int, day_ends: Sequence[int], fills: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    trips = round_trips(fills)
    curve = [start, *day_ends]
    ratio = sharpe(curve)
    return {
        "net_pnl": (day_ends[-1] if day_ends else start) - start,
        "trades": len(trips),
        "win_rate": round(sum(1 for t in trips if t > 0) / len(trips), 4) if trips else None,
        "max_drawdown": max_drawdown(curve),
        "sharpe": round(ratio, 4) if ratio is not None else None,
        "fills": len(fills),
    }

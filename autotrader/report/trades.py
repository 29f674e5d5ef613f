"""Fills replayed into positions: realized P&L, round trips and the marked equity curve.

The accounting is the engine's (average cost, commission and tax charged on the fill
that pays them, integer KRW). A round trip runs from a flat position to flat again; its
P&L is every realized change in between, fees of the entry included, and it belongs to
the rule whose order opened it. Equity is realized P&L plus open positions marked to
the last known price (a mark row, or a fill), recomputed after every fill and mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Trip:
    symbol: str
    rule: str  # the rule whose order opened the position
    opened: float
    closed: float | None = None
    exit_rule: str = ""
    pnl: int = 0
    qty: int = 0  # shares bought over the trip

    def as_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "rule": self.rule,
            "exit_rule": self.exit_rule,
            "opened": self.opened,
            "closed": self.closed,
            "qty": self.qty,
            "pnl": self.pnl,
        }


@dataclass
class Position:
    qty: int = 0
    avg: int = 0
    realized: int = 0  # after commission and tax
    last: int = 0  # last known price
    trip: Trip | None = None
    max_value: int = 0  # the largest this position was, at its marks


@dataclass
class Point:
    ts: float
    equity: int
    drawdown: int  # below the running peak (>= 0)
    exposure: int  # gross value of open positions at their marks


@dataclass
class Ledger:
    """One run's positions, closed trips and equity points."""

    positions: dict[str, Position] = field(default_factory=dict)
    trips: list[Trip] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    peak: int = 0

    @property
    def realized(self) -> int:
        return sum(p.realized for p in self.positions.values())

    def equity(self) -> int:
        return sum(p.realized + (p.last - p.avg) * p.qty for p in self.positions.values())

    def exposure(self) -> int:
        return sum(p.qty * p.last for p in self.positions.values())

    def fill(self, f: dict[str, Any], rule: str) -> None:
        p = self.positions.setdefault(f["symbol"], Position())
        qty, price = int(f["qty"]), int(f["price"])
        fees = int(f["commission"]) + int(f["tax"])
        before = p.realized
        if f["side"] == "buy":
            if p.qty == 0:
                p.trip = Trip(f["symbol"], rule, float(f["ts"]))
            total = p.avg * p.qty + price * qty
            p.qty += qty
            p.avg = total // p.qty
            p.realized -= fees
            if p.trip is not None:
                p.trip.qty += qty
        else:
            matched = min(qty, p.qty)
            p.realized += (price - p.avg) * matched - fees
            p.qty -= matched
            if p.qty == 0:
                p.avg = 0
        p.last = price
        if p.trip is not None:
            p.trip.pnl += p.realized - before
            if p.qty == 0:
                p.trip.closed, p.trip.exit_rule = float(f["ts"]), rule
                self.trips.append(p.trip)
                p.trip = None
        self._point(float(f["ts"]))

    def mark(self, ts: float, prices: dict[str, int]) -> None:
        for symbol, price in prices.items():
            self.positions.setdefault(symbol, Position()).last = price
        self._point(ts)

    def _point(self, ts: float) -> None:
        for p in self.positions.values():
            if p.qty and p.qty * p.last > p.max_value:
                p.max_value = p.qty * p.last
        eq = self.equity()
        self.peak = max(self.peak, eq)
        self.points.append(Point(ts, eq, self.peak - eq, self.exposure()))

    def open_trips(self) -> list[Trip]:
        return [p.trip for p in self.positions.values() if p.trip is not None]


def replay_fills(
    fills: list[dict[str, Any]],
    marks: list[tuple[float, dict[str, int]]],
    rule_of: dict[int, str],
) -> Ledger:
    """Fills and marks merged in time order (a fill before a mark of the same time)."""
    events = [(float(f["ts"]), 0, i) for i, f in enumerate(fills)]
    events += [(ts, 1, i) for i, (ts, _) in enumerate(marks)]
    events.sort()
    ledger = Ledger()
    for _, kind, i in events:
        if kind == 0:
            f = fills[i]
            ledger.fill(f, rule_of.get(int(f["order_id"] or 0), ""))
        else:
            ledger.mark(*marks[i])
    return ledger


def trip_stats(pnls: list[int]) -> dict[str, Any]:
    """Round-trip figures; averages in whole won, ratios to 4 places."""
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    n = len(pnls)
    return {
        "round_trips": n,
        "wins": len(wins),
        "losses": len(losses),
        "win_rate": round(len(wins) / n, 4) if n else None,
        "avg_win": round(sum(wins) / len(wins)) if wins else None,
        "avg_loss": round(sum(losses) / len(losses)) if losses else None,
        "profit_factor": round(sum(wins) / -sum(losses), 4) if losses else None,
        "expectancy": round(sum(pnls) / n) if n else None,
        "net": sum(pnls),
    }

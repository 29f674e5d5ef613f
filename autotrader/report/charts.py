"""Chart geometry for the HTML report: numbers in, SVG coordinates out.

The template draws the SVG; this module only maps (run, time, value) to pixels, so no
markup is built from strings here and everything the template prints is escaped. Runs
are laid side by side on the x axis in run order (a replayed day twice is two days).
Long series are thinned to the first, lowest, highest and last point of each pixel
column, which keeps every peak and trough a reader could see.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autotrader.clock import to_seoul

WIDTH = 960
LEFT, RIGHT, TOP = 72, 12, 10


@dataclass
class Axis:
    """Run-aware time axis: x for (run, ts)."""

    spans: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # run -> lo, hi, x0
    total: float = 1.0

    @classmethod
    def of(cls, times: Iterable[tuple[int, float]]) -> Axis:
        lo_hi: dict[int, list[float]] = {}
        for run, ts in times:
            r = lo_hi.setdefault(run, [ts, ts])
            r[0], r[1] = min(r[0], ts), max(r[1], ts)
        axis, x0 = cls(), 0.0
        for run in sorted(lo_hi):
            lo, hi = lo_hi[run]
            axis.spans[run] = (lo, hi, x0)
            x0 += max(hi - lo, 1.0)
        axis.total = max(x0, 1.0)
        return axis

    def x(self, run: int, ts: float) -> float:
        lo, _, x0 = self.spans.get(run, (ts, ts, 0.0))
        return round(LEFT + (x0 + ts - lo) / self.total * (WIDTH - LEFT - RIGHT), 1)

    def ticks(self) -> list[dict[str, Any]]:
        """Hour marks (and run starts) for the x axis."""
        out = []
        for run, (lo, hi, _) in self.spans.items():
            t = to_seoul(lo)
            out.append({"x": self.x(run, lo), "label": t.strftime("%m-%d %H:%M"), "major": True})
            hour = lo - (t.minute * 60 + t.second + t.microsecond / 1e6) + 3600
            while hour < hi:
                out.append({"x": self.x(run, hour), "label": to_seoul(hour).strftime("%H:%M"),
                            "major": False})  # fmt: skip
                hour += 3600
        return out


@dataclass
class Scale:
    lo: float
    hi: float
    top: float
    height: float

    def y(self, v: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return round(self.top + (self.hi - v) / span * self.height, 1)

    def ticks(self, n: int = 4) -> list[dict[str, Any]]:
        """Round values (1, 2 or 5 times a power of ten) inside the scale."""
        step = nice_step((self.hi - self.lo) / n)
        v = math.ceil(self.lo / step) * step
        out = []
        while v <= self.hi:
            out.append({"y": self.y(v), "label": f"{round(v):,}"})
            v += step
        return out


def nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next((m * power for m in (1, 2, 5, 10) if m * power >= raw), 10 * power)


def scale(values: Sequence[float], top: float, height: float, zero: bool = False) -> Scale:
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.05 or max(abs(hi) * 0.01, 1.0)
    return Scale(lo - pad, hi + pad, top, height)


def thin(points: list[tuple[float, float]], width: int = WIDTH) -> list[tuple[float, float]]:
    """At most four points per pixel column: first, min, max, last (in x order)."""
    if len(points) <= 2 * width:
        return points
    out: list[tuple[float, float]] = []
    col: list[tuple[float, float]] = []
    for p in points:
        if col and int(p[0]) != int(col[0][0]):
            out.extend(_keep(col))
            col = []
        col.append(p)
    out.extend(_keep(col))
    return out


def _keep(col: list[tuple[float, float]]) -> list[tuple[float, float]]:
    chosen = {0, len(col) - 1, min(range(len(col)), key=lambda i: col[i][1]),
              max(range(len(col)), key=lambda i: col[i][1])}  # fmt: skip
    return [col[i] for i in sorted(chosen)]


def polyline(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in thin(points))


def equity_chart(data: dict[str, Any], axis: Axis) -> dict[str, Any]:
    """Equity on top (with its zero line), drawdown below as a filled area."""
    eq = data["equity"]
    top = scale([p["equity"] for p in eq], TOP, 200, zero=True)
    dd = scale([-p["drawdown"] for p in eq], 240, 90, zero=True)
    pts = [(axis.x(p["run_id"], p["ts"]), top.y(p["equity"])) for p in eq]
    dpts = [(axis.x(p["run_id"], p["ts"]), dd.y(-p["drawdown"])) for p in eq]
    area = ""
    if dpts:
        area = f"{dpts[0][0]},{dd.y(0)} {polyline(dpts)} {dpts[-1][0]},{dd.y(0)}"
    return {
        "height": 360,
        "equity": polyline(pts),
        "drawdown": area,
        "zero": top.y(0),
        "dd_zero": dd.y(0),
        "yticks": top.ticks(),
        "ddticks": dd.ticks(2),
        "xticks": axis.ticks(),
        "axis_y": 340,
    }


MARKER_SHAPES = {"entry": "up", "exit": "down", "rejected": "cross"}


def price_charts(data: dict[str, Any], axis: Axis) -> list[dict[str, Any]]:
    """One chart per symbol that traded or was refused: its price line and markers."""
    charts = []
    marked = {m["symbol"] for m in data["markers"]}
    for sym, series in data["prices"].items():
        if sym not in marked:
            continue
        marks = [m for m in data["markers"] if m["symbol"] == sym]
        sc = scale([p[2] for p in series] + [m["price"] for m in marks], TOP, 160)
        pts = [(axis.x(run, ts), sc.y(price)) for run, ts, price in series]
        charts.append(
            {
                "symbol": sym,
                "height": 210,
                "line": polyline(pts),
                "yticks": sc.ticks(3),
                "xticks": axis.ticks(),
                "axis_y": 190,
                "markers": [
                    {
                        "x": axis.x(m["run_id"], m["ts"]),
                        "y": sc.y(m["price"]),
                        "kind": m["kind"],
                        "title": f"{m['kind']} {m['rule']} {m['qty'] or ''} @ {m['price']:,} "
                        f"{to_seoul(m['ts']).strftime('%H:%M:%S')}",
                    }
                    for m in marks
                ],
            }
        )
    return charts


def rejection_timeline(data: dict[str, Any], axis: Axis) -> dict[str, Any]:
    """One lane per rule; a dot per rejected order, coloured by its first failing check."""
    rules = sorted({r["rule"] for r in data["rejections"]})
    checks = sorted({r["checks"][0] for r in data["rejections"]})
    lane = {rule: i for i, rule in enumerate(rules)}
    return {
        "height": 30 + 24 * len(rules) + 20,
        "lanes": [{"rule": r, "y": 24 + 24 * i} for i, r in enumerate(rules)],
        "checks": [{"name": c, "index": i % 6} for i, c in enumerate(checks)],
        "dots": [
            {
                "x": axis.x(r["run_id"], r["ts"]),
                "y": 24 + 24 * lane[r["rule"]],
                "index": checks.index(r["checks"][0]) % 6,
                "title": f"{r['symbol']} {r['side']} {to_seoul(r['ts']).strftime('%H:%M:%S')}: "
                f"{r['reason']}",
            }
            for r in data["rejections"]
        ],
        "xticks": axis.ticks(),
        "axis_y": 30 + 24 * len(rules),
    }


def all_times(data: dict[str, Any]) -> list[tuple[int, float]]:
    times = [(p["run_id"], p["ts"]) for p in data["equity"]]
    times += [(m["run_id"], m["ts"]) for m in data["markers"]]
    times += [(r["run_id"], r["ts"]) for r in data["rejections"]]
    for series in data["prices"].values():
        times += [(run, ts) for run, ts, _ in series]
    return times

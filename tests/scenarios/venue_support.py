"""Scenario helpers for the paper venue: a synthetic day through the engine, and the
tape's own prints to compute what the venue must have done."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from autotrader.clock import day_start
from autotrader.config import AppConfig
from autotrader.feed.synth import SynthConfig, generate_frames
from autotrader.risk import RiskLimits
from autotrader.rules import load_strategy_text
from tests.harness import Harness


class Tape(NamedTuple):
    """One ``0B`` print as the tape carries it."""

    ts: float
    price: int
    size: int
    ask: int
    bid: int


@dataclass
class Day:
    harness: Harness
    frames: list[dict[str, Any]]
    day0: float

    def prints(self, item: str) -> list[Tape]:
        out = []
        for f in self.frames:
            for e in f["data"]:
                if e["type"] == "0B" and e["item"] == item:
                    v = e["values"]
                    out.append(Tape(self.at(v["20"]), abs(int(v["10"])), abs(int(v["15"])),
                                    abs(int(v["27"])), abs(int(v["28"]))))  # fmt: skip
        return out

    def vi(self, item: str) -> list[tuple[bool, float]]:
        """(released, time) of each 1h of the item."""
        out = []
        for f in self.frames:
            for e in f["data"]:
                if e["type"] == "1h" and e["item"] == item:
                    v = e["values"]
                    released = v["1224"] != "000000"
                    out.append((released, self.at(v["1224"] if released else v["1223"])))
        return out

    def at(self, hms: str) -> float:
        return self.day0 + int(hms[:2]) * 3600 + int(hms[2:4]) * 60 + int(hms[4:6])

    def fills(self, rule: str) -> list[tuple[float, int, int]]:
        """(time, qty, price) of the rule's fills."""
        return [(ts, qty, price) for ts, qty, price in self.harness.rows(
            "SELECT f.ts, f.qty, f.price FROM fills f JOIN orders o ON o.id = f.order_id "
            "WHERE o.rule = ? ORDER BY f.id", rule)]  # fmt: skip

    def orders(self, rule: str) -> list[tuple[Any, ...]]:
        """(created_at, state, order_type, price, qty, filled_qty, reason) of its orders."""
        return self.harness.rows(
            "SELECT created_at, state, order_type, price, qty, filled_qty, reason FROM orders "
            "WHERE rule = ? ORDER BY id",
            rule,
        )


def run_day(strategy: str, cfg: SynthConfig, tmp: Path, limits: RiskLimits | None = None) -> Day:
    """Replay the synthetic day ``cfg`` through an engine with the paper broker; the risk
    limits come from the strategy's own ``risk:`` (over the default [risk] table) unless
    given."""
    if limits is None:
        limits = AppConfig().limits_for(load_strategy_text(strategy, "s.yaml").spec.risk)
    h = Harness(strategy, tmp, limits=limits)
    # Whole-second frames: the fill rules are stated against the tape's exchange times
    # (the millisecond receive clock has its own scenarios, test_trust_clock.py).
    frames = [orjson.loads(f) for f in generate_frames(replace(cfg, receive_times=False))]
    h.feed(frames)
    date = datetime.datetime.strptime(cfg.date, "%Y%m%d").date()  # noqa: DTZ007 - a date
    return Day(h, frames, day_start(date))

"""``run_drill``: every selected profile on the same day, a few at a time, with progress.

Profiles run concurrently on one event loop (``jobs`` at a time): each has its own fake
Kiwoom on its own ports, its own journal and its own clock, and most of a profile's time
is spent waiting (a stall to be noticed, a reconciliation delay, a child to start).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from autotrader.compile import compile_strategy
from autotrader.config import AppConfig
from autotrader.drill.crash import run_crash_profile
from autotrader.drill.profiles import Profile
from autotrader.drill.result import ProfileResult
from autotrader.drill.session import run_profile
from autotrader.drill.tape import DEFAULT_TAPE, first_prices, load_day
from autotrader.errors import TapeError
from autotrader.rules import load_strategy


@dataclass
class DrillReport:
    strategy: str
    path: str
    tape: str
    frames: int
    results: list[ProfileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)


async def run_drill(
    strategy: Path,
    profiles: list[Profile],
    out: Path,
    *,
    tape: Path | None = None,
    max_frames: int = 1500,
    jobs: int = 4,
    config: AppConfig | None = None,
    hold: dict[str, int] | None = None,
    on_done: Callable[[ProfileResult], None] | None = None,
) -> DrillReport:
    """Rehearse ``strategy`` under each of ``profiles``; journals under ``out/<profile>``.
    ``hold``: shares the account holds at start (bought at the day's first price)."""
    cfg = config or AppConfig()
    loaded = load_strategy(strategy)
    plan = compile_strategy(loaded)
    day = load_day(tape or DEFAULT_TAPE, set(plan.strategy.symbols), max_frames)
    limits, fees = cfg.limits_for(loaded.spec.risk), cfg.fee_model()
    prices = first_prices(day)
    missing = sorted(set(hold or {}) - set(prices))
    if missing:
        raise TapeError(f"--hold {', '.join(missing)}: no trade of it on the day")
    holdings = {s: (q, prices[s]) for s, q in (hold or {}).items() if q > 0}
    gate = asyncio.Semaphore(max(1, jobs))
    loop = asyncio.get_running_loop()
    t0 = loop.time()

    async def one(profile: Profile) -> ProfileResult:
        async with gate:
            folder = out / profile.name
            if profile.crash:
                result = await run_crash_profile(profile, strategy, day, folder, holdings)
            else:
                result = await run_profile(
                    profile, plan, day, folder, limits=limits, fees=fees, holdings=holdings
                )
        if on_done is not None:
            on_done(result)
        return result

    # The runners log every fault they meet; the table tells the story instead.
    quiet = logging.getLogger("autotrader")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        results = await asyncio.gather(*(one(p) for p in profiles))
    finally:
        quiet.setLevel(level)
    return DrillReport(
        plan.strategy.strategy, str(strategy), str(tape or DEFAULT_TAPE), len(day),
        list(results), round(loop.time() - t0, 2),
    )  # fmt: skip

"""Where a frame's time goes on the tick path: each part switched off in turn.

    python bench/breakdown.py [--ticks 200000] [--symbols 300] [--rules 100] [--repeat 3]

Replays ``bench/engine.py``'s day with ``--never-fire`` rules (every condition evaluated,
none true: no order) and, alternating with it, the same replay with one part of the
path replaced by a no-op: the field checks (``SymbolChecks`` finds no field to check),
the clock (``Engine.set_time``), the rules (``Engine.on_trade``), then all three. The
differences of the best times, per frame, are what each part costs; what is left when
all three are off, less the bare loop (decode, symbol, store), is the rest of the feed
path: the line loop, the receive time, the day's price band and the state's update.
Alongside: ``orjson.loads`` (the decode floor ``engine_vs_decode`` divides by), msgspec's
decode alone, and the bare loop. A no-op clock or rule is not a correct engine: these
runs only measure, their journals are thrown away.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import bare_loop, day_frames, day_options, make_strategy, run_engine  # noqa: E402

from autotrader.clock import day_start  # noqa: E402
from autotrader.engine.engine import Engine  # noqa: E402
from autotrader.feed import lines as lines_mod  # noqa: E402
from autotrader.feed.fastline import NotFast, decode_line  # noqa: E402
from autotrader.feed.validate import SymbolChecks, TickChecks  # noqa: E402


def _no_checks(self: SymbolChecks, item: str) -> TickChecks:
    return TickChecks()  # no field: both loops skip the checks


def _nothing(self: Any, arg: Any) -> None:
    return None


SWITCHES: dict[str, list[tuple[type, str, Callable[..., None]]]] = {
    "checks": [(SymbolChecks, "of", _no_checks)],
    "clock": [(Engine, "set_time", _nothing)],
    "rules": [(Engine, "on_trade", _nothing)],
}
SWITCHES["all three"] = [s for part in ("checks", "clock", "rules") for s in SWITCHES[part]]


@contextmanager
def switched_off(part: str) -> Iterator[None]:
    saved = [(cls, name, cls.__dict__[name]) for cls, name, _ in SWITCHES.get(part, [])]
    for cls, name, stub in SWITCHES.get(part, []):
        setattr(cls, name, stub)
    try:
        yield
    finally:
        for cls, name, original in saved:
            setattr(cls, name, original)


def timed(loop: Callable[[], object]) -> float:
    gc.collect()
    t = time.perf_counter()
    loop()
    return time.perf_counter() - t


def orjson_decode(lines: list[bytes]) -> None:
    loads = orjson.loads
    for line in lines:
        loads(line)


def msgspec_decode(lines: list[bytes]) -> None:
    for line in lines:
        try:  # noqa: SIM105 (a context manager per line would be timed too)
            decode_line(line)
        except NotFast:
            pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    day_options(ap)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        header, lines = day_frames(tmp, args)
        day = day_start(header.date)
        strategy = make_strategy(list(header.symbols), args.rules, never_fire=True)
        loops: dict[str, Callable[[], object]] = {
            "orjson.loads (the decode floor)": lambda: orjson_decode(lines),
            "msgspec decode of the engine's fields": lambda: msgspec_decode(lines),
            "bare loop (decode, symbol, store)": lambda: bare_loop(lines, header.symbols),
        }
        best = dict.fromkeys([*loops, "engine", *SWITCHES], float("inf"))
        for i in range(args.repeat):  # alternating: every loop sees the same load
            for name, loop in loops.items():
                best[name] = min(best[name], timed(loop))
            for part in ("engine", *SWITCHES):
                with switched_off(part):
                    _, seconds = run_engine(strategy, lines, day, Path(tmp) / f"{part}{i}.db")
                best[part] = min(best[part], seconds)
    us = {name: seconds / len(lines) * 1e6 for name, seconds in best.items()}
    loop = "compiled" if lines_mod.SPEEDUPS is not None else "pure Python"
    print(
        f"{len(lines):,} frames, {args.symbols} symbols, {args.rules} rules (none firing), "
        f"line loop: {loop}"
    )
    for name in loops:
        print(f"  {name:<40} {us[name]:6.2f} us a frame")
    print(f"  {'engine, whole tick path':<40} {us['engine']:6.2f} us a frame")
    for part in ("checks", "clock", "rules"):
        print(f"    {part:<38} {us['engine'] - us[part]:6.2f} us")
    rest = us["all three"] - us["bare loop (decode, symbol, store)"]
    print(f"    {'rest of the feed path':<38} {rest:6.2f} us")
    floor = us["orjson.loads (the decode floor)"]
    print(f"engine_vs_decode={floor / us['engine']:.3f}")


if __name__ == "__main__":
    main()

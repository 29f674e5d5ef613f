"""The points of a sweep: ``--param name=v1,v2,...`` (or ``name=start:stop:step``) for
each parameter; every combination, or ``samples`` of them drawn without replacement."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from autotrader.errors import AutotraderError
from autotrader.rules.document import resolve
from autotrader.rules.params import NAME_RE, ParamValue

MAX_POINTS = 100_000


def _range(text: str) -> list[ParamValue] | None:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        return None  # not start:stop:step of integers (09:30 is a time, not a range)
    start, stop, step = (int(p) for p in parts)
    if step <= 0 or stop < start:
        raise AutotraderError(f"range {text!r}: needs start <= stop and a positive step")
    return list(range(start, stop + 1, step))


def parse_param_options(options: Sequence[str]) -> dict[str, list[ParamValue]]:
    """``["size=10,20", "wait=5m,10m", "n=10:30:10"]`` -> ``{"size": [10, 20], ...}``."""
    grid: dict[str, list[ParamValue]] = {}
    for option in options:
        name, sep, values = option.partition("=")
        name = name.strip()
        if not sep or not NAME_RE.fullmatch(name):
            raise AutotraderError(
                f"--param {option!r}: write NAME=v1,v2,... or NAME=start:stop:step"
            )
        if name in grid:
            raise AutotraderError(f"--param {name} is given twice")
        ranged = _range(values.strip())
        items = (
            ranged
            if ranged is not None
            else [resolve(v.strip()) for v in values.split(",") if v.strip()]
        )
        if not items or any(v is None or isinstance(v, bool) for v in items):
            raise AutotraderError(f"--param {option!r}: values must be numbers or literals")
        grid[name] = list(dict.fromkeys(items))
    return grid


def points(
    grid: dict[str, list[ParamValue]], samples: int | None = None, seed: int = 0
) -> list[dict[str, ParamValue]]:
    """Every combination in grid order, or ``samples`` of them (seeded, no repeats)."""
    names = list(grid)
    size = 1
    for values in grid.values():
        size *= len(values)
    if size > MAX_POINTS and samples is None:
        raise AutotraderError(f"the grid has {size:,} points: use --samples N")
    combos = itertools.product(*(grid[n] for n in names))
    if samples is None or samples >= size:
        return [dict(zip(names, c, strict=True)) for c in combos]
    chosen = sorted(random.Random(seed).sample(range(size), samples))
    out: list[dict[str, ParamValue]] = []
    for index in chosen:
        combo: list[ParamValue] = []
        for n in reversed(names):  # index -> one value per parameter, last varies fastest
            index, k = divmod(index, len(grid[n]))
            combo.append(grid[n][k])
        out.append(dict(zip(names, reversed(combo), strict=True)))
    return out

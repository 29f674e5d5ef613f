"""What a hostile strategy file costs the loader: time and peak memory per class.

    python bench/hostile.py

Each case is loaded once for time (no tracing) and once under tracemalloc for the peak
of Python allocations; both figures are printed, nothing is asserted (tests/rules/
test_bounds.py checks the errors). A normal 1,000-rule strategy is the reference.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.errors import StrategyErrors  # noqa: E402
from autotrader.rules import load_strategy_text  # noqa: E402

BASE = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    do: [{buy: {qty: 1}}]\n'
RULE = (
    "  - name: r{i}\n    when: price > sma(20) and change_rate <= -2% and position.qty == 0\n"
    "    do: [{{buy: {{amount: 1000000, type: limit, price: bid - 1 tick}}}}]\n"
)
LAUGHS = "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
    for p, n in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)
CASES = {
    "reference: 1,000 ordinary rules": 'strategy: t\nsymbols: ["005930"]\nrules:\n'
    + "".join(RULE.format(i=i) for i in range(1000)),
    "256 KiB of rules (over the rule limit)": (
        'strategy: t\nsymbols: ["005930"]\nrules:\n'
        + "".join(RULE.format(i=i) for i in range(7000))
    )[:262_000],
    "billion laughs (9 levels)": LAUGHS + BASE,
    "250,000 nested brackets (ruamel path)": "x: &a 1\ny: " + "[" * 125_000 + "]" * 125_000,
    "200,000 nested braces (fast path)": "y: " + "{a: " * 50_000 + "1" + "}" * 50_000,
    "25,000 keys in one mapping": "x: {" + ",".join(f"k{i}: 1" for i in range(25_000)) + "}\n",
    "5000-digit number": BASE.replace("qty: 1", "qty: " + "9" * 5000),
    "25,000 bad symbols": "strategy: t\nsymbols: [" + ",".join(["'00593X'"] * 25_000) + "]\n",
}


def load(text: str) -> str:
    try:
        load_strategy_text(text, "bench.yaml")
        return "loaded"
    except StrategyErrors as exc:
        return str(exc.errors[0])[:70]


def main() -> None:
    print(f"{'case':42} {'bytes':>10} {'seconds':>8} {'peak MB':>8}  outcome")
    for name, text in CASES.items():
        started = time.perf_counter()
        outcome = load(text)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        load(text)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name:42} {len(text):>10,} {seconds:>8.3f} {peak / 1e6:>8.1f}  {outcome}")


if __name__ == "__main__":
    main()

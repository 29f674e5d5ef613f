"""Strategy-language costs: loading and compiling many rules, and conditions per tick.

    python bench/compile.py [--rules 1000] [--symbols 200] [--ticks 200000]

1. Load (YAML with positions, schema, expression checks) and compile (per-symbol fused
   evaluators) a strategy of ``--rules`` rules mixing every trigger kind.
2. Evaluate conditions per tick: one symbol's fused evaluator over pre-built ticks, for a
   plain rule set and for one reading rolling values (sma, vwap, window high...), and the
   per-rule compiled condition alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autotrader.compile import compile_strategy  # noqa: E402
from autotrader.engine.rolling import Rolling  # noqa: E402
from autotrader.engine.state import MarketState, SymbolState  # noqa: E402
from autotrader.rules import load_strategy_text  # noqa: E402

CONDITIONS = (
    "change_rate < -{a}% and position.qty == 0 and open_orders == 0 and time < 15:00",
    "price > sma(20) and price > vwap and strength > 100 and position.qty == 0",
    "position.qty > 0 and (position.pnl_pct <= -{a}% or price < low_of(5m))",
    "time between 09:15 and 11:00 and price > range_high(09:00, 09:15) and not vi.active",
    "volume_sum(1m) > 10_000 and change(30s) >= {a}% and spread <= 2 * 100",
)
TRIGGERS = (
    "tick",
    "tick",
    "tick",
    "vi",
    "{session: open}",
    "{order: filled}",
    "{at: '15:15'}",
    "{cron: '*/5 9-15 * * *'}",
    "{every: 1m}",
    "start",
    "stop",
)
ACTIONS = (
    "{buy: {amount: 1_000_000, type: limit, price: bid - 1 tick}}",
    "{sell: {qty: all, type: market}}",
    "{cancel: {which: oldest}}",
    "{modify: {price: ask + 1 tick}}",
)


def make_strategy(n_rules: int, symbols: list[str]) -> str:
    quoted = ", ".join(f'"{s}"' for s in symbols)
    lines = ["strategy: bench", f"symbols: [{quoted}]", "rules:"]
    for i in range(n_rules):
        chunk = [symbols[(i * 7 + k) % len(symbols)] for k in range(5)]
        lines += [
            f"  - name: r{i}",
            f"    on: {TRIGGERS[i % len(TRIGGERS)]}",
            f"    symbols: [{', '.join(repr(s) for s in chunk)}]",
            f"    when: {CONDITIONS[i % len(CONDITIONS)].format(a=0.5 + (i % 4) * 0.25)}",
            "    cooldown: 1m",
            f"    do: [{ACTIONS[i % len(ACTIONS)]}]",
        ]
    return "\n".join(lines) + "\n"


def bench_load(n_rules: int, n_symbols: int, repeat: int) -> None:
    symbols = [f"{i:06d}" for i in range(1, n_symbols + 1)]
    text = make_strategy(n_rules, symbols)
    best_load = best_compile = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        loaded = load_strategy_text(text, "bench.yaml")
        t1 = time.perf_counter()
        plan = compile_strategy(loaded)
        t2 = time.perf_counter()
        best_load, best_compile = min(best_load, t1 - t), min(best_compile, t2 - t1)
    print(
        f"load {n_rules:,} rules ({len(text) / 1e3:.0f} kB): {best_load * 1e3:.0f} ms "
        f"({best_load / n_rules * 1e6:.0f} us/rule); compile: {best_compile * 1e3:.0f} ms "
        f"({len(plan.evaluators)} fused evaluators, {len(plan.rolling)} rolling values)"
    )


def tick_states(n: int) -> list[tuple[int, dict[str, str]]]:
    out = []
    for i in range(n):
        price = 70_000 + ((i * 37) % 41 - 20) * 100
        out.append(
            (
                price,
                {
                    "10": f"+{price}",
                    "27": f"+{price + 100}",
                    "28": f"+{price}",
                    "15": f"{(i % 7 - 3) * 10 or 5:+d}",
                    "12": f"{(i % 9 - 4) / 2:+.2f}",
                    "228": "101.5",
                    "16": "70000",
                    "17": "72000",
                    "18": "68000",
                },
            )
        )
    return out


def bench_ticks(n_ticks: int, n_rules: int, rolling: bool) -> None:
    conds = CONDITIONS if rolling else (CONDITIONS[0],)
    lines = ["strategy: bench", 'symbols: ["005930"]', "rules:"]
    for i in range(n_rules):
        lines += [
            f"  - name: r{i}",
            f"    when: {conds[i % len(conds)].format(a=1 + i % 3)}",
            "    do: [{buy: {qty: 1}}]",
        ]
    plan = compile_strategy(load_strategy_text("\n".join(lines) + "\n"))
    market = MarketState()
    st = SymbolState("005930", market)
    keys = {k: plan.rolling[k] for k in plan.rolling_by_symbol.get("005930", ())}
    if keys:
        st.rolling = Rolling(len(plan.rolling), keys)
        st.roll = st.rolling.values
    evaluate = plan.evaluators["005930"]
    cds = [0.0] * n_rules
    fired = [0]

    def fire(i: int) -> None:
        fired[0] += 1

    ticks = tick_states(n_ticks)
    t0 = 1_795_132_800.0
    t = time.perf_counter()
    for k, (price, values) in enumerate(ticks):
        st.price, st.values, st.ts = price, values, t0 + k * 0.1
        market.now, market.sod = st.ts, 32_400 + k // 10
        evaluate(st, st.ts, cds, fire)
    elapsed = time.perf_counter() - t
    kind = "with rolling values" if rolling else "plain"
    print(
        f"evaluate {n_rules} rules/tick ({kind}): {n_ticks / elapsed:,.0f} ticks/s, "
        f"{elapsed / n_ticks * 1e6:.2f} us/tick, {elapsed / n_ticks / n_rules * 1e9:.0f} ns/rule"
        f" ({fired[0]:,} fires)"
    )
    rule = plan.rules[0]
    st.values = ticks[0][1]
    t = time.perf_counter()
    for _ in range(n_ticks):
        rule.condition(st)
    per = (time.perf_counter() - t) / n_ticks
    print(f"  one rule's own compiled condition: {per * 1e9:.0f} ns/call")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=1_000)
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--ticks", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    bench_load(args.rules, args.symbols, args.repeat)
    bench_ticks(args.ticks, 10, rolling=False)
    bench_ticks(args.ticks, 10, rolling=True)


if __name__ == "__main__":
    main()

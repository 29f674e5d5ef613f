"""How long a hot reload holds the event loop: the pause between two events.

    python bench/reload.py [--rules 1000] [--symbols 200] [--repeat 5]

A strategy of ``--rules`` rules (bench/compile.py's mix: every trigger kind, rolling
values) runs in an engine that has seen a tick per symbol; then one rule's threshold is
edited and the file reloaded, ``--repeat`` times (alternating two versions). Printed, in
two parts: ``prepare`` (read, validate, compile), which a live run does in a worker
thread while events go on, and ``commit`` (journal the version, swap, carry the state
over), which runs between two events: how late the next event can be handled.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compile import make_strategy  # noqa: E402

from autotrader.broker.paper import PaperBroker  # noqa: E402
from autotrader.clock import day_start  # noqa: E402
from autotrader.compile import compile_strategy  # noqa: E402
from autotrader.engine import Engine  # noqa: E402
from autotrader.engine.reload import prepare  # noqa: E402
from autotrader.journal import Journal  # noqa: E402
from autotrader.rules import load_strategy  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--symbols", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    symbols = [f"{100000 + i:06d}" for i in range(args.symbols)]
    text = make_strategy(args.rules, symbols)
    edited = text.replace("change_rate < -", "change_rate < -0", 1)
    assert edited != text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(text, encoding="utf-8")
        journal = Journal(Path(tmp) / "journal.db")
        engine = Engine(compile_strategy(load_strategy(path)), PaperBroker(), journal)
        journal.start_run(strategy="bench", mode="bench", broker="paper")
        engine.reloads.record_start()
        engine.set_time(day_start(datetime.date(2026, 11, 20)) + 36_000)
        prepares, commits = [], []
        for i in range(args.repeat):
            body = edited if i % 2 == 0 else text
            path.write_text(body, encoding="utf-8")
            t0 = time.perf_counter()
            prepared = prepare(str(path), engine.plan.strategy)
            t1 = time.perf_counter()
            outcome = engine.reloads.commit(prepared)
            t2 = time.perf_counter()
            assert outcome.status == "applied", outcome.errors
            prepares.append(t1 - t0)
            commits.append(t2 - t1)
        journal.close()
    print(f"hot reload, {args.rules:,} rules on {args.symbols:,} symbols ({args.repeat} times):")
    for label, xs in (
        ("prepare: read, validate, compile, diff (live: a worker thread)", prepares),
        ("commit: journal the version, swap, carry state (the pause)", commits),
    ):
        print(f"  {label:<60} median {statistics.median(xs) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()

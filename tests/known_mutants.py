"""Check the four hand-made mutants of issues #14/#20 against the suite, in a scratch copy.

    python tests/known_mutants.py [--all]

Each mutant is written into a fresh copy of the committed tree (``git archive HEAD``, so
the worktree is never touched), then ``tests/test_known_mutants.py`` runs (and with
``--all`` the rest of the suite too). Every mutant must be KILLED by the first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = [
    (
        "a garbled kill-switch file ignored",
        "autotrader/engine/killswitch.py",
        'return Command(TradingLevel.HALTED, f"kill switch file says {word!r}")',
        "return None",
    ),
    (
        "reconciliation without side and quantity",
        "autotrader/broker/kiwoom/reconcile.py",
        "if c.symbol != order.symbol or c.side is not order.side or c.qty != order.qty:",
        "if c.symbol != order.symbol:",
    ),
    (
        "the paper limit comparison moved by one",
        "autotrader/market/matching.py",
        "        elif p == limit:\n            qty = self._queue(order, left)",
        "        elif p == limit + 1:\n            qty = self._queue(order, left)",
    ),
    (
        "the trading-hours end inclusive",
        "autotrader/risk/checks.py",
        "if not x.limits.trading_start <= sod < x.limits.trading_end:",
        "if not x.limits.trading_start <= sod <= x.limits.trading_end:",
    ),
]


def main() -> int:
    everything = "--all" in sys.argv
    failures = 0
    for name, path, original, mutant in MUTANTS:
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, capture_output=True)
            subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
            source = Path(tmp) / path
            text = source.read_text(encoding="utf-8")
            if text.count(original) != 1:
                print(f"{name}: the original line is gone from {path}; update this script")
                failures += 1
                continue
            source.write_text(text.replace(original, mutant), encoding="utf-8")
            scopes = [["tests/test_known_mutants.py"]]
            if everything:
                scopes.append(["tests", "--ignore=tests/test_known_mutants.py"])
            for scope in scopes:
                run = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *scope],
                    cwd=tmp,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "PYTHONPATH": tmp},
                )
                verdict = "KILLED" if run.returncode else "SURVIVED"
                last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
                print(f"{name} | {scope[0]}: {verdict} ({last})", flush=True)
                if scope[0].endswith("test_known_mutants.py") and not run.returncode:
                    failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

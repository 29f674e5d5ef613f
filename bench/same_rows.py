"""Journal rows of this tree against another revision's: every table, row by row.

    python bench/same_rows.py --against main [--ticks 200000] [--keep DIR]

A change meant to make the order path cheaper must leave every journal row as it was:
same tables, same values, same ids in the same order. This replays, in this tree and in
``REF`` (``git archive`` into a temporary folder, run with its own code), the same days:

- ``bench/engine.py``'s day (its strategy, account and loop: batched replay intents);
- that day fed frame by frame with every intent committed before its order (as live);
- that day with half of the frames ``0D`` books and the strategy's book rule;
- every strategy in ``rules/`` through ``autotrader run`` over the bundled sample day,
  and over a synthetic day of its own symbols (books for the order-book example, its
  condition played for the condition-search one).

The tapes are made once, by this tree, and replayed by both. Then each journal's tables
are compared (the runs row without its wall-clock and process columns). Prints one line
per case and table that differs, with the first differing row, and ``same_rows=yes`` or
``same_rows=no``; exits 1 when any differs.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample-day.jsonl.gz"
RUNS_WALL = {"started_at", "ended_at", "pid", "host", "stats_json", "interrupted_at"}
# Synthetic days per strategy (beyond the sample day): extra ``tape synth`` options.
SYNTH_EXTRA = {
    "order-book-imbalance": ["--order-book", "0.5"],
    "condition-surge": ["--condition", "4:surge:change_rate > 1.5"],
}


def make_tapes(tapes: Path, ticks: int) -> None:
    """The days both trees replay, written by this tree."""
    from autotrader.feed.synth import SynthConfig, write_tape

    tapes.mkdir(parents=True, exist_ok=True)
    write_tape(tapes / "bench.jsonl.gz", SynthConfig(seed=11, n_symbols=300, ticks=ticks),
               compresslevel=1)  # fmt: skip
    write_tape(
        tapes / "bench-books.jsonl.gz",
        SynthConfig(seed=11, n_symbols=300, ticks=ticks // 4, order_book_ratio=0.5),
        compresslevel=1,
    )
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        out = tapes / f"{path.stem}.jsonl.gz"
        cmd = [sys.executable, "-m", "autotrader", "tape", "synth", str(out),
               "--strategy", str(path), "--ticks", "30000", "--seed", "5"]  # fmt: skip
        cmd += SYNTH_EXTRA.get(path.stem, [])
        subprocess.run(cmd, check=True, capture_output=True, env=_env(ROOT))


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def run_cases(tree: Path, tapes: Path, out: Path) -> None:
    """Replay every case with ``tree``'s code (this process was started on its path)."""
    sys.path.insert(0, str(tree / "bench"))
    import gc

    import orjson
    from engine import make_strategy, new_engine, run_engine  # type: ignore[import-not-found]

    from autotrader.clock import day_start
    from autotrader.compile import compile_strategy
    from autotrader.engine.replay import make_decoder
    from autotrader.feed.tape import read_frames
    from autotrader.journal import Journal
    from autotrader.rules import load_strategy_text

    out.mkdir(parents=True, exist_ok=True)
    header, lines = read_frames(tapes / "bench.jsonl.gz")
    symbols, day = list(header.symbols), day_start(header.date)
    text = make_strategy(symbols, 100)
    run_engine(text, lines, day, out / "bench-batched.db")
    # as live: frame by frame, each intent committed before its order leaves
    plan = compile_strategy(load_strategy_text(text, "bench.yaml"))
    journal = Journal(out / "bench-live.db")
    journal.start_run(strategy="bench", mode="bench")
    engine = new_engine(plan, journal)
    engine.set_time(day)
    decoder = make_decoder(engine, day)
    for line in lines[: len(lines) // 3]:
        decoder.feed(orjson.loads(line))
    journal.close()
    gc.collect()
    header, lines = read_frames(tapes / "bench-books.jsonl.gz")
    text = make_strategy(list(header.symbols), 100, book=True)
    run_engine(text, lines, day_start(header.date), out / "bench-books.db")
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        for name, tape in (("sample", SAMPLE), ("own", tapes / f"{path.stem}.jsonl.gz")):
            db = out / f"{path.stem}-{name}.db"
            cmd = [sys.executable, "-m", "autotrader", "run", str(path), "--tape", str(tape),
                   "--journal", str(db), "--no-report"]  # fmt: skip
            done = subprocess.run(cmd, capture_output=True, env=_env(tree), cwd=tree, text=True)
            (out / f"{db.stem}.out").write_text(f"{done.returncode}\n{done.stderr[-2000:]}")


def tables(db: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows; the runs row names its journal without its folder."""
    folder = str(db.parent)
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )]  # fmt: skip
        found = {}
        for name in names:
            cur = conn.execute(f"SELECT * FROM {name} ORDER BY rowid")  # noqa: S608 - sqlite_master
            cols = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(cols) if not (name == "runs" and c in RUNS_WALL)]
            rows = [tuple(row[i] for i in keep) for row in cur]
            if name == "runs":
                rows = [tuple(_unfold(v, folder) for v in row) for row in rows]
            found[name] = ([cols[i] for i in keep], rows)
        return found
    finally:
        conn.close()


def _unfold(value: Any, folder: str) -> Any:
    return value.replace(folder, "<journals>") if isinstance(value, str) else value


def _short(row: tuple[Any, ...] | None) -> str:
    text = repr(row)
    return text if len(text) < 600 else text[:600] + "..."


def compare(mine: Path, theirs: Path) -> list[str]:
    problems = []
    cases = sorted({p.stem for p in theirs.glob("*.db")} | {p.stem for p in mine.glob("*.db")})
    for case in cases:
        a, b = mine / f"{case}.db", theirs / f"{case}.db"
        if not (a.exists() and b.exists()):
            problems.append(f"{case}: journal missing ({'here' if not a.exists() else 'ref'})")
            continue
        out_a, out_b = (p.with_suffix(".out") for p in (a, b))
        if out_a.exists() and out_a.read_text()[:2] != out_b.read_text()[:2]:
            problems.append(f"{case}: exit status differs")
        ta, tb = tables(a), tables(b)
        if set(ta) != set(tb):
            problems.append(f"{case}: tables differ: {sorted(set(ta) ^ set(tb))}")
        counted = 0
        for name in sorted(set(ta) & set(tb)):
            (cols_a, rows_a), (cols_b, rows_b) = ta[name], tb[name]
            counted += len(rows_a)
            if cols_a != cols_b:
                problems.append(f"{case}.{name}: columns {cols_a} != {cols_b}")
            elif rows_a != rows_b:
                first = next(
                    (i for i, (x, y) in enumerate(zip(rows_a, rows_b, strict=False)) if x != y),
                    min(len(rows_a), len(rows_b)),
                )
                here = rows_a[first] if first < len(rows_a) else None
                ref = rows_b[first] if first < len(rows_b) else None
                problems.append(
                    f"{case}.{name}: {len(rows_a)} rows here, {len(rows_b)} in ref; "
                    f"first difference at row {first}:\n  here {_short(here)}\n  ref  {_short(ref)}"
                )
        print(f"{case}: {len(ta)} tables, {counted:,} rows compared")
    return problems


def export(ref: str, into: Path) -> None:
    data = subprocess.run(["git", "archive", ref], check=True, capture_output=True, cwd=ROOT)
    with tarfile.open(fileobj=BytesIO(data.stdout)) as tar:
        tar.extractall(into, filter="data")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", default="main", help="git revision to compare with")
    ap.add_argument("--ticks", type=int, default=200_000)
    ap.add_argument("--keep", type=Path, help="keep the journals and tapes in this folder")
    ap.add_argument("--run", nargs=3, metavar=("TREE", "TAPES", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        run_cases(*(Path(p) for p in args.run))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        ref_tree = Path(tmp) / "ref"
        export(args.against, ref_tree)
        tapes = work / "tapes"
        make_tapes(tapes, args.ticks)
        for tree, out in ((ROOT, work / "here"), (ref_tree, work / "ref")):
            cmd = [sys.executable, __file__, "--run", str(tree), str(tapes), str(out)]
            subprocess.run(cmd, check=True, env=_env(tree))
        problems = compare(work / "here", work / "ref")
    for p in problems:
        print(p)
    print(f"same_rows={'no' if problems else 'yes'} (against {args.against})")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

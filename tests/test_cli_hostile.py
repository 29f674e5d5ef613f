"""No traceback reaches a user from any input, in any verb: hostile strategy files,
tapes, configurations, journals and kill-switch files end in a clear message and a
non-zero exit status (or a counted skip)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from tests.frames import header

GOOD = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    do: [{buy: {qty: 1}}]\n'
LAUGHS = (
    "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
)
STRATEGIES: dict[str, bytes] = {
    "binary": bytes(range(256)) * 4,
    "not utf-8": GOOD.encode() + b"# \xff\xfe\n",
    "deep": ("x: " + "[" * 5000 + "]" * 5000 + "\n" + GOOD).encode(),
    "deep via anchor": ("x: &a 1\ny: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n").encode(),
    "laughs": (LAUGHS + GOOD).encode(),
    "5000 digits": GOOD.replace("qty: 1", "qty: " + "9" * 5000).encode(),
    "escape in a key": GOOD.replace("name: a", 'name: a\n    "\\e[2J": 1').encode(),
    "markup in a name": GOOD.replace("name: a", 'name: "[blink]a[/blink]"').encode(),
    "list document": b"- 1\n- 2\n",
    "empty": b"",
    "nul bytes": b"\x00" * 100,
    "a tab": GOOD.replace("  - name", "\t- name").encode(),
}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert "\x1b[2J" not in result.output  # terminal control from the file never printed raw
    return result.exit_code, result.output


@pytest.mark.parametrize("case", list(STRATEGIES), ids=list(STRATEGIES))
@pytest.mark.parametrize("verb", ["validate", "explain", "run"])
def test_hostile_strategy_in_every_strategy_verb(tmp_path: Path, verb: str, case: str) -> None:
    """validate, explain and run answer a hostile file with a message, never a traceback."""
    path = tmp_path / "s.yaml"
    path.write_bytes(STRATEGIES[case])
    extra = ["--journal", str(tmp_path / "j.db")] if verb == "run" else []
    code, output = invoke(verb, str(path), *extra)
    if case not in ("markup in a name",):
        assert code != 0
        assert "s.yaml" in output


def _tape_cases(tmp_path: Path) -> dict[str, Path]:
    cases: dict[str, Path] = {}
    cases["missing"] = tmp_path / "none.jsonl"
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\x00\xff" * 1000)
    cases["binary"] = garbage
    not_gzip = tmp_path / "plain.jsonl.gz"
    not_gzip.write_bytes(header() + b"\n")
    cases["not gzip"] = not_gzip
    cut = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(header() + b"\n" + b'{"trnm":"REAL","data":[]}\n' * 20_000)
    cut.write_bytes(data[: len(data) // 2])
    cases["truncated gzip"] = cut
    directory = tmp_path / "dir.jsonl"
    directory.mkdir()
    cases["a directory"] = directory
    return cases


def test_hostile_tapes_in_run(tmp_path: Path) -> None:
    """Missing, binary, fake-gzip, truncated and directory tapes: clear errors."""
    strategy = tmp_path / "s.yaml"
    strategy.write_text(GOOD, encoding="utf-8")
    for name, tape in _tape_cases(tmp_path).items():
        code, output = invoke(
            "run", str(strategy), "--tape", str(tape), "--journal", str(tmp_path / f"{name}.db")
        )
        assert code != 0, name
        assert "error" in output, name


def test_hostile_configuration_in_run(tmp_path: Path) -> None:
    """A configuration that is binary, misspelt or infinite is a clear error."""
    strategy = tmp_path / "s.yaml"
    strategy.write_text(GOOD, encoding="utf-8")
    for text in (
        b"\xff\xfe\x00",
        b"[risk]\nmax_ordr_value = 1\n",
        b"[risk]\nduplicate_window = inf\n",
    ):
        config = tmp_path / "c.toml"
        config.write_bytes(text)
        code, output = invoke("run", str(strategy), "--config", str(config))
        assert code != 0 and "c.toml" in output


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b"not a database" * 100),
        lambda p: p.mkdir(),
        lambda p: p.write_bytes(b""),
    ],
    ids=["garbage", "directory", "empty"],
)
def test_hostile_journal_in_report(tmp_path: Path, make: Callable[[Path], object]) -> None:
    """report on something that is not a journal: a clear error."""
    journal = tmp_path / "j.db"
    make(journal)
    code, output = invoke("report", "--journal", str(journal))
    assert code != 0 and "error" in output


def test_garbled_kill_switch_file_in_resume_and_halt(tmp_path: Path) -> None:
    """halt and resume over a binary kill-switch file, or where it is a directory."""
    journal = tmp_path / "j.db"
    (tmp_path / "autotrader.halt").write_bytes(b"\xff\xfe\x00garbage")
    code, output = invoke("resume", "--journal", str(journal))
    assert code == 0 and "was halted" in output
    (tmp_path / "autotrader.halt").unlink()
    (tmp_path / "autotrader.halt").mkdir()
    code, _ = invoke("halt", "--journal", str(journal))
    assert code != 0


def test_hostile_names_and_paths_in_init_schema_and_synth(tmp_path: Path) -> None:
    """init with an escape in the name, schema and tape synth into missing directories."""
    code, _ = invoke("init", "\x1b[2Jx", "--dir", str(tmp_path))
    assert code != 0
    code, _ = invoke("schema", "--out", str(tmp_path / "no" / "such" / "dir" / "s.json"))
    assert code != 0
    code, _ = invoke("tape", "synth", str(tmp_path / "no" / "such" / "t.jsonl.gz"))
    assert code != 0

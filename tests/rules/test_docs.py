"""Every snippet and example of the language reference, and every example strategy, is valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autotrader.compile import compile_strategy
from autotrader.rules import load_strategy, load_strategy_text
from autotrader.rules.expr import parse
from autotrader.rules.names import EVENT_NAMES, FUNCTIONS, NAMES, names_for
from autotrader.rules.typecheck import check_condition

DOC = Path("docs/strategy-language.md")
TEXT = DOC.read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, re.DOTALL)
HEAD = 'strategy: doc\nsymbols: ["005930", "000660"]\nrules:\n'


def _as_strategy(block: str) -> str | None:
    """A whole strategy as is; a 'do:' (or other rule keys) fragment inside one rule."""
    body = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    if not body:
        return None  # only comments (the schema line)
    if block.lstrip().startswith(("strategy:", "# yaml-language-server")) and "rules:" in block:
        return block
    rule = "\n".join("    " + line for line in block.splitlines())
    return HEAD + "  - name: snippet\n" + rule + "\n"


def test_the_reference_has_yaml_blocks() -> None:
    """The extraction finds the reference's YAML blocks (a guard for the tests below)."""
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_each_yaml_block_of_the_reference_loads_and_compiles(block: str) -> None:
    """A full strategy, or a rule fragment inside a strategy, validates and compiles."""
    text = _as_strategy(block)
    if text is None:
        assert "yaml-language-server" in block
        return
    compile_strategy(load_strategy_text(text, str(DOC)))


TRIGGER_EXAMPLES = sorted(set(re.findall(r"`(on: [^`]+)`", TEXT)))


@pytest.mark.parametrize("example", TRIGGER_EXAMPLES)
def test_each_trigger_example_is_valid(example: str) -> None:
    """Every `on: ...` written in the reference is a valid trigger."""
    load_strategy_text(HEAD + f"  - name: t\n    {example}\n    do: [{{buy: {{qty: 1}}}}]\n")


ROWS = re.findall(r"^\| `([a-z0-9_.]+)(?:\(\.\.\.\))?` \|(.*)\| `([^`]+)` \|$", TEXT, re.MULTILINE)


def test_every_name_and_function_is_documented_with_its_example() -> None:
    """The tables list every name, event name and function, each with its own example."""
    documented = {(name, example) for name, _, example in ROWS}
    for name, info in {**NAMES, **FUNCTIONS}.items():
        assert (name, info.example) in documented, name
    for names in EVENT_NAMES.values():
        for name, info in names.items():
            assert (name, info.example) in documented, name


@pytest.mark.parametrize(("name", "middle", "example"), ROWS, ids=[r[0] for r in ROWS])
def test_each_table_example_type_checks(name: str, middle: str, example: str) -> None:
    """A table's example condition is valid for the trigger the row names (else any)."""
    kind = re.search(r"`(order|vi)`", middle)
    if example.startswith(("on:", "cooldown", "max_per_day", "once_per", "enabled", "symbols")):
        return  # the controls table: loaded below
    check_condition(parse(example), names_for(kind.group(1) if kind else "tick"))


CONTROL_EXAMPLES = re.findall(r"^\| `[a-z_]+` \| `([a-z_]+: [^`]+)` \|", TEXT, re.MULTILINE)


@pytest.mark.parametrize("example", CONTROL_EXAMPLES)
def test_each_rule_control_example_is_valid(example: str) -> None:
    """cooldown, max_per_day, once_per_symbol, enabled, symbols: as written in the table."""
    load_strategy_text(HEAD + f"  - name: c\n    {example}\n    do: [{{buy: {{qty: 1}}}}]\n")


EXAMPLES = sorted(Path("rules").glob("*.yaml")) + sorted(Path("examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p))
def test_each_example_strategy_loads_and_compiles(path: Path) -> None:
    """rules/*.yaml and examples/*.yaml validate and compile into a plan."""
    plan = compile_strategy(load_strategy(path))
    assert plan.rules

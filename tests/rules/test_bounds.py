"""Hostile strategy files: every limit is an error at file:line:column that names it,
in both YAML paths (libyaml's fast reader and ruamel), at a bounded cost."""

from __future__ import annotations

import tracemalloc

import pytest

from autotrader.errors import StrategyError, StrategyErrors
from autotrader.rules import load_strategy, load_strategy_text
from autotrader.rules.bounds import MAX_ERRORS, MAX_NESTING, MAX_NODES

BASE = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    do: [{buy: {qty: 1}}]\n'
ANCHOR = "x: &a 1\n"  # any anchor sends the file down the ruamel path
LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
)


def rule(extra: str) -> str:
    return BASE.replace("    do:", f"{extra}\n    do:")


def errors_of(text: str) -> list[StrategyError]:
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text, "f.yaml")
    return info.value.errors


HOSTILE = {
    "nested mappings (fast path)": (
        "x: " + "{a: " * 200 + "1" + "}" * 200 + "\n" + BASE,
        1,
        f"deeper than {MAX_NESTING}",
    ),
    "nested lists (ruamel path)": (
        ANCHOR + "y: " + "[" * 1000 + "]" * 1000 + "\n" + BASE,
        2,
        f"deeper than {MAX_NESTING}",
    ),
    "billion laughs": (LAUGHS + BASE, 6, f"more than {MAX_NODES:,} values"),
    "recursive alias": ("x: &r [1, *r]\n" + BASE, 1, "recursive"),
    "5000-digit number (fast path)": (
        BASE.replace("qty: 1", "qty: " + "9" * 5000),
        5,
        "number longer than",
    ),
    "5000-digit number (ruamel path)": (
        ANCHOR + BASE.replace("qty: 1", "qty: " + "9" * 5000),
        6,
        "number longer than",
    ),
    "40-digit integer": (BASE.replace("qty: 1", "qty: 1" + "0" * 40), 5, "out of range"),
    ".nan cooldown": (rule("    cooldown: .nan"), 5, "not a finite number"),
    ".inf cooldown": (rule("    cooldown: .inf"), 5, "not a finite number"),
    "1e999 interval": (rule("    on: {every: 1e999}"), 5, "not a finite number"),
    "400-digit float": (rule("    cooldown: 1" + "0" * 400 + ".0"), 5, "not a finite number"),
    "cooldown of 100 days": (rule("    cooldown: 2400h"), 5, "at most 24h"),
    "qty 10**20": (BASE.replace("qty: 1", "qty: 100000000000000000000"), 5, "out of range"),
    "qty 10**12": (BASE.replace("qty: 1", "qty: 1000000000000"), 5, "at most 100,000,000"),
    "amount 10**18": (
        BASE.replace("qty: 1", "amount: 1000000000000000000"),
        5,
        "less than or equal",
    ),
    "price 10**12": (
        BASE.replace("qty: 1", "qty: 1, type: limit, price: 1000000000000"),
        5,
        "a price must",
    ),
    "risk limit 10**15": (
        BASE.replace("rules:", "risk: {max_order_value: 1000000000000000}\nrules:"),
        3,
        "less than or equal",
    ),
    "newline in a rule name": (BASE.replace("name: a", 'name: "a\\nb"'), 4, "printable line"),
    "NUL in a strategy name": (BASE.replace("strategy: t", 'strategy: "t\\0"'), 1, "U+0000"),
    "terminal escape in a tag": (
        BASE.replace("qty: 1", 'qty: 1, tag: "\\e[2J"'),
        5,
        "printable line",
    ),
    "bidi override in a name": (
        BASE.replace("name: a", 'name: "a\\u202eb"'),
        4,
        "RIGHT-TO-LEFT OVERRIDE",
    ),
    "zero-width space in a description": (
        BASE.replace("strategy: t", 'strategy: t\ndescription: "a\\u200bb"'),
        2,
        "U+200B",
    ),
    "escape in a condition's text": (
        rule("    when: \"session == '\\e[31m'\""),
        5,
        "printable",
    ),
    "too many rules": (
        'strategy: t\nsymbols: ["005930"]\nrules:\n'
        + "  - {name: r, do: [{buy: {qty: 1}}]}\n" * 1001,
        1004,
        "more than 1,000 items",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_file_is_a_located_error_naming_the_limit(case: str) -> None:
    """Each hostile class is refused at its line, with the limit named, cheaply."""
    text, line, words = HOSTILE[case]
    tracemalloc.start()
    try:
        errors = errors_of(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert any(words in e.message and e.line == line and e.column >= 1 for e in errors), [
        str(e) for e in errors
    ]
    assert peak < 16_000_000, f"{case}: {peak:,} bytes"


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: object) -> None:
    """A file over 256 KiB is an error at 1:1, read no further."""
    from pathlib import Path

    path = Path(str(tmp_path)) / "big.yaml"
    path.write_text(BASE + "#" * 262_145, encoding="utf-8")
    with pytest.raises(StrategyErrors, match="larger than 262,144 bytes"):
        load_strategy(path)


def test_messages_quoting_the_file_escape_terminal_controls() -> None:
    """An unknown key holding an ANSI escape is quoted escaped, never raw."""
    errors = errors_of(BASE.replace("name: a", 'name: a\n    "\\e[31mred\\u202e": 1'))
    shown = "\n".join(str(e) for e in errors)
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "\\x1b[31mred\\u202e" in shown


def test_errors_are_capped_with_a_count_of_the_rest() -> None:
    """Thousands of errors list the first MAX_ERRORS and count the others."""
    bad = "  - {name: r, do: [{buy: {qty: 0}}]}\n" * 500
    errors = errors_of('strategy: t\nsymbols: ["005930"]\nrules:\n' + bad)
    assert len(errors) == MAX_ERRORS + 1
    assert "more errors" in errors[-1].message


def test_ordinary_values_at_the_limits_still_load() -> None:
    """24h cooldowns, 100M-share quantities and 100M KRW prices are allowed."""
    text = rule("    cooldown: 24h").replace(
        "qty: 1", "qty: 100000000, type: limit, price: 100000000"
    )
    assert load_strategy_text(text).spec.rules[0].cooldown == 86_400

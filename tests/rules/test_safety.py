"""Nothing in a strategy file can run code: every attempt is an error at load time."""

from __future__ import annotations

import pytest

from autotrader.compile.conditions import FRAGMENTS, render
from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text
from autotrader.rules.expr import MAX_DEPTH, ExprSyntaxError, parse

HEAD = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    when: "{}"\n'
TAIL = "    do: [{buy: {qty: 1}}]\n"


@pytest.mark.parametrize(
    "when",
    [
        "__import__('os').system('true')",
        "__import__ > 0",
        "price.__class__ > 0",
        "().__class__.__bases__ > 0",
        "lambda: 1",
        "[x for x in price]",
        "open('/etc/passwd')",
        "exec('1') > 0",
        "price if 1 else 2",
        "price; import os",
        "f'{price}' == 1",
        "price ** 2 > 1",
        "price[0] > 1",
        "sma(price) > 1",
        "sma('x') > 1",
        "(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1),
        "not " * (MAX_DEPTH + 1) + "true",
        "price > 1" + "0" * 20,
        "price > " + "+".join(["1"] * 300),
    ],
)
def test_code_in_a_condition_is_refused(when: str) -> None:
    """Imports, attribute access, lambdas, calls, deep nesting, huge numbers: all refused."""
    with pytest.raises(StrategyErrors):
        load_strategy_text(HEAD.format(when.replace('"', "'")) + TAIL)


def test_python_tags_in_yaml_are_refused() -> None:
    """A YAML tag that would build a Python object is an error, not an object."""
    text = "strategy: !!python/object/apply:os.system ['true']\nsymbols: ['005930']\n"
    with pytest.raises(StrategyErrors):
        load_strategy_text(text + "rules:\n  - name: a\n" + TAIL)


def test_huge_number_is_a_syntax_error_at_its_offset() -> None:
    """A number beyond 10^15 is refused where it stands."""
    with pytest.raises(ExprSyntaxError) as info:
        parse("price > 99999999999999999999")
    assert info.value.offset == 8


def test_generated_code_only_uses_fixed_fragments_and_parsed_literals() -> None:
    """Rendering a checked condition emits table fragments and reprs of parsed values."""
    source = render(parse('price > 70_000 and session == "open" or vi.active'))
    assert source == "(((s.price > 70000) and (s.market.session == 'open')) or s.vi_active)"
    assert FRAGMENTS["vi.active"] == "s.vi_active"

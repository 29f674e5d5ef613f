"""The fast YAML reader reads exactly what ruamel reads, positions included, or declines."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from autotrader.errors import StrategyErrors
from autotrader.rules import document, load_strategy_text, loader
from autotrader.rules.locate import Marks, marks_of

sys.path.insert(0, str(Path("bench").resolve()))
from compile import make_strategy  # noqa: E402

pytestmark = pytest.mark.skipif(not document.available(), reason="PyYAML without libyaml")


def _ruamel(text: str) -> tuple[Any, Marks | None]:
    root = loader._parse_yaml(text, "x")
    return loader._to_plain(root), marks_of(root)


TRICKY = """\
# a comment, and Korean text: 삼성전자
strategy: "quoted: name"
description: >
  folded text
  over two lines
symbols: [005930, '000660', "035720_NX"]
risk: {max_order_value: 2_000_000, trading_hours: ["09:00", "15:20"], duplicate_window: 1.5}
rules:
  - name: 가나다
    on: {at: 15:19:30}
    when: |
      price > 1 and
      volume >= 10
    cooldown: 1.
    enabled: True
    max_per_day: +3
    symbols:
      - "005930"
    do:
      - buy: {qty: 10, type: limit, price: bid - 1 tick}
      - cancel: all
  - name: b
    when: 'not vi.active'
    on: vi
    once_per_symbol: false
    tag: ~
    nothing: null
    do: [{sell: {qty: all}}]
"""


def _documents() -> dict[str, str]:
    texts = {"tricky": TRICKY, "bench": make_strategy(60, [f"{i:06d}" for i in range(1, 21)])}
    for p in sorted(Path("rules").glob("*.yaml")) + sorted(Path("examples").glob("*.yaml")):
        texts[str(p)] = p.read_text()
    return texts


DOCUMENTS = _documents()


@pytest.mark.parametrize("text", list(DOCUMENTS.values()), ids=list(DOCUMENTS))
def test_fast_reader_matches_ruamel_values_and_positions(text: str) -> None:
    """Plain values (with their types) and every key/value position equal ruamel's."""
    fast = document.read(text)
    assert fast is not None
    plain, marks = _ruamel(text)
    assert _typed(fast[0]) == _typed(plain)
    assert fast[1] == marks


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


_SCALAR_CHARS = "0123456789_.-+eExobTtrueFalsNnul~:<=aZ %"


@settings(max_examples=400, deadline=None)
@given(hs.text(alphabet=_SCALAR_CHARS, min_size=1, max_size=8))
def test_plain_scalars_resolve_as_ruamel_does(value: str) -> None:
    """Any plain scalar the fast reader accepts has ruamel's value and type."""
    text = f"a: {value}\n"
    try:
        expected = _ruamel(text)[0]
    except StrategyErrors:
        return  # not valid YAML as a value: ruamel reports it
    fast = document.read(text)
    if fast is not None:
        assert _typed(fast[0]) == _typed(expected)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: &x 1\nb: *x\n",
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: 1\na: 2\n",
        "a: 0x1F\n",
        "a: 1e3\n",
        "a: 2026-01-01\n",
        "1: x\n",
        "a: 1\n---\nb: 2\n",
        "- a\n- b\n",
        "",
        "a: [1, 2\n",
        "? [a]\n: 1\n",
    ],
)
def test_unusual_yaml_is_left_to_ruamel(text: str) -> None:
    """Tags, anchors, merge keys, duplicates, other numbers, syntax errors: None."""
    assert document.read(text) is None


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "ruamel"])
def test_errors_are_located_identically_by_both_readers(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with a bad condition, an unknown key and a bad qty: same positions either way."""
    if not fast:
        monkeypatch.setattr(document, "read", lambda text: None)
    text = (
        'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n'
        '    when: "price < 70000 and chnage_rate < -1%"\n    do:\n      - buy: {qty: 10}\n'
        "  - name: b\n    wehn: price > 1\n    when: |\n      price > 1 and\n"
        "      volum > 2\n    do:\n      - sell: {qty: 1, type: limit, price: bidd}\n"
        "      - buy: {qty: 0}\n"
    )
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text)
    found = [(e.line, e.column) for e in info.value.errors]
    assert found == [(5, 30), (9, 5), (12, 7), (14, 44), (15, 20)], info.value


def test_condition_spanning_lines_is_located_on_its_own_line() -> None:
    """Plain, literal and folded multi-line conditions: the error's own line and column."""
    rule = "  - name: {}\n    when: {}\n      price > 1 and\n      volum > 2\n"
    rule += "    do: [{{buy: {{qty: 1}}}}]\n"
    text = 'strategy: t\nsymbols: ["005930"]\nrules:\n'
    text += rule.format("a", "price > 0 and") + rule.format("b", "|") + rule.format("c", ">")
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text)
    found = [(e.line, e.column) for e in info.value.errors]
    assert found == [(7, 7), (12, 7), (17, 7)], info.value


def test_empty_value_is_reported_on_its_key_line() -> None:
    """'do:' with nothing after it is an error on the line of 'do', not the next one."""
    text = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    do:\n  - name: b\n'
    text += "    do: [{buy: {qty: 1}}]\n"
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text)
    assert (info.value.errors[0].line, info.value.errors[0].column) == (5, 8)


def test_deep_nesting_is_an_error_where_it_goes_too_deep() -> None:
    """A document nested beyond any strategy's depth is refused at that line, not a crash."""
    text = "strategy: " + "[" * 200 + "]" * 200 + "\n"
    with pytest.raises(StrategyErrors) as info:
        load_strategy_text(text)
    err = info.value.errors[0]
    assert err.line == 1 and "nested deeper" in err.message


def test_loading_leaves_the_garbage_collector_as_it_was() -> None:
    """The GC is paused while loading and enabled again afterwards, even after errors."""
    assert gc.isenabled()
    with pytest.raises(StrategyErrors):
        load_strategy_text("strategy: t\n")
    assert gc.isenabled()

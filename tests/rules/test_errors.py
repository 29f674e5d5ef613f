"""Strategy mistakes are reported at their file:line:column, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy

BAD = """\
strategy: t
symbols: ["005930"]
rules:
  - name: a
    when: "price < 70000 and chnage_rate < -1%"
    do:
      - buy: {qty: 10}
  - name: b
    wehn: price > 1
    do:
      - buy: {qty: 0}
"""


def _problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(StrategyErrors) as info:
        load_strategy(f)
    assert all(e.path == str(f) for e in info.value.errors)
    return [(e.line, e.column, e.message) for e in info.value.errors]


def test_every_error_is_reported_with_line_and_column(tmp_path: Path) -> None:
    """A misspelt name inside a condition, an unknown key and a bad qty: three errors."""
    problems = _problems(tmp_path, BAD)
    assert problems[0][:2] == (5, 30)
    assert "unknown name 'chnage_rate'" in problems[0][2]
    assert "did you mean 'change_rate'" in problems[0][2]
    assert problems[1][:2] == (9, 5) and "unknown key 'wehn'" in problems[1][2]
    assert problems[2][:2] == (11, 20) and "qty" in problems[2][2]


def test_error_text_is_path_line_column_message(tmp_path: Path) -> None:
    """str() of the error reads like a compiler's: path:line:col: message."""
    f = tmp_path / "s.yaml"
    f.write_text(BAD)
    with pytest.raises(StrategyErrors) as info:
        load_strategy(f)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"{f}:5:30: ")


def test_syntax_error_in_unquoted_condition_points_at_token(tmp_path: Path) -> None:
    """An unquoted 'when' with a dangling operator is located just after the operator."""
    text = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    when: price < \n'
    text += "    do:\n      - buy: {qty: 1}\n"
    problems = _problems(tmp_path, text)
    assert problems[0][:2] == (5, 18)
    assert "unexpected end of expression" in problems[0][2]


def test_tab_indentation_is_reported_where_it_is(tmp_path: Path) -> None:
    """A tab character is an error at its own line and column."""
    text = "strategy: t\nsymbols:\n\t- '005930'\n"
    assert _problems(tmp_path, text)[0][:2] == (3, 1)


def test_duplicate_key_is_reported(tmp_path: Path) -> None:
    """A key given twice in one mapping is an error at the second occurrence."""
    text = 'strategy: t\nstrategy: u\nsymbols: ["005930"]\nrules: []\n'
    line, col, msg = _problems(tmp_path, text)[0]
    assert line == 2 and "duplicate" in msg


def test_market_order_with_price_is_an_error_in_the_file(tmp_path: Path) -> None:
    """A market order that names a price is refused at load time, not at the exchange."""
    text = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: a\n    do:\n'
    text += "      - buy: {qty: 1, type: market, price: 70000}\n"
    line, col, msg = _problems(tmp_path, text)[0]
    assert line == 6 and "market order takes no price" in msg


def test_unquoted_numeric_symbol_keeps_leading_zeros(tmp_path: Path) -> None:
    """YAML reads 005930 unquoted as a number; the loader restores the code."""
    from autotrader.rules import load_strategy_text

    text = "strategy: t\nsymbols: [005930]\nrules:\n  - name: a\n    do:\n      - buy: {qty: 1}\n"
    assert load_strategy_text(text).spec.symbols == ["005930"]


def test_bad_symbol_is_reported(tmp_path: Path) -> None:
    """A symbol that is not a 6-character code is an error at its item."""
    text = 'strategy: t\nsymbols: ["005930", "SAMSUNG"]\nrules:\n  - name: a\n    do:\n'
    text += "      - buy: {qty: 1}\n"
    line, col, msg = _problems(tmp_path, text)[0]
    assert line == 2 and "not a stock code" in msg


def test_bundled_rules_are_valid() -> None:
    """Every strategy in rules/ loads without error."""
    files = sorted(Path("rules").glob("*.yaml"))
    assert files
    for f in files:
        load_strategy(f)

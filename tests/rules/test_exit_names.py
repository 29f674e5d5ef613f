"""Exit steps with names a trader reads one way: flatten, cancel scopes, qty: available;
and the warning, at line and column, for the older names that read two ways."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.errors import StrategyErrors
from autotrader.rules import load_strategy_text
from autotrader.rules.authoring import explain

HEAD = 'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: stop\n    do:\n'


def load(steps: str):  # type: ignore[no-untyped-def]
    return load_strategy_text(HEAD + steps, "s.yaml")


def test_cancel_all_and_qty_all_warn_where_they_stand() -> None:
    """Both still load (same meaning), each with a warning at its value's line:column
    that names what to write instead."""
    loaded = load("      - cancel: all\n      - sell: {qty: all, type: market}\n")
    warnings = [str(w) for w in loaded.warnings]
    assert len(warnings) == 2
    assert warnings[0].startswith("s.yaml:6:17: warning: 'cancel: all' reads two ways")
    assert "write 'cancel: rule'" in warnings[0] and "'cancel: sells'" in warnings[0]
    assert warnings[1].startswith("s.yaml:7:21: warning: 'qty: all' reads two ways")
    assert "'qty: available'" in warnings[1] and "'flatten: {type: market}'" in warnings[1]
    assert loaded.spec.rules[0].do[0].cancel is not None
    assert loaded.spec.rules[0].do[0].cancel.scope == "rule"


@pytest.mark.parametrize(
    "steps",
    [
        "      - cancel: rule\n      - sell: {qty: available, type: market}\n",
        "      - cancel: {tag: tp, which: all}\n      - flatten: {type: market}\n",
        "      - cancel: sells\n      - credit_sell: {qty: 50%, type: market}\n",
        "      - flatten: market\n",
        "      - flatten:\n",
    ],
)
def test_the_names_that_read_one_way_do_not_warn(steps: str) -> None:
    assert load(steps).warnings == ()


def test_cancel_words_are_scopes() -> None:
    loaded = load(
        "      - cancel: symbol\n      - cancel: sells\n      - cancel: buys\n"
        "      - credit_cancel: {scope: symbol, side: sell, which: oldest}\n"
    )
    got = [
        (c.scope, c.side, c.which)
        for step in loaded.spec.rules[0].do
        for c in [step.cancel or step.credit_cancel]
        if c is not None
    ]
    assert got == [
        ("symbol", None, "all"),
        ("symbol", "sell", "all"),
        ("symbol", "buy", "all"),
        ("symbol", "sell", "oldest"),
    ]


def test_flatten_reads_as_what_it_does() -> None:
    text = " ".join(explain(load("      - flatten: {type: limit, price: bid}\n").spec))
    assert "cancel the strategy's working sells of the symbol, then sell every held share" in text


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("      - flatten: {type: limit}\n", "a limit order needs a price"),
        ("      - flatten: {type: market, qty: 3}\n", "unknown key 'qty'"),
        ("      - sell: {qty: position, type: market}\n", "use the step 'flatten: {type: market}'"),
        ("      - cancel: {scope: symbol, tag: tp}\n", "give one or the other"),
        ("      - cancel: {scope: mine}\n", "'rule' or 'symbol'"),
        ("      - buy: {qty: available, type: market}\n", "a buy needs shares or amount"),
        ("      - flatten: {type: market}\n        sell: {qty: 1}\n", "exactly one of"),
    ],
)
def test_exit_mistakes_are_errors(steps: str, message: str) -> None:
    with pytest.raises(StrategyErrors) as info:
        load(steps)
    assert message in str(info.value)


def test_validate_prints_the_warning_and_passes(tmp_path: Path) -> None:
    """validate prints path:line:column: warning ... and still exits 0."""
    f = tmp_path / "s.yaml"
    f.write_text(HEAD + "      - cancel: all\n")
    result = CliRunner().invoke(app, ["validate", str(f)])
    assert result.exit_code == 0
    assert f"{f}:6:17: warning: 'cancel: all' reads two ways" in result.output
    assert f"{f}: ok" in result.output


def test_the_example_strategies_have_no_two_way_names() -> None:
    for path in sorted(Path("rules").glob("*.yaml")) + sorted(Path("examples").glob("*.yaml")):
        assert load_strategy_text(path.read_text(), str(path)).warnings == (), path


def test_the_scaffold_uses_the_stop_loss_idiom() -> None:
    """`autotrader new` writes a strategy with flatten and no two-way names."""
    from autotrader.rules.authoring import scaffold

    text = scaffold("mine", "mine.yaml")
    assert "flatten: {type: market}" in text
    assert load_strategy_text(text, "mine.yaml").warnings == ()

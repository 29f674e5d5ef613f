"""The request budget from the rules: the worst second per api-id, the warning that
names the rule driving it, and the controls that bound it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.cli_budget import budget, warnings
from autotrader.compile.budget import request_budget
from autotrader.config import AppConfig, KiwoomConfig
from autotrader.model import OrderAction
from autotrader.rules import load_strategy_text

SYMBOLS = [f"{n:06d}" for n in range(100_010, 100_050)]  # 40 symbols

NOISY = f"""\
strategy: every-tick
symbols: {SYMBOLS}
rules:
  - name: chase-every-tick
    when: price > 0
    do:
      - buy: {{qty: 1, type: market}}
  - name: bail-at-close
    on: {{at: "15:15"}}
    symbols: ["100010", "100011"]
    do:
      - sell: {{qty: all, type: market}}
"""

CALM = """\
strategy: calm
symbols: ["005930"]
rules:
  - name: one-a-day
    when: price > 0
    once_per_symbol: true
    do:
      - buy: {qty: 1, type: market}
"""


def test_a_rule_firing_on_every_tick_of_40_symbols_is_warned_by_name() -> None:
    """40 symbols x 10 ticks a second: 400 buys in the worst second, far over 1/s; the
    warning names the api-id, the rule and the wait the pacer would impose."""
    spec = load_strategy_text(NOISY).spec
    (buy, sell) = request_budget(spec)
    assert (buy.action, buy.peak, buy.driver) == (OrderAction.BUY, 400.0, "chase-every-tick")
    assert (sell.action, sell.peak, sell.driver) == (OrderAction.SELL, 2.0, "bail-at-close")
    (warning,) = warnings(spec, AppConfig())  # two sells in a second fit the burst of 2
    assert "kt10000 (buy) can reach 400 requests in one second" in warning
    assert "rule 'chase-every-tick'" in warning and "limit of 1/s" in warning


def test_cooldown_and_orders_per_minute_bound_the_worst_second() -> None:
    """A 1 h cooldown makes it once a second per symbol; max_orders_per_minute caps
    the new orders of all rules together."""
    cooled = NOISY.replace("    when: price > 0\n", "    when: price > 0\n    cooldown: 1h\n")
    (buy, _) = request_budget(load_strategy_text(cooled).spec)
    assert buy.peak == 40.0
    capped = cooled.replace("rules:\n", "risk:\n  max_orders_per_minute: 2\nrules:\n", 1)
    spec = load_strategy_text(capped).spec
    assert [d.peak for d in request_budget(spec)] == pytest.approx([2.0 * 40 / 42, 2.0 * 2 / 42])
    assert warnings(spec, AppConfig()) == []


def test_limits_are_the_configured_pacing_rates() -> None:
    """[kiwoom] api_rates raises one api-id's limit: at 400/s its warning goes away."""
    spec = load_strategy_text(NOISY).spec
    assert warnings(spec, AppConfig(kiwoom=KiwoomConfig(api_rates={"kt10000": 100.0})))
    cfg = AppConfig(kiwoom=KiwoomConfig(api_rates={"kt10000": 400.0}))
    assert warnings(spec, cfg) == []
    (line,) = [b for b in budget(spec, cfg) if b.api_id == "kt10000"]
    assert line.limit == 400.0 and line.peak == 400.0


@pytest.mark.parametrize("verb", ["validate", "explain"])
def test_validate_and_explain_show_the_budget(tmp_path: Path, verb: str) -> None:
    """validate warns (exit 0: a warning, not an error); explain lists every api-id."""
    noisy, calm = tmp_path / "noisy.yaml", tmp_path / "calm.yaml"
    noisy.write_text(NOISY, encoding="utf-8")
    calm.write_text(CALM, encoding="utf-8")
    out = CliRunner().invoke(app, [verb, str(noisy)])
    assert out.exit_code == 0, out.output
    assert "warning: kt10000 (buy)" in out.output and "'chase-every-tick'" in out.output
    quiet = CliRunner().invoke(app, [verb, str(calm)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    if verb == "explain":
        assert "kt10000 buy: up to 1/s" in quiet.output


def test_gold_orders_are_budgeted_under_gold_api_ids() -> None:
    """Kiwoom sends a gold sell as kt50001, not kt10001, and paces it separately: a rule
    over a stock and gold counts each market's share under its own api-id."""
    spec = load_strategy_text(
        """\
strategy: mixed
symbols: ["005930", "M04020000"]
rules:
  - name: out-at-close
    on: {at: "15:15"}
    when: position.qty > 0
    do:
      - sell: {qty: available, type: limit, price: bid}
"""
    ).spec
    lines = {(b.api_id, b.action): b.peak for b in budget(spec, AppConfig())}
    assert lines == {("kt10001", "sell"): 1.0, ("kt50001", "sell"): 1.0}

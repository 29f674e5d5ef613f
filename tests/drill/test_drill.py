"""``autotrader drill``: a bundled example passes every fault profile; a fill the venue
loses silently is reported as lost and fails the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.drill.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "rules" / "stop-take-profit.yaml")


# One buy, one fill, nothing after it: no later 04 can reveal a fill the venue lost.
ONE_BUY = """\
strategy: one-buy
symbols: ["005930"]
rules:
  - name: buy-once
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {qty: 5, type: market}
"""


def drill(tmp_path: Path, *args: str, strategy: str = EXAMPLE) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "drill.json"
    result = CliRunner().invoke(
        app,
        [
            "drill",
            strategy,
            "--format",
            "json",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path),
            *args,
        ],
    )
    assert out.exists(), result.output
    return result.exit_code, json.loads(out.read_text(encoding="utf-8"))


def test_a_fill_the_venue_drops_silently_is_reported_lost_and_the_drill_fails(
    tmp_path: Path,
) -> None:
    """The fake loses the only fill's 00 and 04: the journal lacks those shares, the
    drill counts them against the fake's book, calls the run inconsistent, and exits 1."""
    strategy = tmp_path / "one-buy.yaml"
    strategy.write_text(ONE_BUY, encoding="utf-8")
    code, report = drill(tmp_path, "--faults", "baseline,lost-fill", strategy=str(strategy))
    assert code == 1
    base, lost = report["profiles"]
    assert base["passed"] and base["lost"] == 0 and base["fills"] > 0
    assert lost["lost"] > 0 and not lost["consistent"] and not lost["passed"]
    assert lost["journal_fills"] == lost["fills"] - lost["lost"]
    assert any("not journaled" in p for p in lost["problems"])
    assert report["passed"] is False


def test_a_bundled_example_passes_every_profile(tmp_path: Path) -> None:
    """stop-take-profit on the sample day: orders under every fault that needs one, no
    duplicate, no lost fill, every run consistent; the faults were noticed and recovered."""
    code, report = drill(tmp_path)
    by_name = {p["profile"]: p for p in report["profiles"]}
    assert set(by_name) == {p.name for p in PROFILES}
    bad = {n: p["problems"] for n, p in by_name.items() if not p["passed"]}
    assert code == 0 and not bad, bad
    assert all(p["orders"] > 0 for p in by_name.values())
    for name in ("ws-stall", "ws-drop", "garbled", "token-expired", "timeout-after"):
        assert by_name[name]["detect_s"] is not None, name
        assert by_name[name]["recover_s"] is not None, name
    assert by_name["ws-stall"]["detect_s"] < 5.0  # noticed from the PING rhythm, not a minute
    assert by_name["kill-9"]["recover_s"] is not None  # the restart recovered the account
    assert "R10001" in by_name["r10001"]["stopped"]


def test_the_summary_renders_as_a_table_and_as_html(tmp_path: Path) -> None:
    """One profile, table and HTML: the profile row and the verdict are there, and
    journal text in the page is escaped."""
    runner = CliRunner()
    table = runner.invoke(
        app, ["drill", EXAMPLE, "--faults", "ws-drop", "--workdir", str(tmp_path)]
    )
    assert table.exit_code == 0, table.output
    assert "ws-drop" in table.output and "PASS" in table.output
    page = tmp_path / "drill.html"
    html = runner.invoke(
        app, ["drill", EXAMPLE, "--faults", "dup-00", "--format", "html", "-o", str(page),
              "--workdir", str(tmp_path)],
    )  # fmt: skip
    assert html.exit_code == 0, html.output
    text = page.read_text(encoding="utf-8")
    assert "<td>dup-00</td>" in text and "PASS" in text


def test_an_unknown_profile_name_is_refused_with_the_list(tmp_path: Path) -> None:
    """A typo in --faults: exit 1 naming the valid profiles, nothing run."""
    result = CliRunner().invoke(app, ["drill", EXAMPLE, "--faults", "ws-stal"])
    assert result.exit_code == 1
    assert "unknown fault profile ws-stal" in result.output and "ws-stall" in result.output


def test_holdings_at_start_let_an_exit_only_strategy_trade(tmp_path: Path) -> None:
    """flatten-before-close only sells: with --hold it places its 15:15 sells, and the
    verdict counts the shares held at start (no false 'positions' problem)."""
    out = tmp_path / "drill.json"
    strategy = str(ROOT / "rules" / "flatten-before-close.yaml")
    args = ["drill", strategy, "--faults", "baseline", "--hold", "005930:10,000660:5"]
    result = CliRunner().invoke(
        app, [*args, "--format", "json", "-o", str(out), "--workdir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    (base,) = json.loads(out.read_text(encoding="utf-8"))["profiles"]
    assert base["orders"] == 2 and base["consistent"]
    bad = CliRunner().invoke(app, ["drill", strategy, "--hold", "005930"])
    assert bad.exit_code == 1 and "SYMBOL:QTY" in bad.output

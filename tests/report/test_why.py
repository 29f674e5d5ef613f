"""'autotrader why': evaluations, the false terms and their values, from a replay."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.diagnose.why import explain_rule
from autotrader.errors import AutotraderError
from autotrader.journal import open_journal
from autotrader.report.figures import build_report
from tests.report.test_figures import TAPE, dry_run

NEVER = """\
strategy: never
symbols: ["005930", "000660"]
rules:
  - name: moonshot
    when: price > 10_000_000 and position.qty == 0
    do:
      - buy: {qty: 1, type: market}
  - name: off
    enabled: false
    when: price > 0
    do:
      - buy: {qty: 1, type: market}
"""


def _ticks(symbols: set[str]) -> dict[str, int]:
    """0B trade frames per symbol in the tape, counted straight from its JSON lines."""
    counts = dict.fromkeys(symbols, 0)
    with gzip.open(TAPE, "rt", encoding="utf-8") as f:
        next(f)  # the header
        for line in f:
            frame = json.loads(line)
            for item in frame.get("data") or []:
                if item.get("type") == "0B" and item.get("item") in counts:
                    counts[item["item"]] += 1
    return counts


def test_a_rule_that_never_fired_names_its_false_term_and_values(tmp_path: Path) -> None:
    """Every tick evaluated it; 'price > 10,000,000' was the one false term every time."""
    strategy = tmp_path / "never.yaml"
    strategy.write_text(NEVER, encoding="utf-8")
    db = tmp_path / "j.db"
    dry_run(db, str(strategy))
    r = explain_rule(open_journal(db), "moonshot")
    rules = {x["rule"]: x for x in build_report(open_journal(db), [1])["rules"]}
    assert rules["moonshot"]["fired"] == 0 and "off" not in rules  # listed though idle
    ticks = _ticks({"005930", "000660"})
    assert r["fired"] == r["journal_fired"] == 0
    assert {s: c["evaluations"] for s, c in r["by_symbol"].items()} == ticks
    price, flat = r["terms"]
    assert price["term"] == "price > 10,000,000" and flat["term"] == "position.qty == 0"
    assert price["false"] == price["only_false"] == r["evaluations"] == sum(ticks.values())
    assert flat["false"] == 0
    miss = r["nearest_misses"][0]
    assert miss["terms"][0]["true"] is False
    shown = int(miss["terms"][0]["values"]["price"].replace(",", ""))
    assert 0 < shown < 10_000_000
    # the nearest miss is the highest price any evaluation saw
    highest = max(
        int(m["terms"][0]["values"]["price"].replace(",", "")) for m in r["nearest_misses"]
    )
    assert shown == highest


def test_replay_matches_the_journal_and_cooldowns_are_counted(tmp_path: Path) -> None:
    """take-profit fires as often as journaled; dip-buy's cooldown skips are counted."""
    db = tmp_path / "j.db"
    dry_run(db)
    tp = explain_rule(open_journal(db), "take-profit")
    assert tp["fired"] == tp["journal_fired"] > 0 and tp["notes"] == []
    for miss in tp["nearest_misses"]:
        assert not all(t["true"] for t in miss["terms"])
    dip = explain_rule(open_journal(db), "dip-buy")
    assert dip["blocked_by_controls"] > 0 and dip["fired"] == dip["journal_fired"]


def test_at_shows_the_evaluation_nearest_the_time(tmp_path: Path) -> None:
    """--at 10:30 gives, per symbol, the evaluation closest to 10:30 with every term."""
    db = tmp_path / "j.db"
    dry_run(db)
    result = CliRunner().invoke(
        app, ["why", "take-profit", "--journal", str(db), "--at", "10:30", "--json"]
    )
    assert result.exit_code == 0, result.output
    r = json.loads(result.output)
    assert r["at"] and all(abs(_secs(s["time"]) - 37_800) < 300 for s in r["at"])
    assert all(len(s["terms"]) == 3 for s in r["at"])
    text = CliRunner().invoke(app, ["why", "take-profit", "--journal", str(db)],
                              env={"COLUMNS": "160"}).output  # fmt: skip
    assert "position.pnl_pct >= 1%" in text and "Nearest misses" in text


def _secs(hms: str) -> float:
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_unknown_or_disabled_rules_are_clear_errors(tmp_path: Path) -> None:
    """A misspelt rule lists the file's rules; a disabled one says it never runs."""
    strategy = tmp_path / "never.yaml"
    strategy.write_text(NEVER, encoding="utf-8")
    db = tmp_path / "j.db"
    dry_run(db, str(strategy))
    with pytest.raises(AutotraderError, match="its rules: moonshot, off"):
        explain_rule(open_journal(db), "moonshoot")
    with pytest.raises(AutotraderError, match="disabled"):
        explain_rule(open_journal(db), "off")
    result = CliRunner().invoke(app, ["runs", "--journal", str(db), "--json"])
    runs = json.loads(result.output)
    assert runs[0]["strategy"] == "never" and runs[0]["orders"] == 0


def test_a_vi_rule_is_watched_through_its_own_condition(tmp_path: Path) -> None:
    """'on: vi' rules run outside the tick evaluator: the one VI release of the sample day
    is counted, and the false term shows the price below the VI trigger price."""
    db = tmp_path / "j.db"
    dry_run(db, "rules/vi-release-momentum.yaml")
    r = explain_rule(open_journal(db), "enter-after-vi")
    assert r["trigger"] == "vi" and r["evaluations"] == 1 and r["fired"] == 0
    only = [t for t in r["terms"] if t["only_false"]]
    assert [t["term"] for t in only] == ["price >= vi.trigger_price"]
    values = r["nearest_misses"][0]["terms"][-1]["values"]
    price, trigger = (int(values[k].replace(",", "")) for k in ("price", "vi.trigger_price"))
    assert 0 < price < trigger


def test_a_run_without_its_tape_is_a_clear_error(tmp_path: Path) -> None:
    """'why' needs the market data again: a run whose tape is gone says so."""
    db = tmp_path / "j.db"
    dry_run(db)
    con = open_journal(db)
    con.execute("UPDATE runs SET tape = '', mode = 'live'")
    con.conn.commit()
    result = CliRunner().invoke(app, ["why", "take-profit", "--journal", str(db)])
    assert result.exit_code == 1 and "no tape to replay" in result.output

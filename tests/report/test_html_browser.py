"""The HTML report in headless Chromium: self-contained, quiet, and the JSON's numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from autotrader.cli import app
from autotrader.journal import open_journal
from tests.report.browser import PageLog, browser, open_page
from tests.report.test_figures import dry_run


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from browser()


def _report(db: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(app, ["report", "--journal", str(db), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _number(text: str) -> int:
    return int(text.replace(",", "").replace("+", "").strip())


def test_html_report_is_self_contained_and_shows_the_json_numbers(
    tmp_path: Path, chromium: Any
) -> None:
    """No console error, no request beyond the file, cards and per-rule nets equal the JSON."""
    db = tmp_path / "j.db"
    dry_run(db)
    page_file = tmp_path / "report.html"
    _report(db, page_file, "--format", "html", "-o", str(page_file))
    data = json.loads(_report(db, page_file, "--format", "json"))
    log = PageLog()
    page = open_page(chromium, page_file.as_uri(), log)
    assert log.console_errors == [] and log.page_errors == []
    assert log.external() == [] and log.requests == [page_file.as_uri()]
    s = data["summary"]
    for key in ("end_equity", "realized", "max_drawdown", "round_trips", "fees",
                "slippage_krw", "max_exposure"):  # fmt: skip
        shown = page.locator(f'.card [data-key="{key}"]').inner_text()
        assert _number(shown) == s[key], key
    assert page.locator('[data-key="win_rate"]').inner_text() == f"{s['win_rate'] * 100:.1f}%"
    for r in data["rules"]:
        row = page.locator(f'table.per-rule tr[data-name="{r["rule"]}"]')
        assert _number(row.locator('[data-key="net"]').inner_text() or "0") == r["net"]
        assert _number(row.locator('[data-key="round_trips"]').inner_text()) == r["round_trips"]
    traded = {m["symbol"] for m in data["markers"]}
    assert page.locator("svg.price").count() == len(traded)
    buys = sum(1 for m in data["markers"] if m["kind"] == "entry")
    assert page.locator("svg.price path.m-entry").count() == buys
    assert page.locator("#rejections circle").count() == len(data["rejections"]) > 0
    text = Path("rules/momentum-day.yaml").read_text(encoding="utf-8")
    assert page.locator("#strategy").inner_text().strip() == text.strip()
    page.close()


def test_html_escapes_journal_text(tmp_path: Path, chromium: Any) -> None:
    """A rule name or reason holding markup is shown as text: no element, no script run."""
    db = tmp_path / "j.db"
    dry_run(db)
    con = open_journal(db)
    evil = '<img src=x onerror="console.error(1)"><script>console.error(2)</script>'
    con.execute("UPDATE orders SET rule = ?, reason = ? WHERE state = 'rejected'", [evil, evil])
    con.conn.commit()
    page_file = tmp_path / "evil.html"
    _report(db, page_file, "--format", "html", "-o", str(page_file))
    log = PageLog()
    page = open_page(chromium, page_file.as_uri(), log)
    assert log.console_errors == [] and log.page_errors == [] and log.external() == []
    assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0
    assert evil in page.locator("table.per-rule").inner_text()
    page.close()


def test_html_of_two_runs_lays_them_side_by_side(tmp_path: Path, chromium: Any) -> None:
    """Two replays of one day: one page, both runs named, the chained net P&L shown."""
    db = tmp_path / "j.db"
    a, b = dry_run(db), dry_run(db)
    page_file = tmp_path / "two.html"
    runs = ["--run", str(a), "--run", str(b)]
    _report(db, page_file, *runs, "--format", "html", "-o", str(page_file))
    data = json.loads(_report(db, page_file, *runs, "--format", "json"))
    log = PageLog()
    page = open_page(chromium, page_file.as_uri(), log)
    assert log.console_errors == [] and log.page_errors == [] and log.external() == []
    shown = _number(page.locator('.card [data-key="end_equity"]').inner_text())
    assert shown == data["summary"]["end_equity"]
    assert f"run {a}" in page.locator(".sub").inner_text()
    assert f"run {b}" in page.locator(".sub").inner_text()
    xs = [float(p.split(",")[0]) for p in
          page.locator("#equity polyline.eq").get_attribute("points").split()]  # fmt: skip
    assert xs == sorted(xs)  # the second run follows the first, never overlaps it
    page.close()

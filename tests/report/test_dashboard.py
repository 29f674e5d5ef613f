"""The dashboard in headless Chromium: local, read-only, the report's numbers, reloading."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autotrader.journal import Journal, open_journal
from autotrader.report.dashboard import make_server
from autotrader.report.figures import build_report
from tests.report.browser import PageLog, browser, open_page
from tests.report.test_figures import dry_run


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from browser()


def _number(text: str) -> int:
    return int(text.replace(",", "").replace("+", "").strip())


def test_dashboard_shows_the_latest_run_and_reloads_with_new_rows(
    tmp_path: Path, chromium: Any
) -> None:
    """127.0.0.1 only, no console error or outside request, the JSON's numbers, status
    from the heartbeat; a new heartbeat and kill-switch move show after a reload."""
    from playwright.sync_api import expect

    db = tmp_path / "j.db"
    rid = dry_run(db)
    server = make_server(db, port=0, refresh=1)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        log = PageLog()
        page = open_page(chromium, url, log)
        s = build_report(open_journal(db), [rid])["summary"]
        for key in ("end_equity", "max_drawdown", "round_trips", "fees"):
            assert _number(page.locator(f'.card [data-key="{key}"]').inner_text()) == s[key]
        assert page.locator('[data-key="status.connected"]').inner_text() == "- (no heartbeat)"
        j = Journal(db)
        j.run_id = rid
        j.heartbeat(1.0e9, True, 1.0e9, "halted", {"sessions": 2, "day_pnl": -5_000,
                                                   "reason": "daily loss limit"})  # fmt: skip
        j.close()
        expect(page.locator('[data-key="status.level"]')).to_have_text("halted", timeout=15_000)
        assert page.locator('[data-key="status.connected"]').inner_text() == "connected"
        assert _number(page.locator('[data-key="status.day_pnl"]').inner_text()) == -5_000
        assert log.console_errors == [] and log.page_errors == []
        assert log.external(allowed=(url,)) == []
        assert page.request.post(url).status == 501  # read-only: GET only
        assert page.request.get(url + "nothing").status == 404
        page.close()
    finally:
        server.shutdown()
        server.server_close()

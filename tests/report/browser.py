"""Headless Chromium (Debian's package) driven by playwright, for the report pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class PageLog:
    """What a page did while loading: console errors, page errors, every request URL."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def external(self, allowed: tuple[str, ...] = ("file://", "data:", "about:")) -> list[str]:
        return [u for u in self.requests if not u.startswith(allowed)]


def browser() -> Iterator[Any]:
    """A launched browser, or a skip that says what is missing."""
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def open_page(b: Any, url: str, log: PageLog, width: int = 1040) -> Any:
    page = b.new_page(viewport={"width": width, "height": 900})
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("request", lambda r: log.requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")
    return page

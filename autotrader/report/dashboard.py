"""``autotrader dashboard``: the report and the run's live state on a local, read-only page.

A stdlib HTTP server bound to 127.0.0.1 renders the HTML report of a run (the latest
by default, so a new run shows up by itself) with the status panel on top; the page
reloads itself every few seconds (a meta refresh: no script). Every request opens the
journal read-only, so the page can never change it, and answers GET only. The page
carries a Content-Security-Policy that forbids any fetch beyond itself.
"""

from __future__ import annotations

import logging
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from autotrader.errors import AutotraderError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def read_only(journal: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=2000")
    return sqlite_utils.Database(conn)


def page(journal: Path, run_id: int | None, refresh: int) -> tuple[str, dict[str, Any]]:
    """The dashboard's HTML and the report data behind it."""
    from autotrader.report.figures import build_report
    from autotrader.report.html import render_html
    from autotrader.report.load import select_runs
    from autotrader.report.status import run_status

    db = read_only(journal)
    try:
        ids = select_runs(db, [run_id] if run_id is not None else None)
        data = build_report(db, ids)
        status = run_status(db, ids[-1])
    finally:
        db.conn.close()
    return render_html(data, refresh=refresh, status=status), data


def make_server(
    journal: Path, *, port: int = 8765, run_id: int | None = None, refresh: int = 5
) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:``port`` (0: any free port); call ``serve_forever``."""
    if not journal.exists():
        raise AutotraderError(f"no journal at {journal}: run a strategy first")

    class Handler(BaseHTTPRequestHandler):
        server_version = "autotrader-dashboard"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path not in ("/", "/report.json"):
                self._send(404, "text/plain; charset=utf-8", b"not found\n")
                return
            try:
                html, data = page(journal, run_id, refresh)
            except (AutotraderError, sqlite3.Error) as exc:
                self._send(503, "text/plain; charset=utf-8", f"{exc}\n".encode())
                return
            if path == "/report.json":
                self._send(200, "application/json", orjson.dumps(data))
            else:
                self._send(200, "text/html; charset=utf-8", html.encode("utf-8"))

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CSP)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
            log.debug("dashboard: " + format, *args)

    return ThreadingHTTPServer((HOST, port), Handler)

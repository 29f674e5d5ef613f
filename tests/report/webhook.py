"""A webhook receiver on 127.0.0.1 for notification tests (apprise json:// posts here)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Collects JSON bodies; ``hold`` makes every request wait until ``release()``."""

    def __init__(self, *, hold: bool = False) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.got = threading.Condition()
        self.gate = threading.Event()
        if not hold:
            self.gate.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                receiver.gate.wait(30)
                with receiver.got:
                    receiver.bodies.append(body)
                    receiver.got.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def release(self) -> None:
        self.gate.set()

    def wait_for(self, n: int, within: float = 15.0) -> list[dict[str, Any]]:
        with self.got:
            self.got.wait_for(lambda: len(self.bodies) >= n, within)
            return list(self.bodies)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()

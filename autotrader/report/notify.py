"""Notifications (apprise: Telegram, Slack, e-mail, webhooks) and console lines for a run.

``NotifyPolicy`` decides, from the follower's events and the clock, what is worth a
message: every fill, a burst of rejections (not each one), a halt, a disconnect that
lasts, an engine that stops sending heartbeats, and one summary a day. It is pure, so
tests drive it with their own clock. ``Notifier`` sends on its own thread from a
bounded queue: a slow or failing service delays nothing and never blocks trading (a
full queue drops the oldest message and counts it).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from autotrader.clock import seconds_of_day, to_seoul
from autotrader.report.follow import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    kind: str  # info | success | warning | failure (apprise's notify types)


@dataclass
class NotifyPolicy:
    rejection_burst: int = 5
    burst_window: float = 60.0
    disconnect_after: float = 30.0
    summary_at: int = 15 * 3600 + 40 * 60  # seconds of day, Asia/Seoul
    summary: Callable[[], str] | None = None  # the day's figures, when it is time
    _rejections: deque[float] = field(default_factory=deque)
    _muted_until: float = 0.0
    _down_since: float | None = None
    _down_told: bool = False
    _last_heartbeat: float | None = None
    _silence_told: bool = False
    _summary_day: str = ""
    _running: bool = True

    def __call__(self, events: Sequence[Event], now: float) -> list[Message]:
        out: list[Message] = []
        for ev in events:
            out.extend(self._event(ev, now))
        out.extend(self._timers(now))
        return out

    def _event(self, ev: Event, now: float) -> list[Message]:
        if ev.kind == "fill":
            return [Message("autotrader: fill", ev.text, "success")]
        if ev.kind == "rejection":
            self._rejections.append(ev.ts)
            while self._rejections and self._rejections[0] < ev.ts - self.burst_window:
                self._rejections.popleft()
            if len(self._rejections) >= self.rejection_burst and ev.ts >= self._muted_until:
                self._muted_until = ev.ts + self.burst_window
                n = len(self._rejections)
                return [Message(f"autotrader: {n} rejections in {self.burst_window:g} s",
                                f"latest: {ev.text}", "warning")]  # fmt: skip
            return []
        if ev.kind == "halt":
            return [Message("autotrader: kill switch", ev.text, "failure")]
        if ev.kind == "disconnected":
            if self._down_since is None:
                self._down_since, self._down_told = ev.ts, False
            return []
        if ev.kind == "connected":
            since, told = self._down_since, self._down_told
            self._down_since, self._down_told = None, False
            if since is not None and told:
                back = f"websocket back after {ev.ts - since:,.0f} s"
                return [Message("autotrader: reconnected", back, "info")]
            return []
        if ev.kind == "run_ended":
            self._running = False
            return self._summary(now, force=True)
        return []

    def heartbeat(self, ts: float) -> None:
        """The engine is alive at ``ts`` (the follower's latest heartbeat)."""
        self._last_heartbeat = ts
        self._silence_told = False

    def _timers(self, now: float) -> list[Message]:
        out = []
        down = self._down_since
        if down is not None and not self._down_told and now - down >= self.disconnect_after:
            self._down_told = True
            text = f"no websocket for {now - down:,.0f} s"
            out.append(Message("autotrader: disconnected", text, "failure"))
        hb = self._last_heartbeat
        if (
            self._running
            and hb is not None
            and not self._silence_told
            and now - hb >= self.disconnect_after
        ):
            self._silence_told = True
            text = f"no heartbeat for {now - hb:,.0f} s"
            out.append(Message("autotrader: engine silent", text, "failure"))
        out.extend(self._summary(now))
        return out

    def _summary(self, now: float, force: bool = False) -> list[Message]:
        day = to_seoul(now).date().isoformat()
        if self.summary is None or self._summary_day == day:
            return []
        if not force and seconds_of_day(now) < self.summary_at:
            return []
        self._summary_day = day
        return [Message(f"autotrader: summary {day}", self.summary(), "info")]


class Notifier:
    """Sends messages through apprise on a worker thread; ``send`` never waits."""

    def __init__(self, urls: Sequence[str], *, max_queue: int = 100, timeout: float = 10.0) -> None:
        # apprise loads its plugins on the first add(), and one still imports imghdr
        # (deprecated since 3.11): silence that warning here, at the boundary, only
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            self.apprise = apprise.Apprise()
            for url in urls:
                if not self.apprise.add(url):
                    log.error("notify: an apprise URL was not understood (not shown: it may "
                              "hold a token)")  # fmt: skip
        self.timeout = timeout
        self.queue: queue.Queue[Message | None] = queue.Queue(max_queue)
        self.sent = self.failed = self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="notifier", daemon=True)
        self._thread.start()

    def send(self, msg: Message) -> None:
        while True:
            try:
                self.queue.put_nowait(msg)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()  # the oldest goes: the newest matters more
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _run(self) -> None:
        while (msg := self.queue.get()) is not None:
            ok = False
            try:
                ok = bool(self.apprise.notify(body=msg.body, title=msg.title, notify_type=msg.kind,
                                         timeout=self.timeout))  # fmt: skip
            except Exception:  # noqa: BLE001 - a notifier failure is logged, never raised
                log.exception("notify: sending failed")
            if ok:
                self.sent += 1
            else:
                self.failed += 1
                log.warning("notify: %r was not delivered", msg.title)
            self.queue.task_done()

    def close(self, wait: float = 10.0) -> None:
        """Send what is queued (up to ``wait`` seconds), then stop the thread."""
        self.send_stop()
        self._thread.join(wait)

    def send_stop(self) -> None:
        with contextlib.suppress(queue.Full):
            self.queue.put(None, timeout=1.0)


STYLES = {
    "fill": "green",
    "rejection": "yellow",
    "halt": "bold red",
    "error": "red",
    "disconnected": "bold red",
    "connected": "cyan",
    "run_ended": "bold",
}


class ConsoleLines:
    """One rich line per event: time, kind, what happened."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, events: Sequence[Event], now: float) -> None:
        for ev in events:
            when = to_seoul(ev.ts).strftime("%H:%M:%S.%f")[:-3]
            style = STYLES.get(ev.kind, "")
            self.console.print(f"{when} [{style}]{ev.kind:<12}[/] {_escape(ev.text)}",
                               highlight=False)  # fmt: skip


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


class Notifications:
    """The follower's sink: events -> policy -> notifier; heartbeats keep the policy told."""

    def __init__(self, policy: NotifyPolicy, notifier: Notifier, reader: Any) -> None:
        self.policy = policy
        self.notifier = notifier
        self.reader = reader

    def __call__(self, events: Sequence[Event], now: float) -> None:
        beats = self.reader.last_heartbeat
        if beats:
            self.policy.heartbeat(max(beats.values()))
        for msg in self.policy(events, now):
            self.notifier.send(msg)

"""The kill switch file: ``autotrader halt [--reduce]`` and ``autotrader resume`` write it.

The file lives beside the journal (``<journal dir>/autotrader.halt``); its first line is
the commanded level (``halt``, ``reduce`` or ``active``), the second an optional reason.
The engine polls it when its clock advances, at most once per ``interval`` seconds of
wall time, never per tick. A live engine (``persist=True``) also writes it when the daily
loss limit trips or recovery finds something it cannot match, so a restart stays halted
until the user runs ``autotrader resume``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autotrader.risk.book import TradingLevel

HALT_FILE = "autotrader.halt"
_WORDS = {
    "halt": TradingLevel.HALTED,
    "halted": TradingLevel.HALTED,
    "reduce": TradingLevel.REDUCING,
    "reducing": TradingLevel.REDUCING,
    "active": TradingLevel.ACTIVE,
    "resume": TradingLevel.ACTIVE,
}


@dataclass(frozen=True, slots=True)
class Command:
    level: TradingLevel
    reason: str


def halt_path(journal: str | Path) -> Path:
    """The kill switch file that goes with a journal file."""
    return Path(journal).resolve().parent / HALT_FILE


def write_command(path: Path, level: TradingLevel, reason: str = "") -> None:
    """Write the file atomically (a reader never sees half a command)."""
    word = {"halted": "halt", "reducing": "reduce", "active": "active"}[level.value]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{word}\n{reason.strip()}\n", encoding="utf-8")
    os.replace(tmp, path)


def read_command(path: Path) -> Command | None:
    """The commanded level, or None without a file. An unreadable file means halt."""
    try:
        with path.open("rb") as f:
            text = f.read(4096).decode("utf-8")  # a command is two short lines
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Command(TradingLevel.HALTED, f"kill switch file unreadable: {exc}")
    except UnicodeDecodeError:  # garbled is not "no command": fail closed
        return Command(TradingLevel.HALTED, "kill switch file is not UTF-8 text")
    lines = text.splitlines()
    word = lines[0].strip().lower() if lines else ""
    reason = lines[1].strip() if len(lines) > 1 else ""
    level = _WORDS.get(word)
    if level is None:  # fail closed: a garbled command is a halt
        return Command(TradingLevel.HALTED, f"kill switch file says {word!r}")
    return Command(level, reason)


class KillSwitch:
    """Polls the file; ``poll`` returns a command only when it changed since last time."""

    def __init__(
        self,
        path: Path,
        *,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        persist: bool = False,
    ) -> None:
        self.path = path
        self.persist = persist  # live runs: the engine's own halts survive a restart
        self.interval = interval
        self.clock = clock
        self._next = float("-inf")
        self._last: Command | None = None

    def poll(self, *, force: bool = False) -> Command | None:
        now = self.clock()
        if not force and now < self._next:
            return None
        self._next = now + self.interval
        command = read_command(self.path)
        if command is None or command == self._last:
            return None
        self._last = command
        return command

    def set(self, level: TradingLevel, reason: str) -> None:
        """Record a command from inside the engine (loss limit, recovery); in the file
        only when ``persist`` (a replay must not leave a halt behind for the next run)."""
        if self.persist:
            write_command(self.path, level, reason)
        self._last = Command(level, reason.strip())

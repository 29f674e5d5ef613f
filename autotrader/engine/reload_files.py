"""The reload channel: ``autotrader reload`` asks a running engine for a new strategy.

Like the kill switch file, it lives beside the journal: the command writes a request
(``<journal dir>/autotrader.reload``: a JSON object with a request id and the strategy
file, empty for "the file the engine runs, re-read"), the engine's once-a-second watch
reads it, does the reload at that safe point between events, writes the outcome to
``autotrader.reload.result`` (same id) and only then removes the request. A request
still there after a kill -9 is done again by the next start (``engine/reload.py``),
so a reload is never lost half-way. Both files are written atomically.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

REQUEST_FILE = "autotrader.reload"
RESULT_FILE = "autotrader.reload.result"
MAX_BYTES = 65_536  # a request is a path and an id; a result a diff and some errors


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    path: str  # "" : re-read the strategy file the engine runs
    error: str = ""  # the request itself could not be read


def request_path(journal: str | Path) -> Path:
    return Path(journal).resolve().parent / REQUEST_FILE


def result_path(journal: str | Path) -> Path:
    return Path(journal).resolve().parent / RESULT_FILE


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(orjson.dumps(data))
    os.replace(tmp, path)


def write_request(path: Path, strategy: str | Path | None) -> str:
    """Ask for a reload; returns the request id the result will carry."""
    rid = f"{time.time_ns():x}-{uuid.uuid4().hex[:8]}"
    target = str(Path(strategy).resolve()) if strategy else ""
    _write(path, {"id": rid, "path": target})
    return rid


def _read(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES)
    except FileNotFoundError:
        return None
    data = orjson.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def read_request(path: Path) -> Request | None:
    """The pending request, or None. A garbled one is a request with an error (refused
    and journaled, never taken as some other file)."""
    try:
        data = _read(path)
    except (OSError, ValueError) as exc:
        return Request(f"garbled-{path.stat().st_mtime_ns if path.exists() else 0}", "", str(exc))
    if data is None:
        return None
    rid, target = data.get("id"), data.get("path", "")
    if not isinstance(rid, str) or not isinstance(target, str):
        return Request(str(rid), "", "a request needs a text id and path")
    return Request(rid, target)


def finish_request(request: Path, result: Path, rid: str, outcome: dict[str, Any]) -> None:
    """The outcome first, then the request goes (if it is still this one)."""
    _write(result, {"id": rid, **outcome})
    current = read_request(request)
    if current is not None and current.id == rid:
        with contextlib.suppress(FileNotFoundError):
            request.unlink()


def read_result(path: Path, rid: str) -> dict[str, Any] | None:
    """The outcome of request ``rid``, once the engine has written it."""
    try:
        data = _read(path)
    except (OSError, ValueError):
        return None
    return data if data is not None and data.get("id") == rid else None


def withdraw(path: Path, rid: str) -> bool:
    """Take back a request nobody answered; False when the engine has it already."""
    current = read_request(path)
    if current is None or current.id != rid:
        return False
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True

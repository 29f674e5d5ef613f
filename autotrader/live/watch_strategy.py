"""Optional: reload the strategy whenever its file is saved (``run --live --watch``).

Off by default: a live run changes its strategy only when the trader says so
(``autotrader reload``). With ``--watch``, each save of the strategy file writes the same
reload request the command writes (``engine/reload_files.py``), so the engine validates,
journals and swaps it exactly as for the command; a save of a half-edited file is refused
with its errors and the running version goes on. The folder is watched, not the file, so
editors that save by writing a new file and renaming it over the old one are seen too.
Needs the ``watch`` extra (watchfiles).
"""

from __future__ import annotations

import logging
from pathlib import Path

from autotrader.engine.reload_files import write_request

log = logging.getLogger(__name__)


async def watch_strategy(strategy: Path, request: Path, *, debounce_ms: int = 400) -> None:
    """Until cancelled: a reload request after each save of ``strategy``."""
    from watchfiles import awatch  # the optional 'watch' extra

    target = _resolved(strategy)

    def is_target(_change: object, path: str) -> bool:
        return _resolved(Path(path)) == target

    async for _changes in awatch(target.parent, watch_filter=is_target, debounce=debounce_ms):
        _saved(target, request)


def _resolved(path: Path) -> Path:
    return path.resolve()


def _saved(target: Path, request: Path) -> None:
    if target.is_file():  # a rename in progress leaves no file for a moment
        log.info("live: %s saved: reload requested", target)
        write_request(request, target)

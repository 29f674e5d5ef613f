"""Feed a tape's numbered lines to the decoder, skipping or refusing the bad ones.

A line that is not JSON, or a frame the decoder cannot use (a garbled field, a price
outside the day's band...), is *bad*. The user chooses (``autotrader run --bad-lines``):

- ``skip`` (the default): the line is counted, told to ``on_skip`` with its line number
  and reason (a replay journals the first ones), and the replay goes on;
- ``refuse``: the replay stops at the first bad line with a ``TapeError`` that names the
  file, the line and the reason: for tapes that must be clean (a test fixture, an
  archive being checked).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Literal

import orjson

from autotrader.errors import TapeError
from autotrader.feed.fastline import NotFast, decode_line
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.safetext import escape

BadLines = Literal["skip", "refuse"]
BAD_LINES: tuple[BadLines, ...] = ("skip", "refuse")


def feed_numbered(
    decoder: FrameDecoder,
    numbered: Iterable[tuple[int, bytes]],
    *,
    where: str,
    bad_lines: BadLines = "skip",
    on_skip: Callable[[int, str, bytes], None] | None = None,
) -> None:
    """The replay loop with line numbers: decode once, dispatch, judge each line.

    A line of trade ticks takes msgspec's typed fast path (feed/fastline.py); any other
    line is decoded by orjson and judged by ``FrameDecoder.feed``. The compiled loop
    (feed/_speedups.pyx) runs it when it is built, ``feed_numbered_py`` otherwise."""
    judge = _judge(decoder, where, bad_lines, on_skip)
    # The compiled loop stands in for FrameDecoder's own methods over a dict of states:
    # a subclass or another mapping gets the Python loop, which calls theirs.
    if SPEEDUPS is not None and type(decoder) is FrameDecoder and type(decoder.states) is dict:
        SPEEDUPS.feed_numbered(decoder, numbered, decode_line, NotFast, _slow(decoder), judge)
    else:
        feed_numbered_py(decoder, numbered, judge)


def feed_numbered_py(
    decoder: FrameDecoder,
    numbered: Iterable[tuple[int, bytes]],
    judge: Callable[[int, bytes], None],
) -> None:
    """The line loop in Python: the reference the compiled loop is held equal to."""
    slow = _slow(decoder)
    fast = decoder.feed_line
    c = decoder.counters
    for lineno, line in numbered:
        before = c.malformed
        try:
            parsed = decode_line(line)
        except NotFast:
            slow(line)
        else:
            fast(parsed, line)
        if c.malformed != before:
            judge(lineno, line)


def _slow(decoder: FrameDecoder) -> Callable[[bytes], None]:
    """A line msgspec declines: decoded by orjson and judged whole by ``feed``."""
    feed = decoder.feed
    c = decoder.counters

    def slow(line: bytes) -> None:
        try:
            frame = orjson.loads(line)
        except orjson.JSONDecodeError:
            c.frames += 1
            c.malformed += 1
            c.last_error = "not JSON"
        else:
            feed(frame)

    return slow


def _judge(
    decoder: FrameDecoder,
    where: str,
    bad_lines: BadLines,
    on_skip: Callable[[int, str, bytes], None] | None,
) -> Callable[[int, bytes], None]:
    """A line that was counted bad: refused (``TapeError``) or told to ``on_skip``."""
    c = decoder.counters

    def judge(lineno: int, line: bytes) -> None:
        if bad_lines == "refuse":
            raise TapeError(
                f"{escape(where)}:{lineno}: {c.last_error} "
                "(--bad-lines skip replays past such lines)"
            )
        if on_skip is not None:
            on_skip(lineno, c.last_error, line)

    return judge


def _speedups() -> ModuleType | None:
    """The compiled loop, unless it is not built or ``AUTOTRADER_PURE_PYTHON`` is set."""
    if os.environ.get("AUTOTRADER_PURE_PYTHON"):
        return None
    try:
        return importlib.import_module("autotrader.feed._speedups")
    except ImportError:
        return None


SPEEDUPS = _speedups()

"""Durations in strategy files: '30s', '5m', '1h', '250ms', or a number of seconds."""

from __future__ import annotations

import math
import re
from typing import Any

DURATION_MAX = 86_400.0  # seconds: nothing in a strategy waits longer than a day

_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any) -> float:
    """'30s', '5m', '1h', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '30s' or '5m'")
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError("a duration must be a finite number")
        if seconds < 0:
            raise ValueError("a duration cannot be negative")
    else:
        text = str(value).strip()
        m = _DURATION_RE.match(text) if len(text) <= 32 else None
        if m is None:
            raise ValueError(f"expected a duration like '30s' or '5m', got {text[:40]!r}")
        seconds = float(m.group(1)) * _DURATION_UNITS[m.group(2)]
    if seconds > DURATION_MAX:
        raise ValueError("a duration can be at most 24h")
    return seconds

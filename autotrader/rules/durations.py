"""Durations in strategy files: '30s', '5m', '1h', '250ms', or a number of seconds."""

from __future__ import annotations

import re
from typing import Any

_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any) -> float:
    """'30s', '5m', '1h', '250ms' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '30s' or '5m'")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    m = _DURATION_RE.match(str(value).strip())
    if m is None:
        raise ValueError(f"expected a duration like '30s' or '5m', got {value!r}")
    return float(m.group(1)) * _DURATION_UNITS[m.group(2)]

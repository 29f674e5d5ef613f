"""Rejections grouped for the reports: one line per rule, symbol, side and refusing checks."""

from __future__ import annotations

from typing import Any


def group_rejections(rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejections grouped by rule, symbol, side and the checks that refused them.

    A rule refused on every firing would otherwise fill the table with one line per
    attempt; the group keeps the count, the first and last time and the latest reason.
    """
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for r in rejected:
        reason = (r["reason"] or "").removeprefix("risk: ")
        checks = ",".join(part.split(":", 1)[0] for part in reason.split("; "))
        key = (r["rule"] or "", r["symbol"] or "", r["side"] or "", checks)
        g = groups.get(key)
        if g is None:
            groups[key] = g = {
                "rule": key[0], "symbol": key[1], "side": key[2], "count": 0,
                "first": r["created_at"], "last": r["created_at"], "reason": reason,
            }  # fmt: skip
        g["count"] += 1
        g["last"] = r["created_at"]
        g["reason"] = reason
    return sorted(groups.values(), key=lambda g: (-g["count"], g["rule"], g["symbol"]))

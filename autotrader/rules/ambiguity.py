"""Names in a strategy file that a trader could read two ways: warnings, with the names
that read one way.

``cancel: all`` cancels only the rule's own working orders (a trader may read "every
order"), and ``qty: all`` on a sell means the shares not already offered by working
sells (a trader may read "the whole position"). Both still load and keep their meaning;
``validate`` prints a warning at the value's line and column with the unambiguous name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Loc = tuple[str | int, ...]

CANCEL_ALL = (
    "warning: 'cancel: all' reads two ways: it cancels only this rule's own working "
    "orders in the symbol; write 'cancel: rule' for that, 'cancel: symbol' for every working "
    "order of the strategy in the symbol, or 'cancel: sells' for its working sells"
)
QTY_ALL = (
    "warning: 'qty: all' reads two ways: it sells only the shares not already offered by "
    "working sells (none while a take-profit rests); write 'qty: available' for that, or "
    "the step 'flatten: {type: market}' to cancel the working sells and sell every held share"
)


def ambiguous_names(plain: Any) -> Iterator[tuple[Loc, str]]:
    """(where, warning) for each two-way name in the steps of the file's rules."""
    rules = plain.get("rules") if isinstance(plain, dict) else None
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        steps = rule.get("do") if isinstance(rule, dict) else None
        for j, step in enumerate(steps if isinstance(steps, list) else ()):
            if not isinstance(step, dict):
                continue
            for kind, spec in step.items():
                at: Loc = ("rules", i, "do", j, kind)
                if kind in ("cancel", "credit_cancel") and _cancels_all(spec):
                    yield (at if isinstance(spec, str) else (*at, "which")), CANCEL_ALL
                sells = kind in ("sell", "credit_sell") and isinstance(spec, dict)
                if sells and spec.get("qty") == "all":
                    yield (*at, "qty"), QTY_ALL


def _cancels_all(spec: Any) -> bool:
    """'cancel: all', or '{which: all}' with nothing that says whose orders."""
    if isinstance(spec, str):
        return spec.strip() == "all"
    if isinstance(spec, dict):
        return spec.get("which") == "all" and not ({"tag", "scope", "side"} & spec.keys())
    return False

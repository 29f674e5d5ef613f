"""The outcomes of a decision row, as the engine writes them and the reports read them.

A rule that fires journals one decision: ``order`` (an order was sent), ``flatten`` (a
flatten's cancels and sells), or why nothing was sent (``NO_ORDER``, with a reason in its
values). A rule whose condition holds while its controls or a hold keep it back journals
one decision per window (``HELD_BACK``): it did not fire. Rows of the ``remainder``,
``flatten`` and ``protect`` events continue an earlier decision (a protective stop
continues the entry that bought the shares) and are not firings either.
"""

from __future__ import annotations

SENT = frozenset({"order", "flatten"})
HELD_BACK = frozenset({"cooldown", "once_per_symbol", "max_per_day", "held"})
CONTINUATION_EVENTS = frozenset({"remainder", "flatten", "protect"})

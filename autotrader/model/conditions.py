"""Condition search (조건검색), as the engine sees it: neutral events about screens.

A condition is a screen the trader saved at the broker (a formula such as "up 3% today
on rising volume"). The broker lists the saved screens, sends the stocks matching one
now, and then reports stocks entering and leaving it in real time. These values carry
that without any of the broker's names or field numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConditionList:
    """The saved conditions, as (seq, name) pairs in the broker's order."""

    conditions: tuple[tuple[str, str], ...]
    ts: float


@dataclass(frozen=True, slots=True)
class ConditionSnapshot:
    """Every stock matching condition ``seq`` now: the start of a realtime search.

    A snapshot taken after a reconnect replaces what the previous one and the hits
    since said: stocks missing from it have left, new ones have entered."""

    seq: str
    symbols: tuple[str, ...]
    ts: float


@dataclass(frozen=True, slots=True)
class ConditionHit:
    """One stock entering (``entered=True``) or leaving condition ``seq``."""

    seq: str
    symbol: str
    entered: bool
    ts: float


ConditionEvent = ConditionList | ConditionSnapshot | ConditionHit

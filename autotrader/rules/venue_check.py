"""Warnings for rules whose orders the venue would refuse every time they fire.

A rule on ``at: 15:25`` with ``type: best_limit``, or on ``session: close_price_start``
with ``type: market``, can only fire in a phase where KRX (or Nextrade) refuses its order
type: every order it ever sends is refused. That is not a schema error (the file is
valid), so ``validate`` warns. Only triggers with known moments are judged (``at``,
``session``, ``vi``, ``every`` windows); tick, order, cron, start and stop rules can
fire in any phase.
"""

from __future__ import annotations

from collections.abc import Iterable

from autotrader.market.phases import Phase, describe, phase_for, refusal, venue_of
from autotrader.model import OrderType
from autotrader.rules.schema import RuleSpec, StrategySpec

# The second of day each 0s session change happens at (docs/strategy-language.md).
SESSION_AT: dict[str, int] = {
    "pre_open_notice": 8 * 3600 + 40 * 60,
    "open": 9 * 3600,
    "closing_notice": 15 * 3600 + 20 * 60,
    "close": 15 * 3600 + 30 * 60,
    "regular_close": 15 * 3600 + 30 * 60,
    "all_closed": 18 * 3600,
    "close_price_start": 15 * 3600 + 40 * 60,
    "close_price_end": 16 * 3600,
    "after_hours_single_start": 16 * 3600,
    "after_hours_single_end": 18 * 3600,
    "nxt_pre_market_start": 8 * 3600,
    "nxt_pre_market_end": 8 * 3600 + 50 * 60,
    "nxt_main_start": 9 * 3600,
    "nxt_main_end": 15 * 3600 + 20 * 60,
    "nxt_after_single_start": 15 * 3600 + 30 * 60,
    "nxt_after_market_start": 15 * 3600 + 30 * 60,
    "nxt_after_market_end": 20 * 3600,
}


def venue_warnings(spec: StrategySpec) -> list[str]:
    """One line per (rule, order type) that the venue refuses at every moment it fires."""
    out = []
    for rule in spec.rules:
        moments = list(_moments(rule))
        if not moments or not rule.enabled:
            continue
        symbols = rule.symbols or spec.symbols
        for action in rule.do:
            order = getattr(action, action.kind)
            if not action.action.is_new:
                continue
            order_type: OrderType = order.order_type
            seen = [(_phase(s, sod, order_type, vi), sod) for s in symbols for sod, vi in moments]
            if all(refusal(phase, order_type) is not None for phase, _ in seen):
                phases = ", ".join(sorted({p.value for p, _ in seen}))
                out.append(
                    f"rule '{rule.name}' can only fire in {phases}, which does not accept "
                    f"{describe(order_type)}: every order it sends would be refused"
                )
    return out


def _phase(symbol: str, sod: int, order_type: OrderType, vi: bool) -> Phase:
    return phase_for(venue_of(symbol), sod, order_type, vi=vi)


def _moments(rule: RuleSpec) -> Iterable[tuple[int, bool]]:
    """(second of day, in a VI auction) at which the rule can fire; none: any time."""
    on = rule.on
    if on.at:
        return [(_sod(t), False) for t in on.at]
    if on.session:
        return [(SESSION_AT[s], False) for s in on.session if s in SESSION_AT]
    if on.vi is not None and on.vi.event != "any":
        noon = 12 * 3600  # a VI happens in continuous trading: its auction, or after it
        return [(noon, on.vi.event == "triggered")]
    if on.every:
        start, end = on.between or ("09:00", "15:20")
        return [(s, False) for s in range(_sod(start), _sod(end), 60)]
    return []


def _sod(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    h, m, s = (parts + [0, 0])[:3]
    return h * 3600 + m * 60 + s

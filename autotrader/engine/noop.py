"""Why a step that fired sends no order: the outcome and the reason a decision row keeps.

A firing that sends nothing is never silent: the decision is journaled with an outcome
(``nothing_held``, ``already_offered``, ``zero_qty``, ``no_price``, ``no_target``,
``refused``, ``cooldown``...) and a reason a trader reads as is, such as "all 37 shares
already offered by take-profit #12". The report counts them per rule.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from autotrader.clock import DAY, SEOUL_OFFSET
from autotrader.engine.ledger import Ledger, tag_of
from autotrader.model import Side

if TYPE_CHECKING:
    from autotrader.compile.plan import CompiledAction, CompiledRule
    from autotrader.engine.state import SymbolState
    from autotrader.engine.triggers import Controls

MAX_LISTED = 3  # working orders named in a reason; the rest are counted


def hms(ts: float) -> str:
    """'09:05:00.250', Asia/Seoul (a fixed +9 h): as ``to_seoul(ts)`` would print it,
    microseconds rounded half-even as ``datetime.fromtimestamp`` does, then cut to the
    millisecond, without building a datetime (a held-back firing writes two)."""
    frac, whole = math.modf(ts)
    us = round(frac * 1e6)
    if us >= 1_000_000:
        whole, us = whole + 1, us - 1_000_000
    elif us < 0:
        whole, us = whole - 1, us + 1_000_000
    sod = (int(whole) + SEOUL_OFFSET) % DAY
    return f"{sod // 3600:02d}:{sod // 60 % 60:02d}:{sod % 60:02d}.{us // 1000:03d}"


def offered_by(ledger: Ledger, symbol: str, side: Side = Side.SELL) -> str:
    """'take-profit #12' or 'tp #3, trail #7 and 2 more': the working orders of a side."""
    orders = [o for o in ledger.by_symbol.get(symbol, ()) if o.side is side]
    names = [f"{tag_of(o)} #{o.order_id}" for o in orders[:MAX_LISTED]]
    more = len(orders) - len(names)
    if more:
        names.append(f"{more} more")
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else "orders not yet confirmed"


def no_order(action: CompiledAction, st: SymbolState, ledger: Ledger) -> tuple[str, str]:
    """(outcome, reason) of a new-order step that resolved to no order."""
    spec = action.spec.order
    side = action.spec.action.side or Side.BUY
    if spec.order_type.needs_price and action.price is not None:
        price = _value(action, st)
        if price <= 0:
            return "no_price", f"price '{action.price.text}' came to {price:g}: no order"
    if action.condition_price is not None and _value(action, st, condition=True) <= 0:
        return "no_price", f"condition_price '{action.condition_price.text}' is not positive"
    held, offered = st.pos_qty, ledger.pending_qty(st.symbol, Side.SELL)
    if side is Side.SELL and isinstance(spec.qty, str):
        if held <= 0:
            return "nothing_held", "no shares held: nothing to sell"
        if offered >= held:
            who = offered_by(ledger, st.symbol)
            return "already_offered", f"all {held:,} shares already offered by {who}"
        return "zero_qty", f"qty {spec.qty} of {held:,} shares held comes to 0 shares"
    if isinstance(spec.qty, str):
        return "zero_qty", f"qty {spec.qty} of {held:,} shares held comes to 0 shares"
    if spec.amount is not None:
        ref = st.ask if side is Side.BUY else st.bid
        ref = ref or st.price
        if ref <= 0:
            return "no_price", f"amount {spec.amount:,} KRW: no price seen yet to size it"
        return "zero_qty", f"amount {spec.amount:,} KRW buys no share at {ref:,} KRW"
    return "zero_qty", "the quantity comes to 0 shares"


def _value(action: CompiledAction, st: SymbolState, *, condition: bool = False) -> float:
    price = action.condition_price if condition else action.price
    if price is None:
        return 0.0
    try:
        raw = float(price.value(st))
    except (ArithmeticError, TypeError, ValueError):
        return 0.0
    return raw if math.isfinite(raw) else 0.0


def blocked_reason(
    controls: Controls, rule: CompiledRule, symbol: str, now: float
) -> tuple[str, str]:
    """(outcome, reason) of a firing its controls hold back: cooldown, once per symbol, or
    the daily maximum."""
    if controls.rule_until.get(rule.order, 0.0) > now:
        _day, fires = controls.day_fires.get(rule.order, (0, 0))
        return "max_per_day", f"max_per_day: fired {fires} times today (at most {rule.max_per_day})"
    last = rule.last_fired.get(symbol)
    since = f" at {hms(last)}" if last is not None else ""
    until = controls.until.get((rule.order, symbol), 0.0)
    if rule.once_per_symbol and (not rule.cooldown or last is None or until > last + rule.cooldown):
        return "once_per_symbol", f"once_per_symbol: already fired on {symbol} today{since}"
    return "cooldown", f"cooldown {rule.cooldown:g} s after the fire{since}: until {hms(until)}"

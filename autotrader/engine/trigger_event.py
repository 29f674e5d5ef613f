"""The event a rule is running for, as conditions read it (``event.qty``, ``event.status``).

A rule on ``on: order`` or ``on: vi`` may read the event that triggered it. While such
rules run, the engine puts a ``TriggerEvent`` on ``MarketState.event``; the compiled
fragments (``event.qty`` -> ``s.market.event.qty``) read its fields. At any other time
it is ``NO_EVENT``, whose fields are all empty, so a read never fails (the type checker
already refuses ``event.*`` names in rules on other triggers).
"""

from __future__ import annotations

from dataclasses import dataclass

from autotrader.model import Fill, OrderRequest, ViEvent


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """The triggering event's fields; those a trigger kind does not have stay empty."""

    status: str = ""  # order: accepted/filled/...; vi: triggered/released
    side: str = ""  # order: "buy" | "sell"
    qty: int = 0  # order: its quantity
    price: int = 0  # order: its limit price (0 for market orders)
    filled_qty: int = 0  # order: shares filled so far
    remaining: int = 0  # order: shares not filled
    fill_qty: int = 0  # order: this fill's shares
    fill_price: int = 0  # order: this fill's price
    tag: str = ""  # order: its tag
    created_at: float = 0.0  # order: when it was placed (epoch seconds)
    kind: str = ""  # vi: static | dynamic | both
    direction: str = ""  # vi: up | down | ""
    trigger_price: int = 0  # vi: the price that triggered it
    session: str = ""  # session: the 0s name the rule runs for ("closing_notice")


NO_EVENT = TriggerEvent()


def order_event(order: OrderRequest, status: str, tag: str, fill: Fill | None) -> TriggerEvent:
    """What an ``on: order`` rule sees of its order's event."""
    side = order.side
    return TriggerEvent(
        status=status,
        side="" if side is None else side.value,
        qty=order.qty,
        price=order.price,
        filled_qty=order.filled_qty,
        remaining=max(order.qty - order.filled_qty, 0),
        fill_qty=fill.qty if fill is not None else 0,
        fill_price=fill.price if fill is not None else 0,
        tag=tag,
        created_at=order.created_at,
    )


def vi_event(ev: ViEvent) -> TriggerEvent:
    """What an ``on: vi`` rule sees of the VI event."""
    return TriggerEvent(
        status="released" if ev.released else "triggered",
        kind=ev.kind,
        direction=ev.direction,
        trigger_price=ev.trigger_price,
    )

"""Turn a rule's action into an order request: quantity and price from the tick.

Prices land on the KRX tick grid (buys rounded down, sells up, so a rounded limit is
never more aggressive than asked); a quantity that resolves to zero means no order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autotrader.market.ticks import round_to_tick, shift_ticks
from autotrader.model import OrderAction, OrderRequest, OrderType, Side
from autotrader.rules.schema import ActionSpec

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState


def resolve_price(spec_price: int | str | None, ticks: int, side: Side, st: SymbolState) -> int:
    """The limit price on the grid, or 0 for a market order."""
    if spec_price is None or spec_price == "market":
        return 0
    if isinstance(spec_price, int):
        base = spec_price
    elif spec_price == "ask":
        base = st.ask or st.price
    elif spec_price == "bid":
        base = st.bid or st.price
    else:
        base = st.price
    if base <= 0:
        return 0
    base = round_to_tick(base, "down" if side is Side.BUY else "up")
    return shift_ticks(base, ticks) if ticks else base


def resolve_qty(
    qty: int | str | None,
    amount: int | None,
    side: Side,
    price: int,
    st: SymbolState,
    pending_sell: int,
) -> int:
    if isinstance(qty, int):
        return qty
    if qty == "all":
        return max(st.pos_qty - pending_sell, 0) if side is Side.SELL else 0
    if amount is not None:
        ref = price or (st.ask if side is Side.BUY else st.bid) or st.price
        return amount // ref if ref > 0 else 0
    return 0


def build_order(
    action: ActionSpec,
    st: SymbolState,
    *,
    order_id: int,
    rule: str,
    strategy: str,
    now: float,
    pending_sell: int,
) -> OrderRequest | None:
    """The order an action asks for right now, or None when its quantity is zero."""
    side = Side.BUY if action.side == "buy" else Side.SELL
    spec = action.order
    price = resolve_price(spec.price, spec.ticks, side, st) if spec.type == "limit" else 0
    if spec.type == "limit" and price <= 0:
        return None
    qty = resolve_qty(spec.qty, spec.amount, side, price, st, pending_sell)
    if qty <= 0:
        return None
    return OrderRequest(
        order_id=order_id,
        action=OrderAction.BUY if side is Side.BUY else OrderAction.SELL,
        symbol=st.symbol,
        qty=qty,
        order_type=OrderType.LIMIT if spec.type == "limit" else OrderType.MARKET,
        price=price,
        rule=rule,
        strategy=strategy,
        created_at=now,
    )

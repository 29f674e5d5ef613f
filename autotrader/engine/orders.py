"""Turn a rule's action into order requests: quantity and price from the tick.

Prices land on the KRX tick grid (buys rounded down, sells up, so a rounded limit is
never more aggressive than asked), then move by the action's ticks; a quantity or a
price that resolves to zero means no order. ``modify`` and ``cancel`` become one request
per addressed working order (``target_id``), with the target's own side and type.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from autotrader.compile.plan import CompiledAction, CompiledPrice
from autotrader.engine.ledger import TAG
from autotrader.market.grid import round_price, shift_price
from autotrader.model import Exchange, Loan, OrderAction, OrderRequest, OrderType, Side
from autotrader.rules.actions import AVAILABLE, CreditSellSpec, ModifySpec

if TYPE_CHECKING:
    from autotrader.engine.state import SymbolState

_EXCHANGES = {"_NX": Exchange.NXT, "_AL": Exchange.SOR}


def exchange_of(symbol: str) -> Exchange:
    """The exchange a feed item trades on: '005930' KRX, '_NX' Nextrade, '_AL' SOR."""
    return _EXCHANGES.get(symbol[-3:], Exchange.KRX)


def resolve_price(price: CompiledPrice | None, side: Side, st: SymbolState) -> int:
    """The limit price on the grid, or 0 (no price, or the expression is not positive)."""
    if price is None:
        return 0
    try:
        raw = price.value(st)
    except (ArithmeticError, TypeError, ValueError):
        return 0
    if not math.isfinite(raw) or raw <= 0:
        return 0
    base = math.floor(raw) if side is Side.BUY else math.ceil(raw)
    base = round_price(st.symbol, base, "down" if side is Side.BUY else "up")  # gold: 10 won
    return shift_price(st.symbol, base, price.ticks) if price.ticks else base


def resolve_qty(
    qty: int | str | None,
    amount: int | None,
    side: Side,
    price: int,
    st: SymbolState,
    pending_sell: int,
) -> int:
    """Shares: a number, 'available' (held, not offered by a working sell; 'all' is its
    older spelling), 'N%' of the position, or KRW/price."""
    free = max(st.pos_qty - pending_sell, 0)
    if isinstance(qty, int):
        return qty
    if qty in AVAILABLE:
        return free if side is Side.SELL else 0
    if isinstance(qty, str) and qty.endswith("%"):
        shares = int(st.pos_qty * float(qty[:-1]) / 100)
        return min(shares, free) if side is Side.SELL else shares
    if amount is not None:
        ref = price or (st.ask if side is Side.BUY else st.bid) or st.price
        return amount // ref if ref > 0 else 0
    return 0


def build_order(
    action: CompiledAction,
    st: SymbolState,
    *,
    order_id: int,
    rule: str,
    strategy: str,
    now: float,
    pending_sell: int,
) -> OrderRequest | None:
    """The new order an action asks for right now, or None when it resolves to nothing."""
    spec = action.spec.order
    kind = action.spec.action
    side = kind.side or Side.BUY
    order_type = spec.order_type
    prices = order_prices(action, order_type, side, st)
    if prices is None:
        return None
    qty = resolve_qty(spec.qty, spec.amount, side, prices[0], st, pending_sell)
    if qty <= 0:
        return None
    order = new_order(
        kind, st, qty, order_type, prices, order_id=order_id, rule=rule, strategy=strategy,
        now=now, tags={TAG: action.tag},
    )  # fmt: skip
    if isinstance(spec, CreditSellSpec):
        order.loan_type = Loan(spec.loan).value
        order.loan_date = spec.loan_date or ""
    return order


def order_prices(
    action: CompiledAction, order_type: OrderType, side: Side, st: SymbolState
) -> tuple[int, int] | None:
    """(price, condition price) of an order of ``order_type`` the action asks for now, 0
    where the type takes none; None when one it needs resolves to nothing."""
    price = condition = 0
    if order_type.needs_price:
        price = resolve_price(action.price, side, st)
        if price <= 0:
            return None
    if order_type.needs_condition_price:
        condition = resolve_price(action.condition_price, side, st)
        if condition <= 0:
            return None
    return price, condition


def new_order(
    action: OrderAction,
    st: SymbolState,
    qty: int,
    order_type: OrderType,
    prices: tuple[int, int],
    *,
    order_id: int,
    rule: str,
    strategy: str,
    now: float,
    tags: dict[str, str],
) -> OrderRequest:
    """A new order in ``st``'s symbol on its exchange: what rules, a flatten and the
    protection send. ``prices``: (price, condition price), 0 where the type takes none."""
    symbol = st.symbol
    price, condition_price = prices
    return OrderRequest(  # positional (one per order: keywords cost more): the fields in order
        order_id, action, symbol, qty, order_type, price, condition_price,
        exchange_of(symbol), rule, strategy, now, tags=tags,
    )  # fmt: skip


def build_change(
    action: CompiledAction,
    target: OrderRequest,
    st: SymbolState,
    *,
    order_id: int,
    rule: str,
    strategy: str,
    now: float,
) -> OrderRequest | None:
    """A modify or cancel request for one working order, or None (no valid price)."""
    spec = action.spec.target
    kind = action.spec.action
    price = condition_price = 0
    if isinstance(spec, ModifySpec):
        side = target.side or Side.BUY
        price = resolve_price(action.price, side, st)
        if price <= 0:
            return None
        if action.condition_price is not None:
            condition_price = resolve_price(action.condition_price, side, st)
    qty = spec.qty or 0  # 0: the whole remainder (Kiwoom mdfy_qty / cncl_qty '0')
    cancel = kind in (OrderAction.CANCEL, OrderAction.CREDIT_CANCEL)
    if cancel and qty >= target.remaining:
        qty = 0
    return OrderRequest(
        order_id=order_id,
        action=kind,
        symbol=target.symbol,
        qty=qty,
        # A cancel has no price or type at Kiwoom; a modify keeps the target's type.
        order_type=OrderType.MARKET if cancel else target.order_type,
        price=price,
        condition_price=condition_price,
        exchange=target.exchange,
        rule=rule,
        strategy=strategy,
        created_at=now,
        target_id=target.order_id,
        tags={TAG: action.tag},
    )


def change_whole(
    target: OrderRequest,
    kind: str,
    order_id: int,
    rule: str,
    strategy: str,
    now: float,
    price: int = 0,
) -> OrderRequest:
    """A cancel or modify ("cancel" | "modify") of ``target``'s whole remainder (kill
    switch, remainder policies); a credit order is changed with the credit variant."""
    credit = target.action in (OrderAction.CREDIT_BUY, OrderAction.CREDIT_SELL)
    if kind == "cancel":
        action = OrderAction.CREDIT_CANCEL if credit else OrderAction.CANCEL
    else:
        action = OrderAction.CREDIT_MODIFY if credit else OrderAction.MODIFY
    return OrderRequest(
        order_id=order_id,
        action=action,
        symbol=target.symbol,
        qty=0,  # the whole remainder
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        price=price,
        exchange=target.exchange,
        rule=rule,
        strategy=strategy,
        created_at=now,
        target_id=target.order_id,
    )


def snapshot(st: SymbolState) -> dict[str, Any]:
    """The values a decision row keeps: what the rule saw when it fired."""
    return {
        "price": st.price,
        "ask": st.ask,
        "bid": st.bid,
        "volume": st.volume,
        "change_rate": round(st.change_rate, 6),
        "position_qty": st.pos_qty,
        "position_avg": st.pos_avg,
        "vi_active": st.vi_active,
    }

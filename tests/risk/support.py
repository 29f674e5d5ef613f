"""Builders for check inputs: one symbol's state, an account book, an order."""

from __future__ import annotations

from typing import Any

from autotrader.engine.state import MarketState, SymbolState
from autotrader.feed.fastline import Tick
from autotrader.model import OrderAction, OrderRequest, OrderType
from autotrader.risk import CheckInput, RiskBook, RiskLimits

TEN_AM = 10 * 3600


def state(
    price: int = 70_000,
    *,
    ask: int | None = None,
    bid: int | None = None,
    change: int | None = 0,
    pos: int = 0,
    avg: int = 0,
    sod: int = TEN_AM,
    session: str = "open",
) -> SymbolState:
    market = MarketState()
    market.sod, market.session, market.now = sod, session, 1_000_000.0
    st = SymbolState("005930", market)
    st.price = price
    values: dict[str, Any] = {"10": f"+{price}", "27": str(ask or price), "28": str(bid or price)}
    if change is not None:
        values["11"] = str(change)
    st.values = Tick.of(values)
    st.pos_qty, st.pos_avg = pos, avg
    return st


def order(
    qty: int = 10,
    *,
    action: OrderAction = OrderAction.BUY,
    price: int = 0,
    rule: str = "r",
    **kw: Any,
) -> OrderRequest:
    return OrderRequest(
        order_id=1,
        action=action,
        symbol="005930",
        qty=qty,
        order_type=OrderType.LIMIT if price else OrderType.MARKET,
        price=price,
        rule=rule,
        **kw,
    )


def check_input(
    o: OrderRequest | None = None,
    st: SymbolState | None = None,
    *,
    limits: RiskLimits | None = None,
    book: RiskBook | None = None,
    pending_buy: int = 0,
    pending_sell: int = 0,
    now: float = 1_000_000.0,
) -> CheckInput:
    return CheckInput(
        order=o or order(),
        state=st or state(),
        limits=limits or RiskLimits(),
        pending_buy_qty=pending_buy,
        pending_sell_qty=pending_sell,
        book=book or RiskBook(cash=100_000_000),
        now=now,
    )

"""The account at a live start: positions from holdings, cash from the deposit, and
today's open orders tracked again (resumed under their own journal row, or adopted).

Rules are held meanwhile, so none fires on a wrong picture of the account. An order an
earlier run journaled resumes its row (restart recovery found it still working); a
number another journal row holds is not ours to adopt; any other open order is adopted
as a new row. Either way it enters the engine's order ledger and the broker's book.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from autotrader.broker.kiwoom.account import OpenOrder
from autotrader.broker.kiwoom.broker import AccountSnapshot, KiwoomBroker
from autotrader.broker.kiwoom.orders import order_type_of
from autotrader.engine.engine import Engine
from autotrader.live.recovery import Recovery
from autotrader.model import OrderAction, OrderRequest, OrderState, Side

log = logging.getLogger(__name__)


@dataclass
class LoadedAccount:
    adopted: list[OrderRequest] = field(default_factory=list)  # open at Kiwoom, new rows
    resumed: list[OrderRequest] = field(default_factory=list)  # open, an earlier run's rows


def load_account(
    engine: Engine,
    broker: KiwoomBroker,
    snapshot: AccountSnapshot,
    recovery: Recovery | None,
    *,
    strategy: str,
    now: float,
) -> LoadedAccount:
    """Positions from holdings, cash from the deposit, open orders resumed or adopted."""
    journal = engine.journal
    book = engine.book
    if snapshot.deposit is not None:
        book.cash = snapshot.deposit.orderable
    else:
        journal.error(now, "live", "orderable cash unknown (kt00001): buys refused")
    totals: dict[str, tuple[int, int]] = {}
    for h in snapshot.balance.holdings:
        qty, cost = totals.get(h.symbol, (0, 0))
        totals[h.symbol] = (qty + h.qty, cost + h.qty * h.avg_price)
    for symbol, (qty, cost) in totals.items():
        st = engine.states.get(symbol)
        if st is not None and qty > 0:
            st.pos_qty, st.pos_avg = qty, cost // qty
            book.track(st)
    loaded = LoadedAccount()
    earlier = recovery.working if recovery is not None else {}
    claimed = recovery.claimed if recovery is not None else set()
    for o in snapshot.open_orders:
        if o.side is None or o.remaining <= 0:
            continue
        row = earlier.get(o.order_no)
        if row is not None:
            # the whole order: fills under every number it has had (recovery counted
            # them), plus what still works under its current one
            filled = row.filled_qty
            engine.ledger.resume(row, filled + o.remaining, o.price, o.order_no, filled, now)
            broker.adopt(row)
            loaded.resumed.append(row)
            continue
        if o.order_no in claimed:
            continue
        order = _adopted(o, journal.next_order_id(), strategy, now)
        journal.commit_intent(order, now, "adopted: open at Kiwoom at start")
        _track(order, engine, broker)
        loaded.adopted.append(order)
    journal.flush()
    log.info(
        "live: account loaded: %d holdings, cash %s KRW, %d open orders resumed, %d adopted",
        len(totals),
        f"{book.cash:,}",
        len(loaded.resumed),
        len(loaded.adopted),
    )
    return loaded


def _adopted(o: OpenOrder, order_id: int, strategy: str, now: float) -> OrderRequest:
    assert o.side is not None
    return OrderRequest(
        order_id=order_id,
        action=OrderAction.BUY if o.side is Side.BUY else OrderAction.SELL,
        symbol=o.symbol,
        qty=o.qty,
        order_type=order_type_of(o.order_type, o.price),
        price=o.price,
        strategy=strategy,
        created_at=now,
        state=OrderState.ACCEPTED,
        broker_order_no=o.order_no,
        filled_qty=o.filled_qty,
        tags={"origin": "adopted"},
    )


def _track(order: OrderRequest, engine: Engine, broker: KiwoomBroker) -> None:
    # Kiwoom's orderable cash already excludes a working buy: the ledger holds it in the
    # reserve instead, so its fills and its cancel move cash the usual way.
    engine.ledger.track(order, reserve_from_cash=True)
    broker.adopt(order)

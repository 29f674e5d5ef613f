"""What the risk checks know about the account: cash, working orders, rates, the kill switch.

The checks only read it. Money is integer KRW. Cash is the orderable cash the run
started from (configuration for a paper run, the account for a live one), moved by every
fill (``filled``). What working orders hold (``reserved``: buys' value and commission, so
two buys cannot spend the same won; ``open_orders``) is written by the order ledger
(``engine/ledger.py``) alone, the one owner of working orders.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

from autotrader.market.fees import Fees
from autotrader.model import Fill, OrderRequest, Side
from autotrader.risk.credit import CreditLoans
from autotrader.risk.view import SymbolView

ANSWERS = "answers"  # tag: the event an order answers (a protective stop: its entry fill)


RATE_WINDOW = 60.0  # seconds: the order-rate limits are per minute


class TradingLevel(enum.StrEnum):
    """The engine's trading state, i.e. the kill switch's level."""

    ACTIVE = "active"  # every check-approved order may leave
    REDUCING = "reducing"  # exits only: no new entries (buys)
    HALTED = "halted"  # no new orders at all; open ones are cancelled

    def blocks(self, side: Side | None) -> bool:
        """Whether an order on ``side`` may not leave at this level."""
        if self is TradingLevel.HALTED:
            return True
        return self is TradingLevel.REDUCING and side is not Side.SELL


@dataclass(slots=True)
class RiskBook:
    """Account-wide state the checks compare against."""

    cash: int  # orderable cash, KRW (working buys not deducted)
    fees: Fees = field(default_factory=Fees)
    reserved: int = 0  # KRW held back by working buy orders (value + commission): ledger
    held_value: int = 0  # held shares marked at their last trade, KRW (kept in O(1))
    held_cost: int = 0  # held shares at their average cost, KRW
    level: TradingLevel = TradingLevel.ACTIVE
    level_reason: str = ""
    open_orders: int = 0  # working new orders, every symbol: written by the ledger
    realized: int = 0  # today's realized P&L after fees and tax
    held: dict[str, SymbolView] = field(default_factory=dict)  # symbols with a position
    sent_times: deque[float] = field(default_factory=deque)  # approvals, last minute
    sent_by_symbol: dict[str, deque[float]] = field(default_factory=dict)
    last_sent: dict[tuple[str, str, str, int, int, str], float] = field(default_factory=dict)
    credit: CreditLoans = field(default_factory=CreditLoans)  # kt20017 answers (risk/credit.py)

    # -- reads (used by the checks) -----------------------------------------------------
    @property
    def available_cash(self) -> int:
        return self.cash - self.reserved

    def unrealized(self) -> int:
        """Open positions marked at the last trade, less the fees and tax of selling."""
        value = self.held_value
        # fees on the total are at least the sum of per-symbol fees: never optimistic
        return value - self.held_cost - self.fees.commission(value) - self.fees.sell_tax(value)

    def day_pnl(self) -> int:
        return self.realized + self.unrealized()

    def exposure(self) -> int:
        """Gross exposure: held shares at the last trade plus what working buys hold back."""
        return self.held_value + self.reserved

    def recent(self, times: deque[float] | None, now: float) -> int:
        """Approvals in the last minute (``times`` is ordered; pruned on write, so at
        most a few entries at its start are older: count those, not the rest)."""
        if not times:
            return 0
        start = now - RATE_WINDOW
        old = 0
        for t in times:
            if t > start:
                break
            old += 1
        return len(times) - old

    # -- writes --------------------------------------------------------------------------
    def approved(self, order: OrderRequest, now: float) -> None:
        """Count an order that passed the guard and is about to leave (rate, duplicates)."""
        side = order.action.side
        old = now - RATE_WINDOW
        times = self.sent_times
        times.append(now)
        while times and times[0] <= old:
            times.popleft()
        per = self.sent_by_symbol.get(order.symbol)
        if per is None:
            per = self.sent_by_symbol[order.symbol] = deque()
        per.append(now)
        while per and per[0] <= old:
            per.popleft()
        if side is None:
            return
        # rule, symbol, side, qty, price, event answered: a duplicate (checks.duplicate)
        key = (order.rule, order.symbol, side._value_, order.qty, order.price)  # not .value: slow
        self.last_sent[(*key, order.tags.get(ANSWERS, ""))] = now

    def filled(self, fill: Fill, st: SymbolView | None) -> None:
        """Move cash by a fill (the ledger releases the reserve it used)."""
        value = fill.qty * fill.price
        if fill.side is Side.BUY:
            self.cash -= value + fill.commission
        else:
            self.cash += value - fill.commission - fill.tax
        if st is not None:
            self.track(st)

    def track(self, st: SymbolView) -> None:
        """Re-mark one symbol after its position changed (a fill, the account loaded).

        Between position changes the engine moves ``held_value`` tick by tick by the
        price change times the marked quantity, so reading the book's P&L and exposure
        costs O(1) however many symbols are held. Before a symbol's first tick its
        position is marked at its average cost: no phantom loss at start-up.
        """
        mark = st.price or st.pos_avg
        self.held_value += mark * st.pos_qty - st.mark * st.mark_qty
        self.held_cost += st.pos_avg * st.pos_qty - st.mark_cost
        st.mark, st.mark_qty, st.mark_cost = mark, st.pos_qty, st.pos_avg * st.pos_qty
        if st.pos_qty > 0:
            self.held[st.symbol] = st
        else:
            self.held.pop(st.symbol, None)

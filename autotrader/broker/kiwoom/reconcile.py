"""Matching orders whose outcome is unknown against what Kiwoom reports.

An order request carries no id of ours, so after a timeout we can only recognise our
order among the account's orders by what it looked like. The rule (pure, deterministic):

* a **new** order matches a Kiwoom order (from ka10075 open orders or ka10076 fills) with
  the same symbol, side and order quantity, the same price when the order type is priced
  (market-like orders report a price of 0 or the fill price, so price is ignored), placed
  between ``before`` seconds before and ``after`` seconds after our ``created_at`` (Korea
  time of day), whose order number is not already claimed by another of our orders;
* a **modify/cancel** matches a Kiwoom order whose original order number is the target's;
* candidates are assigned one-to-one, our orders in creation order, each taking the
  earliest remaining candidate, so two identical orders sent a second apart resolve to
  two distinct Kiwoom orders in the same order;
* no candidate means ``not_found``: the request never reached Kiwoom (call this only after
  a few seconds, once a late acceptance would already show).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.account import FillRow, OpenOrder
from autotrader.model import OrderRequest, Side

SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True, slots=True)
class Resolution:
    """What became of an in-doubt order: ``accepted`` (with Kiwoom's number) or ``not_found``."""

    order_id: int
    outcome: str  # "accepted" | "not_found"
    broker_order_no: str = ""
    filled_qty: int = 0
    fill_price: int = 0
    remaining: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One Kiwoom order as seen by the reconciliation queries, merged by order number."""

    order_no: str
    symbol: str
    side: Side | None
    qty: int
    price: int
    filled_qty: int
    fill_price: int
    remaining: int
    original_order_no: str
    time: str


def candidates(open_orders: Iterable[OpenOrder], fills: Iterable[FillRow]) -> list[Candidate]:
    """Merge both queries by order number (fills first: they know the filled quantity)."""
    merged: dict[str, Candidate] = {}
    for f in fills:
        merged[f.order_no] = Candidate(
            f.order_no, f.symbol, f.side, f.order_qty, f.order_price, f.fill_qty,
            f.fill_price, f.remaining, "", f.time,
        )  # fmt: skip
    for o in open_orders:
        known = merged.get(o.order_no)
        merged[o.order_no] = Candidate(
            o.order_no, o.symbol, o.side, o.qty, o.price,
            max(o.filled_qty, known.filled_qty if known else 0),
            o.fill_price or (known.fill_price if known else 0),
            o.remaining, o.original_order_no, o.time or (known.time if known else ""),
        )  # fmt: skip
    return sorted(merged.values(), key=lambda c: (c.time, c.order_no))


def match(
    in_doubt: Iterable[OrderRequest],
    found: Iterable[Candidate],
    *,
    claimed: Iterable[str] = (),
    target_order_nos: Mapping[int, str] | None = None,
    before: float = 5.0,
    after: float = 120.0,
) -> list[Resolution]:
    """Resolve each in-doubt order by the rule in the module docstring."""
    taken = set(claimed)
    pool = [c for c in found if c.order_no not in taken]
    targets = target_order_nos or {}
    results: list[Resolution] = []
    for order in sorted(in_doubt, key=lambda o: (o.created_at, o.order_id)):
        chosen: Candidate | None = None
        for c in pool:
            if c.order_no in taken:
                continue
            if order.action.is_new:
                ok = _same_order(order, c, before, after)
            else:
                target = targets.get(order.target_id or -1, "")
                ok = bool(target) and c.original_order_no == target
            if ok:
                chosen = c
                break
        if chosen is None:
            results.append(Resolution(order.order_id, "not_found"))
            continue
        taken.add(chosen.order_no)
        results.append(
            Resolution(
                order.order_id,
                "accepted",
                chosen.order_no,
                chosen.filled_qty,
                chosen.fill_price,
                chosen.remaining,
            )  # fmt: skip
        )
    return results


def _same_order(order: OrderRequest, c: Candidate, before: float, after: float) -> bool:
    if c.symbol != order.symbol or c.side is not order.side or c.qty != order.qty:
        return False
    if order.order_type.needs_price and c.price != order.price:
        return False
    placed = fields.seconds_of_day(c.time)
    if placed is None or not order.created_at:
        return True  # no time to compare: the other keys must do
    sent = _seconds_of_day(order.created_at)
    return sent - before <= placed <= sent + after


def _seconds_of_day(epoch: float) -> float:
    moment = datetime.fromtimestamp(epoch, SEOUL)
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6

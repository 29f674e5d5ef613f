"""Matching orders whose outcome is unknown against what Kiwoom reports, without trusting clocks.

An order request carries no id of ours, so after a timeout we can only recognise our
order among the account's orders by what it looked like. The rule (pure, deterministic):

* **Keys.** A *new* order's candidates are the Kiwoom orders (ka10075 open orders,
  ka10076 fills) with the same symbol, side, order quantity, order type (when the row
  says) and price (priced types only: market-like orders report 0 or the fill price),
  whose number no order of ours already holds. A *modify/cancel*'s candidates are the
  unclaimed orders whose original order number is its target's, kt00007's day history
  included (a cancel's number appears in no other list).
* **Order-number order.** Kiwoom numbers an account's orders in the order it accepts
  them. A number seen before our request left (in an answer or a ``00`` frame) was
  given before ours could be: candidates must be above that ``floor``.
* **Time, only when it is known to be reliable.** Kiwoom's order times are on the
  venue's clock, not ours. The offset between the two is measured on our own orders whose
  numbers we know (venue time of the row minus our send time); only with such samples,
  agreeing within ``max_spread`` seconds, are candidates outside ``[sent + offset -
  before, sent + offset + after]`` dropped. Without them the time is not used at all, so
  the result is the same whatever the offset between the local and the venue clocks.
* **Never guess.** Orders in doubt with the same keys form a group. No candidate: each
  is ``not_found`` (the request never reached Kiwoom; call this only after a few seconds,
  once a late acceptance would show). As many candidates as orders, each above its
  floor when paired in sending order with the numbers in ascending order: ``accepted``.
  Anything else (more candidates than orders -- someone else's identical order, say --
  or fewer when there are several orders) is ``ambiguous``: the orders stay in doubt and
  the caller halts new orders in that symbol with the reason.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from autotrader.broker.kiwoom import fields
from autotrader.broker.kiwoom.account import FillRow, OpenOrder, OrderRow
from autotrader.broker.kiwoom.orders import TRDE_TP
from autotrader.model import OrderRequest, Side

SEOUL = ZoneInfo("Asia/Seoul")
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Resolution:
    """What became of an in-doubt order: ``accepted`` (with Kiwoom's number),
    ``not_found``, or ``ambiguous`` (still in doubt; ``detail`` says why)."""

    order_id: int
    outcome: str  # "accepted" | "not_found" | "ambiguous"
    broker_order_no: str = ""
    filled_qty: int = 0
    fill_price: int = 0
    remaining: int = 0
    detail: str = ""
    candidates: tuple[str, ...] = ()


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
    order_type: str = ""  # trde_tp when the row carries it


def candidates(open_orders: Iterable[OpenOrder], fills: Iterable[FillRow]) -> list[Candidate]:
    """Merge both queries by order number (fills first: they know the filled quantity)."""
    merged: dict[str, Candidate] = {}
    for f in fills:
        merged[f.order_no] = Candidate(
            f.order_no, f.symbol, f.side, f.order_qty, f.order_price, f.fill_qty,
            f.fill_price, f.remaining, _original(f.original_order_no), f.time, f.order_type,
        )  # fmt: skip
    for o in open_orders:
        known = merged.get(o.order_no)
        merged[o.order_no] = Candidate(
            o.order_no, o.symbol, o.side, o.qty, o.price,
            max(o.filled_qty, known.filled_qty if known else 0),
            o.fill_price or (known.fill_price if known else 0),
            o.remaining,
            _original(o.original_order_no) or (known.original_order_no if known else ""),
            o.time or (known.time if known else ""),
            o.order_type or (known.order_type if known else ""),
        )  # fmt: skip
    return sorted(merged.values(), key=lambda c: _number_key(c.order_no))


def history_candidates(rows: Iterable[OrderRow], known: Iterable[str] = ()) -> list[Candidate]:
    """kt00007's modify and cancel numbers that the other lists do not show (a cancel
    never works nor fills; a modify moved on again did not either): the candidates a
    modify or cancel in doubt needs. New orders are left out: they are matched on the
    lists that know their fills."""
    seen = set(known)
    return [
        Candidate(
            r.order_no,
            r.symbol,
            r.side,
            r.qty,
            r.price,
            r.filled_qty,
            r.fill_price,
            r.remaining,
            r.original_order_no,
            r.time,
        )  # fmt: skip
        for r in rows
        if r.kind != "new" and r.original_order_no and not r.refused and r.order_no not in seen
    ]


def clock_offset(samples: Iterable[tuple[float, str]], *, max_spread: float = 5.0) -> float | None:
    """The venue clock minus ours, from (our send time epoch, the venue's HHMMSS) pairs of
    orders whose numbers we know; None when there is no sample or they disagree."""
    offsets: list[float] = []
    for sent, venue in samples:
        placed = fields.seconds_of_day(venue)
        if placed is None or not sent:
            continue
        offset = (placed - seconds_of_day(sent)) % DAY
        offsets.append(offset - DAY if offset > DAY / 2 else offset)
    if not offsets or max(offsets) - min(offsets) > max_spread:
        return None
    return statistics.median(offsets)


def match(
    in_doubt: Iterable[OrderRequest],
    found: Iterable[Candidate],
    *,
    claimed: Iterable[str] = (),
    target_order_nos: Mapping[int, str] | None = None,
    floors: Mapping[int, str] | None = None,
    offset: float | None = None,
    before: float = 5.0,
    after: float = 120.0,
    sent_at: Mapping[int, float] | None = None,
) -> list[Resolution]:
    """Resolve each in-doubt order by the rule in the module docstring.

    ``floors``: per order id, the highest Kiwoom number seen before its request left;
    ``offset``: the venue clock minus ours (``clock_offset``), None when not reliable.
    """
    taken = set(claimed)
    pool = [c for c in found if c.order_no not in taken]
    targets = target_order_nos or {}
    low = floors or {}
    groups: dict[tuple[object, ...], list[OrderRequest]] = {}
    eligible: dict[int, list[Candidate]] = {}
    sent_times = sent_at or {}
    for order in sorted(in_doubt, key=lambda o: (o.created_at, o.order_id)):
        sent = sent_times.get(order.order_id, order.created_at)
        if order.action.is_new:
            key: tuple[object, ...] = _keys(order)
            ok = [
                c
                for c in pool
                if _same_order(order, c) and _in_time(order, c, offset, before, after, sent)
            ]
        else:
            target = targets.get(order.target_id if order.target_id is not None else -1, "")
            key = ("change", order.order_id)  # each change has its own target: alone
            ok = [c for c in pool if target and c.original_order_no == target]
        floor = _number_key(low.get(order.order_id, ""))
        eligible[order.order_id] = [c for c in ok if _number_key(c.order_no) > floor]
        groups.setdefault(key, []).append(order)
    results: dict[int, Resolution] = {}
    for group in groups.values():
        for r in _resolve_group(group, eligible, low):
            results[r.order_id] = r
    owners: dict[str, list[int]] = {}
    for r in results.values():
        if r.outcome == "accepted":
            owners.setdefault(r.broker_order_no, []).append(r.order_id)
    for number, ids in owners.items():
        if len(ids) > 1:  # two groups claim one Kiwoom order: neither may have it
            detail = f"orders {ids} in doubt could each be Kiwoom order {number}: not guessing"
            for i in ids:
                results[i] = Resolution(i, "ambiguous", detail=detail, candidates=(number,))
    return [results[o.order_id] for g in groups.values() for o in g]


def _resolve_group(
    group: Sequence[OrderRequest],
    eligible: Mapping[int, list[Candidate]],
    floors: Mapping[int, str],
) -> list[Resolution]:
    found: dict[str, Candidate] = {c.order_no: c for o in group for c in eligible[o.order_id]}
    pool = sorted(found.values(), key=lambda c: _number_key(c.order_no))
    numbers = tuple(c.order_no for c in pool)
    if not pool:
        return [Resolution(o.order_id, "not_found") for o in group]
    if len(pool) == len(group):
        # Sent one after the other, numbered in that order: pair them up, if every
        # pairing respects its floor.
        pairs = list(zip(group, pool, strict=True))
        if all(c in eligible[o.order_id] for o, c in pairs):
            return [_accepted(o.order_id, c) for o, c in pairs]
    order = group[0]
    what = (
        f"{order.symbol} {order.side.value if order.side else order.action.value} "
        f"{order.qty} @ {order.price}"
    )
    detail = (
        f"{len(group)} order(s) in doubt ({what}) and {len(pool)} unclaimed Kiwoom "
        f"order(s) that could be them ({', '.join(numbers)}): not guessing"
    )
    return [Resolution(o.order_id, "ambiguous", detail=detail, candidates=numbers) for o in group]


def _accepted(order_id: int, c: Candidate) -> Resolution:
    return Resolution(
        order_id, "accepted", c.order_no, c.filled_qty, c.fill_price, c.remaining,
        candidates=(c.order_no,),
    )  # fmt: skip


def _keys(order: OrderRequest) -> tuple[object, ...]:
    price = order.price if order.order_type.needs_price else 0
    return (order.symbol, order.side, order.qty, order.order_type, price)


def _same_order(order: OrderRequest, c: Candidate) -> bool:
    if c.symbol != order.symbol or c.side is not order.side or c.qty != order.qty:
        return False
    if c.order_type and c.order_type != TRDE_TP[order.order_type]:
        return False
    return not (order.order_type.needs_price and c.price != order.price)


def _in_time(
    order: OrderRequest,
    c: Candidate,
    offset: float | None,
    before: float,
    after: float,
    sent: float,
) -> bool:
    if offset is None or not sent:
        return True  # the clocks cannot be compared: the other keys must do
    placed = fields.seconds_of_day(c.time)
    if placed is None:
        return True
    expected = seconds_of_day(sent) + offset
    delta = (placed - expected) % DAY
    delta = delta - DAY if delta > DAY / 2 else delta
    return -before <= delta <= after


def _number_key(order_no: str) -> int:
    text = order_no.strip()
    return int(text) if text.isdigit() else -1


def _original(order_no: str) -> str:
    # Kiwoom writes "0000000" for "no original order"
    return order_no if order_no.strip("0 ") else ""


def seconds_of_day(epoch: float) -> float:
    """Korea time of day of an epoch, in seconds."""
    moment = datetime.fromtimestamp(epoch, SEOUL)
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6

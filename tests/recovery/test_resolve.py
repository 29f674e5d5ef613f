"""Restart recovery's decision (``resolve``): journal rows + Kiwoom's answers -> a plan.

Hand-written rows only: ka10075 open orders, ka10076 fills, holdings, and unfinished
journal orders, all on the trading morning of 2026-11-20 (10:00 KST).
"""

from __future__ import annotations

from datetime import date, datetime

from autotrader.broker.kiwoom.account import FillRow, OpenOrder, OrderRow
from autotrader.clock import SEOUL, day_start
from autotrader.live.recovery import NOT_SENT, BrokerView, JournalOrder, resolve
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType, Side

MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL).timestamp()
TODAY = day_start(date(2026, 11, 20))
SYM = "000660"


def journal_order(
    oid: int,
    state: OrderState,
    number: str = "",
    *,
    qty: int = 2,
    price: int = 200_000,
    action: OrderAction = OrderAction.BUY,
    created: float = MORNING,
    target: int | None = None,
    fills: tuple[int, int] = (0, 0),
) -> JournalOrder:
    order = OrderRequest(
        order_id=oid, action=action, symbol=SYM, qty=qty, order_type=OrderType.LIMIT,
        price=price, created_at=created, state=state, broker_order_no=number,
        target_id=target, filled_qty=fills[0],
    )  # fmt: skip
    return JournalOrder(order, fills[0], fills[1])


def open_order(
    number: str, *, qty: int = 2, filled: int = 0, price: int = 200_000, orig: str = ""
) -> OpenOrder:
    return OpenOrder(
        number, SYM, Side.BUY, "접수", qty, price, qty - filled, filled,
        price if filled else 0, orig, "0", "100000", "1",
    )  # fmt: skip


def fill_row(number: str, *, qty: int = 2, filled: int = 2, avg: int = 200_000) -> FillRow:
    return FillRow(
        number, SYM, Side.BUY, 200_000, qty, avg, filled, qty - filled, 0, 0, "체결", "100000"
    )


def view(
    opens: list[OpenOrder] | None = None,
    fills: list[FillRow] | None = None,
    holdings: dict[str, int] | None = None,
    history: list[OrderRow] | None = None,
) -> BrokerView:
    return BrokerView(opens or [], fills or [], holdings or {}, history or [])


def history_row(number: str, kind: str, orig: str = "", *, price: int = 200_000) -> OrderRow:
    """A kt00007 row: the day's order numbers, listed or not by ka10075/ka10076."""
    return OrderRow(number, SYM, Side.BUY, kind, 2, price, 0, 0, 0, orig, "100000")


def test_a_pending_intent_kiwoom_never_got_is_rejected_not_sent() -> None:
    """Crash between intent and send: nothing at Kiwoom, so the row ends rejected."""
    plan = resolve([journal_order(1, OrderState.PENDING)], view(), today_start=TODAY)
    (r,) = plan.resolved
    assert (r.state, r.detail, r.working) == (OrderState.REJECTED, NOT_SENT, None)
    assert plan.fills == [] and plan.problems == []


def test_a_pending_intent_kiwoom_has_is_tracked_under_its_row_not_sent_again() -> None:
    """Crash after the request left: the open twin is matched; the row works again."""
    plan = resolve(
        [journal_order(1, OrderState.PENDING)], view([open_order("0000007")]), today_start=TODAY
    )
    (r,) = plan.resolved
    assert (r.state, r.broker_order_no) == (OrderState.ACCEPTED, "0000007")
    assert r.working is not None and r.working.order_no == "0000007"


def test_an_accepted_order_filled_while_down_gets_its_fill_once_and_ends_filled() -> None:
    """Filled at Kiwoom during the outage: one missing fill, state filled."""
    j = journal_order(1, OrderState.ACCEPTED, "0000003")
    plan = resolve([j], view(fills=[fill_row("0000003")]), today_start=TODAY)
    (r,) = plan.resolved
    assert (r.state, r.filled_qty) == (OrderState.FILLED, 2)
    (f,) = plan.fills
    assert (f.order_id, f.qty, f.price, f.side) == (1, 2, 200_000, Side.BUY)


def test_a_partial_fill_already_journaled_is_not_counted_again() -> None:
    """1 share journaled at 200,000; Kiwoom averages 2 at 200,500: the other at 201,000."""
    j = journal_order(1, OrderState.PARTIALLY_FILLED, "0000003", fills=(1, 200_000))
    plan = resolve([j], view(fills=[fill_row("0000003", avg=200_500)]), today_start=TODAY)
    (f,) = plan.fills
    assert (f.qty, f.price) == (1, 201_000)
    assert plan.resolved[0].state is OrderState.FILLED


def test_a_partly_filled_order_still_working_resumes_with_its_missing_fill() -> None:
    """Open with 1 of 2 filled: tracked again as partially filled, the fill journaled."""
    j = journal_order(1, OrderState.ACCEPTED, "0000003")
    plan = resolve(
        [j], view([open_order("0000003", filled=1)], [fill_row("0000003", filled=1)]),
        today_start=TODAY,
    )  # fmt: skip
    (r,) = plan.resolved
    assert r.state is OrderState.PARTIALLY_FILLED and r.working is not None
    assert [(f.qty, f.price) for f in plan.fills] == [(1, 200_000)]


def test_an_accepted_order_found_nowhere_was_cancelled_without_fills() -> None:
    """Not open and no fills at Kiwoom: its rest is gone, nothing to journal but the end."""
    plan = resolve([journal_order(1, OrderState.ACCEPTED, "0000003")], view(), today_start=TODAY)
    (r,) = plan.resolved
    assert r.state is OrderState.CANCELLED and "2 cancelled" in r.detail
    assert plan.fills == [] and plan.problems == []


def test_an_unknown_order_not_found_is_rejected() -> None:
    """A request whose answer was lost and that Kiwoom does not have never reached it."""
    plan = resolve([journal_order(1, OrderState.UNKNOWN)], view(), today_start=TODAY)
    (r,) = plan.resolved
    assert r.state is OrderState.REJECTED and "not found at Kiwoom" in r.detail


def test_a_number_another_row_holds_is_never_matched_to_a_pending_twin() -> None:
    """Two identical orders, one with Kiwoom's number: the pending one must not claim it."""
    rows = [journal_order(1, OrderState.ACCEPTED, "0000003"), journal_order(2, OrderState.PENDING)]
    plan = resolve(rows, view([open_order("0000003")]), today_start=TODAY)
    states = {r.order_id: r.state for r in plan.resolved}
    assert states == {1: OrderState.ACCEPTED, 2: OrderState.REJECTED}


def test_a_modify_that_reached_kiwoom_is_followed_and_its_request_is_done() -> None:
    """The target moved to a new number (orig_ord_no points back): tracked there."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    modify = journal_order(2, OrderState.PENDING, action=OrderAction.MODIFY, target=1, qty=0)
    moved = open_order("0000004", price=199_000, orig="0000003")
    plan = resolve([target, modify], view([moved]), today_start=TODAY)
    by_id = {r.order_id: r for r in plan.resolved}
    assert by_id[1].broker_order_no == "0000004" and by_id[1].working is moved
    assert by_id[2].state is OrderState.DONE


def test_a_modify_that_filled_while_down_is_found_under_its_new_number() -> None:
    """Killed right after a modify: the new number filled and left ka10075; ka10076's
    orig_ord_no leads from the journal's number to it, so the order ends filled with its
    fill journaled once, not cancelled."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    modify = journal_order(2, OrderState.SENT, action=OrderAction.MODIFY, target=1, qty=0)
    new = FillRow(
        "0000004", SYM, Side.BUY, 199_000, 2, 199_000, 2, 0, 0, 0, "체결", "100001",
        original_order_no="0000003",
    )  # fmt: skip
    plan = resolve([target, modify], view([], [new], {SYM: 2}), today_start=TODAY)
    by_id = {r.order_id: r for r in plan.resolved}
    assert (by_id[1].state, by_id[1].broker_order_no) == (OrderState.FILLED, "0000004")
    assert by_id[2].state is OrderState.DONE
    assert [(f.qty, f.price, f.broker_order_no) for f in plan.fills] == [(2, 199_000, "0000004")]


def test_a_cancel_never_sent_is_rejected_and_its_target_still_works() -> None:
    """A pending cancel whose target is still open: the request ends, the target resumes."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    cancel = journal_order(2, OrderState.PENDING, action=OrderAction.CANCEL, target=1, qty=0)
    plan = resolve([target, cancel], view([open_order("0000003")]), today_start=TODAY)
    by_id = {r.order_id: r for r in plan.resolved}
    assert by_id[1].working is not None
    assert (by_id[2].state, by_id[2].detail) == (OrderState.REJECTED, NOT_SENT)


def test_more_fills_in_the_journal_than_at_kiwoom_is_a_problem() -> None:
    """The journal says 2 filled, Kiwoom 1: cannot be matched, reported."""
    j = journal_order(1, OrderState.PARTIALLY_FILLED, "0000003", fills=(2, 400_000))
    plan = resolve(
        [j], view([open_order("0000003", filled=1)], [fill_row("0000003", filled=1)]),
        today_start=TODAY,
    )  # fmt: skip
    assert len(plan.problems) == 1 and "journal holds 2" in plan.problems[0]


def test_an_order_from_an_earlier_day_is_closed_and_reported() -> None:
    """Kiwoom's lists cover today only: yesterday's unfinished row cannot be checked."""
    j = journal_order(1, OrderState.ACCEPTED, "0000003", created=MORNING - 86_400)
    plan = resolve([j], view(), today_start=TODAY)
    assert plan.resolved[0].state is OrderState.CANCELLED
    assert len(plan.problems) == 1 and "earlier trading day" in plan.problems[0]


def test_positions_agree_when_the_recovered_fills_explain_the_balance() -> None:
    """Journal 10 + the 2 recovered = Kiwoom's 12; a 13th share is a problem."""
    j = journal_order(1, OrderState.ACCEPTED, "0000003")
    kw = {"today_start": TODAY, "expected": {SYM: 10}, "symbols": [SYM]}
    ok = resolve([j], view(fills=[fill_row("0000003")], holdings={SYM: 12}), **kw)  # type: ignore[arg-type]
    assert ok.problems == [] and ok.positions[0].journal_qty == 12
    bad = resolve([j], view(fills=[fill_row("0000003")], holdings={SYM: 13}), **kw)  # type: ignore[arg-type]
    (problem,) = bad.problems
    assert "holds 13" in problem and "give 12" in problem


def test_a_symbol_without_a_baseline_is_not_compared() -> None:
    """The first recovering run has no snapshot to compare with: no problem, no guess."""
    plan = resolve([], view(holdings={SYM: 5}), today_start=TODAY, symbols=[SYM])
    (check,) = plan.positions
    assert (check.broker_qty, check.journal_qty, check.agrees) == (5, None, True)


def test_a_row_carrying_the_modify_number_counts_the_fills_of_earlier_numbers() -> None:
    """A modify moved the order from 0000001 (3 of 10 filled there) to 0000002, and the
    row carries the new number: the 3 already journaled are not 'missing at Kiwoom'."""
    row = journal_order(1, OrderState.PARTIALLY_FILLED, "0000002", qty=10, fills=(3, 600_000))
    opens = [open_order("0000002", qty=7, orig="0000001")]
    plan = resolve([row], view(opens, [fill_row("0000001", qty=10, filled=3)]), today_start=TODAY)
    (r,) = plan.resolved
    assert (r.state, r.broker_order_no, r.filled_qty) == (
        OrderState.PARTIALLY_FILLED,
        "0000002",
        3,
    )
    assert plan.problems == [] and plan.fills == []


def test_fills_under_a_number_kiwoom_no_longer_links_are_counted_from_the_journal() -> None:
    """0000001 (1 filled) -> 0000002 (no fill, not open: in neither list) -> 0000003:
    Kiwoom's rows cannot link back to 0000001, the journal's fills can."""
    row = journal_order(1, OrderState.PARTIALLY_FILLED, "0000003", fills=(1, 200_000))
    row = JournalOrder(row.order, 1, 200_000, frozenset({"0000001", "0000002"}))
    opens = [open_order("0000003", qty=1, orig="0000002")]
    plan = resolve([row], view(opens, [fill_row("0000001", filled=1)]), today_start=TODAY)
    (r,) = plan.resolved
    assert (r.state, r.filled_qty) == (OrderState.PARTIALLY_FILLED, 1)
    assert plan.problems == [] and plan.fills == []


def test_two_modifies_whose_answers_were_lost_are_followed_to_the_newest_number() -> None:
    """0000003 -> 0000004 -> 0000005, neither answer heard. 0000004 neither works nor
    filled, so ka10075's orig_ord_no of 0000005 leads nowhere; kt00007 lists the link.
    The order works under 0000005; each modify is matched to its own hop by price."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    first = journal_order(
        2, OrderState.UNKNOWN, action=OrderAction.MODIFY, target=1, qty=0, price=199_500
    )
    second = journal_order(
        3, OrderState.UNKNOWN, action=OrderAction.MODIFY, target=1, qty=0, price=199_000
    )
    newest = open_order("0000005", price=199_000, orig="0000004")
    history = [
        history_row("0000003", "new"),
        history_row("0000004", "modify", "0000003", price=199_500),
        history_row("0000005", "modify", "0000004", price=199_000),
    ]
    plan = resolve([target, first, second], view([newest], history=history), today_start=TODAY)
    by_id = {r.order_id: r for r in plan.resolved}
    assert by_id[1].working is newest and by_id[1].broker_order_no == "0000005"
    assert by_id[1].state is OrderState.ACCEPTED
    assert [(by_id[i].state, by_id[i].broker_order_no) for i in (2, 3)] == [
        (OrderState.DONE, "0000004"),
        (OrderState.DONE, "0000005"),
    ]
    assert plan.problems == [] and plan.fills == []


def test_of_two_modifies_in_doubt_only_the_one_kiwoom_listed_is_done() -> None:
    """The first modify never reached Kiwoom, the second did: matched by price, the
    first is rejected, the second done; the order works under the hop."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    lost = journal_order(
        2, OrderState.UNKNOWN, action=OrderAction.MODIFY, target=1, qty=0, price=199_500
    )
    reached = journal_order(
        3, OrderState.UNKNOWN, action=OrderAction.MODIFY, target=1, qty=0, price=199_000
    )
    moved = open_order("0000004", price=199_000, orig="0000003")
    history = [history_row("0000004", "modify", "0000003", price=199_000)]
    plan = resolve([target, lost, reached], view([moved], history=history), today_start=TODAY)
    states = {r.order_id: r.state for r in plan.resolved}
    assert states == {1: OrderState.ACCEPTED, 2: OrderState.REJECTED, 3: OrderState.DONE}


def test_a_cancel_kiwoom_lists_is_done_even_before_its_target_ended() -> None:
    """A partial cancel in doubt: the target still works, but kt00007 lists a cancel of
    its number, so the request is done, not rejected."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003", qty=4)
    cancel = journal_order(2, OrderState.UNKNOWN, action=OrderAction.CANCEL, target=1, qty=1)
    still = open_order("0000003", qty=3)
    history = [history_row("0000003", "new"), history_row("0000004", "cancel", "0000003")]
    plan = resolve([target, cancel], view([still], history=history), today_start=TODAY)
    states = {r.order_id: r.state for r in plan.resolved}
    assert states == {1: OrderState.ACCEPTED, 2: OrderState.DONE}


def test_a_modify_kiwoom_refused_is_no_link() -> None:
    """kt00007 lists a refused modify (접수구분 거부) with its orig_ord_no: it moved
    nothing, so the order stays on its number and the request is rejected."""
    target = journal_order(1, OrderState.ACCEPTED, "0000003")
    modify = journal_order(
        2, OrderState.UNKNOWN, action=OrderAction.MODIFY, target=1, qty=0, price=199_000
    )
    refused = OrderRow(
        "0000004", SYM, Side.BUY, "modify", 2, 199_000, 0, 0, 0, "0000003", "100000", True
    )
    still = open_order("0000003")
    plan = resolve([target, modify], view([still], history=[refused]), today_start=TODAY)
    by_id = {r.order_id: r for r in plan.resolved}
    assert (by_id[1].state, by_id[1].broker_order_no) == (OrderState.ACCEPTED, "0000003")
    assert by_id[2].state is OrderState.REJECTED

"""Reconciliation of orders in doubt: keys, order-number order, time only when reliable."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from autotrader.broker.kiwoom.reconcile import Candidate, clock_offset, match
from autotrader.clock import SEOUL
from autotrader.model import OrderAction, OrderRequest, OrderType, Side

SENT = datetime(2026, 11, 20, 10, 0, 0, tzinfo=SEOUL)


def order(order_id: int, *, at: float = 0.0, **kw: object) -> OrderRequest:
    values: dict[str, object] = {
        "order_id": order_id, "action": OrderAction.BUY, "symbol": "005930", "qty": 10,
        "order_type": OrderType.LIMIT, "price": 60_000, "created_at": SENT.timestamp() + at,
    }  # fmt: skip
    return OrderRequest(**(values | kw))  # type: ignore[arg-type]


def row(number: str, venue: datetime, **kw: object) -> Candidate:
    values: dict[str, object] = {
        "order_no": number, "symbol": "005930", "side": Side.BUY, "qty": 10, "price": 60_000,
        "filled_qty": 0, "fill_price": 0, "remaining": 10, "original_order_no": "",
        "time": venue.strftime("%H%M%S"), "order_type": "0",
    }  # fmt: skip
    return Candidate(**(values | kw))  # type: ignore[arg-type]


def outcomes(results: list[object]) -> list[tuple[int, str, str]]:
    return [(r.order_id, r.outcome, r.broker_order_no) for r in results]  # type: ignore[attr-defined]


@pytest.mark.parametrize("skew", [-600, 0, 600])
def test_same_result_whatever_the_venue_clock_offset(skew: int) -> None:
    """The venue's clock 10 minutes behind, equal or ahead: the same resolutions."""
    venue = SENT + timedelta(seconds=skew)
    found = [
        row("0000007", venue - timedelta(seconds=1), qty=3, remaining=3),  # ours, known
        row("0000008", venue + timedelta(seconds=1)),  # the order in doubt
        row("0000009", venue + timedelta(seconds=2), qty=5, remaining=5),  # another size
    ]
    claimed = {"0000007"}
    doubt = [order(1, at=0.5), order(2, at=1.0, qty=7)]
    offset = clock_offset([(SENT.timestamp() - 1, found[0].time)])
    assert offset == pytest.approx(skew, abs=1)
    for off in (offset, None):
        got = match(doubt, found, claimed=claimed, floors={1: "0000007", 2: "0000007"}, offset=off)
        assert outcomes(got) == [(1, "accepted", "0000008"), (2, "not_found", "")]


def test_a_number_seen_before_the_request_left_is_never_its_match() -> None:
    """Kiwoom numbers in acceptance order: a twin numbered below the floor is not ours."""
    found = [row("0000004", SENT), row("0000009", SENT)]
    (r,) = match([order(1)], found, floors={1: "0000005"})
    assert (r.outcome, r.broker_order_no) == ("accepted", "0000009")


def test_an_extra_twin_makes_the_match_ambiguous_and_nothing_is_guessed() -> None:
    """One order in doubt, two unclaimed identical Kiwoom orders: ambiguous, both named."""
    (r,) = match([order(1)], [row("0000008", SENT), row("0000009", SENT)])
    assert r.outcome == "ambiguous" and r.broker_order_no == ""
    assert r.candidates == ("0000008", "0000009") and "not guessing" in r.detail


def test_identical_orders_pair_with_numbers_in_sending_order() -> None:
    """Two identical orders in doubt and two twins: first sent, lower number."""
    got = match([order(2, at=1), order(1)], [row("0000012", SENT), row("0000011", SENT)])
    assert sorted(outcomes(got)) == [(1, "accepted", "0000011"), (2, "accepted", "0000012")]


def test_fewer_twins_than_identical_orders_is_ambiguous() -> None:
    """Which of two identical requests reached Kiwoom cannot be told: never guessed."""
    got = match([order(1), order(2, at=1)], [row("0000011", SENT)])
    assert [r.outcome for r in got] == ["ambiguous", "ambiguous"]


def test_match_needs_side_quantity_price_and_type() -> None:
    """A sell, another quantity, another price or another order type is not a twin."""
    found = [
        row("1", SENT, side=Side.SELL),
        row("2", SENT, qty=11),
        row("3", SENT, price=60_100),
        row("4", SENT, order_type="3"),
    ]
    (r,) = match([order(1)], found)
    assert r.outcome == "not_found"


def test_time_window_applies_only_with_a_measured_offset() -> None:
    """With an offset known, a twin placed an hour off is dropped; without, it counts."""
    found = [row("0000008", SENT + timedelta(seconds=2)), row("0000009", SENT + timedelta(hours=1))]
    (timed,) = match([order(1)], found, offset=0.0)
    assert (timed.outcome, timed.broker_order_no) == ("accepted", "0000008")
    (untimed,) = match([order(1)], found, offset=None)
    assert untimed.outcome == "ambiguous"


def test_clock_offset_needs_agreeing_samples() -> None:
    """No sample, or samples that disagree by more than a few seconds: not reliable."""
    t = SENT.timestamp()
    assert clock_offset([]) is None
    assert clock_offset([(t, "100500"), (t, "101000")]) is None
    assert clock_offset([(t, "095000"), (t + 5, "095006")]) == pytest.approx(-599.5)


def test_a_modify_in_doubt_matches_the_order_pointing_back_to_its_target() -> None:
    """A modify's new number is recognised by orig_ord_no, not by time."""
    modify = order(3, action=OrderAction.MODIFY, target_id=1, qty=0, price=60_100)
    found = [row("0000021", SENT, original_order_no="0000020", price=60_100)]
    (r,) = match([modify], found, target_order_nos={1: "0000020"})
    assert (r.outcome, r.broker_order_no) == ("accepted", "0000021")


def test_the_venue_time_is_compared_with_the_send_time_not_the_rules_instant() -> None:
    """A clock rule's order carries its scheduled instant; when the clock passed it
    between two readings (a quiet tape, a blocked loop), the request left 215 s later.
    The venue stamps the send, so the time check must use the send time: with the rule's
    instant the one matching order would be ruled out and its fills lost (found by
    ``autotrader drill rules/credit-swing.yaml``, profiles http500-after, timeout-after)."""
    late = 215.0
    doubt = [order(1, at=0.0)]
    found = [row("0000003", SENT + timedelta(seconds=late))]
    rule_instant = match(doubt, found, floors={1: ""}, offset=0.0)
    assert outcomes(rule_instant) == [(1, "not_found", "")]  # what happened before
    sent = {1: SENT.timestamp() + late}
    got = match(doubt, found, floors={1: ""}, offset=0.0, sent_at=sent)
    assert outcomes(got) == [(1, "accepted", "0000003")]

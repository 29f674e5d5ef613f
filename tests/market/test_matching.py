"""Edges of the matching model beyond the doc's table: expiry, modify, stops in a VI."""

from __future__ import annotations

from autotrader.market.matching import Cancelled, Filled, Matcher, Print, Working
from autotrader.model import OrderType, Side
from tests.market.test_paper_fills_doc import ts

T = OrderType


def p(at: str, price: int, size: int = 100) -> Print:
    return Print(price, size, price, price, ts(at), 70_000)


def test_a_closing_auction_order_without_a_1530_print_expires_at_the_next_print() -> None:
    """A market order in the closing auction meets no print until 15:45 (a post-close
    print): it expires then rather than filling at the post-close price."""
    m = Matcher()
    order = Working(1, "005930", Side.BUY, T.MARKET, 10)
    assert list(m.arrive(order, ts("15:25:00"), p("15:19:00", 70_000))) == []
    (out,) = list(m.on_print("005930", p("15:45:00", 70_300)))
    assert isinstance(out, Cancelled) and out.qty == 10 and "expired" in out.reason


def test_an_untriggered_stop_stays_out_of_a_vi_auction_and_the_release_print_triggers_it() -> None:
    """A buy stop at 70,500 is not filled by the release as an auction order; the release
    print at 70,600 triggers it and it buys as a limit on that print's quote."""
    m = Matcher()
    stop = Working(1, "005930", Side.BUY, T.STOP_LIMIT, 5, 70_800, 70_500)
    list(m.arrive(stop, ts("10:00:00"), p("10:00:00", 70_000)))
    m.on_vi("005930", False, ts("10:30:00"))
    m.on_vi("005930", True, ts("10:32:10"))
    assert list(m.on_print("005930", p("10:32:10", 70_600))) == [
        Filled(1, 5, 70_600, ts("10:32:10"))
    ]


def test_a_partial_modify_moves_part_of_the_order_and_leaves_the_rest() -> None:
    """Kiwoom's modify of 4 of 10 shares: the new number rests at the new price behind
    the queue, the old one keeps 6 at the old price."""
    m = Matcher()
    list(m.arrive(Working("A", "005930", Side.BUY, T.LIMIT, 10, 69_000), ts("10:00:00"),
                  p("10:00:00", 70_000)))  # fmt: skip
    m.move("005930", "A", 4, 69_500)
    m.rekey("005930", "A", "B")
    old, new = m.working("005930", "A"), m.working("005930", "B")
    assert old is not None and new is not None
    assert (old.qty, old.limit, new.qty, new.limit) == (6, 69_000, 4, 69_500)
    assert list(m.on_print("005930", p("10:00:05", 69_400, 3))) == [
        Filled("B", 3, 69_500, ts("10:00:05"))
    ]


def test_the_phase_a_caller_passes_is_the_one_refuse_and_arrive_work_out() -> None:
    """The paper broker works out an arriving order's phase once and hands it to both
    ``refuse`` and ``arrive``: the same refusals, outcomes and phase as without it, in
    the opening auction, continuous trading, a VI and after hours."""
    for at, vi in (("08:45:00", False), ("10:00:00", False), ("10:00:00", True),
                   ("16:30:00", False)):  # fmt: skip
        for t in (T.MARKET, T.LIMIT, T.AFTER_HOURS_SINGLE):
            seen = []
            for passed in (False, True):
                m = Matcher()
                if vi:
                    m.on_vi("005930", False, ts(at))
                order = Working(1, "005930", Side.BUY, t, 10, 70_000)
                phase = m.phase("005930", t, ts(at)) if passed else None
                why = m.refuse("005930", order, ts(at), p(at, 70_000), phase)
                outs = [] if why else list(m.arrive(order, ts(at), p(at, 70_000), phase))
                seen.append((why, outs, order.phase))
            assert seen[0] == seen[1], (at, vi, t)

"""Rules read the event that triggered them; VI releases without a trigger seen still count."""

from __future__ import annotations

from pathlib import Path

from autotrader.engine.trigger_event import NO_EVENT
from tests.engine.test_triggers import HEAD, decisions, vi
from tests.frames import real, trade
from tests.harness import Harness


def test_order_rule_reads_its_fill(tmp_path: Path) -> None:
    """'on: order' conditions and prices read event.side/status/tag/qty/fill_qty/fill_price."""
    rules = (
        '  - name: entry\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 10, type: market}}]\n"
        "  - name: exit\n    on: {order: filled}\n"
        '    when: event.side == "buy" and event.status == "filled" and event.tag == "entry"'
        " and event.qty == 10 and event.fill_qty == 10 and event.filled_qty == 10"
        " and event.remaining == 0 and event.price == 0\n"
        "    do: [{sell: {qty: all, type: limit, price: event.fill_price + 2 ticks}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090001", 70000)), real(trade("005930", "090002", 70100))])
    assert ("exit", "005930", "order:filled") in decisions(h)
    (fill_price,) = h.rows("SELECT price FROM fills")[0]
    (sell,) = [o for o in h.placed() if o.rule == "exit"]
    assert (sell.qty, sell.price) == (10, fill_price + 200)
    assert h.engine.market.event is NO_EVENT  # only while the rule runs


def test_order_rule_condition_on_event_filters(tmp_path: Path) -> None:
    """A condition on event.side keeps an order rule from firing on the other side's fills."""
    rules = (
        '  - name: entry\n    symbols: ["005930"]\n    once_per_symbol: true\n'
        "    do: [{buy: {qty: 10, type: market}}]\n"
        '  - name: on-sell-fill\n    on: {order: filled}\n    when: event.side == "sell"\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090001", 70000)), real(trade("005930", "090002", 70100))])
    assert [d for d in decisions(h) if d[0] == "on-sell-fill"] == []


def test_vi_rule_reads_the_vi_event(tmp_path: Path) -> None:
    """'on: vi' conditions read event.status, event.kind, event.direction and trigger price."""
    rules = (
        '  - name: v\n    on: vi\n    symbols: ["005930"]\n'
        '    when: event.status == "released" and event.kind == "dynamic"'
        ' and event.direction == "down" and event.trigger_price == 71000\n'
        "    do: [{buy: {qty: 1, type: limit, price: event.trigger_price - 1 tick}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090000", 71000))])
    h.feed([vi("005930", "090100", released=False, kind="2", direction="2")])
    assert decisions(h) == []  # triggered: status is not 'released'
    h.feed([vi("005930", "090330", released=True, kind="2", direction="2")])
    assert decisions(h) == [("v", "005930", "vi:released")]
    (order,) = h.placed()
    assert order.price == 70900


def test_vi_release_without_a_trigger_seen_is_a_release(tmp_path: Path) -> None:
    """A run started during the auction: the first release fires once, VI state inactive."""
    rules = (
        "  - name: after-vi\n    on: {vi: released}\n"
        '    symbols: ["005930"]\n    when: not vi.active and vi.trigger_price == 71000\n'
        "    do: [{buy: {qty: 1}}]\n"
    )
    h = Harness(HEAD + rules, tmp_path)
    h.feed([real(trade("005930", "090000", 70000))])
    release = [vi("005930", "090330", released=True), vi("005930_AL", "090330", released=True)]
    h.feed(release + release)  # the same release under two items, and resent
    assert decisions(h) == [("after-vi", "005930", "vi:released")]
    st = h.engine.states["005930"]
    assert (st.vi_active, st.vi_kind, st.vi_direction) == (False, "static", "up")
    # Later, another VI whose trigger was also missed: a new release, fires again.
    h.feed([vi("005930", "100000", released=True)])
    assert len(decisions(h)) == 2

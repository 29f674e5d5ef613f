"""Protective orders resting at the venue (issue 16 item 3), on the paper broker:
a stop per entry fill, the emulated take-profit/stop pair, the trailing stop, the kill
switch. docs/strategy-language.md ("Protection") states the choices tested here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autotrader.engine.protect import PROTECT
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType
from autotrader.risk.book import TradingLevel
from autotrader.risk.checks import RiskLimits
from tests.frames import real, trade
from tests.harness import Harness

SYM = "005930"
LIMITS = RiskLimits(max_price_deviation=0.3, trading_start=0, trading_end=86_399)


def strategy(protect: str, qty: int = 10, buy: str = "type: market") -> str:
    return f"""
strategy: protected
symbols: ["{SYM}"]
risk: {{trading_hours: none}}
rules:
  - name: entry
    when: position.qty == 0 and open_orders == 0
    once_per_symbol: true
    do:
      - buy: {{qty: {qty}, {buy}}}
    protect: {protect}
"""


def tick(hms: str, price: int, **kw: Any) -> dict[str, Any]:
    return real(trade(SYM, hms, price, **kw))


def protective(h: Harness, leg: str) -> list[OrderRequest]:
    return [o for o in h.placed() if o.side is not None and o.tags.get(PROTECT) == leg]


def test_a_stop_limit_rests_for_each_entry_fill(tmp_path: Path) -> None:
    h = Harness(strategy("{stop: 2%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000, ask=70_000, bid=69_900)])
    (stop,) = protective(h, "stop")
    assert stop.order_type is OrderType.STOP_LIMIT and stop.action is OrderAction.SELL
    assert stop.qty == 10
    assert stop.condition_price == 68_600  # 70,000 - 2%, on the 100-won grid
    assert stop.price == 68_300  # three ticks below the condition (limit_ticks: 3)
    assert stop.state is OrderState.ACCEPTED  # resting at the venue, untriggered
    h.feed([tick("090010", 68_700)])
    assert stop.state is OrderState.ACCEPTED
    h.feed([tick("090020", 68_600, ask=68_600, bid=68_500)])  # the condition: it sells
    assert stop.state is OrderState.FILLED
    st = h.engine.states[SYM]
    assert st.pos_qty == 0
    assert h.engine.ledger.pending_qty(SYM, stop.side or stop.action.side) == 0  # type: ignore[arg-type]


def test_a_partial_entry_fill_gets_its_own_stop_and_protection_grows(tmp_path: Path) -> None:
    """kt10002 cannot add shares to an order: one stop per fill."""
    h = Harness(strategy("{stop: 5 ticks}", buy="type: limit, price: 70000"), tmp_path,
                limits=LIMITS)  # fmt: skip
    h.feed([tick("090000", 70_100, ask=70_100, bid=70_000, volume=4)])
    h.feed([tick("090001", 70_000, ask=70_000, bid=69_900, volume=-4)])  # 4 of 10 trade
    entry = next(o for o in h.placed() if o.rule == "entry" and PROTECT not in o.tags)
    (first,) = protective(h, "stop")
    assert (entry.filled_qty, first.qty, first.state) == (4, 4, OrderState.ACCEPTED)
    h.feed([tick("090002", 70_000, ask=70_000, bid=69_900, volume=-20)])  # the other 6
    stops = protective(h, "stop")
    assert entry.filled_qty == 10
    assert [s.qty for s in stops] == [4, 6]
    assert all(s.condition_price == 69_500 for s in stops)  # 5 ticks below 70,000
    assert h.engine.ledger.pending_qty(SYM, stops[0].side) == 10  # type: ignore[arg-type]


def test_take_profit_reached_cancels_the_stop_then_the_take_profit_sells(
    tmp_path: Path,
) -> None:
    """Kiwoom locks the shares a sell offers: one leg rests at a time; never both."""
    h = Harness(strategy("{stop: 2%, take_profit: 3%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    (stop,) = protective(h, "stop")
    sell = stop.side
    assert sell is not None
    assert h.engine.ledger.pending_qty(SYM, sell) == 10
    h.feed([tick("090010", 72_100, ask=72_200, bid=72_100)])  # the 3% level: 72,100
    assert stop.state is OrderState.CANCELLED
    (tp,) = protective(h, "take_profit")
    assert tp.order_type is OrderType.LIMIT and tp.price == 72_100 and tp.qty == 10
    assert h.engine.ledger.pending_qty(SYM, sell) <= 10  # never offered beyond what it holds
    h.feed([tick("090020", 72_200, ask=72_200, bid=72_100)])
    assert tp.state is OrderState.FILLED
    assert h.engine.states[SYM].pos_qty == 0
    notes = h.rows("SELECT values_json FROM decisions WHERE event = 'protect'")
    text = " ".join(n[0] for n in notes)
    assert "take-profit level 72100 reached" in text and "cancel stop" in text


def test_a_take_profit_that_falls_back_to_the_stop_level_restores_the_stop(
    tmp_path: Path,
) -> None:
    h = Harness(strategy("{stop: 2%, take_profit: 3%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    h.feed([tick("090010", 72_100, ask=72_200, bid=72_000)])  # reached, not sold at bid
    (tp,) = protective(h, "take_profit")
    assert tp.state is OrderState.ACCEPTED
    h.feed([tick("090020", 68_600, ask=68_700, bid=68_600)])
    assert tp.state is OrderState.CANCELLED
    stops = protective(h, "stop")
    assert stops[-1].state is OrderState.ACCEPTED and stops[-1].qty == 10
    assert stops[-1].condition_price == 68_600


def test_a_trailing_stop_moves_up_never_down(tmp_path: Path) -> None:
    h = Harness(strategy("{stop: 2%, trail: 2%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    (stop,) = protective(h, "stop")
    assert stop.condition_price == 68_600
    h.feed([tick("090002", 75_000)])  # high 75,000: 2% below is 73,500
    assert stop.condition_price == 73_500 and stop.price == 73_200
    modifies = [o for o in h.placed() if o.action is OrderAction.MODIFY]
    assert len(modifies) == 1 and modifies[0].condition_price == 73_500
    h.feed([tick("090004", 74_000), tick("090006", 73_600)])  # down: the stop stays
    assert stop.condition_price == 73_500
    assert len([o for o in h.placed() if o.action is OrderAction.MODIFY]) == 1
    h.feed([tick("090008", 73_500, ask=73_500, bid=73_400)])
    assert stop.state is OrderState.FILLED


def test_halt_reduce_leaves_stops_resting_and_halt_cancels_them_and_says_so(
    tmp_path: Path,
) -> None:
    h = Harness(strategy("{stop: 2%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    (stop,) = protective(h, "stop")
    h.engine.set_level(TradingLevel.REDUCING, "halt --reduce")
    h.engine.cancel_open("reduce")  # what the loss limit does at reducing
    assert stop.state is OrderState.ACCEPTED
    h.engine.set_level(TradingLevel.HALTED, "halt")
    h.feed([tick("090001", 70_000)])
    assert stop.state is OrderState.CANCELLED
    errors = h.rows("SELECT detail FROM errors WHERE source = 'killswitch'")
    assert any("cancelling 1 protective order" in e[0] for e in errors)
    h.feed([tick("090010", 70_000)])
    assert len(protective(h, "stop")) == 1  # halted: nothing re-armed


def test_a_rule_that_cancels_the_protection_can_exit_without_it_coming_back(
    tmp_path: Path,
) -> None:
    text = (
        strategy("{stop: 2%}")
        + """\
  - name: exit
    when: position.qty > 0 and price >= 71000
    do:
      - cancel: {tag: protect}
  - name: sell
    when: position.qty > 0 and price >= 71000 and open_orders == 0
    once_per_symbol: true
    do:
      - sell: {qty: 4, type: market}
"""
    )
    h = Harness(text, tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    (stop,) = protective(h, "stop")
    h.feed([tick("090010", 71_000)])  # the cancel, then (paper: at once) the exit
    assert stop.state is OrderState.CANCELLED
    assert h.engine.states[SYM].pos_qty == 6
    h.feed([tick("090020", 71_000), tick("090030", 71_000)])
    assert len(protective(h, "stop")) == 1  # released: not re-armed under the rule's exits
    notes = h.rows("SELECT values_json FROM decisions WHERE event = 'protect'")
    assert any("protection released" in n[0] for n in notes)


def test_resume_after_halt_rearms_the_stop_for_the_shares_held(tmp_path: Path) -> None:
    h = Harness(strategy("{stop: 2%, trail: 2%}"), tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000), tick("090002", 72_000)])  # trailed to 70,500
    h.engine.set_level(TradingLevel.HALTED, "halt")
    h.feed([tick("090003", 72_000)])
    (stop,) = protective(h, "stop")
    assert stop.state is OrderState.CANCELLED
    h.engine.set_level(TradingLevel.ACTIVE, "resume")
    h.feed([tick("090010", 71_000)])
    stops = protective(h, "stop")
    assert len(stops) == 2 and stops[1].state is OrderState.ACCEPTED
    assert stops[1].qty == 10 and stops[1].condition_price == 70_500  # the level it had


def test_levels_written_as_price_expressions(tmp_path: Path) -> None:
    """``stop`` / ``take_profit`` as prices, on the state the fill left."""
    levels = "{stop: 'position.avg_price - 5 ticks', take_profit: 'position.avg_price * 1.01'}"
    text = strategy(levels)
    h = Harness(text, tmp_path, limits=LIMITS)
    h.feed([tick("090000", 70_000)])
    (stop,) = protective(h, "stop")
    assert stop.condition_price == 69_500 and stop.price == 69_200
    h.feed([tick("090010", 70_700, ask=70_800, bid=70_700)])  # 70,000 * 1.01
    (tp,) = protective(h, "take_profit")
    assert tp.price == 70_700 and stop.state is OrderState.CANCELLED

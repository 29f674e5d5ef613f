"""Four deliberate bugs that once survived the whole suite (issues #14 and #20): each
test below fails on its mutant. ``docs/testing.md`` shows how each was checked by hand.

1. a garbled kill-switch file ignored (it must halt);
2. reconciliation matching an order without comparing side and quantity;
3. the paper broker's limit comparison moved by one (at exactly the limit: fill);
4. the trading-hours end made inclusive (15:20:00 is outside 09:00-15:20).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autotrader.broker.kiwoom.reconcile import Candidate, match
from autotrader.engine.killswitch import KillSwitch, halt_path, read_command
from autotrader.market.matching import Matcher
from autotrader.market.venue_types import MatchConfig, Print, Working
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType, Side
from autotrader.risk import RiskLimits, TradingLevel
from autotrader.risk import checks as c
from tests.frames import real, trade
from tests.harness import Harness
from tests.risk.support import check_input, order, state

RESTING_BUY = """
strategy: t
symbols: ["005930"]
rules:
  - name: rest
    when: open_orders == 0 and position.qty == 0
    do:
      - buy: {qty: 1, type: limit, price: 60000}
"""


# -- 1. a garbled kill-switch file halts ------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"hlat\nfat finger\n", b"\n", b"HALT!\n", b"\xff\xfe\x00", b"active-ish\n"]
)
def test_garbled_kill_switch_file_reads_as_halt(tmp_path: Path, content: bytes) -> None:
    """Anything but halt/reduce/active in the file is a halt that says what it read."""
    path = tmp_path / "autotrader.halt"
    path.write_bytes(content)
    command = read_command(path)
    assert command is not None and command.level is TradingLevel.HALTED
    assert "kill switch file" in command.reason


def test_engine_halts_and_cancels_on_a_garbled_kill_switch_file(tmp_path: Path) -> None:
    """A running engine that finds 'hlat' cancels its working buy and places nothing more."""
    h = Harness(RESTING_BUY, tmp_path)
    h.engine.killswitch = KillSwitch(halt_path(h.journal.path))
    h.feed([real(trade("005930", "100000", 61_000))])
    (working,) = h.engine.ledger.working.values()
    halt_path(h.journal.path).write_text("hlat\n", encoding="utf-8")
    h.engine.watch(force=True)
    assert h.engine.book.level is TradingLevel.HALTED
    assert working.state is OrderState.CANCELLED
    sent = h.engine.stats["orders"]
    h.feed([real(trade("005930", "100500", 61_000))])
    assert h.engine.stats["orders"] == sent


# -- 2. reconciliation compares side and quantity -----------------------------------------


def _candidate(side: Side, qty: int, order_no: str = "0000100") -> Candidate:
    return Candidate(order_no, "005930", side, qty, 60_000, 0, 0, qty, "", "100000")


def _in_doubt(side_action: OrderAction = OrderAction.BUY, qty: int = 10) -> list[OrderRequest]:
    o = order(qty, action=side_action, price=60_000)
    o.created_at = 0.0  # no clock to compare: only the order's own keys decide
    return [o]


@pytest.mark.parametrize(
    ("candidate", "outcome"),
    [
        (_candidate(Side.BUY, 10), "accepted"),
        (_candidate(Side.SELL, 10), "not_found"),  # same symbol, price, qty: other side
        (_candidate(Side.BUY, 11), "not_found"),  # same side: another quantity
        (_candidate(Side.BUY, 9), "not_found"),
    ],
)
def test_reconciliation_matches_only_the_same_side_and_quantity(
    candidate: Candidate, outcome: str
) -> None:
    """An in-doubt buy of 10 is never taken for a sell, nor for a buy of 9 or 11."""
    (resolution,) = match(_in_doubt(), [candidate])
    assert resolution.outcome == outcome


def test_reconciliation_picks_the_matching_one_among_lookalikes() -> None:
    """Among a sell of 10, a buy of 11 and a buy of 10, the buy of 10 is ours."""
    found = [
        _candidate(Side.SELL, 10, "0000001"),
        _candidate(Side.BUY, 11, "0000002"),
        _candidate(Side.BUY, 10, "0000003"),
    ]
    (resolution,) = match(_in_doubt(), found)
    assert (resolution.outcome, resolution.broker_order_no) == ("accepted", "0000003")


# -- 3. the paper venue at exactly the limit ----------------------------------------------


def _resting_fill(side: Side, last: int, ask: int, bid: int) -> int:
    """The price a resting limit at 60,000 fills at on one print, 0 when it does not
    (market/matching.py F03-F06, nobody queued ahead)."""
    matcher = Matcher(MatchConfig(queue_ahead=0))
    working = Working(1, "005930", side, OrderType.LIMIT, qty=10, limit=60_000)
    fills = list(matcher._resting(working, Print(last, 100, ask, bid, 0.0), 100, 60_000))
    return fills[0].price if fills else 0


@pytest.mark.parametrize(
    ("side", "last", "ask", "bid", "fill"),
    [
        # a buy limit at 60,000: a trade at or through the limit fills at the limit; one
        # tick above does not, and the quote alone never fills (F06)
        (Side.BUY, 60_000, 0, 0, 60_000),
        (Side.BUY, 60_100, 0, 0, 0),
        (Side.BUY, 59_900, 0, 0, 60_000),
        (Side.BUY, 60_100, 60_000, 0, 0),
        # the mirror for a sell limit at 60,000
        (Side.SELL, 60_000, 0, 0, 60_000),
        (Side.SELL, 59_900, 0, 0, 0),
        (Side.SELL, 60_100, 0, 0, 60_000),
        (Side.SELL, 59_900, 0, 60_000, 0),
    ],
)
def test_paper_limit_fills_at_exactly_its_limit_and_not_a_tick_short(
    side: Side, last: int, ask: int, bid: int, fill: int
) -> None:
    """The venue's rule, at the edge: 'at or below' (buy) / 'at or above' (sell)."""
    assert _resting_fill(side, last, ask, bid) == fill


# -- 4. the trading-hours end is exclusive ------------------------------------------------


@pytest.mark.parametrize(
    ("sod", "allowed"),
    [
        (9 * 3600, True),
        (15 * 3600 + 19 * 60 + 59, True),
        (15 * 3600 + 20 * 60, False),  # the end itself is outside
        (15 * 3600 + 20 * 60 + 1, False),
    ],
)
def test_trading_hours_end_is_exclusive(sod: int, allowed: bool) -> None:
    """09:00:00 and 15:19:59 pass; 15:20:00 is already outside 09:00-15:20."""
    limits = RiskLimits(trading_start=9 * 3600, trading_end=15 * 3600 + 20 * 60)
    reason = c.trading_hours(check_input(st=state(sod=sod), limits=limits), {})
    assert (reason is None) is allowed

"""The ledger's reserve: working buys hold back their value and commission until they end."""

from __future__ import annotations

from pathlib import Path

from autotrader.engine.ledger import Ledger
from autotrader.journal import Journal
from autotrader.market.fees import Fees
from autotrader.model import Fill, OrderAction, OrderRequest, OrderState, Side
from autotrader.risk import RiskBook
from autotrader.risk import checks as c
from tests.risk.support import check_input, order, state

FEES = Fees(commission_ppm=20_000, sell_tax_ppm=2_000)  # 2%: the commission shows


def _ledger(tmp_path: Path, cash: int) -> Ledger:
    journal = Journal(tmp_path / "j.db")
    journal.start_run(strategy="t", mode="test")
    st = state()
    return Ledger(journal, RiskBook(cash=cash, fees=FEES), {st.symbol: st})


def _open(ledger: Ledger, o: OrderRequest, price: int) -> OrderRequest:
    ledger.journal.commit_intent(o, 0.0)
    ledger.opened(o, ledger.states["005930"], price, 0.0)
    return o


def test_a_working_buy_holds_back_its_commission_too(tmp_path: Path) -> None:
    """Two buys cannot together cost more than the cash: the first one's commission
    stays reserved, so a second buy that fits only without it is refused."""
    ledger = _ledger(tmp_path, 1_000_000)
    _open(ledger, order(10, price=60_000), 60_000)  # 600,000 + 12,000 commission
    book = ledger.book
    assert book.reserved == 612_000 and book.open_orders == 1
    second = order(13, price=30_000)  # 390,000 + 7,800: fits 400,000, not 388,000
    reason = c.orderable_cash(check_input(second, state(30_000), book=book), {})
    assert reason == "buy costs 397,800 KRW with commission, only 388,000 KRW is orderable"


def test_fills_and_a_cancel_release_exactly_what_a_buy_reserved(tmp_path: Path) -> None:
    """A partial fill releases its share of value and commission; the cancel of the rest
    releases all the order still held, leaving nothing reserved, and the order leaves
    the working set."""
    ledger = _ledger(tmp_path, 10_000_000)
    buy = _open(ledger, order(7, price=60_100), 60_100)
    ledger.accepted(buy, "0000001", 0.5)
    held = 7 * 60_100 + FEES.commission(7 * 60_100)
    assert ledger.book.reserved == held
    fill = Fill(buy.order_id, "005930", Side.BUY, 3, 60_000, FEES.commission(180_000), 0, 1.0)
    ledger.filled(buy, fill)
    assert ledger.book.reserved == held - 3 * 60_100 - FEES.commission(3 * 60_100)
    assert ledger.pending_qty("005930", Side.BUY) == 4
    ledger.cancelled(buy, buy.remaining, 2.0)
    assert buy.state is OrderState.CANCELLED
    assert ledger.book.reserved == 0 and ledger.book.open_orders == 0
    assert ledger.reserve_left == {} and ledger.reserve_price == {}
    assert ledger.working == {} and ledger.by_symbol == {}
    assert ledger.pending_qty("005930", Side.BUY) == 0


def test_a_sell_reserves_nothing(tmp_path: Path) -> None:
    """Only buys spend cash: an approved sell leaves the reserve alone."""
    ledger = _ledger(tmp_path, 1_000_000)
    _open(ledger, order(5, action=OrderAction.SELL, price=60_000), 60_000)
    assert ledger.book.reserved == 0
    assert ledger.pending_qty("005930", Side.SELL) == 5

"""RiskBook: working buys hold back their value and commission until they end."""

from __future__ import annotations

from autotrader.market.fees import Fees
from autotrader.model import Fill, OrderAction, Side
from autotrader.risk import RiskBook
from autotrader.risk import checks as c
from tests.risk.support import check_input, order, state

FEES = Fees(commission_ppm=20_000, sell_tax_ppm=2_000)  # 2%: the commission shows


def test_a_working_buy_holds_back_its_commission_too() -> None:
    """Two buys cannot together cost more than the cash: the first one's commission
    stays reserved, so a second buy that fits only without it is refused."""
    book = RiskBook(cash=1_000_000, fees=FEES)
    first = order(10, price=60_000)  # 600,000 + 12,000 commission
    book.approved(first, 60_000, now=0.0)
    assert book.reserved == 612_000
    second = order(13, price=30_000)  # 390,000 + 7,800: fits 400,000, not 388,000
    reason = c.orderable_cash(check_input(second, state(30_000), book=book), {})
    assert reason == "buy costs 397,800 KRW with commission, only 388,000 KRW is orderable"


def test_fills_and_a_cancel_release_exactly_what_a_buy_reserved() -> None:
    """A partial fill releases its share of value and commission; the cancel of the rest
    releases all the order still held, leaving nothing reserved."""
    book = RiskBook(cash=10_000_000, fees=FEES)
    buy = order(7, price=60_100)
    book.approved(buy, 60_100, now=0.0)
    held = 7 * 60_100 + FEES.commission(7 * 60_100)
    assert book.reserved == held
    fill = Fill(buy.order_id, "005930", Side.BUY, 3, 60_000, FEES.commission(180_000), 0, 1.0)
    book.filled(fill, None)
    assert book.reserved == held - 3 * 60_100 - FEES.commission(3 * 60_100)
    buy.filled_qty = 3
    book.closed(buy, buy.remaining)
    assert book.reserved == 0
    assert book.reserve_left == {} and book.reserve_price == {}


def test_a_sell_reserves_nothing() -> None:
    """Only buys spend cash: an approved sell leaves the reserve alone."""
    book = RiskBook(cash=1_000_000, fees=FEES)
    book.approved(order(5, action=OrderAction.SELL, price=60_000), 60_000, now=0.0)
    assert book.reserved == 0

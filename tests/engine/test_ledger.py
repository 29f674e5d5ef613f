"""The order ledger: reserves held and released exactly, modify chains, a flat working set."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from autotrader.engine.ledger import Ledger
from autotrader.journal import Journal
from autotrader.market.fees import Fees
from autotrader.model import Fill, OrderAction, OrderRequest, OrderState, OrderType, Side
from autotrader.risk import RiskBook, RiskLimits
from autotrader.risk import checks as c
from tests.frames import real, trade
from tests.harness import Harness
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


def _modify_to(ledger: Ledger, buy: OrderRequest, price: int) -> OrderRequest:
    """Order 2: a modify of ``buy`` to ``price``, its intent committed and opened."""
    modify = OrderRequest(
        order_id=2, action=OrderAction.MODIFY, symbol="005930", qty=0, price=price,
        target_id=buy.order_id,
    )  # fmt: skip
    ledger.journal.commit_intent(modify, 1.0)
    ledger.opened(modify, ledger.states["005930"], price, 1.0, after=replace(buy, price=price))
    return modify


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
    assert ledger.reserve.left == {} and ledger.reserve.price == {}
    assert ledger.working == {} and ledger.by_symbol == {}
    assert ledger.pending_qty("005930", Side.BUY) == 0


def test_a_sell_reserves_nothing(tmp_path: Path) -> None:
    """Only buys spend cash: an approved sell leaves the reserve alone."""
    ledger = _ledger(tmp_path, 1_000_000)
    _open(ledger, order(5, action=OrderAction.SELL, price=60_000), 60_000)
    assert ledger.book.reserved == 0
    assert ledger.pending_qty("005930", Side.SELL) == 5


def test_a_modify_keeps_the_original_linked_to_the_new_number(tmp_path: Path) -> None:
    """As Kiwoom does (a modify gets its own number, the original's as orig_ord_no): the
    ledger keeps what the order was before, the request that changed it and both numbers,
    and the journal's event for the change names both numbers."""
    ledger = _ledger(tmp_path, 10_000_000)
    buy = _open(ledger, order(10, price=60_000), 60_000)
    ledger.accepted(buy, "0000001", 0.5)
    modify = _modify_to(ledger, buy, 59_000)
    ledger.accepted(modify, "0000002", 1.1)
    ledger.modified(buy, 10, 59_000, "0000002", 1.2)
    (link,) = ledger.chain[buy.order_id]
    assert (link.request_id, link.qty, link.price) == (2, 10, 60_000)
    assert (link.order_no, link.new_order_no) == ("0000001", "0000002")
    assert (buy.price, buy.broker_order_no) == (59_000, "0000002")
    assert modify.state is OrderState.DONE and modify.order_id not in ledger.working
    ledger.journal.flush()
    rows = ledger.journal.conn.execute(
        "SELECT id, state, broker_order_no, target_id FROM orders ORDER BY id"
    ).fetchall()
    assert rows == [(1, "accepted", "0000002", None), (2, "done", "0000002", 1)]
    (detail,) = ledger.journal.conn.execute(
        "SELECT detail FROM order_events WHERE detail LIKE 'modified%'"
    ).fetchone()
    assert detail == "modified to 10@59000 (0000001 -> 0000002)"
    value = 10 * 59_000
    assert ledger.book.reserved == value + FEES.commission(value)  # at the new price


def test_ended_orders_leave_the_ledger_so_memory_stays_flat(tmp_path: Path) -> None:
    """Hundreds of orders placed, filled, cancelled, modified and refused over a replayed
    day leave nothing behind in the ledger: history is the journal's."""
    h = Harness(
        'strategy: t\nsymbols: ["005930"]\nrules:\n  - name: never\n    when: price < 0\n'
        "    do: [{buy: {qty: 1}}]\n",
        tmp_path,
        limits=RiskLimits(max_orders_per_minute=10**6, max_orders_per_symbol_per_minute=10**6),
    )
    engine = h.engine
    ledger = engine.ledger
    for i in range(300):
        s = 10 * 3600 + i
        price = 70_000 + (i % 3) * 100
        h.feed([real(trade("005930", f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}", price))])
        buy = OrderRequest(
            order_id=h.journal.next_order_id(), action=OrderAction.BUY, symbol="005930",
            qty=2, order_type=OrderType.LIMIT, price=69_900, rule="never",
            created_at=engine.market.now,
        )  # fmt: skip
        engine.place(buy, engine.states["005930"])
        change = OrderAction.CANCEL if i % 2 else OrderAction.MODIFY
        request = replace(
            buy, order_id=h.journal.next_order_id(), action=change, qty=0,
            price=70_000 if change is OrderAction.MODIFY else 0, target_id=buy.order_id,
            state=OrderState.PENDING,
        )  # fmt: skip
        engine.place(request, engine.states["005930"])
    h.feed([real(trade("005930", "110000", 69_000))])  # every buy still working fills
    assert h.rows("SELECT COUNT(*) FROM orders")[0][0] == 600
    assert len(h.placed()) > 300  # most passed the guard and reached the broker
    assert ledger.working == {} and ledger.by_symbol == {}
    assert (ledger.changes, ledger.ended, ledger.chain, ledger.projections) == ({}, {}, {}, {})
    assert (ledger.reserve.left, ledger.reserve.price, ledger.cancelling) == ({}, {}, set())
    assert engine.book.reserved == 0 and engine.book.open_orders == 0
    unfinished = (
        "SELECT COUNT(*) FROM orders WHERE state NOT IN ('filled', 'cancelled', 'rejected', 'done')"
    )
    assert h.rows(unfinished)[0][0] == 0


def test_requests_are_indexed_by_their_target_while_they_work(tmp_path: Path) -> None:
    """``requests`` holds, per working order, the modify and cancel requests addressing it
    (what an order's end and the protection ask, without a scan of the working set): a
    request enters when opened and leaves when it is done, and the index ends empty."""
    ledger = _ledger(tmp_path, 10_000_000)
    buy = _open(ledger, order(10, price=60_000), 60_000)
    ledger.accepted(buy, "0000001", 0.5)
    assert ledger.requests == {}
    modify = _modify_to(ledger, buy, 59_000)
    assert ledger.requests == {buy.order_id: {modify.order_id}}
    value = 10 * 59_000  # held for either outcome: the higher of the two prices
    assert ledger.book.reserved == 10 * 60_000 + FEES.commission(10 * 60_000) > value
    ledger.accepted(modify, "0000002", 1.1)
    ledger.modified(buy, 10, 59_000, "0000002", 1.2)
    assert modify.state is OrderState.DONE and ledger.requests == {}
    cancel = OrderRequest(
        order_id=3, action=OrderAction.CANCEL, symbol="005930", qty=0, target_id=buy.order_id
    )
    ledger.journal.commit_intent(cancel, 2.0)
    ledger.opened(cancel, ledger.states["005930"], 0, 2.0)
    assert ledger.requests == {buy.order_id: {cancel.order_id}}
    fill = Fill(buy.order_id, "005930", Side.BUY, 10, 59_000, FEES.commission(value), 0, 2.1)
    ledger.filled(buy, fill)  # the target ends first: the cancel waits for its answer
    assert ledger.ended == {buy.order_id: OrderState.FILLED}
    ledger.rejected(cancel, 2.2, "nothing left to cancel")
    assert ledger.requests == {} and ledger.ended == {} and ledger.working == {}
    assert ledger.book.reserved == 0

"""Gold spot as a symbol class: validation, dry-run fills on gold's grid without tax, and
a live round trip against the fake Kiwoom through kt50000-kt50003 and the gold account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autotrader.broker.kiwoom.gold import gold_order_body
from autotrader.errors import BadRequestError, StrategyErrors
from autotrader.feed.synth import SynthConfig, write_tape
from autotrader.model import OrderAction, OrderRequest, OrderState, OrderType
from autotrader.rules import load_strategy_text
from tests.frames import real
from tests.harness import Harness, replay_rows
from tests.integration.live_support import HEADER, accepted, live_run

GOLD = "M04020000"
EXAMPLES = Path(__file__).resolve().parents[2] / "rules"


def gold_trade(hms: str, price: int, *, ask: int = 0, bid: int = 0) -> dict[str, Any]:
    values = {"20": hms, "10": f"+{price}", "11": f"{price - 150_000:+d}", "15": "+10", "13": "10"}
    values |= {"27": f"+{ask or price}", "28": f"+{bid or price - 10}"}
    return {"type": "0B", "name": "주식체결", "item": GOLD, "values": values}


def test_gold_rules_take_only_priced_limit_types_and_no_credit() -> None:
    """A market buy or a credit buy of gold is an error at its line; limit types pass."""
    text = f"""strategy: g
symbols: ["{GOLD}", "005930"]
rules:
  - name: market-gold
    when: price > 0
    do:
      - buy: {{qty: 1, type: market}}
  - name: credit-gold
    symbols: ["{GOLD}"]
    when: price > 0
    do:
      - credit_buy: {{qty: 1, type: limit, price: bid}}
  - name: fine
    symbols: ["{GOLD}"]
    when: price > 0
    do:
      - sell: {{qty: all, type: limit_ioc, price: bid}}
"""
    with pytest.raises(StrategyErrors) as caught:
        load_strategy_text(text, "g.yaml")
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 2, messages
    assert messages[0].startswith("g.yaml:7:") and "not market" in messages[0]
    assert "credit_buy cannot trade gold spot" in messages[1]


def test_gold_order_bodies_follow_the_gold_trs() -> None:
    """kt50000 body: no exchange, trde_tp 00/10/20; modify/cancel as the stock TRs spell it."""
    buy = OrderRequest(1, OrderAction.BUY, GOLD, 3, OrderType.LIMIT_IOC, price=150_010)
    assert gold_order_body(buy) == {
        "stk_cd": GOLD, "ord_qty": "3", "ord_uv": "150010", "trde_tp": "10",
    }  # fmt: skip
    modify = OrderRequest(2, OrderAction.MODIFY, GOLD, 0, OrderType.LIMIT, price=150_020)
    assert gold_order_body(modify, original_order_no="0000007")["mdfy_uv"] == "150020"
    market = OrderRequest(3, OrderAction.BUY, GOLD, 1, OrderType.MARKET)
    with pytest.raises(BadRequestError):
        gold_order_body(market)


DRY = f"""
strategy: g
symbols: ["{GOLD}"]
rules:
  - name: in
    when: position.qty == 0 and open_orders == 0
    cooldown: 1h
    do:
      - buy: {{qty: 4, type: limit, price: bid + 1 tick}}
  - name: out
    when: position.qty > 0 and open_orders == 0 and price >= 150_100
    do:
      - sell: {{qty: all, type: limit, price: bid}}
"""


def test_dry_run_gold_prices_on_its_10_won_grid_and_sells_without_tax(tmp_path: Path) -> None:
    """bid 150,000 + 1 tick is 150,010 (a stock's tick there would be 100); the sale pays
    commission and no tax."""
    h = Harness(DRY, tmp_path)
    h.feed([real(gold_trade("093000", 150_010, ask=150_010, bid=150_000))])
    h.feed([real(gold_trade("093001", 150_010, ask=150_010, bid=150_000))])
    h.feed([real(gold_trade("093100", 150_100, ask=150_110, bid=150_100))])
    h.feed([real(gold_trade("093101", 150_100, ask=150_110, bid=150_100))])
    fills = h.rows("SELECT side, qty, price, commission, tax FROM fills ORDER BY id")
    assert fills[0][:3] == ("buy", 4, 150_010)
    assert fills[1][:3] == ("sell", 4, 150_100) and fills[1][4] == 0 and fills[1][3] > 0


def test_the_gold_example_trades_a_synthetic_gold_day(tmp_path: Path) -> None:
    """``tape synth --strategy rules/gold-spot-dip.yaml`` makes a day the example can
    trade: it buys and sells gold on its grid, and its sales pay no tax."""
    tape = tmp_path / "gold.jsonl.gz"
    write_tape(tape, SynthConfig(seed=5, symbols=(GOLD, "005930"), ticks=20_000))
    text = (EXAMPLES / "gold-spot-dip.yaml").read_text(encoding="utf-8")
    _, (rows,) = replay_rows(text, tape, tmp_path / "j.db", ["SELECT side, price, tax FROM fills"])
    assert {side for side, _, _ in rows} == {"buy", "sell"}
    assert all(price % 10 == 0 and tax == 0 for _, price, tax in rows)


LIVE = f"""\
  - name: gold-in
    symbols: ["{GOLD}"]
    when: position.qty == 2 and open_orders == 0
    max_per_day: 1
    do:
      - buy: {{qty: 3, type: limit, price: bid}}
  - name: gold-out
    symbols: ["{GOLD}"]
    when: position.qty == 5 and open_orders == 0
    do:
      - sell: {{qty: all, type: limit, price: bid}}
"""


def frame(entry: dict[str, Any]) -> dict[str, Any]:
    return {"trnm": "REAL", "data": [entry]}


@pytest.mark.anyio
async def test_live_gold_round_trip_against_the_fake(tmp_path: Path) -> None:
    """The gold account loads (2 g held, kt50020), a buy goes out as kt50000 and fills,
    the sale as kt50001; the fake charges no tax and the positions agree."""
    fake_options = {
        "holdings": {GOLD: (2, 149_000)},
        "base_prices": {"005930": 60_000, "000660": 200_000, GOLD: 150_000},
    }
    header = HEADER.replace('symbols: ["005930", "000660"]', f'symbols: ["005930", "{GOLD}"]')
    async with live_run(tmp_path, LIVE, fake_options=fake_options, header=header) as live:
        st = live.runner.engine.states.get(GOLD)
        assert st is not None and st.pos_qty == 2  # from the gold account at start
        await live.push(frame(gold_trade("100000", 150_000, bid=149_990)))  # buy at 149,990
        await live.until(lambda: accepted(live))
        await live.push(frame(gold_trade("100001", 149_990, ask=149_990, bid=149_980)))
        await live.until(lambda: st.pos_qty == 5)  # filled
        await live.push(frame(gold_trade("100002", 149_990, ask=150_000, bid=149_990)))
        await live.until(lambda: st.pos_qty == 0)  # the sale meets the bid on arrival
        orders = live.orders()
        assert all(o.state is OrderState.FILLED for o in orders)
    assert [o.api_id for o in live.fake.orders] == ["kt50000", "kt50001"]
    sale = live.fake.orders[1]
    assert sale.tax == 0 and sale.filled == 5


ONE_GOLD_BUY = f"""\
  - name: gold-once
    symbols: ["{GOLD}"]
    when: position.qty == 0 and open_orders == 0
    max_per_day: 1
    do:
      - buy: {{qty: 2, type: limit, price: ask}}
"""


@pytest.mark.anyio
@pytest.mark.parametrize("fills_first", [False, True])
async def test_gold_order_with_unknown_outcome_is_found_in_the_gold_account(
    tmp_path: Path, fills_first: bool
) -> None:
    """A gold order whose answer was lost is resolved from kt50075 (still working) or
    kt50031 (already filled), never sent twice."""
    fake_options = {
        "holdings": {},
        "base_prices": {"005930": 60_000, "000660": 200_000, GOLD: 150_000},
    }
    header = HEADER.replace('symbols: ["005930", "000660"]', f'symbols: ["005930", "{GOLD}"]')
    async with live_run(tmp_path, ONE_GOLD_BUY, fake_options=fake_options, header=header) as live:
        live.fake.faults.fail_next_order(after_accept=True, mode="timeout")
        await live.push(frame(gold_trade("100000", 150_000, ask=150_010, bid=150_000)))
        await live.until(lambda: len(live.orders()) == 1)
        (order,) = live.orders()
        await live.until(lambda: order.state is OrderState.UNKNOWN)
        if fills_first:  # it fills at the server before the reconciliation looks
            await live.push(frame(gold_trade("100001", 150_010, ask=150_010, bid=150_000)))
        await live.until(lambda: order.broker_order_no != "")
        if not fills_first:
            await live.push(frame(gold_trade("100001", 150_010, ask=150_010, bid=150_000)))
        await live.until(lambda: order.state is OrderState.FILLED)
        assert live.runner.engine.states[GOLD].pos_qty == 2
    (server,) = live.fake.orders
    assert server.api_id == "kt50000" and order.broker_order_no == server.ord_no

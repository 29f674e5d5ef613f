"""0D-driven fills on the fake Kiwoom (walking the book, partial fills) and 0g limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fake_kiwoom.fake_support import ORDR, buy, next_00, running, socket

pytestmark = pytest.mark.anyio


def book(asks: list[tuple[int, int]], bids: list[tuple[int, int]]) -> dict[str, Any]:
    values: dict[str, str] = {"21": "100000"}
    for n, (price, qty) in enumerate(asks):
        values[str(41 + n)], values[str(61 + n)] = f"+{price}", str(qty)
    for n, (price, qty) in enumerate(bids):
        values[str(51 + n)], values[str(71 + n)] = f"+{price}", str(qty)
    entry = {"type": "0D", "name": "주식호가잔량", "item": "005930", "values": values}
    return {"trnm": "REAL", "data": [entry]}


def limits(upper: int, lower: int, base: int) -> dict[str, Any]:
    values = {"305": str(upper), "306": str(lower), "307": str(base), "297": ""}
    entry = {"type": "0g", "name": "주식종목정보", "item": "005930", "values": values}
    return {"trnm": "REAL", "data": [entry]}


ASKS = [(60_100, 100), (60_200, 150), (60_300, 1_000)]
BIDS = [(60_000, 80), (59_900, 500)]


async def test_a_limit_buy_walks_the_asks_up_to_its_price_and_rests_partly_filled() -> None:
    """Buy 500 at 60,200: 100 @ 60,100 and 150 @ 60,200 fill, 250 rest; 60,300 is beyond."""
    async with running() as (fake, api), socket(fake, api.token) as ws:
        await api.call(ORDR, "kt10000", buy("005930", 500, 60_200))
        await next_00(ws)  # 접수
        await fake.push_frame(book(ASKS, BIDS))
        fills = [await next_00(ws), await next_00(ws)]
    assert [(f["913"], f["914"], f["915"], f["902"]) for f in fills] == [
        ("체결", "60100", "100", "400"),
        ("체결", "60200", "150", "250"),
    ]
    (order,) = fake.open_orders()
    assert (order.filled, order.remaining) == (250, 250)
    assert fake.holdings["005930"].qty == 10 + 250


async def test_market_sell_takes_every_bid_level_and_ioc_cancels_the_rest() -> None:
    """A market IOC sell of 600 takes 80 + 500 from the bids and cancels 20."""
    async with running(holdings={"005930": (1_000, 58_000)}) as (fake, api):
        await api.call(ORDR, "kt10001", buy("005930", 600, None, tp="13"))
        await fake.push_frame(book(ASKS, BIDS))
    (order,) = [o for o in fake.orders if o.api_id == "kt10001"]
    assert (order.filled, order.fill_value, order.remaining) == (580, 80 * 60_000 + 500 * 59_900, 0)
    assert order.status.value == "취소"


async def test_orders_share_one_books_liquidity_oldest_first() -> None:
    """Two buys at 60,100 against 100 shares there: the first gets 100, the second none."""
    async with running() as (fake, api):
        await api.call(ORDR, "kt10000", buy("005930", 100, 60_100))
        await api.call(ORDR, "kt10000", buy("005930", 100, 60_100))
        await fake.push_frame(book(ASKS, BIDS))
    first, second = fake.orders
    assert (first.filled, second.filled) == (100, 0)


async def test_fok_buy_larger_than_the_depth_within_its_limit_is_cancelled_whole() -> None:
    """FOK 300 at 60,200 sees only 250 there: nothing fills, all is cancelled."""
    async with running() as (fake, api):
        await api.call(ORDR, "kt10000", buy("005930", 300, 60_200, tp="20"))
        await fake.push_frame(book(ASKS, BIDS))
    (order,) = fake.orders
    assert (order.filled, order.remaining) == (0, 0)


async def test_a_pushed_0g_sets_the_fakes_price_limits() -> None:
    """After a 0g with upper 66,000 a buy at 70,000 (inside +-30% of 60,000) is refused."""
    async with running() as (fake, api):
        before = await api.call(ORDR, "kt10000", buy("005930", 1, 70_000))
        await fake.push_frame(limits(66_000, 54_000, 60_000))
        after = await api.call(ORDR, "kt10000", buy("005930", 1, 70_000))
    assert before["return_code"] == 0
    assert after["return_code"] == 20 and "상하한가" in after["return_msg"]

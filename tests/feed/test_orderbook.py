"""The 0D order book: readers over the guide's example, condition names, and synthetic
tapes that carry books."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import pytest

from autotrader.feed import orderbook as ob
from autotrader.feed.synth import SAMPLE_CONFIG, SynthConfig, generate_frames
from autotrader.model.quotes import OrderBook
from tests.frames import real, trade
from tests.harness import Harness

# The guide's 0D example (주식호가잔량, 005930): ask 1 is 20,800 x 82 ... (signs as sent)
GUIDE = {
    "21": "165207", "41": "-20800", "61": "82", "81": "0", "51": "-20700", "71": "23847",
    "91": "0", "42": "+20900", "62": "393", "82": "0", "52": "-20650", "72": "834748",
    "92": "0", "43": "+21000", "63": "674739", "83": "0", "53": "-20600", "73": "2145799",
    "93": "0", "44": "+21050", "64": "205505", "84": "0", "54": "-20550", "74": "2134689",
    "94": "0", "45": "+21100", "65": "1998461", "85": "0", "55": "-20500", "75": "1982298",
    "95": "0", "46": "+21150", "66": "1932347", "86": "0", "56": "-20450", "76": "1853788",
    "96": "0", "47": "+21200", "67": "1723333", "87": "0", "57": "-20400", "77": "1687992",
    "97": "0", "48": "+21250", "68": "162183", "88": "0", "58": "-20350", "78": "1467869",
    "98": "0", "49": "+21300", "69": "1373291", "89": "0", "59": "-20300", "79": "1259995",
    "99": "0", "50": "+21350", "70": "1242991", "90": "0", "60": "-20250",
}  # fmt: skip


def test_readers_take_magnitudes_of_the_guides_example() -> None:
    """Best ask 20,800 x 82, best bid 20,700 x 23,847; the spread is 2 ticks of 50."""
    assert (ob.best_ask(GUIDE), ob.best_ask_qty(GUIDE)) == (20_800, 82)
    assert (ob.best_bid(GUIDE), ob.best_bid_qty(GUIDE)) == (20_700, 23_847)
    assert ob.spread_ticks(GUIDE) == 2
    assert ob.imbalance(GUIDE, 1) == pytest.approx((23_847 - 82) / (23_847 + 82))


def test_imbalance_of_the_top_levels_and_a_garbled_field_reads_zero() -> None:
    """Top 3: bids 3,004,394 vs asks 675,214; a garbled quantity counts as 0, never raises."""
    asks, bids = 82 + 393 + 674_739, 23_847 + 834_748 + 2_145_799
    assert ob.imbalance(GUIDE, 3) == pytest.approx((bids - asks) / (bids + asks))
    garbled = GUIDE | {"71": "x", "41": ""}
    assert ob.best_bid_qty(garbled) == 0 and ob.best_ask(garbled) == 0
    assert ob.spread_ticks(garbled) == 0 and ob.imbalance({}, 5) == 0.0


def test_spread_in_ticks_counts_across_a_band_boundary() -> None:
    """Bid 49,950 and ask 50,100: one 50-won tick to 50,000, then one 100-won tick."""
    assert ob.spread_ticks({"41": "50100", "51": "49950"}) == 2


def test_order_book_value_for_the_matching_model() -> None:
    """The whole book as numbers, best first; the guide's example has no 10th bid size."""
    book = ob.order_book(GUIDE)
    assert isinstance(book, OrderBook)
    assert book.asks[0] == (20_800, 82) and book.asks[-1] == (21_350, 1_242_991)
    assert book.bids[0] == (20_700, 23_847) and book.bids[-1] == (20_250, 0)
    assert book.ask_qty_within(20_900) == 82 + 393
    assert book.bid_qty_within(20_650) == 23_847 + 834_748
    assert book.hhmmss == "165207" and book.total_ask_qty == sum(q for _, q in book.asks)


BOOK_RULE = """
strategy: t
symbols: ["005930"]
rules:
  - name: bid-heavy
    when: book.imbalance_3 >= 0.5 and book.spread_ticks <= 2 and book.bid_qty > 10_000
    cooldown: 1h
    do:
      - buy: {qty: 1, type: limit, price: book.bid}
"""


def depth(item: str, values: dict[str, str]) -> dict[str, Any]:
    return {"type": "0D", "name": "주식호가잔량", "item": item, "values": values}


def test_book_names_read_the_latest_0d_when_the_trade_arrives(tmp_path: Path) -> None:
    """Before a book the rule cannot fire; a 0D alone fires nothing; the next trade fires
    it and its limit price is the book's best bid."""
    h = Harness(BOOK_RULE, tmp_path)
    h.feed([real(trade("005930", "090001", 20_800))])
    h.feed([real(depth("005930", GUIDE))])
    assert h.plan.rules[0].fires == 0
    h.feed([real(trade("005930", "090002", 20_800))])
    assert h.plan.rules[0].fires == 1
    (price,) = h.rows("SELECT price FROM orders")[0]
    assert price == 20_700


def test_synthetic_tape_carries_books_at_the_asked_share_and_the_same_trades() -> None:
    """order_book_ratio 0.5: half the frames are 0D; the other frames are the same bytes
    (as Kiwoom sent them: receive times spread over more frames once books are added)."""
    cfg = dataclasses.replace(SAMPLE_CONFIG, ticks=3_000, n_symbols=4, receive_times=False)
    plain = list(generate_frames(cfg))
    mixed = list(generate_frames(dataclasses.replace(cfg, order_book_ratio=0.5)))
    books = [f for f in mixed if b'"0D"' in f]
    assert [f for f in mixed if b'"0D"' not in f] == plain
    assert len(books) / len(mixed) == pytest.approx(0.5, abs=0.01)
    entry = orjson.loads(books[0])["data"][0]
    assert ob.best_ask(entry["values"]) > ob.best_bid(entry["values"]) > 0
    assert ob.total_ask_qty(entry["values"]) > 0


def test_order_book_ratio_is_validated() -> None:
    """A ratio of 1 or more would mean no trades at all: refused."""
    with pytest.raises(ValueError, match="order_book_ratio"):
        SynthConfig(order_book_ratio=1.0)


def test_synthetic_tape_can_carry_the_days_0g_limits(tmp_path: Path) -> None:
    """price_limit_frames: one 0g per symbol after the 08:40 notice, the trades unchanged;
    replayed, every symbol's state holds the exact limits before its first trade."""
    cfg = dataclasses.replace(SAMPLE_CONFIG, ticks=3_000, n_symbols=3)
    plain = list(generate_frames(cfg))
    limited = list(generate_frames(dataclasses.replace(cfg, price_limit_frames=True)))
    assert limited[0] == plain[0] and limited[2:] == plain[1:]
    entries = orjson.loads(limited[1])["data"]
    assert [e["type"] for e in entries] == ["0g"] * 3
    h = Harness('strategy: t\nsymbols: ["005930"]\nrules:\n  - name: r\n    when: price < 0\n'
                "    do:\n      - buy: {qty: 1}\n", tmp_path)  # fmt: skip
    h.feed([orjson.loads(limited[1])])
    limits = h.engine.states["005930"].limits
    assert limits is not None and limits.lower < limits.base < limits.upper

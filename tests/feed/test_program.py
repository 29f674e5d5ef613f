"""0w program trading: readers over the guide's example and the program.* names."""

from __future__ import annotations

from pathlib import Path

from autotrader.feed import program
from tests.frames import real, trade
from tests.harness import Harness

# The guide's 0w example (종목별프로그램매매, 005930)
GUIDE = {
    "20": "113442", "10": "-60200", "25": "5", "11": "-100", "12": "-0.17",
    "13": "128152628", "202": "0", "204": "0", "206": "8043", "208": "483",
    "210": "8043", "212": "483", "213": "0", "211": "0",
}  # fmt: skip


def test_readers_of_the_guides_example() -> None:
    """8,043 shares bought for 483 million KRW, none sold: net +8,043 / +483."""
    assert (program.buy_qty(GUIDE), program.buy_amount(GUIDE)) == (8_043, 483)
    assert (program.sell_qty(GUIDE), program.sell_amount(GUIDE)) == (0, 0)
    assert (program.net_qty(GUIDE), program.net_amount(GUIDE)) == (8_043, 483)
    assert program.net_qty({"210": "-120"}) == -120 and program.net_amount({"212": "x"}) == 0


PROGRAM_RULE = """
strategy: t
symbols: ["005930"]
rules:
  - name: follow-programs
    when: program.net_qty >= 5_000 and program.net_amount > 0
    cooldown: 1h
    do:
      - buy: {qty: 1, type: market}
"""


def test_program_names_read_the_latest_0w_when_a_trade_arrives(tmp_path: Path) -> None:
    """No 0w: the rule stays quiet; after the guide's 0w the next trade fires it."""
    h = Harness(PROGRAM_RULE, tmp_path)
    h.feed([real(trade("005930", "113440", 60_200))])
    entry = {"type": "0w", "name": "종목별프로그램매매", "item": "005930", "values": GUIDE}
    h.feed([real(entry)])
    assert h.plan.rules[0].fires == 0
    h.feed([real(trade("005930", "113443", 60_200))])
    assert h.plan.rules[0].fires == 1
    assert h.engine.states["005930"].program is GUIDE

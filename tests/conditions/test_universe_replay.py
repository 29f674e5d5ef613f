"""The universe in a replay: 02 frames and the search answers a tape carries, applied as live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from autotrader.broker.paper import PaperBroker
from autotrader.compile import compile_strategy
from autotrader.engine.replay import replay
from autotrader.errors import UnknownConditionError
from autotrader.journal import Journal
from autotrader.rules import load_strategy_text
from tests.frames import line, real, trade, write_tape
from tests.harness import Harness

STRATEGY = """\
strategy: surge
universe: {condition: surge, max_symbols: 2}
rules:
  - name: entry
    when: position.qty == 0 and open_orders == 0 and buy_volume > 0
    do:
      - buy: {qty: 1, type: market}
  - name: exit
    when: position.qty > 0 and open_orders == 0 and sell_volume > 0
    do:
      - sell: {qty: all, type: market}
  - name: on-leave
    on: {condition: surge, event: leave}
    when: event.status == "leave" and event.condition == "surge"
    do:
      - cancel: {tag: entry}
"""
LIST = {"trnm": "CNSRLST", "return_code": 0, "data": [["4", "surge"], ["9", "other"]]}


def snapshot(*codes: str, more: bool = False) -> dict[str, Any]:
    rows = [{"9001": "A" + c, "302": c} for c in codes]
    return {"trnm": "CNSRREQ", "seq": "4", "return_code": 0, "cont_yn": "Y" if more else "N",
            "next_key": "1" if more else "", "data": rows}  # fmt: skip


def hit(code: str, hms: str, entered: bool, seq: str = "4") -> dict[str, Any]:
    values = {"841": seq, "9001": "A" + code, "843": "I" if entered else "D", "20": hms}
    return {"type": "02", "name": "조건검색", "item": code, "values": values}


def hits(h: Harness) -> list[tuple[str, str, str, str]]:
    sql = "SELECT symbol, event, source, outcome FROM condition_hits ORDER BY id"
    return [tuple(r) for r in h.rows(sql)]  # type: ignore[misc]


def test_the_initial_list_pages_and_hits_build_the_universe_within_its_cap(tmp_path: Path) -> None:
    """Two pages make one list; a third stock waits over the cap and gets the place freed."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([LIST, snapshot("035720", more=True), snapshot("035420")])
    u = h.engine.universe
    assert list(u.admitted) == ["035720", "035420"] and set(h.engine.states) == set(u.admitted)
    h.feed([real(hit("000660", "090001", True))])
    assert list(u.waiting) == ["000660"] and "000660" not in h.engine.states
    h.feed([real(hit("035420", "090002", False))])  # flat: dropped, the waiting one admitted
    assert list(u.admitted) == ["035720", "000660"] and "035420" in h.engine.parked
    assert hits(h) == [
        ("035720", "I", "list", "admitted"),
        ("035420", "I", "list", "admitted"),
        ("000660", "I", "realtime", "over_cap (2)"),
        ("035420", "D", "realtime", "dropped"),
        ("000660", "I", "waiting", "admitted"),
    ]


def test_a_stock_that_left_keeps_its_exit_but_gets_no_new_entry(tmp_path: Path) -> None:
    """Held when it leaves: the entry is refused (journaled), the exit sells, then it is let go."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([LIST, snapshot()])
    h.feed([real(hit("035720", "090000", True)), real(trade("035720", "090001", 40_000))])
    h.feed([real(trade("035720", "090002", 40_050))])  # fills the market buy
    st = h.engine.states["035720"]
    assert st.pos_qty == 1
    h.feed([real(hit("035720", "090003", False)), real(trade("035720", "090004", 40_100))])
    assert h.engine.universe.leaving == {"035720"}
    h.feed([real(trade("035720", "090005", 40_100, volume=-5))])  # the exit
    h.feed([real(trade("035720", "090006", 40_100, volume=5))])  # fills; entry would fire
    assert "035720" not in h.engine.states and st.pos_qty == 0
    outcomes = h.rows("SELECT rule, outcome FROM decisions WHERE symbol = '035720' ORDER BY id")
    assert outcomes == [("entry", "order"), ("on-leave", "no_target"), ("exit", "order")]
    assert [o.side.value for o in h.placed() if o.side] == ["buy", "sell"]
    assert hits(h)[-2:] == [
        ("035720", "D", "realtime", "left_held"),
        ("035720", "D", "flat", "dropped"),
    ]


def test_a_new_list_after_a_reconnect_reconciles_the_universe(tmp_path: Path) -> None:
    """A second initial list: stocks missing have left, new ones entered (hits were lost)."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([LIST, snapshot("035720")])
    h.feed([LIST, snapshot("035420")])
    assert list(h.engine.universe.admitted) == ["035420"]
    assert hits(h)[1:] == [("035420", "I", "list", "admitted"), ("035720", "D", "list", "dropped")]


def test_hits_of_a_condition_not_searched_or_repeated_change_nothing(tmp_path: Path) -> None:
    """A hit for another seq, or an I for a stock already in, is journaled and ignored."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([LIST, snapshot("035720")])
    h.feed([real(hit("000660", "090000", True, seq="9"), hit("035720", "090001", True))])
    assert list(h.engine.universe.admitted) == ["035720"]
    assert hits(h)[1:] == [("000660", "I", "realtime", "not_searched"),
                           ("035720", "I", "realtime", "repeated")]  # fmt: skip


def test_a_malformed_02_entry_is_counted_and_skipped(tmp_path: Path) -> None:
    """843 neither I nor D: a malformed entry, not a hit."""
    h = Harness(STRATEGY, tmp_path)
    h.feed([LIST, snapshot()])
    bad = hit("035720", "090000", True)
    bad["values"]["843"] = "X"
    h.feed([real(bad)])
    assert h.decoder.counters.malformed == 1 and not h.engine.universe.admitted


def test_replay_of_a_tape_with_02_frames_trades_the_stocks_entering(tmp_path: Path) -> None:
    """A tape carrying the list, the initial list and 02 frames: replay buys what enters."""
    tape = tmp_path / "day.jsonl"
    frames = [
        orjson.dumps(LIST), orjson.dumps(snapshot()),
        line(trade("035720", "090000", 40_000)),  # not in the universe yet: not seen
        line(hit("035720", "090001", True)),
        line(trade("035720", "090002", 40_000)),  # buys: fills on arrival at the ask
        line(trade("035720", "090003", 40_050)),
        line(hit("035720", "090004", False)),
        line(trade("035720", "090005", 40_100, volume=-3)),  # sells at the bid; flat: dropped
        line(trade("035720", "090006", 40_100, volume=3)),  # not seen any more
        line(trade("035720", "090007", 40_100, volume=3)),
    ]  # fmt: skip
    write_tape(tape, frames)
    plan = compile_strategy(load_strategy_text(STRATEGY))
    journal = Journal(tmp_path / "j.db")
    result = replay(plan, tape, PaperBroker(), journal)
    journal.close()
    assert result.counters.unsubscribed == 3
    assert result.engine.stats["orders"] == 2 and result.engine.stats["fills"] == 2
    assert result.engine.universe.stats["hits"] == 2


def test_replay_stops_when_the_tape_lacks_a_condition_the_strategy_names(tmp_path: Path) -> None:
    """The tape's list has no 'breakout': the replay fails with the names it has."""
    tape = tmp_path / "day.jsonl"
    write_tape(tape, [orjson.dumps(LIST), line(trade("005930", "090000", 60_000))])
    text = STRATEGY.replace("condition: surge, max", "condition: [surge, breakout], max")
    plan = compile_strategy(load_strategy_text(text))
    journal = Journal(tmp_path / "j.db")
    with pytest.raises(UnknownConditionError, match=r"'breakout'.*4 'surge', 9 'other'"):
        replay(plan, tape, PaperBroker(), journal)
    journal.close()


def test_enter_rules_wait_for_hits_but_run_for_a_reconnect_list(tmp_path: Path) -> None:
    """The first list's stocks were there: no enter rule; a later list's newcomers: run it."""
    on_leave = 'event: leave}\n    when: event.status == "leave"'
    assert on_leave in STRATEGY
    h = Harness(STRATEGY.replace(on_leave, "event: enter}\n    when: true"), tmp_path)
    h.feed([LIST, snapshot("035720")])
    h.feed([real(hit("035420", "090000", True), hit("035720", "090001", False))])
    h.feed([LIST, snapshot("035420", "000660")])
    ran = h.rows("SELECT symbol FROM decisions WHERE rule = 'on-leave' ORDER BY id")
    assert ran == [("035420",), ("000660",)]

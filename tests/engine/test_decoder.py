"""The frame decoder: signs stripped, bad input counted and skipped, never raised."""

from __future__ import annotations

from pathlib import Path

from tests.frames import real, trade
from tests.harness import Harness

ONE = """
strategy: t
symbols: ["005930"]
rules:
  - name: never
    when: "false"
    do:
      - buy: {qty: 1}
"""


def test_sign_prefixed_prices_become_absolute_values(tmp_path: Path) -> None:
    """'-60100' is a price of 60,100 below the previous close, not a negative price."""
    h = Harness(ONE, tmp_path)
    h.feed([real(trade("005930", "090001", 60100, ask=60200, bid=60100, sign="-", rate="-1.25"))])
    st = h.engine.states["005930"]
    assert (st.price, st.ask, st.bid) == (60100, 60200, 60100)
    assert st.change_rate == -0.0125


def test_unknown_types_are_skipped_and_counted(tmp_path: Path) -> None:
    """A 0H expected-price entry is not an error: it is counted by type and skipped; a 0D
    book goes to the paper venue (its sizes cap fills), so it is not skipped."""
    h = Harness(ONE, tmp_path)
    book = {"type": "0D", "item": "005930", "values": {"41": "+70100", "61": "7"}}
    h.feed(
        [real({"type": "0H", "item": "005930", "values": {}}, book, trade("005930", "090001", 1))]
    )
    c = h.decoder.counters
    assert c.skipped_types == {"0H": 1}
    assert h.engine.states["005930"].ticks == 1
    # handed to the paper venue, which parses it when an order meets the item
    depth = h.broker._depths["005930"]  # type: ignore[attr-defined]
    assert (depth.asks, depth.bids) == (((70_100, 7),), ())


def test_malformed_entries_are_counted_and_state_is_untouched(tmp_path: Path) -> None:
    """An empty price, a missing time or a non-list data never raises or corrupts state."""
    h = Harness(ONE, tmp_path)
    h.feed([real(trade("005930", "090001", 70000))])
    bad = trade("005930", "090002", 1)
    bad["values"]["10"] = ""
    no_time = trade("005930", "090003", 1)
    del no_time["values"]["20"]
    h.feed([real(bad), real(no_time), {"trnm": "REAL", "data": "x"}, {"nope": 1}, [1, 2]])
    assert h.decoder.counters.malformed == 5
    st = h.engine.states["005930"]
    assert (st.price, st.ticks) == (70000, 1)


def test_garbled_optional_field_reads_as_zero(tmp_path: Path) -> None:
    """A missing ask or a garbled rate is not fatal: the tick counts, the field reads 0."""
    h = Harness(ONE, tmp_path)
    t = trade("005930", "090001", 70000)
    del t["values"]["27"]
    t["values"]["12"] = "n/a"
    h.feed([real(t)])
    st = h.engine.states["005930"]
    assert (st.price, st.ask, st.change_rate, st.ticks) == (70000, 0, 0.0, 1)
    assert h.decoder.counters.malformed == 0


def test_control_frames_are_not_market_data(tmp_path: Path) -> None:
    """PING and REG answers are counted as control frames."""
    h = Harness(ONE, tmp_path)
    h.feed([{"trnm": "PING"}, {"trnm": "REG", "return_code": 0}])
    assert h.decoder.counters.control == 2


def test_vi_trigger_and_release_update_state_idempotently(tmp_path: Path) -> None:
    """A VI under the bare code and _AL sets the state once, and the release clears it."""
    h = Harness(ONE, tmp_path)

    def vi(item: str, release: str) -> dict:  # type: ignore[type-arg]
        values = {
            "9001": "005930",
            "9068": "1",
            "1221": "78600",
            "1223": "103000",
            "1224": release,
            "9069": "1",
        }
        return {"type": "1h", "item": item, "values": values}

    h.feed([real(vi("005930", "000000"), vi("005930_AL", "000000"))])
    st = h.engine.states["005930"]
    assert st.vi_active and st.vi_kind == "static"
    since = st.vi_since
    h.feed([real(vi("005930_AL", "000000"))])
    assert st.vi_since == since
    h.feed([real(vi("005930", "103223"))])
    assert not st.vi_active


def test_session_frame_sets_session_name(tmp_path: Path) -> None:
    """A 0s frame with 215='3' sets the session to 'open'."""
    h = Harness(ONE, tmp_path)
    h.feed([real({"type": "0s", "item": "", "values": {"215": "3", "20": "090000"}})])
    assert h.engine.market.session == "open"


READS_FIELDS = """
strategy: t
symbols: ["005930"]
rules:
  - name: reads
    when: ask == 0 and change_rate > 1%
    do:
      - buy: {qty: 1}
"""


def test_conditions_never_read_a_missing_field_as_zero_and_garbled_ticks_are_skipped(
    tmp_path: Path,
) -> None:
    """A garbled rate or a missing ask skips the tick, counted; an ask sent as 0 reads 0."""
    h = Harness(READS_FIELDS, tmp_path)
    garbled = trade("005930", "100000", 70000, rate="n/a")
    h.feed([real(garbled)])
    assert h.decoder.counters.malformed == 1
    assert h.plan.rules[0].fires == 0
    missing_ask = trade("005930", "100001", 70000, rate="+2.00")
    del missing_ask["values"]["27"]
    h.feed([real(missing_ask)])
    assert h.decoder.counters.malformed == 2
    assert "field 27 absent" in h.decoder.counters.last_error
    assert h.plan.rules[0].fires == 0
    no_quote = trade("005930", "100002", 70000, ask=0, rate="+2.00")
    h.feed([real(no_quote)])
    assert h.plan.rules[0].fires == 1

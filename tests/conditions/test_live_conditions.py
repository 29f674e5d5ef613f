"""Condition search live, against the fake Kiwoom: the universe follows the HTS screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from autotrader.errors import UnknownConditionError
from autotrader.fake_kiwoom import FakeKiwoom
from autotrader.model import OrderState, Side
from tests.conditions.condition_support import UNIVERSE, day_tick, fake_options
from tests.integration.live_support import (
    APPKEY,
    FEES,
    SECRETKEY,
    WAIT,
    Live,
    MorningClock,
    live_run,
    rows,
)

# Buys one share on a buyer-initiated trade, up to two; sells all below the base price.
RULES = (
    """\
  - name: entry
    when: buy_volume > 0 and position.qty < 2 and open_orders == 0
    do:
      - buy: {qty: 1, type: market}
  - name: exit
    when: position.qty > 0 and change_rate < 0% and open_orders == 0
    do:
      - sell: {qty: all, type: market}
"""
    + UNIVERSE
)
KAKAO = "035720"


def numbered(live: Live) -> int:
    """Orders the fake took (accepted, or already filled: a marketable order fills on
    arrival at the quote it meets, docs/paper-fills.md)."""
    return sum(bool(o.broker_order_no) for o in live.orders())


def hits(path: Path) -> list[tuple[str, str, str, str]]:
    sql = "SELECT symbol, event, source, outcome FROM condition_hits ORDER BY id"
    return [(r["symbol"], r["event"], r["source"], r["outcome"]) for r in rows(path, sql)]


@pytest.mark.anyio
async def test_a_stock_entering_is_bought_and_after_leaving_gets_no_new_entry(
    tmp_path: Path,
) -> None:
    """Enter: admitted, registered, bought. Leave while held: no new buy, the exit still
    sells, and once flat its registrations are removed."""
    async with live_run(tmp_path, RULES, fake_options=fake_options()) as live:
        engine, hub = live.runner.engine, live.fake.hub
        assert KAKAO not in engine.states
        await live.push(day_tick(KAKAO, 4.0))  # not registered: only the I hit arrives
        await live.until(lambda: KAKAO in engine.universe.admitted)
        await hub.wait_registered(KAKAO, "0B")
        await live.push(day_tick(KAKAO, 4.0))
        st = engine.states[KAKAO]
        await live.until(lambda: numbered(live) == 1)  # at the fake
        await live.push(day_tick(KAKAO, 4.2, buyer=False))  # fills the market buy
        await live.until(lambda: st.pos_qty == 1 and st.open_orders == 0)
        await live.push(day_tick(KAKAO, 2.0, buyer=False))  # leaves the screen: D
        await live.until(lambda: KAKAO in engine.universe.leaving)
        await live.push(day_tick(KAKAO, 2.0, buyer=True))  # the entry would buy again
        await live.until(lambda: engine.stats.get("outside_universe", 0) == 1)
        await live.push(day_tick(KAKAO, -1.0, buyer=False))  # the exit sells
        await live.until(lambda: numbered(live) == 2)
        await live.push(day_tick(KAKAO, -1.0, buyer=False))
        await live.until(lambda: KAKAO not in engine.states)
        await live.until(lambda: not any(s.wants(KAKAO, "0B") for s in hub.sessions), 5.0)
        sides = [(o.side, o.qty, o.state) for o in live.orders() if o.symbol == KAKAO]
        assert sides == [(Side.BUY, 1, OrderState.FILLED), (Side.SELL, 1, OrderState.FILLED)]
    assert hits(live.journal_path) == [
        (KAKAO, "I", "realtime", "admitted"),
        (KAKAO, "D", "realtime", "left_held"),
        ("035720", "D", "flat", "dropped"),
    ]
    decisions = rows(
        live.journal_path, "SELECT rule, outcome FROM decisions WHERE symbol = ?", KAKAO
    )
    assert [(d["rule"], d["outcome"]) for d in decisions] == [
        ("entry", "order"),
        ("entry", "outside_universe"),
        ("exit", "order"),
    ]


@pytest.mark.anyio
async def test_the_initial_list_is_read_page_by_page(tmp_path: Path) -> None:
    """Stocks already matching at start come in the CNSRREQ answer, over several pages."""

    def warm(fake: object) -> None:  # the screen has seen these trade before we connect
        book = fake.hub.conditions  # type: ignore[attr-defined]
        for code in ("035720", "035420", "000660"):
            book.on_tick(code, day_tick(code, 5.0)["data"][0]["values"])

    opts = fake_options(page_size=2)
    async with live_run(tmp_path, RULES, fake_options=opts, before_start=warm) as live:
        universe = live.runner.engine.universe
        assert list(universe.admitted) == ["035720", "035420"]  # 000660 is a fixed symbol
        assert universe.members["4"] == {"035720", "035420", "000660"}
        requests = [r for r in live.fake.hub.condition_requests if r["trnm"] == "CNSRREQ"]
        assert [(r["cont_yn"], r["next_key"]) for r in requests] == [("N", ""), ("Y", "2")]
        assert requests[0]["search_type"] == "1"
        for code in ("035720", "035420"):
            await live.fake.hub.wait_registered(code, "0B")


@pytest.mark.anyio
async def test_an_unknown_condition_name_stops_the_run_with_a_clear_error(tmp_path: Path) -> None:
    """The strategy names a condition the HTS does not have: the run does not start."""
    rules = RULES.replace("condition: surge", "condition: [surge, 돌파]")
    with pytest.raises(UnknownConditionError) as caught:
        async with live_run(tmp_path, rules, fake_options=fake_options()):
            pass
    text = str(caught.value)
    assert "'돌파'" in text and "4 'surge'" in text
    (run,) = rows(tmp_path / "journal.db", "SELECT * FROM runs")
    assert run["ended_at"]
    errors = rows(tmp_path / "journal.db", "SELECT source, detail FROM errors")
    assert [e["source"] for e in errors] == ["condition"]


@pytest.mark.anyio
async def test_after_a_reconnect_the_searches_restart_and_the_universe_is_rebuilt(
    tmp_path: Path,
) -> None:
    """Hits lost while disconnected: the new initial list says who left and who entered."""
    async with live_run(tmp_path, RULES, fake_options=fake_options()) as live:
        engine, fake = live.runner.engine, live.fake
        await live.push(day_tick(KAKAO, 4.0))
        await live.until(lambda: KAKAO in engine.universe.admitted)
        sessions = live.runner.realtime.sessions
        await fake.faults.drop_sockets()
        # While we are away: Kakao falls out of the screen, NAVER enters it.
        fake.hub.conditions.on_tick(KAKAO, day_tick(KAKAO, 1.0)["data"][0]["values"])
        fake.hub.conditions.on_tick("035420", day_tick("035420", 6.0)["data"][0]["values"])
        await live.until(lambda: live.runner.realtime.sessions > sessions, 10.0)
        await live.until(lambda: "035420" in engine.universe.admitted, 10.0)
        assert KAKAO not in engine.universe.admitted and KAKAO not in engine.states
        await fake.hub.wait_registered("035420", "0B")
        assert not any(s.wants(KAKAO, "0B") for s in fake.hub.sessions if s.logged_in)
        lists = [r for r in fake.hub.condition_requests if r["trnm"] == "CNSRLST"]
        assert len(lists) == 2  # listed again on the new session, before searching
    assert hits(live.journal_path)[-2:] == [
        ("035420", "I", "list", "admitted"),
        (KAKAO, "D", "list", "dropped"),
    ]


@pytest.mark.anyio
async def test_a_restart_keeps_the_exits_of_a_stock_bought_by_an_earlier_run(
    tmp_path: Path,
) -> None:
    """Bought in run 1, out of the screen when run 2 starts: its holding loads, its exit
    sells it, and once flat it is let go; it gets no new entry meanwhile."""
    opts = fake_options() | {"appkey": APPKEY, "secretkey": SECRETKEY, "fees": FEES}
    opts |= {"holdings": {"005930": (10, 58_000)}, "clock": MorningClock()}
    async with FakeKiwoom(**opts) as fake:
        async with live_run(tmp_path, RULES, fake=fake) as live:
            engine = live.runner.engine
            await live.push(day_tick(KAKAO, 4.0))
            await fake.hub.wait_registered(KAKAO, "0B")
            await live.push(day_tick(KAKAO, 4.0))
            await live.until(lambda: numbered(live) == 1)
            await live.push(day_tick(KAKAO, 4.2, buyer=False))
            await live.until(lambda: engine.states[KAKAO].pos_qty == 1)
        await fake.push_frame(day_tick(KAKAO, 2.0, buyer=False))  # leaves while we are down
        async with live_run(tmp_path, RULES, fake=fake) as live:
            engine = live.runner.engine
            assert KAKAO in engine.universe.leaving and not engine.universe.admitted
            st = engine.states[KAKAO]
            assert st.pos_qty == 1  # the holding, loaded into its state
            await fake.hub.wait_registered(KAKAO, "0B")
            await live.push(day_tick(KAKAO, 2.0, buyer=True))  # the entry may not buy
            await live.until(lambda: engine.stats.get("outside_universe", 0) == 1)
            await live.push(day_tick(KAKAO, -1.0, buyer=False))  # the exit sells
            await live.until(lambda: numbered(live) == 1)
            await live.push(day_tick(KAKAO, -1.0, buyer=False))
            await live.until(lambda: KAKAO not in engine.states)
    assert KAKAO not in fake.holdings
    assert hits(live.journal_path)[-2:] == [
        (KAKAO, "D", "restart", "held_from_earlier_run"),
        (KAKAO, "D", "flat", "dropped"),
    ]


@pytest.mark.anyio
async def test_a_registration_refused_for_too_many_items_puts_the_stock_back_to_wait(
    tmp_path: Path,
) -> None:
    """The connection takes three items: the fixed two and one stock; the next waits."""
    opts = fake_options(max_items=3)
    async with live_run(tmp_path, RULES, fake_options=opts) as live:
        universe = live.runner.engine.universe
        await live.push(day_tick(KAKAO, 4.0))
        await live.fake.hub.wait_registered(KAKAO, "0B")
        await live.push(day_tick("035420", 4.0))
        await live.until(lambda: "035420" in universe.waiting)
        assert list(universe.admitted) == [KAKAO] and universe.cap == 1
        assert "035420" not in live.runner.engine.states
    outcome = hits(live.journal_path)[-1]
    assert outcome[:3] == ("035420", "I", "registration") and "105115" in outcome[3]


@pytest.mark.anyio
async def test_entering_stocks_are_registered_in_groups_with_room(tmp_path: Path) -> None:
    """Groups of two: the fixed symbols fill group 2, the stocks entering go to group 3,
    then 4; a stock let go leaves its group, and the next one takes the place."""
    async with live_run(
        tmp_path, RULES, fake_options=fake_options(), settings={"ws_group_size": 2}
    ) as live:
        hub = live.fake.hub
        for code in ("035720", "035420"):
            await live.push(day_tick(code, 4.0))
            await hub.wait_registered(code, "0B")
        (session,) = [s for s in hub.sessions if s.logged_in]

        def groups() -> dict[str, set[str]]:
            return {g: {i for i, _ in pairs if i} for g, pairs in session.groups.items()}

        assert groups() == {"1": set(), "2": {"005930", "000660"}, "3": {"035720", "035420"}}
        await live.push(day_tick("035720", 1.0, buyer=False))  # flat when it leaves: removed
        async with asyncio.timeout(WAIT):
            while "035720" in groups()["3"]:  # noqa: ASYNC110 - the fake offers no event
                await asyncio.sleep(0.01)
        await live.push(day_tick("035720", 4.0))
        await hub.wait_registered("035720", "0B")
        assert groups()["3"] == {"035720", "035420"}

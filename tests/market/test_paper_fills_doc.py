"""docs/paper-fills.md, line by line: every accepted/refused cell and every fill rule.

The doc's two tables are parsed here; each line has a case below (order type, phase, the
tape it meets, the expected fills with times, prices and quantities), and a line without
a case, or a case without a line, fails the suite.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autotrader.broker.kiwoom.orders import TRDE_TP
from autotrader.clock import day_start
from autotrader.fake_kiwoom.orders import ORDER_TYPES
from autotrader.market.matching import (
    Cancelled,
    Filled,
    MatchConfig,
    Matcher,
    Print,
    Working,
    arrival_quote,
)
from autotrader.market.phases import Phase, refusal
from autotrader.model import OrderType, Side

DOC = Path(__file__).resolve().parents[2] / "docs" / "paper-fills.md"
DAY0 = day_start(datetime.date(2026, 11, 20))
BASE = 70_000
T = OrderType


def _rows(header: str) -> list[list[str]]:
    """The cells of the markdown table whose header line starts with ``header``."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def ts(hms: str) -> float:
    h, m, s = (int(x) for x in hms.split(":"))
    return DAY0 + h * 3600 + m * 60 + s


# -- the acceptance table ------------------------------------------------------------------

MATRIX_HEADER = "| type | trde_tp |"


def _matrix() -> tuple[list[str], list[list[str]]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    head = next(line for line in lines if line.startswith(MATRIX_HEADER))
    phases = [c.strip() for c in head.strip("|").split("|")][2:]
    return phases, _rows(MATRIX_HEADER)


@pytest.mark.parametrize("row", _matrix()[1], ids=lambda r: f"{r[0]}-{r[1]}")
def test_the_venue_accepts_each_type_in_the_phases_the_doc_marks(row: list[str]) -> None:
    """One line of the acceptance table: A where refusal() is None, '-' where it refuses."""
    phases, _ = _matrix()
    name, code, *cells = row
    order_type = ORDER_TYPES[code]
    assert TRDE_TP[order_type] == code  # the client's table and the venue's agree
    assert order_type.name.lower() == name
    for phase, cell in zip(phases, cells, strict=True):
        why = refusal(Phase(phase), order_type)
        assert (why is None) == (cell == "A"), (name, phase, why)
        if why is not None:
            assert phase in why or "closed" in why
            assert name in why


def test_the_acceptance_table_lists_every_order_type_once() -> None:
    """18 types, each on one line."""
    codes = [row[1] for row in _matrix()[1]]
    assert sorted(codes) == sorted(TRDE_TP[t] for t in OrderType)


# -- the fill rules ------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    """A print: time, price, size, ask, bid (0: the price), item."""

    at: str
    price: int
    size: int = 10
    ask: int = 0
    bid: int = 0
    item: str = "005930"
    base: int = BASE


@dataclass(frozen=True)
class O:  # noqa: E742 - an order, as the table reads
    at: str
    side: Side
    order_type: OrderType
    qty: int
    limit: int = 0
    condition: int = 0
    item: str = "005930"


@dataclass(frozen=True)
class VI:
    at: str
    released: bool = False
    item: str = "005930"


@dataclass(frozen=True)
class D:
    """A 0D book: price -> size on each side."""

    asks: dict[int, int]
    bids: dict[int, int]
    item: str = "005930"


@dataclass
class Case:
    tape: list[P | O | VI | D]
    expect: list[tuple[str, int, str, int, int]]  # (fill|cancel|refused, order#, time, qty, price)
    config: MatchConfig = field(default_factory=MatchConfig)


B, S = Side.BUY, Side.SELL
Q = P("10:00:00", 70_000, 50, ask=70_100, bid=70_000)  # the quote most orders meet

CASES: dict[str, Case] = {
    "F01": Case(
        [Q, O("10:00:01", B, T.LIMIT, 80, 70_200), P("10:00:02", 70_300, 10, 70_300, 70_200)],
        [("fill", 0, "10:00:01", 50, 70_100)],
    ),
    "F02": Case([Q, O("10:00:01", S, T.LIMIT, 30, 69_900)], [("fill", 0, "10:00:01", 30, 70_000)]),
    "F03": Case(
        [
            Q,
            O("10:00:01", B, T.LIMIT, 20, 69_800),
            P("10:00:05", 69_700, 15, 69_800, 69_700),
            P("10:00:06", 69_700, 15, 69_800, 69_700),
        ],
        [("fill", 0, "10:00:05", 15, 69_800), ("fill", 0, "10:00:06", 5, 69_800)],
    ),
    "F04": Case(
        [
            Q,
            O("10:00:01", B, T.LIMIT, 20, 69_800),
            P("10:00:05", 69_800, 25),
            P("10:00:06", 69_800, 15),
            P("10:00:07", 69_800, 40),
        ],
        [("fill", 0, "10:00:06", 10, 69_800), ("fill", 0, "10:00:07", 10, 69_800)],
        MatchConfig(queue_ahead=30),
    ),
    "F05": Case(
        [
            Q,
            O("10:00:01", B, T.LIMIT, 20, 69_800),
            P("10:00:05", 69_800, 1_000),
            P("10:00:06", 69_700, 5),
        ],  # fmt: skip
        [("fill", 0, "10:00:06", 5, 69_800)],
        MatchConfig(queue_ahead=None),
    ),
    "F06": Case(
        [Q, O("10:00:01", B, T.LIMIT, 20, 69_800), P("10:00:05", 69_900, 10, 69_800, 69_700)],
        [],
    ),
    "F07": Case(
        [
            P("10:00:00", 70_000, 20, 70_100, 70_000),
            O("10:00:01", B, T.MARKET, 30),
            P("10:00:02", 70_200, 50, 70_300, 70_200),
        ],  # fmt: skip
        [("fill", 0, "10:00:01", 20, 70_100), ("fill", 0, "10:00:02", 10, 70_300)],
    ),
    "F08": Case(
        [P("10:00:00", 91_000, 50, 92_000, 91_000), O("10:00:01", B, T.MARKET, 10)],
        [("fill", 0, "10:00:01", 10, 91_000)],
    ),
    "F09": Case(
        [Q, O("10:00:01", B, T.LIMIT_IOC, 80, 70_200)],
        [("fill", 0, "10:00:01", 50, 70_100), ("cancel", 0, "10:00:01", 30, 0)],
    ),
    "F10": Case(
        [Q, O("10:00:01", B, T.LIMIT_IOC, 10, 70_000), P("10:00:05", 69_500, 100)],
        [("cancel", 0, "10:00:01", 10, 0)],
    ),
    "F11": Case(
        [Q, O("10:00:01", B, T.MARKET_IOC, 80)],
        [("fill", 0, "10:00:01", 50, 70_100), ("cancel", 0, "10:00:01", 30, 0)],
    ),
    "F12": Case(
        [Q, O("10:00:01", B, T.BEST_LIMIT_IOC, 80)],
        [("fill", 0, "10:00:01", 50, 70_100), ("cancel", 0, "10:00:01", 30, 0)],
    ),
    "F13": Case(
        [Q, O("10:00:01", B, T.LIMIT_FOK, 40, 70_200)], [("fill", 0, "10:00:01", 40, 70_100)]
    ),
    "F14": Case([Q, O("10:00:01", B, T.LIMIT_FOK, 80, 70_200)], [("cancel", 0, "10:00:01", 80, 0)]),
    "F15": Case([Q, O("10:00:01", B, T.MARKET_FOK, 40)], [("fill", 0, "10:00:01", 40, 70_100)]),
    "F16": Case([Q, O("10:00:01", B, T.BEST_LIMIT_FOK, 80)], [("cancel", 0, "10:00:01", 80, 0)]),
    "F17": Case(
        [Q, O("10:00:01", B, T.BEST_LIMIT, 80), P("10:00:05", 70_000, 40)],
        [("fill", 0, "10:00:01", 50, 70_100), ("fill", 0, "10:00:05", 30, 70_100)],
    ),
    "F18": Case(
        [
            Q,
            O("10:00:01", B, T.TOP_PRIORITY_LIMIT, 20),
            P("10:00:05", 70_000, 10),
            P("10:00:06", 69_900, 50),
        ],  # fmt: skip
        [("fill", 0, "10:00:05", 10, 70_000), ("fill", 0, "10:00:06", 10, 70_000)],
    ),
    "F19": Case(
        [
            P("10:00:00", 70_000, 50, 70_200, 70_000),
            O("10:00:01", B, T.MID_PRICE, 10),
            P("10:00:05", 70_100, 10),
        ],  # fmt: skip
        [("fill", 0, "10:00:05", 10, 70_100)],
    ),
    "F20": Case(
        [P("10:00:00", 70_000, 50, 70_200, 70_000), O("10:00:01", B, T.MID_PRICE_IOC, 10)],
        [("cancel", 0, "10:00:01", 10, 0)],
    ),
    "F21": Case([Q, O("10:00:01", B, T.MID_PRICE_FOK, 10)], [("cancel", 0, "10:00:01", 10, 0)]),
    "F22": Case(
        [
            Q,
            O("10:00:01", B, T.STOP_LIMIT, 10, 70_700, 70_500),
            P("10:00:05", 70_400, 100),
            P("10:00:06", 70_500, 20, 70_600, 70_500),
        ],  # fmt: skip
        [("fill", 0, "10:00:06", 10, 70_600)],
    ),
    "F23": Case(
        [
            Q,
            O("10:00:01", S, T.STOP_LIMIT, 10, 69_500, 69_000),
            P("10:00:05", 69_400, 100),
            P("10:00:06", 69_100, 100),
        ],  # fmt: skip
        [],
    ),
    "F24": Case(
        [
            P("15:00:00", 70_000, 50),
            O("15:00:01", S, T.CONDITIONAL_LIMIT, 10, 72_000),
            P("15:10:00", 70_000, 50),
            P("15:30:00", 70_300, 500),
        ],  # fmt: skip
        [("fill", 0, "15:30:00", 10, 70_300)],
    ),
    "F25": Case(
        [
            O("08:45:00", B, T.LIMIT, 10, 70_500),
            P("08:55:00", 70_000, 100),
            P("09:00:00", 70_300, 500),
        ],  # fmt: skip
        [("fill", 0, "09:00:00", 10, 70_300)],
    ),
    "F26": Case(
        [
            O("08:45:00", B, T.LIMIT, 10, 70_000),
            P("09:00:00", 70_300, 500),
            P("09:00:05", 69_900, 50),
        ],  # fmt: skip
        [("fill", 0, "09:00:05", 10, 70_000)],
    ),
    "F27": Case(
        [P("15:19:00", 70_000), O("15:25:00", B, T.MARKET, 10), P("15:30:00", 70_300, 500)],
        [("fill", 0, "15:30:00", 10, 70_300)],
    ),
    "F28": Case(
        [
            Q,
            O("15:00:00", S, T.LIMIT, 10, 70_500),
            P("15:10:00", 70_400, 50),
            P("15:30:00", 70_600, 500),
        ],  # fmt: skip
        [("fill", 0, "15:30:00", 10, 70_600)],
    ),
    "F29": Case(
        [
            Q,
            VI("10:30:00"),
            O("10:31:00", B, T.LIMIT, 10, 70_500),
            P("10:31:30", 70_400, 100),
            VI("10:32:10", released=True),
            P("10:32:10", 70_300, 400),
        ],  # fmt: skip
        [("fill", 0, "10:32:10", 10, 70_300)],
    ),
    "F30": Case(
        [
            P("10:00:00", 70_500, 50, 70_600, 70_500),
            O("10:00:01", B, T.LIMIT, 10, 70_500),
            P("10:20:00", 70_600, 50),
            VI("10:30:00"),
            VI("10:32:10", released=True),
            P("10:32:10", 70_300, 400),
        ],  # fmt: skip
        [("fill", 0, "10:32:10", 10, 70_300)],
    ),
    "F31": Case(
        [
            Q,
            VI("10:30:00"),
            O("10:31:00", S, T.MARKET, 10),
            VI("10:32:10", released=True),
            P("10:32:10", 70_300, 400),
        ],  # fmt: skip
        [("fill", 0, "10:32:10", 10, 70_300)],
    ),
    "F32": Case(
        [Q, O("14:00:00", B, T.LIMIT, 10, 69_000), P("15:30:00", 70_300, 500)],
        [("cancel", 0, "15:30:00", 10, 0)],
    ),
    "F33": Case(
        [
            P("08:30:30", 70_000, 5),
            O("08:31:00", B, T.PRE_MARKET_CLOSE, 10),
            P("08:32:00", 70_000, 8),
            P("09:00:00", 70_300, 500),
        ],  # fmt: skip
        [("fill", 0, "08:32:00", 8, 70_000), ("cancel", 0, "09:00:00", 2, 0)],
    ),
    "F34": Case(
        [
            Q,
            O("10:00:01", B, T.AFTER_HOURS_CLOSE, 10),
            P("15:30:00", 70_300, 500),
            O("15:45:00", B, T.AFTER_HOURS_CLOSE, 10),
            P("15:46:00", 70_300, 20),
        ],  # fmt: skip
        [("refused", 0, "10:00:01", 0, 0), ("fill", 1, "15:46:00", 10, 70_300)],
    ),
    "F35": Case(
        [
            P("15:30:00", 70_300, 500),
            O("16:05:00", B, T.AFTER_HOURS_SINGLE, 10, 71_000),
            O("16:05:01", B, T.AFTER_HOURS_SINGLE, 10, 78_000),
            P("16:10:00", 70_800, 50),
        ],  # fmt: skip
        [("refused", 1, "16:05:01", 0, 0), ("fill", 0, "16:10:00", 10, 70_800)],
    ),
    "F36": Case(
        [
            P("15:59:00", 70_000, 50, 70_100, 70_000, item="005930_NX"),
            O("16:00:00", B, T.LIMIT, 10, 70_200, item="005930_NX"),
        ],  # fmt: skip
        [("fill", 0, "16:00:00", 10, 70_100)],
    ),
    "F37": Case(
        [
            P("08:05:00", 70_000, 50, 70_100, 70_000, item="005930_NX"),
            O("08:10:00", B, T.LIMIT, 10, 70_000, item="005930_NX"),
            P("08:20:00", 69_900, 20, item="005930_NX"),
        ],  # fmt: skip
        [("fill", 0, "08:20:00", 10, 70_000)],
    ),
    "F38": Case(
        [
            P("10:29:00", 70_000, 50, 70_100, 70_000, item="005930_NX"),
            VI("10:30:00"),
            O("10:31:00", B, T.MARKET, 10, item="005930_NX"),
        ],  # fmt: skip
        [("fill", 0, "10:31:00", 10, 70_100)],
    ),
    "F39": Case(
        [
            P("08:05:00", 70_000, 50, 70_100, 70_000, item="005930_AL"),
            O("08:10:00", B, T.LIMIT, 10, 70_000, item="005930_AL"),
            P("08:20:00", 69_900, 20, item="005930_AL"),
        ],  # fmt: skip
        [("fill", 0, "08:20:00", 10, 70_000)],
    ),
    "F40": Case(
        [
            Q,
            O("10:00:01", B, T.LIMIT, 60, 70_000),
            P("10:00:05", 69_900, 30),
            P("10:00:06", 69_900, 50),
        ],  # fmt: skip
        [("fill", 0, "10:00:05", 30, 70_000), ("fill", 0, "10:00:06", 30, 70_000)],
    ),
    "F41": Case(
        [
            P("09:59:00", 70_000, 50, 70_100, 70_000, item="005930"),
            P("09:59:30", 70_000, 50, 70_000, 69_900, item="005930_NX"),
            O("10:00:00", B, T.MARKET, 10, item="005930_AL"),
        ],  # fmt: skip
        [("fill", 0, "10:00:00", 10, 70_000)],
    ),
    "F42": Case(
        [
            Q,
            D({70_100: 20}, {70_000: 80}),
            O("10:00:01", B, T.LIMIT, 50, 70_200),
            O("10:00:02", B, T.LIMIT, 10, 70_000),
            P("10:00:05", 70_000, 50),
            P("10:00:06", 70_000, 60),
            P("10:00:07", 70_000, 10),
        ],  # fmt: skip
        [
            ("fill", 0, "10:00:01", 20, 70_100),
            ("fill", 0, "10:00:05", 30, 70_200),
            ("fill", 1, "10:00:07", 10, 70_000),
        ],  # fmt: skip
    ),
}


def run(case: Case) -> list[tuple[str, int, str, int, int]]:
    """Drive one matcher over the case's tape, as the paper broker and the fake do."""
    m = Matcher(case.config)
    quotes: dict[str, Print] = {}
    got: list[tuple[str, int, str, int, int]] = []
    n = 0

    def record(outcomes: object) -> None:
        for out in outcomes:  # type: ignore[attr-defined]
            if isinstance(out, Filled):
                got.append(("fill", out.key, _hms(out.ts), out.qty, out.price))  # type: ignore[arg-type]
            else:
                assert isinstance(out, Cancelled) and out.reason
                got.append(("cancel", out.key, _hms(out.ts), out.qty, 0))  # type: ignore[arg-type]

    for ev in case.tape:
        if isinstance(ev, P):
            pr = Print(
                ev.price, ev.size, ev.ask or ev.price, ev.bid or ev.price, ts(ev.at), ev.base
            )
            quotes[ev.item] = pr
            record(m.on_print(ev.item, pr))
        elif isinstance(ev, VI):
            m.on_vi(ev.item, ev.released, ts(ev.at))
        elif isinstance(ev, D):
            m.on_depth(ev.item, ev.asks, ev.bids)
        else:
            order = Working(n, ev.item, ev.side, ev.order_type, ev.qty, ev.limit, ev.condition)
            quote = arrival_quote(ev.item, ev.side, ev.order_type, ts(ev.at), quotes)
            if m.refuse(ev.item, order, ts(ev.at), quote) is not None:
                got.append(("refused", n, ev.at, 0, 0))
            else:
                record(m.arrive(order, ts(ev.at), quote))
            n += 1
    return got


def _hms(t: float) -> str:
    s = int(t - DAY0)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


RULES = _rows("| id | type | phase |")


@pytest.mark.parametrize("row", RULES, ids=lambda r: r[0])
def test_each_fill_rule_of_the_doc_holds(row: list[str]) -> None:
    """One line of the fill table: the order meets the tape and fills as the line says."""
    rule_id, type_cell, *_ = row
    case = CASES[rule_id]
    orders = [ev for ev in case.tape if isinstance(ev, O)]
    assert orders and TRDE_TP[orders[0].order_type] == type_cell.split()[-1], "the line's type"
    assert run(case) == case.expect


def test_every_line_of_the_fill_table_has_a_case_and_every_case_a_line() -> None:
    """The doc and this table stay in step."""
    assert [r[0] for r in RULES] == list(CASES)

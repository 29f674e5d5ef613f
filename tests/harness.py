"""A small harness: compile strategy text, run frames through an engine, read the journal."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autotrader.broker.base import Broker
from autotrader.broker.paper import PaperBroker
from autotrader.clock import day_start
from autotrader.compile import compile_strategy
from autotrader.engine import Engine
from autotrader.engine.replay import make_decoder, replay
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.journal import Journal
from autotrader.model import OrderRequest
from autotrader.risk import RiskBook, RiskLimits
from autotrader.rules import load_strategy_text


class SeenOrders:
    """Every order an engine's ledger moved, by id, working or ended: the ledger keeps
    working orders only (history is the journal's), tests also look at ended ones."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.by_id: dict[int, OrderRequest] = {}
        engine.on_order_event = self._seen

    def _seen(self, order: OrderRequest) -> None:
        self.by_id.setdefault(order.order_id, order)

    def all(self) -> list[OrderRequest]:
        merged = self.by_id | self.engine.ledger.working
        return [merged[i] for i in sorted(merged)]


class Harness:
    def __init__(
        self,
        strategy: str,
        tmp: Path,
        *,
        broker: Broker | None = None,
        limits: RiskLimits | None = None,
        book: RiskBook | None = None,
        mode: str = "test",
    ) -> None:
        self.plan = compile_strategy(load_strategy_text(strategy, "test.yaml"))
        self.journal = Journal(tmp / "journal.db")
        self.journal.start_run(strategy="t", mode=mode, broker=self.broker_name(broker))
        self.broker = broker or PaperBroker()
        self.engine = Engine(self.plan, self.broker, self.journal, limits=limits, book=book)
        day0 = day_start(datetime.date(2026, 11, 20))
        self.engine.set_time(day0)
        self.decoder: FrameDecoder = make_decoder(self.engine, day0)
        self.seen = SeenOrders(self.engine)

    @staticmethod
    def broker_name(broker: Broker | None) -> str:
        return broker.name if broker is not None else "paper"

    def placed(self) -> list[OrderRequest]:
        """Every order sent this run (working or ended), oldest first."""
        return self.seen.all()

    def feed(self, frames: Iterable[dict[str, Any]]) -> None:
        for f in frames:
            self.decoder.feed(f)
        self.journal.flush()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.journal.conn.execute(sql, params).fetchall())


def replay_rows(
    text: str, tape: Path, db: Path, queries: Iterable[str]
) -> tuple[Any, tuple[list[Any], ...]]:
    """Replay strategy ``text`` over ``tape`` with the paper broker into journal ``db``;
    the run's result, and the rows of each query read back from the closed journal."""
    plan = compile_strategy(load_strategy_text(text, db.stem))
    journal = Journal(db)
    result = replay(plan, tape, PaperBroker(), journal)
    journal.close()
    rows = Journal(db)
    try:
        return result, tuple(rows.conn.execute(q).fetchall() for q in queries)
    finally:
        rows.close()

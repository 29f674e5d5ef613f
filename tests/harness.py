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
from autotrader.engine.replay import make_decoder
from autotrader.feed.kiwoom import FrameDecoder
from autotrader.journal import Journal
from autotrader.risk import RiskLimits
from autotrader.rules import load_strategy_text


class Harness:
    def __init__(
        self,
        strategy: str,
        tmp: Path,
        *,
        broker: Broker | None = None,
        limits: RiskLimits | None = None,
    ) -> None:
        self.plan = compile_strategy(load_strategy_text(strategy, "test.yaml"))
        self.journal = Journal(tmp / "journal.db")
        self.journal.start_run(strategy="t", mode="test")
        self.broker = broker or PaperBroker()
        self.engine = Engine(self.plan, self.broker, self.journal, limits=limits)
        day0 = day_start(datetime.date(2026, 11, 20))
        self.engine.set_time(day0)
        self.decoder: FrameDecoder = make_decoder(self.engine, day0)

    def feed(self, frames: Iterable[dict[str, Any]]) -> None:
        for f in frames:
            self.decoder.feed(f)
        self.journal.flush()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self.journal.conn.execute(sql, params).fetchall())

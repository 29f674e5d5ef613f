"""Fixtures for the Kiwoom client tests (helpers live in kiwoom_fakes.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autotrader.broker.kiwoom.rest import KiwoomRest
from tests.broker.kiwoom.kiwoom_fakes import FakeClock, FakeKiwoom, settings


@pytest.fixture
def kiwoom() -> FakeKiwoom:
    return FakeKiwoom()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_rest(kiwoom: FakeKiwoom, clock: FakeClock) -> Callable[..., KiwoomRest]:
    def make(**overrides: Any) -> KiwoomRest:
        return KiwoomRest(
            settings(**overrides),
            transport=httpx.MockTransport(kiwoom),
            clock=clock,
            monotonic=clock,
            sleep=clock.sleep,
            rng=lambda: 0.5,
        )

    return make

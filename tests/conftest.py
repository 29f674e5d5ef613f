"""Shared test fixtures: async tests run on asyncio through anyio's pytest plugin."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Property tests that leave max_examples to the profile (the fuzz tests in tests/fuzz/):
# the default run keeps hypothesis' 100 examples; `--hypothesis-profile=fuzz` runs
# 5,000 per property (docs/testing.md).
settings.register_profile(
    "fuzz",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

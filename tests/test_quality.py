"""The codebase stays ruff-clean and mypy-strict-clean (the same checks as development)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_reports_nothing() -> None:
    """ruff check finds no problem in the package, tests or benchmarks."""
    done = subprocess.run(
        ["ruff", "check", "autotrader", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_reports_nothing() -> None:
    """mypy --strict (configured in pyproject.toml) finds no error in the package."""
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "autotrader"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr

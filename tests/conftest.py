"""Shared test fixtures: where the real recordings live (../shared beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REAL = REPO.parent / "shared" / "data" / "real"
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture
def real_data() -> Path:
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real recordings not found at {SHARED_REAL}")
    return SHARED_REAL


@pytest.fixture(autouse=True)
def strict_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule that raises fails the test (live, the engine counts and logs it and goes on)."""
    from seawatch.detect import engine

    monkeypatch.setattr(engine, "STRICT", True)

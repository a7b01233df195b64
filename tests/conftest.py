"""Shared test fixtures: where the real recordings live (../shared beside the repository).

numpy is run without its AVX-512 loops (x86-64-v4 and later; the variable is read when numpy is first imported,
which is after this file): there, its log, exp and arctan2 are its own SIMD code, not the C library's that the
compiled tracker (`track/step_kernel.py`) calls, and differ from them in the last bit. The tests hold the
compiled and the numpy tracker to the same tables bit for bit, and every figure the same on any machine.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")

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

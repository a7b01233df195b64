"""Console fixtures (the helpers live in console_helpers.py: a unique module name for imports)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from console_helpers import Console
from fastapi.testclient import TestClient


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def as_role(console: Console) -> Callable[[str | None], TestClient]:
    return console.client

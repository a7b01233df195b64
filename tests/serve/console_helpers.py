"""Console test helpers: a picture fed by a small generated contact stream, a store with one user per role,
the app, and logged-in clients. Password hashing uses cheap argon2 parameters to keep tests fast."""

from __future__ import annotations

import warnings
from typing import Any

from argon2 import PasswordHasher

warnings.filterwarnings("ignore", message=".*httpx.*")

from fastapi.testclient import TestClient

from seawatch.serve.app import create_app
from seawatch.serve.auth import ROLES, Authenticator, add_user
from seawatch.serve.backend import MemoryStore
from seawatch.serve.picture import Picture
from seawatch.serve.synthetic import SyntheticFeed

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = 1_780_000_000.0
PASSWORD = "correct horse battery"


class Console:
    """The app and its parts, fed with 3 s of a 40-contact stream and three alerts."""

    def __init__(self, live_period_s: float = 0.05) -> None:
        self.store = MemoryStore()
        for role in ROLES:
            add_user(self.store, role, role, PASSWORD, FAST_HASHER)
        self.picture = Picture()
        self.feed = SyntheticFeed(40, T0)
        self.alerts = [self.feed.alert(0, "dark_target", "medium", start=T0 + 1),
                       self.feed.alert(1, "zone_entry", "critical", start=T0 + 1),
                       self.feed.alert(2, "loitering", "medium", start=T0 + 2)]
        for _ in range(3):
            self.push(self.alerts)
        self.auth = Authenticator(self.store, FAST_HASHER)
        self.app = create_app(self.picture, self.store, auth=self.auth, live_period_s=live_period_s)

    def push(self, alerts: list[dict[str, Any]] | None = None) -> None:
        batch = self.feed.step()
        self.picture.apply(batch, alerts or [])
        self.store.write_contacts(batch)
        self.store.write_alerts(alerts or [])

    def client(self, role: str | None = None) -> TestClient:
        """A client logged in as the user named after `role` (None: not logged in); its CSRF token is
        in `client.csrf` and is NOT sent by default."""
        c = TestClient(self.app)
        c.csrf = None  # type: ignore[attr-defined]
        if role:
            r = c.post("/api/login", json={"username": role, "password": PASSWORD})
            assert r.status_code == 200, r.text
            c.csrf = r.json()["csrf"]  # type: ignore[attr-defined]
        return c

"""The console over the real embedded store (SQLite + Parquet): users from `seawatch user add`, operator
actions in the store's audit log and on its alerts, replay from stored positions."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from console_helpers import FAST_HASHER, PASSWORD, T0
from fastapi.testclient import TestClient

from seawatch.cli import main as seawatch
from seawatch.serve.app import create_app
from seawatch.serve.picture import Picture
from seawatch.serve.synthetic import SyntheticFeed
from seawatch.store import open_store


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert seawatch(["user", "add", "watch1", "--role", "operator", "--password-stdin",
                     "--data-dir", str(tmp_path / "data")]) == 0
    store = open_store(tmp_path / "data")
    picture, feed = Picture(), SyntheticFeed(20, T0)
    alert = feed.alert(1, "zone_entry", "critical", start=T0 + 1)
    for _ in range(3):
        batch = feed.step()
        picture.apply(batch, [alert])
        store.write_positions(batch)
    store.upsert_alerts([alert])
    app = create_app(picture, store, auth=None)
    yield store, app
    store.close()


def login(app, user: str = "watch1") -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    r = c.post("/api/login", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["x-csrf-token"] = r.json()["csrf"]
    return c


def test_a_user_added_with_the_cli_logs_in_and_the_store_keeps_only_an_argon2_hash(stored) -> None:  # type: ignore[no-untyped-def]
    store, app = stored
    assert login(app).get("/api/session").json()["role"] == "operator"
    u = store.get_user("watch1")
    assert u.password_hash.startswith("$argon2id$") and PASSWORD not in u.password_hash


def test_acknowledge_and_classify_reach_the_stored_alert_and_its_audit_log(stored) -> None:  # type: ignore[no-untyped-def]
    store, app = stored
    c = login(app)
    assert c.post("/api/alerts/zone_entry-2/acknowledge").status_code == 200
    assert c.post("/api/alerts/zone_entry-2/classify", json={"verdict": "false_alarm"}).status_code == 200
    stored_alert = store.alert("zone_entry-2")
    assert stored_alert["acknowledged_by"] == "watch1" and stored_alert["classification"] == "false_alarm"
    actions = [(e["user"], e["action"], e["alert_id"]) for e in store.audit()]
    assert ("watch1", "acknowledge", "zone_entry-2") in actions and ("watch1", "classify", "zone_entry-2") in actions
    store.create_user("sup", FAST_HASHER.hash(PASSWORD), "supervisor")
    entries = login(app, "sup").get("/api/audit").json()["entries"]
    assert [(e["action"], e["target"]) for e in entries[:2]] == [("login", "testclient"), ("classify", "alert:zone_entry-2")]


def test_replay_reads_contacts_and_alerts_from_the_store(stored) -> None:  # type: ignore[no-untyped-def]
    _store, app = stored
    c = login(app)
    rng = c.get("/api/replay/range").json()
    assert rng["end"] == T0 + 3 and rng["start"] < T0
    at = c.get("/api/replay/state", params={"t": T0 + 2, "window_s": 10, "trail_s": 60}).json()
    assert len(at["contacts"]) == 20 and {x["t"] for x in at["contacts"]} == {T0 + 2}
    assert {x["kind"] for x in at["contacts"]} <= {"fused", "ais_only", "radar_only"}
    assert [a["id"] for a in at["alerts"]] == ["zone_entry-2"]
    assert len(c.get("/api/contacts/2").json()["history"]) == 3


def test_a_disabled_user_cannot_log_in(stored) -> None:  # type: ignore[no-untyped-def]
    store, app = stored
    store.update_user("watch1", disabled=True)
    r = TestClient(app).post("/api/login", json={"username": "watch1", "password": PASSWORD})
    assert r.status_code == 401


"""What the console API answers: the alert queue and its audited actions, dossiers, search, replay."""

from __future__ import annotations

import numpy as np
import pytest
from console_helpers import T0, Console

from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus


def post(client, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, json=body, headers={"x-csrf-token": client.csrf})


def test_the_alert_queue_puts_critical_first_then_the_newest(console: Console) -> None:
    alerts = console.client("viewer").get("/api/alerts").json()["alerts"]
    assert [a["id"] for a in alerts] == ["zone_entry-2", "loitering-3", "dark_target-1"]


@pytest.mark.parametrize(("action", "body", "field", "value"), [
    ("acknowledge", None, "state", "acknowledged"),
    ("assign", {"to": "supervisor"}, "assigned_to", "supervisor"),
    ("classify", {"verdict": "false_alarm"}, "classification", "false_alarm"),
    ("close", {"reason": "fishing boat, known"}, "state", "closed"),
])
def test_each_alert_action_changes_the_alert_and_is_written_to_the_audit_log(
        console: Console, action: str, body: dict | None, field: str, value: str) -> None:
    op, sup = console.client("operator"), console.client("supervisor")
    r = post(op, f"/api/alerts/dark_target-1/{action}", body)
    assert r.status_code == 200, r.text
    assert r.json()["alert"]["workflow"][field] == value
    entry = sup.get("/api/audit").json()["entries"][0]
    assert (entry["user"], entry["action"], entry["target"]) == ("operator", action, "alert:dark_target-1")
    assert entry["details"] == (body or {}) or action == "close" and entry["details"]["reason"] == body["reason"]


def test_comments_accumulate_with_author_and_are_audited(console: Console) -> None:
    op = console.client("operator")
    post(op, "/api/alerts/loitering-3/comment", {"text": "calling on VHF 16"})
    a = post(op, "/api/alerts/loitering-3/comment", {"text": "no answer"}).json()["alert"]
    assert [(c["by"], c["text"]) for c in a["workflow"]["comments"]] == [
        ("operator", "calling on VHF 16"), ("operator", "no answer")]
    assert [e["action"] for e in console.store.audit(limit=2)] == ["comment", "comment"]


def test_assigning_to_an_unknown_user_is_refused(console: Console) -> None:
    r = post(console.client("operator"), "/api/alerts/loitering-3/assign", {"to": "nobody"})
    assert r.status_code == 422 and r.json()["ok"] is False


def test_an_operator_closed_alert_that_detection_also_ended_leaves_the_queue(console: Console) -> None:
    post(console.client("operator"), "/api/alerts/loitering-3/close", {})
    ended = dict(console.alerts[2], end="2026-05-28T21:00:00Z")
    console.push([ended])
    ids = [a["id"] for a in console.client("viewer").get("/api/alerts?state=all").json()["alerts"]]
    assert "loitering-3" not in ids and "zone_entry-2" in ids


def test_a_closed_but_still_running_alert_stays_visible_in_all_but_not_in_open(console: Console) -> None:
    post(console.client("operator"), "/api/alerts/dark_target-1/close", {})
    viewer = console.client("viewer")
    assert "dark_target-1" not in [a["id"] for a in viewer.get("/api/alerts").json()["alerts"]]
    assert "dark_target-1" in [a["id"] for a in viewer.get("/api/alerts?state=all").json()["alerts"]]


def test_the_dossier_gives_identity_with_flag_kinematics_history_alerts_and_risk(console: Console) -> None:
    v = console.client("viewer")
    i = int(np.flatnonzero(console.feed.kind != ContactKind.RADAR_ONLY)[0])
    mmsi = int(console.feed.mmsi[i])
    ident = v.get(f"/api/contacts/{i + 1}").json()["identity"]
    assert ident["mmsi"] == mmsi and ident["flag"]["mid"] == str(mmsi)[:3] and ident["flag"]["code"]
    assert ident["name"] == console.feed.name[i] and ident["callsign"] == console.feed.callsign[i]
    d = v.get("/api/contacts/2").json()
    assert d["kinematics"]["t"] == T0 + 3
    assert [h["t"] for h in d["history"]] == [T0 + 1, T0 + 2, T0 + 3]
    assert [a["id"] for a in d["alerts"]] == ["zone_entry-2"]
    assert d["risk"] == pytest.approx(0.9)


def test_a_dark_contact_has_no_identity_and_no_flag(console: Console) -> None:
    dark = int(np.flatnonzero(console.feed.kind[3:] == ContactKind.RADAR_ONLY)[0]) + 4  # no alert on it
    d = console.client("viewer").get(f"/api/contacts/{dark}").json()
    assert d["kinematics"]["kind"] == "radar_only"
    assert d["identity"]["mmsi"] is None and d["identity"]["flag"] is None and d["risk"] == 0.0


def test_unknown_contacts_and_alerts_are_404_in_the_error_shape(console: Console) -> None:
    v = console.client("viewer")
    assert v.get("/api/contacts/999999").json() == {
        "ok": False, "error": "no contact 999999 in the live picture", "status": 404}
    assert post(console.client("operator"), "/api/alerts/nope/acknowledge").status_code == 404
    bad = v.get("/api/contacts/not-a-number")
    assert bad.status_code == 422 and bad.json()["ok"] is False and bad.json()["status"] == 422


def test_search_finds_by_mmsi_name_and_call_sign(console: Console) -> None:
    v = console.client("viewer")
    i = int(np.flatnonzero(console.feed.kind != ContactKind.RADAR_ONLY)[0])
    for q in (str(console.feed.mmsi[i]), console.feed.name[i].lower(), console.feed.callsign[i]):
        ids = [c["contact_id"] for c in v.get("/api/search", params={"q": q}).json()["results"]]
        assert int(console.feed.ids[i]) in ids, q


def test_kind_filter_on_contacts(console: Console) -> None:
    dark = console.client("viewer").get("/api/contacts", params={"kind": "radar_only"}).json()
    assert dark["count"] == int((console.feed.kind == ContactKind.RADAR_ONLY).sum()) > 0
    assert {c["kind"] for c in dark["contacts"]} == {"radar_only"}


def test_replay_gives_the_contacts_and_open_alerts_at_a_past_moment(console: Console) -> None:
    v = console.client("viewer")
    assert v.get("/api/replay/range").json() == {"ok": True, "start": T0 + 1, "end": T0 + 3}
    at = v.get("/api/replay/state", params={"t": T0 + 1.5, "trail_s": 60}).json()
    assert len(at["contacts"]) == 40 and {c["t"] for c in at["contacts"]} == {T0 + 1}
    assert [a["id"] for a in at["alerts"]] == ["zone_entry-2", "dark_target-1"]  # loitering starts at T0+2
    assert at["contacts"][0]["trail"] and len(at["contacts"][0]["trail"]) == 1
    assert v.get("/api/replay/state", params={"t": T0 - 1000}).json()["contacts"] == []


def test_a_lost_track_leaves_the_picture(console: Console) -> None:
    lost = ContactBatch({"contact_id": [5], "t": [T0 + 4], "kind": [ContactKind.FUSED],
                         "status": [TrackStatus.LOST]})
    console.picture.apply(lost, [])
    assert console.client("viewer").get("/api/contacts/5").status_code == 404


def test_an_admin_creates_a_user_who_can_then_log_in(console: Console) -> None:
    admin = console.client("admin")
    r = post(admin, "/api/users", {"name": "watch2", "role": "operator", "password": "a long passphrase"})
    assert r.status_code == 201
    assert post(admin, "/api/users", {"name": "watch2", "role": "viewer", "password": "another long one"}
                ).status_code == 409
    login = console.client(None).post("/api/login", json={"username": "watch2", "password": "a long passphrase"})
    assert login.json()["role"] == "operator"
    assert console.store.audit(limit=2)[1]["action"] == "user_add"


def test_the_openapi_document_lists_the_api_with_roles(console: Console) -> None:
    doc = console.client(None).get("/api/openapi.json").json()
    assert doc["paths"]["/api/alerts/{alert_id}/acknowledge"]["post"]["x-min-role"] == "operator"
    assert doc["paths"]["/api/audit"]["get"]["x-min-role"] == "supervisor"


def test_pages_carry_a_strict_content_security_policy(console: Console) -> None:
    r = console.client(None).get("/api/openapi.json")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_the_memory_store_keeps_only_its_history_window() -> None:
    from seawatch.serve.backend import MemoryStore
    from seawatch.serve.synthetic import SyntheticFeed

    store, feed = MemoryStore(history_s=10), SyntheticFeed(5, T0)
    for _ in range(30):
        store.write_contacts(feed.step())
    assert store.time_range() == (T0 + 20, T0 + 30)
    assert [p["t"] for p in store.track(1, 0, 2e9)] == [T0 + k for k in range(20, 31)]


def test_the_dossier_and_the_contacts_give_the_detection_engines_risk_where_the_picture_has_it(
        console: Console) -> None:
    """The engine's risk (alerts and context) was never shown; the dossier combined its alerts' scores again,
    each already the contact's risk (two alerts of 0.9 made 0.99)."""
    v = console.client("viewer")
    assert v.get("/api/contacts/2").json()["risk"] == pytest.approx(0.9)   # its one open alert's score
    console.picture.set_risk({2: 0.73})
    assert v.get("/api/contacts/2").json()["risk"] == pytest.approx(0.73)
    rows = {c["contact_id"]: c for c in v.get("/api/contacts").json()["contacts"]}
    assert rows[2]["risk"] == pytest.approx(0.73) and rows[1]["risk"] is None


def test_without_the_engines_risk_two_open_alerts_give_their_highest_score_not_a_product() -> None:
    from seawatch.serve.api import risk_of

    alerts = [{"end": None, "score": 0.9, "severity": "high"}, {"end": None, "score": 0.9, "severity": "high"},
              {"end": "2026-05-28T21:00:00Z", "score": 1.0, "severity": "critical"}]
    assert risk_of({}, alerts) == 0.9
    assert risk_of({"risk": 0.42}, alerts) == 0.42

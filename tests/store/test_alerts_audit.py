"""Alerts and their lifecycle, operator actions (the audit log), users, zone/site versions — both back-ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from store_data import T0

from seawatch.store import Store, UserExistsError


def alert(id: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id, "type": "dark_target", "severity": "high", "start": "2026-05-28T20:30:00Z", "end": None,
        "lat": 39.95, "lon": 49.9, "track_ids": [17], "mmsi": [], "zone": "acg-platforms", "score": 0.8,
        "summary": "Radar contact 17 without AIS for 6 min near Chirag.", "evidence": {"no_ais_s": 360.0},
    }
    base.update(kw)
    return base


def test_an_alert_round_trips_with_its_lifecycle_fields(store: Store) -> None:
    store.upsert_alerts([alert("a1")])
    got = store.alert("a1")
    assert got is not None
    assert got["state"] == "open" and got["end"] is None and got["evidence"] == {"no_ais_s": 360.0}
    assert got["track_ids"] == [17] and got["zone"] == "acg-platforms" and got["acknowledged_by"] is None
    assert store.alert("nope") is None


def test_an_alert_opens_updates_and_closes_and_keeps_each_version(store: Store) -> None:
    store.upsert_alerts([alert("a1")])
    store.upsert_alerts([alert("a1")])  # the same version again: nothing changes
    assert store.alert("a1")["state"] == "open"  # type: ignore[index]
    store.upsert_alerts([alert("a1", score=0.9, evidence={"no_ais_s": 600.0})])
    assert store.alert("a1")["state"] == "updated"  # type: ignore[index]
    store.upsert_alerts([alert("a1", score=0.9, end="2026-05-28T20:45:00Z")])
    final = store.alert("a1")
    assert final is not None and final["state"] == "closed" and final["end"] == "2026-05-28T20:45:00Z"
    history = store.alert_history("a1")
    assert [h["state"] for h in history] == ["open", "updated", "closed"]
    assert history[1]["evidence"] == {"no_ais_s": 600.0}


def test_alerts_are_filtered_by_type_zone_severity_state_and_time(store: Store) -> None:
    store.upsert_alerts([
        alert("a1"),
        alert("a2", type="rendezvous", severity="medium", zone=None, start=T0, end=T0 + 600),
        alert("a3", type="zone_entry", severity="critical", start=T0 + 7200, zone="shah-deniz"),
    ])
    assert [a["id"] for a in store.alerts(type="rendezvous")] == ["a2"]
    assert [a["id"] for a in store.alerts(zone="shah-deniz")] == ["a3"]
    assert [a["id"] for a in store.alerts(severity="high")] == ["a1"]
    assert {a["id"] for a in store.alerts(state="open")} == {"a1", "a3"}
    assert [a["id"] for a in store.alerts(state="closed")] == ["a2"]
    assert {a["id"] for a in store.alerts(t0=T0 + 700, t1=T0 + 800)} == {"a1"}  # a2 ended, a3 not started
    assert {a["id"] for a in store.alerts(t0=T0 - 10, t1=T0 + 10)} == {"a2"}
    assert [a["id"] for a in store.alerts()] == ["a3", "a1", "a2"]  # newest first


def test_operator_actions_apply_to_the_alert_and_go_to_the_audit_log(store: Store) -> None:
    store.upsert_alerts([alert("a1")])
    store.record_action("ayla", "acknowledge", "a1", t=T0 + 10)
    store.record_action("ayla", "assign", "a1", {"to": "rashad"}, t=T0 + 20)
    store.record_action("rashad", "classify", "a1", {"classification": "smuggling"}, t=T0 + 30)
    store.record_action("rashad", "comment", "a1", {"text": "fast boat, no lights"}, t=T0 + 40)
    got = store.alert("a1")
    assert got is not None
    assert (got["acknowledged_by"], got["assigned_to"], got["classification"]) == ("ayla", "rashad", "smuggling")
    assert got["acknowledged_at"] == "2026-05-28T20:26:50.000Z"
    log = store.audit()
    assert [(a["user"], a["action"]) for a in log] == [
        ("ayla", "acknowledge"), ("ayla", "assign"), ("rashad", "classify"), ("rashad", "comment")]
    assert log[3]["payload"] == {"text": "fast boat, no lights"}
    assert [a["action"] for a in store.audit(user="rashad")] == ["classify", "comment"]
    assert [a["action"] for a in store.audit(T0 + 15, T0 + 35)] == ["assign", "classify"]
    store.record_action("rashad", "close", "a1", t=T0 + 50)
    assert store.alert("a1")["state"] == "closed"  # type: ignore[index]
    store.upsert_alerts([alert("a1")])  # the engine re-sends the same version: the operator's close stands
    assert store.alert("a1")["state"] == "closed"  # type: ignore[index]


def test_an_action_recorded_twice_under_one_id_is_kept_once(store: Store) -> None:
    store.upsert_alerts([alert("a1")])
    first = store.record_action("ayla", "acknowledge", "a1", action_id="ack-a1-1", t=T0)
    again = store.record_action("ayla", "acknowledge", "a1", action_id="ack-a1-1", t=T0 + 99)
    assert first == again == "ack-a1-1"
    assert len(store.audit()) == 1
    assert store.alert("a1")["acknowledged_at"] == "2026-05-28T20:26:40.000Z"  # type: ignore[index]


def test_classify_without_a_classification_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="classification"):
        store.record_action("ayla", "classify", "a1", {})


def test_users_are_created_found_updated_and_listed(store: Store) -> None:
    store.create_user("ayla", "$argon2id$v=19$m=65536,t=3,p=4$abc$def", "operator")
    store.create_user("admin", "$argon2id$x", "admin")
    user = store.get_user("ayla")
    assert user is not None and user.role == "operator" and user.password_hash.startswith("$argon2id$")
    assert not user.disabled
    assert store.get_user("nobody") is None
    changed = store.update_user("ayla", role="supervisor", disabled=True)
    assert changed.role == "supervisor" and changed.disabled
    assert [u.name for u in store.list_users()] == ["admin", "ayla"]
    with pytest.raises(UserExistsError):
        store.create_user("ayla", "h", "operator")  # a name is taken once


def test_zone_and_site_versions_are_kept_and_found_by_time(store: Store) -> None:
    zones_v1 = {"type": "FeatureCollection", "features": []}
    zones_v2 = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "z1"},
                                                           "geometry": {"type": "Point", "coordinates": [50, 40]}}]}
    v1 = store.record_config("zones", zones_v1, "admin", t=T0)
    assert store.record_config("zones", zones_v1, "admin", t=T0 + 5) == v1  # unchanged: same version
    v2 = store.record_config("zones", zones_v2, "admin", t=T0 + 10)
    store.record_config("site", '[site]\nname = "Astara approaches"\n', "admin", t=T0 + 11)
    assert v2 > v1
    assert store.config_at("zones", T0 + 5)["document"] == zones_v1  # type: ignore[index]
    assert store.config_at("zones")["document"] == zones_v2  # type: ignore[index]
    assert store.config_at("zones", T0 - 1) is None
    assert store.config_at("site")["document"].startswith("[site]")  # type: ignore[index]


def test_a_live_run_on_a_store_with_an_earlier_runs_alerts_numbers_after_them_and_closes_those_left_open(
        store: Store) -> None:
    """A restarted `seawatch run` counted from ais_gap-000001 again and overwrote the earlier run's alerts (ids are
    the store's keys); the alerts that run left open stayed open for ever."""
    from seawatch.config import load_site
    from seawatch.detect.engine import DetectionEngine
    from seawatch.live_alerts import CLOSED_AT_RESTART, take_over

    later = 1_780_001_000.0   # 20:43:20, its last update, after its start
    # last moved at `later`, last updated 10 min after (an ais_gap refreshed without a position does that)
    acked = alert("dark_target-000007", evidence={"no_ais_s": 360.0, "position_t": later, "updated_t": later + 600})
    store.upsert_alerts([acked, alert("ais_gap-000003", end="2026-05-28T20:45:00Z")])
    store.record_action("op", "acknowledge", "dark_target-000007")
    engine = DetectionEngine(load_site(Path(__file__).resolve().parents[2] / "src/seawatch/sites/caspian/site.toml"),
                             rules=("high_speed",))
    assert take_over(store, engine) == (7, 1)
    left = store.alert("dark_target-000007")
    assert left is not None and left["state"] == "closed" and left["acknowledged_by"] == "op"
    assert left["end"] == "2026-05-28T20:53:20.000Z" and left["evidence"]["closed_by"] == CLOSED_AT_RESTART
    assert store.open_alert_docs() == [] and store.alert("ais_gap-000003")["end"] == "2026-05-28T20:45:00Z"  # type: ignore[index]
    new = engine.book.open("high_speed", 1, later + 60, severity="low", lat=39.9, lon=49.9, track_ids=[1],
                           mmsi=[], zone=None, summary="s.", evidence={})
    assert new.id == "high_speed-000008"

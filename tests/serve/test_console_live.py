"""`/api/live`: a snapshot with `now`, then compact deltas of what changed, static and dynamic split."""

from __future__ import annotations

import itertools
import json
import time

from console_helpers import T0, Console

from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.serve.picture import DYNAMIC_FIELDS, Picture


def test_the_first_frame_is_a_snapshot_of_the_whole_picture_with_now(console: Console) -> None:
    with console.client("viewer").websocket_connect("/api/live") as ws:
        snap = ws.receive_json()
    assert snap["type"] == "snapshot" and snap["now"] == T0 + 3
    assert snap["fields"] == ["id", *DYNAMIC_FIELDS]
    assert len(snap["dyn"]) == 40 and len(snap["static"]) == 40 and len(snap["trails"]["1"]) == 3
    assert next(a["id"] for a in snap["alerts"]) == "zone_entry-2"


def test_a_delta_carries_only_the_contacts_that_moved_and_no_identity_when_it_did_not_change() -> None:
    pic = Picture()
    row = {"contact_id": [1, 2], "t": [T0, T0], "kind": [ContactKind.FUSED] * 2,
           "status": [TrackStatus.CONFIRMED] * 2, "lat": [40.0, 40.1], "lon": [50.0, 50.1], "mmsi": [423000001, 423000002],
           "name": ["A", "B"]}
    pic.apply(ContactBatch(row))
    seq, _ = pic.snapshot()
    pic.apply(ContactBatch({"contact_id": [2], "t": [T0 + 1], "kind": [ContactKind.FUSED],
                            "status": [TrackStatus.CONFIRMED], "lat": [40.2], "lon": [50.2], "mmsi": [423000002],
                            "name": ["B"]}))
    seq2, delta = pic.delta(seq)
    assert delta is not None and delta["type"] == "delta" and delta["now"] == T0 + 1
    assert [r[0] for r in delta["dyn"]] == [2] and "static" not in delta
    assert pic.delta(seq2) == (seq2, None)  # nothing changed: nothing to send
    pic.apply(ContactBatch({"contact_id": [2], "t": [T0 + 2], "kind": [ContactKind.FUSED],
                            "status": [TrackStatus.CONFIRMED], "lat": [40.3], "lon": [50.3], "mmsi": [423000002],
                            "name": ["B RENAMED"]}))
    _, delta = pic.delta(seq2)
    assert delta is not None and delta["static"]["2"]["name"] == "B RENAMED"


def test_a_late_update_does_not_move_a_contact_back_in_time() -> None:
    pic = Picture()
    base = {"contact_id": [1], "kind": [ContactKind.RADAR_ONLY], "status": [TrackStatus.CONFIRMED]}
    pic.apply(ContactBatch({**base, "t": [T0 + 5], "lat": [40.5], "lon": [50.5]}))
    pic.apply(ContactBatch({**base, "t": [T0 + 1], "lat": [40.1], "lon": [50.1]}))
    c = pic.contact(1)
    assert c is not None and c["lat"] == 40.5 and c["t"] == T0 + 5


def test_contacts_gone_from_the_picture_are_announced_in_the_delta() -> None:
    pic = Picture(drop_s=60)
    base = {"kind": [ContactKind.AIS_ONLY], "status": [TrackStatus.CONFIRMED], "lat": [40.0], "lon": [50.0]}
    pic.apply(ContactBatch({**base, "contact_id": [1], "t": [T0]}))
    seq, _ = pic.snapshot()
    pic.apply(ContactBatch({**base, "contact_id": [2], "t": [T0 + 61]}))  # contact 1 now 61 s old
    _, delta = pic.delta(seq)
    assert delta is not None and delta["gone"] == [1]


def test_alerts_ended_and_closed_by_the_operator_leave_nothing_behind_in_the_picture() -> None:
    """A live picture of months: every alert that left the queue is forgotten, bookkeeping included."""
    pic = Picture()
    base = {"kind": [ContactKind.AIS_ONLY], "status": [TrackStatus.CONFIRMED], "lat": [40.0], "lon": [50.0]}
    for k in range(50):
        alert = {"id": f"a{k}", "type": "loitering", "start": "2026-06-12T16:00:00Z", "end": None}
        pic.apply(ContactBatch({**base, "contact_id": [1], "t": [T0 + k]}), [alert])
        pic.update_workflow(f"a{k}", {"state": "closed"})
        pic.apply(ContactBatch({**base, "contact_id": [1], "t": [T0 + k + 0.5]}),
                  [{**alert, "end": "2026-06-12T16:30:00Z"}])
    assert pic.alerts() == [] and pic._alert_seq == {}


def test_stale_contacts_are_flagged_for_fading() -> None:
    pic = Picture(stale_s=30)
    base = {"kind": [ContactKind.AIS_ONLY], "status": [TrackStatus.COASTING], "lat": [40.0], "lon": [50.0]}
    pic.apply(ContactBatch({**base, "contact_id": [1], "t": [T0]}))
    pic.apply(ContactBatch({**base, "contact_id": [2], "t": [T0 + 31]}))
    assert pic.contact(1)["stale"] is True and pic.contact(2)["stale"] is False  # type: ignore[index]


def test_the_websocket_sends_deltas_no_faster_than_its_period_and_only_on_change(console: Console) -> None:
    with console.client("operator").websocket_connect("/api/live") as ws:
        ws.receive_json()
        console.push([])
        t_push = time.monotonic()
        delta = ws.receive_json()
        assert delta["type"] == "delta" and len(delta["dyn"]) == 40 and delta["now"] == T0 + 4
        assert time.monotonic() - t_push < 1.0
        stamps = []
        for _ in range(3):
            console.push([])
            ws.receive_json()
            stamps.append(time.monotonic())
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert min(gaps) >= 0.04  # the console's period here is 0.05 s (1 s in production)


def test_an_operator_action_reaches_other_consoles_through_the_websocket(console: Console) -> None:
    viewer, op = console.client("viewer"), console.client("operator")
    with viewer.websocket_connect("/api/live") as ws:
        ws.receive_json()
        op.post("/api/alerts/zone_entry-2/acknowledge", headers={"x-csrf-token": op.csrf})  # type: ignore[attr-defined]
        delta = ws.receive_json()
    assert [a["workflow"]["acknowledged_by"] for a in delta["alerts"]] == ["operator"]
    assert delta["dyn"] == []


def test_a_delta_of_5000_contacts_is_compact(console: Console) -> None:
    from seawatch.serve.synthetic import SyntheticFeed

    pic, feed = Picture(), SyntheticFeed(5000, T0)
    pic.apply(feed.step())
    seq, _snap = pic.snapshot()
    pic.apply(feed.step())
    _, delta = pic.delta(seq)
    per_contact = len(json.dumps(delta, separators=(",", ":"))) / 5000
    assert "static" not in delta  # type: ignore[operator]
    assert per_contact < 110, per_contact


def test_a_new_alert_is_pushed_at_once_without_waiting_for_the_contact_period() -> None:
    console = Console(live_period_s=30.0)  # a contact delta would come only after 30 s
    with console.client("viewer").websocket_connect("/api/live") as ws:
        ws.receive_json()
        new = console.feed.alert(5, "dark_target", "high", start=T0 + 4)
        console.push([new])  # contacts move and an alert opens in the same batch
        frame = ws.receive_json()
    assert frame["type"] == "delta" and [a["id"] for a in frame["alerts"]] == [new["id"]]
    assert frame["dyn"] == []  # the contacts wait for their period; the alert does not


def test_an_alert_already_pushed_is_not_sent_again_with_the_next_contact_delta() -> None:
    pic, console = Picture(), Console()
    pic.apply(console.feed.step())
    seq, _ = pic.snapshot()
    pic.apply(console.feed.step(), [console.feed.alert(1, "loitering", "medium")])
    alert_seq, pushed = pic.delta(seq, seq, alerts_only=True)
    assert pushed is not None and len(pushed["alerts"]) == 1 and pushed["dyn"] == []
    assert pic.delta(seq, alert_seq, alerts_only=True) == (alert_seq, None)
    _, delta = pic.delta(seq, alert_seq)
    assert delta is not None and len(delta["dyn"]) == 40 and "alerts" not in delta


def test_while_no_update_comes_the_picture_clock_goes_on_and_a_dead_feeds_contacts_turn_stale_then_leave() -> None:
    """The picture's time moved only with data: 81 s after every feed closed, its 206 contacts still showed as
    fresh (a review's live run)."""
    pic = Picture(stale_s=60.0, drop_s=600.0)
    pic.apply(ContactBatch({"contact_id": [1], "t": [T0], "kind": [ContactKind.FUSED],
                            "status": [TrackStatus.CONFIRMED], "lat": [40.0], "lon": [50.0], "mmsi": [423000001]}))
    wall = pic._data_at[1]   # type: ignore[index]
    pic.tick(wall + 30.0)
    assert pic.now == T0 + 30.0 and pic.contacts()[0]["stale"] is False
    pic.tick(wall + 90.0)
    assert pic.now == T0 + 90.0 and pic.contacts()[0]["stale"] is True
    pic.tick(wall + 700.0)
    assert pic.contacts() == []
    # a recording fed live keeps its own dates: the clock goes on from its time, not from today
    assert pic.now == T0 + 700.0

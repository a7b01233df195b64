"""Stopping `seawatch run` / the demo: what the console has shown reaches the store first."""

from __future__ import annotations

import threading
from pathlib import Path

from seawatch.demo import DemoOptions, DemoRunner
from seawatch.model.contact import ContactBatch, ContactKind

REPO = Path(__file__).resolve().parents[2]
T0 = 1_781_280_000.0


def test_a_stop_right_after_an_alert_was_shown_writes_it_to_the_store(tmp_path: Path) -> None:
    """The store's writer sleeps 2 s between writes and the run stopped 0.5 s after Ctrl-C: an alert that had
    reached the console's websocket was not in the store (a review's run, `alert_changes 2`, `alerts() == []`)."""
    runner = DemoRunner(DemoOptions(site_path=REPO / "src/seawatch/sites/caspian/site.toml",
                                    store=str(tmp_path / "store"), data_dir=tmp_path))
    runner._writer = threading.Thread(target=runner._write, daemon=True)   # the store writer alone, as start() runs it
    runner._writer.start()
    contacts = ContactBatch({"contact_id": [5], "t": [T0], "kind": [ContactKind.RADAR_ONLY], "lat": [39.9],
                             "lon": [49.9]})
    alert = {"id": "dark_target-000001", "type": "dark_target", "severity": "high", "start": "2026-06-12T16:00:00Z",
             "end": None, "lat": 39.9, "lon": 49.9, "track_ids": [5], "mmsi": [], "zone": None, "score": 0.5,
             "summary": "Dark target.", "evidence": {}}
    runner._writes.put((contacts, [alert]))
    runner.stop()
    assert not runner._writer.is_alive()
    assert runner.store.alert("dark_target-000001") is not None and runner.store.count_positions() == 1

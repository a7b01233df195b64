"""The housekeeper: the writer's daily roll-over and retention, driven by the time of what it writes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from store_data import T0, contacts

from seawatch.store import Retention, Store, open_store
from seawatch.store.embedded import EmbeddedStore
from seawatch.store.keeper import Housekeeper

DAY = 86400.0


def test_the_housekeeper_runs_once_per_day_of_event_time(store: Store) -> None:
    keeper = Housekeeper(store)
    store.write_raw([b"old line"], T0, "ais")
    assert keeper.tick(T0) is not None
    assert keeper.tick(T0 + 60) is None  # same UTC day: nothing to do
    assert keeper.tick(T0 + DAY) is not None
    assert keeper.runs == 2


def test_retention_through_the_housekeeper_expires_raw_lines_and_positions_but_keeps_alerts(store_url: str) -> None:
    store = open_store(store_url, Retention(raw_days=30, positions_days=60))
    try:
        keeper = Housekeeper(store)
        store.write_positions(contacts(3, 4, t0=T0))
        store.write_raw([b"old line"], T0, "ais")
        store.upsert_alerts([{"id": "a1", "type": "loitering", "severity": "low", "start": T0, "end": T0 + 60}])
        keeper.tick(T0 + 10)
        assert store.count_positions() == 12 and len(store.raw()) == 1
        later = T0 + 90 * DAY
        store.write_positions(contacts(3, 4, t0=later))
        removed = keeper.tick(later)
        assert removed is not None and removed["raw"] == 1
        assert store.count_positions() == 12 and store.raw() == []  # the old day's positions are gone
        assert store.track(contact_id=1).column("t").to_pylist()[0] == later
        assert store.alert("a1") is not None
    finally:
        store.close()


def test_an_embedded_replay_rolls_its_old_days_into_parquet_as_its_days_go_by(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    keeper = Housekeeper(store)
    for day in range(4):
        batch = contacts(5, 10, t0=T0 + day * DAY)
        store.write_positions(batch)
        keeper.tick(float(batch["t"].max()))
    assert len(store.archive.days()) == 2  # days 0 and 1 are older than a day before day 3
    assert store.count_positions() == 200
    assert store.track(contact_id=3).num_rows == 40
    store.close()


def test_a_failing_housekeeping_is_logged_and_counted_and_the_writer_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    keeper = Housekeeper(store)
    store.write_positions(contacts(2, 3, t0=T0))
    store.close()  # every housekeeping query now fails
    with caplog.at_level(logging.ERROR, logger="seawatch.store.keeper"):
        assert keeper.tick(T0 + 5 * DAY) is None
    assert keeper.failures == 1 and keeper.runs == 0
    assert "housekeeping" in caplog.text

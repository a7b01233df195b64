"""The housekeeper: the writer's daily roll-over and retention, driven by the time of what it writes."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from store_data import T0, contacts

from seawatch.store import Retention, Store, open_store
from seawatch.store.embedded import EmbeddedStore
from seawatch.store.keeper import Housekeeper

DAY = 86400.0


def test_the_housekeeper_runs_once_per_day_of_event_time(store: Store) -> None:
    keeper = Housekeeper(store, background=False)
    store.write_raw([b"old line"], T0, "ais")
    assert keeper.tick(T0) is not None
    assert keeper.tick(T0 + 60) is None  # same UTC day: nothing to do
    assert keeper.tick(T0 + DAY) is not None
    assert keeper.runs == 2


def test_retention_through_the_housekeeper_expires_raw_lines_and_positions_but_keeps_alerts(store_url: str) -> None:
    store = open_store(store_url, Retention(raw_days=30, positions_days=60))
    try:
        keeper = Housekeeper(store)  # in its own thread, as writers run it
        store.write_positions(contacts(3, 4, t0=T0))
        store.write_raw([b"old line"], T0, "ais")
        store.upsert_alerts([{"id": "a1", "type": "loitering", "severity": "low", "start": T0, "end": T0 + 60}])
        assert keeper.tick(T0 + 10) is None  # started, not waited for
        keeper.join()
        assert keeper.runs == 1
        assert store.count_positions() == 12 and len(store.raw()) == 1
        later = T0 + 90 * DAY
        store.write_positions(contacts(3, 4, t0=later))
        keeper.tick(later)
        keeper.join()
        removed = keeper.last
        assert keeper.runs == 2 and removed["raw"] == 1
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
        keeper.join()
    assert len(store.archive.days()) == 2  # days 0 and 1 are older than a day before day 3
    assert store.count_positions() == 200
    assert store.track(contact_id=3).num_rows == 40
    store.close()


def test_a_failing_housekeeping_is_logged_and_counted_and_the_writer_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    keeper = Housekeeper(store, background=False)
    store.write_positions(contacts(2, 3, t0=T0))
    store.close()  # every housekeeping query now fails
    with caplog.at_level(logging.ERROR, logger="seawatch.store.keeper"):
        assert keeper.tick(T0 + 5 * DAY) is None
    assert keeper.failures == 1 and keeper.runs == 0
    assert "housekeeping" in caplog.text


def test_a_roll_over_in_the_background_lets_the_writer_write_and_query_while_the_day_file_is_written(
        tmp_path: Path) -> None:
    """The roll-over is held inside the archive write until the writer has written and queried; had it held
    the store's lock there, the writer would wait for it and the roll-over would time out first."""
    store = EmbeddedStore(tmp_path, Retention(live_days=0))
    keeper = Housekeeper(store)
    entered, written = threading.Event(), threading.Event()
    timed_out: list[bool] = []
    add_day = store.archive.add_day

    def held_add_day(day: float, table: pa.Table) -> int:
        entered.set()
        timed_out.append(not written.wait(10.0))
        return add_day(day, table)

    store.archive.add_day = held_add_day  # type: ignore[method-assign]
    try:
        store.write_positions(contacts(4, 10, t0=T0))  # day 0
        next_day = contacts(4, 10, t0=T0 + DAY)
        store.write_positions(next_day)
        keeper.tick(float(next_day["t"].max()))  # day 0 is rolled over in the background
        assert entered.wait(10.0)
        started = time.perf_counter()
        store.write_positions(contacts(4, 10, t0=T0 + DAY + 100))  # the writer goes on
        store.write_positions(contacts(4, 5, t0=T0 + 5000, first_id=50))  # late positions of the rolling day
        assert store.track(contact_id=2).num_rows == 30
        waited_s = time.perf_counter() - started
        written.set()
        keeper.join()
        assert timed_out == [False] and waited_s < 5.0
        assert keeper.runs == 1 and keeper.last["rolled_over"] == 40
        assert store.archive.days() == ["2026-05-28"]
        assert store.count_positions() == 40 + 40 + 40 + 20  # the late rows stay in SQLite, counted once
        store.archive.add_day = add_day  # type: ignore[method-assign]
        assert store.roll_over(T0 + DAY) == 20  # ... and the next roll-over merges them into the day's file
        assert store.count_positions() == 140 and store.track(contact_id=50).num_rows == 5
    finally:
        written.set()
        keeper.join()
        store.close()


def test_closing_the_store_waits_for_a_roll_over_in_the_background(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=0))
    keeper = Housekeeper(store)
    entered, go_on = threading.Event(), threading.Event()
    add_day = store.archive.add_day

    def held_add_day(day: float, table: pa.Table) -> int:
        entered.set()
        go_on.wait(10.0)
        return add_day(day, table)

    store.archive.add_day = held_add_day  # type: ignore[method-assign]
    store.write_positions(contacts(3, 10, t0=T0))
    keeper.tick(T0 + DAY)
    assert entered.wait(10.0)
    threading.Timer(0.3, go_on.set).start()
    store.close()  # returns once the roll-over has written its file and deleted its rows
    keeper.join()
    assert keeper.failures == 0 and keeper.runs == 1 and keeper.last["rolled_over"] == 30
    reopened = EmbeddedStore(tmp_path)
    try:
        assert reopened.archive.days() == ["2026-05-28"] and reopened.count_positions() == 30
        assert reopened._one("SELECT count(*) FROM position_blocks") == (0,)
    finally:
        reopened.close()

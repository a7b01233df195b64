"""The embedded store's own behaviour: WAL, the daily Parquet roll-over read through DuckDB, retention."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from store_data import T0, contacts

from seawatch.store import Retention, open_store
from seawatch.store.embedded import DB_NAME, EmbeddedStore

DAY = 86400.0


def test_the_database_runs_in_wal_mode_with_position_blocks_appended_under_a_unique_id_time_key(
        tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'position_blocks'").fetchone()[0]
    assert "rid INTEGER PRIMARY KEY" in sql
    key = db.execute("SELECT sql FROM sqlite_master WHERE name = 'position_blocks_key'").fetchone()[0]
    assert "UNIQUE INDEX" in key and "(id, t0)" in key
    assert "rtree" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'position_blocks_rt'").fetchone()[0]


def test_sqlite_urls_and_plain_directories_open_the_embedded_store(tmp_path: Path) -> None:
    for url in (str(tmp_path / "a"), f"sqlite:///{tmp_path / 'b'}"):
        store = open_store(url)
        assert isinstance(store, EmbeddedStore)
        store.close()
    assert (tmp_path / "a" / DB_NAME).exists() and (tmp_path / "b" / DB_NAME).exists()


def test_old_days_roll_into_parquet_sorted_by_id_and_time_and_stay_queryable(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    store.write_positions(contacts(10, 10, t0=T0))  # day 1
    store.write_positions(contacts(10, 10, t0=T0 + 2 * DAY))  # day 3
    store.write_positions(contacts(10, 10, t0=T0 + 5 * DAY))  # today
    moved = store.roll_over(T0 + 5 * DAY)
    assert moved == 200
    assert len(store.archive.days()) == 2
    table = pq.read_table(store.archive.files(None, None)[0])
    keys = list(zip(table.column("id").to_pylist(), table.column("t").to_pylist()))
    assert keys == sorted(keys)
    live = store._one("SELECT coalesce(sum(n), 0) FROM position_blocks")[0]  # type: ignore[index]
    assert live == 100
    track = store.track(contact_id=4)
    assert track.num_rows == 30 and np.all(np.diff(track.column("t").to_numpy()) > 0)
    assert store.count_positions() == 300
    at = store.bbox_at((49.0, 39.0, 51.0, 41.0), T0 + 2 * DAY + 5, tolerance_s=5)
    assert at.num_rows == 10  # from the archive
    assert store.bbox_between((49.0, 39.0, 51.0, 41.0), T0, T0 + 6 * DAY).num_rows == 300
    store.close()


def test_a_replay_written_again_after_its_roll_over_is_not_duplicated(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    batch = contacts(10, 10, t0=T0)
    store.write_positions(batch)
    store.roll_over(T0 + 3 * DAY)
    store.write_positions(batch)  # the same file replayed: lands in SQLite again ...
    assert store.count_positions() == 100  # ... and is shown once
    assert store.track(contact_id=1).num_rows == 10
    store.roll_over(T0 + 3 * DAY)  # ... and merged away at the next roll-over
    assert store._one("SELECT coalesce(sum(n), 0) FROM position_blocks")[0] == 0  # type: ignore[index]
    assert pq.ParquetFile(store.archive.files(None, None)[0]).metadata.num_rows == 100
    store.close()


def test_a_roll_over_killed_before_its_rename_leaves_the_rows_in_sqlite(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    store.write_positions(contacts(5, 5, t0=T0))
    store.close()
    (tmp_path / "positions" / "2026-05-28.parquet.tmp").write_bytes(b"half a file")
    store = EmbeddedStore(tmp_path, Retention(live_days=1))
    assert not list((tmp_path / "positions").glob("*.tmp"))
    assert store.count_positions() == 25
    store.close()


def test_retention_deletes_whole_archive_days_past_the_positions_limit(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path, Retention(positions_days=30, live_days=1))
    store.write_positions(contacts(3, 3, t0=T0))
    store.write_positions(contacts(3, 3, t0=T0 + 40 * DAY))
    store.roll_over(T0 + 42 * DAY)
    assert len(store.archive.days()) == 2
    removed = store.apply_retention(T0 + 42 * DAY)
    assert removed["position_files"] == 1
    assert store.count_positions() == 9
    store.close()


def test_a_site_storage_section_gives_the_store_url(tmp_path: Path) -> None:
    from seawatch.config.site import StorageSection
    from seawatch.errors import ConfigError
    from seawatch.store import site_store_url

    assert site_store_url(StorageSection(dir="data"), tmp_path) == str(tmp_path / "data")
    assert site_store_url(StorageSection(backend="postgresql", dsn="postgresql://u@h/db")) == "postgresql://u@h/db"
    with pytest.raises(ConfigError, match="dsn"):
        site_store_url(StorageSection(backend="postgresql"))

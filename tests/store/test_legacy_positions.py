"""A store written before positions were kept as blocks (one row per position) opens with its rows moved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from store_data import T0

from seawatch.store import open_store
from seawatch.store.embedded import DB_NAME
from seawatch.store.positions import POSITION_COLUMNS
from seawatch.store.sqlite_schema import MIGRATIONS as SQLITE_MIGRATIONS
from seawatch.store.sqlite_schema import _statements

ROWS = [(1, T0 + i, 40.0 + i / 1000, 50.0, 5.0, 90.0, None, 1, 2, 273_000_001) for i in range(30)] + \
       [(2, T0 + i, 41.0, 51.0 + i / 1000, None, None, None, 2, 2, None) for i in range(20)]
INSERT = f"INSERT INTO positions ({', '.join(POSITION_COLUMNS)}) VALUES ({', '.join('?' * len(POSITION_COLUMNS))})"


def check_converted(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert store.count_positions() == 50
        one = store.track(contact_id=1)
        assert one.column("t").to_pylist() == [r[1] for r in ROWS[:30]]
        assert one.column("mmsi").to_pylist() == [273_000_001] * 30
        two = store.track(contact_id=2)
        assert two.column("sog_mps").null_count == 20 and two.column("mmsi").null_count == 20
        assert np.array_equal(two.column("lon").to_numpy(), [r[3] for r in ROWS[30:]])
    finally:
        store.close()
    again = open_store(store_url)  # converted once: opening again changes nothing
    assert again.count_positions() == 50
    again.close()


def test_an_embedded_store_of_the_first_schema_opens_with_its_positions_moved_into_blocks(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    for statement in _statements(SQLITE_MIGRATIONS[0][1]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.executemany(INSERT, ROWS)
    db.close()
    check_converted(str(tmp_path))
    db = sqlite3.connect(tmp_path / DB_NAME)
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'positions'").fetchone()[0] == 0


def test_a_postgresql_store_of_the_first_schema_opens_with_its_positions_moved_into_blocks(
        request: pytest.FixtureRequest) -> None:
    import psycopg

    from seawatch.store.pg_schema import MIGRATIONS as PG_MIGRATIONS

    cluster = request.getfixturevalue("pg_cluster")
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS legacy")
        conn.execute("CREATE DATABASE legacy")
    url = cluster.url.rsplit("/", 1)[0] + "/legacy"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PG_MIGRATIONS[0][1])
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        conn.execute("INSERT INTO schema_migrations (version) VALUES (1)")
        conn.cursor().executemany(INSERT.replace("?", "%s"), ROWS)
    check_converted(url)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('positions_v1')").fetchone() == (None,)
        assert conn.execute("SELECT count(*) FROM positions").fetchone() == (50,)  # the view for SQL users


def test_an_embedded_store_with_blocks_in_the_first_block_layout_opens_with_them_appended(tmp_path: Path) -> None:
    """(Its vessels table is empty: writing the same positions again finds them by checking every contact.)"""
    from store_data import contacts

    from seawatch.store.blocks import make_blocks
    from seawatch.store.positions import normalise

    db = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    for _, sql in SQLITE_MIGRATIONS[:2]:  # schema 2: blocks in a WITHOUT ROWID table keyed (id, t0)
        for statement in _statements(sql):
            db.execute(statement)
    db.execute("PRAGMA user_version = 2")
    b = make_blocks(normalise(contacts(3, 10, t0=T0)).positions)
    db.executemany("INSERT INTO position_blocks (id, t0, t1, n, rid, data) VALUES (?, ?, ?, ?, ?, ?)",
                   zip(b.id.tolist(), b.t0.tolist(), b.t1.tolist(), b.n.tolist(), range(1, len(b) + 1), b.data))
    db.close()
    store = open_store(tmp_path)
    try:
        assert store.count_positions() == 30
        assert store.track(contact_id=2).column("t").to_pylist() == [T0 + 2.0 * k for k in range(10)]
        store.write_positions(contacts(3, 10, t0=T0))  # the same again: nothing added
        assert store.count_positions() == 30
    finally:
        store.close()

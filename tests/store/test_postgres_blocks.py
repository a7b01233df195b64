"""PostgreSQL keeps each position block's XYM bounding box as its geometry; SQL users still see every position."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from store_data import T0, contacts

from seawatch.store import open_store
from seawatch.store.blocks import make_blocks
from seawatch.store.positions import normalise


def fresh_database(request: pytest.FixtureRequest, name: str) -> str:
    import psycopg

    cluster = request.getfixturevalue("pg_cluster")
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return cluster.url.rsplit("/", 1)[0] + "/" + name


def written_then_read(request: pytest.FixtureRequest, name: str, batch: Any, sql: str) -> list[Any]:
    """Write `batch` into a fresh database through the store, then the rows of `sql` on it."""
    store = open_store(fresh_database(request, name))
    try:
        store.write_positions(batch)
        return list(store._db.execute(sql).fetchall())  # type: ignore[attr-defined]
    finally:
        store.close()


def test_the_positions_view_gives_every_stored_position_bit_for_bit(request: pytest.FixtureRequest) -> None:
    batch = contacts(5, 40, t0=T0 + 0.123456789)
    rows = written_then_read(request, "view_exact", batch, "SELECT id, t, lat, lon, ST_M(geom), ST_SRID(geom) "
                             "FROM positions ORDER BY id, t")
    want = normalise(batch).positions
    got = np.array([r[:4] for r in rows], dtype="f8")
    assert len(rows) == 200
    assert np.array_equal(got[:, 0], want["id"]) and np.array_equal(got[:, 1], want["t"])
    assert np.array_equal(got[:, 2], want["lat"]) and np.array_equal(got[:, 3], want["lon"])
    assert [r[4] for r in rows] == [r[1] for r in rows] and {r[5] for r in rows} == {4326}


def test_a_block_s_geometry_is_its_box_in_space_and_time(request: pytest.FixtureRequest) -> None:
    batch = contacts(3, 30, t0=T0)
    rows = written_then_read(request, "block_box", batch, "SELECT id, ST_AsText(geom), ST_XMin(geom), "
                             "ST_XMax(geom), ST_YMin(geom), ST_YMax(geom), t0, t1 FROM position_blocks ORDER BY id")
    b = make_blocks(normalise(batch).positions)
    assert len(rows) == len(b) == 3
    for row, lon0, lon1, lat0, lat1 in zip(rows, b.lon_min, b.lon_max, b.lat_min, b.lat_max):
        assert row[1].startswith("LINESTRING M (")
        assert row[2:6] == (lon0, lon1, lat0, lat1)
        assert row[1].endswith(f" {row[7]:.0f})")  # the second point's m is the block's last time


def test_a_store_of_the_multipoint_layout_opens_with_box_geometries_and_answers_box_queries(
        request: pytest.FixtureRequest) -> None:
    import psycopg

    from seawatch.store.pg_schema import MIGRATIONS

    url = fresh_database(request, "multipoint_layout")
    cols = normalise(contacts(2, 20, t0=T0)).positions
    b = make_blocks(cols)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                     "applied_at timestamptz NOT NULL DEFAULT now())")
        for number, sql in MIGRATIONS[:2]:  # schema 2: each block's points as a MULTIPOINT M
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))
        for i in range(len(b)):
            pos = slice(int(b.starts[i]), int(b.starts[i] + b.n[i]))
            points = ", ".join(f"({x!r} {y!r} {t!r})" for x, y, t in
                               zip(cols["lon"][pos].tolist(), cols["lat"][pos].tolist(), cols["t"][pos].tolist()))
            conn.execute("INSERT INTO position_blocks (id, t0, t1, n, data, geom) VALUES (%s, %s, %s, %s, %s, "
                         "ST_SetSRID(ST_GeomFromText(%s), 4326))",
                         (int(b.id[i]), float(b.t0[i]), float(b.t1[i]), int(b.n[i]), b.data[i],
                          f"MULTIPOINT M ({points})"))
    store = open_store(url)
    try:
        kinds = store._db.execute("SELECT DISTINCT GeometryType(geom) FROM position_blocks").fetchall()  # type: ignore[attr-defined]
        assert kinds == [("LINESTRINGM",)]
        assert store.count_positions() == 40
        at = store.bbox_at((49.9, 39.9, 50.1, 40.1), T0 + 20.0, tolerance_s=5.0)
        assert at.column("id").to_pylist() == [1, 2]
        assert store._db.execute("SELECT count(*) FROM positions").fetchone() == (40,)  # type: ignore[attr-defined]
    finally:
        store.close()

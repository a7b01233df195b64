"""Store fixtures: every test runs against both back-ends (embedded SQLite/Parquet and PostgreSQL/PostGIS).

PostgreSQL: one throwaway cluster per test session (initdb + pg_ctl on a free loopback port, removed at the
end), a migrated template database, and a fresh database per test copied from it. Without the server
binaries the PostgreSQL tests are skipped with the reason, unless SEAWATCH_REQUIRE_PG=1 (CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawatch.store import Store, open_store
from seawatch.store.pgtemp import TempCluster, pg_bindir

TABLES = ("position_blocks", "vessels", "raw_chunks", "alerts", "alert_history", "actions", "users",
          "config_versions", "checkpoints")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[TempCluster]:
    if pg_bindir() is None:
        reason = "PostgreSQL server binaries not found (apt-get install postgresql postgresql-15-postgis-3)"
        if os.environ.get("SEAWATCH_REQUIRE_PG") == "1":
            pytest.fail(f"SEAWATCH_REQUIRE_PG=1 but {reason}")
        pytest.skip(reason)
    cluster = TempCluster().start()
    try:
        from seawatch.store.postgres import PostgresStore

        PostgresStore(cluster.url).close()  # create the schema once
        yield cluster
    finally:
        cluster.stop()


def empty_pg_database(cluster: TempCluster) -> str:
    """The session's database with every table emptied (faster than a database per test)."""
    import psycopg

    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    return cluster.url


@pytest.fixture(params=["embedded", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return str(tmp_path / "store")
    cluster = request.getfixturevalue("pg_cluster")
    return empty_pg_database(cluster)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()

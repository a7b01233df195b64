"""The embedded store's SQLite schema, as numbered migrations (`PRAGMA user_version` = last applied)."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[tuple[int, str]] = [
    (1, """
    CREATE TABLE positions (
        id INTEGER NOT NULL, t REAL NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
        sog_mps REAL, cog_deg REAL, heading_deg REAL, kind INTEGER NOT NULL, status INTEGER NOT NULL,
        mmsi INTEGER,
        PRIMARY KEY (id, t)
    ) WITHOUT ROWID;

    CREATE TABLE vessels (
        id INTEGER NOT NULL, mmsi INTEGER NOT NULL, name TEXT, callsign TEXT, imo INTEGER,
        ship_type INTEGER, first_seen REAL, last_seen REAL,
        UNIQUE (id, mmsi)
    );
    CREATE INDEX vessels_mmsi ON vessels (mmsi);
    CREATE INDEX vessels_seen ON vessels (last_seen, first_seen);
    CREATE VIRTUAL TABLE vessels_fts USING fts5 (name, callsign, content='vessels', content_rowid='rowid',
                                                  tokenize="unicode61 remove_diacritics 2");
    CREATE TRIGGER vessels_ai AFTER INSERT ON vessels BEGIN
        INSERT INTO vessels_fts (rowid, name, callsign) VALUES (new.rowid, new.name, new.callsign);
    END;
    CREATE TRIGGER vessels_ad AFTER DELETE ON vessels BEGIN
        INSERT INTO vessels_fts (vessels_fts, rowid, name, callsign)
        VALUES ('delete', old.rowid, old.name, old.callsign);
    END;
    CREATE TRIGGER vessels_au AFTER UPDATE OF name, callsign ON vessels BEGIN
        INSERT INTO vessels_fts (vessels_fts, rowid, name, callsign)
        VALUES ('delete', old.rowid, old.name, old.callsign);
        INSERT INTO vessels_fts (rowid, name, callsign) VALUES (new.rowid, new.name, new.callsign);
    END;

    CREATE TABLE raw_chunks (
        sha TEXT PRIMARY KEY, source TEXT NOT NULL, t0 REAL NOT NULL, t1 REAL NOT NULL, n INTEGER NOT NULL,
        lines BLOB NOT NULL, lines_size INTEGER NOT NULL, times BLOB NOT NULL, times_size INTEGER NOT NULL
    );
    CREATE INDEX raw_chunks_t ON raw_chunks (source, t0);

    CREATE TABLE alerts (
        id TEXT PRIMARY KEY, type TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
        start_t REAL, end_t REAL, lat REAL, lon REAL, zone TEXT, score REAL, summary TEXT,
        mmsi TEXT NOT NULL, track_ids TEXT NOT NULL, doc TEXT NOT NULL, sha TEXT NOT NULL,
        acknowledged_by TEXT, acknowledged_at REAL, assigned_to TEXT, classification TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX alerts_start ON alerts (start_t);
    CREATE INDEX alerts_type ON alerts (type, start_t);
    CREATE TABLE alert_history (
        alert_id TEXT NOT NULL, sha TEXT NOT NULL, recorded_at REAL NOT NULL, state TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (alert_id, sha)
    ) WITHOUT ROWID;

    CREATE TABLE actions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, action_id TEXT NOT NULL UNIQUE, t REAL NOT NULL,
        user TEXT NOT NULL, action TEXT NOT NULL, alert_id TEXT, payload TEXT NOT NULL
    );
    CREATE INDEX actions_t ON actions (t);

    CREATE TABLE users (
        name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE config_versions (
        version INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, t REAL NOT NULL, user TEXT,
        sha TEXT NOT NULL, document TEXT NOT NULL
    );
    CREATE INDEX config_versions_kind ON config_versions (kind, t);
    CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY, file TEXT, offset INTEGER NOT NULL, last_t REAL, updated_at REAL NOT NULL,
        extra TEXT NOT NULL
    );
    """),
    # positions as blocks (store/blocks.py): one row per contact per hour bucket per batch, key (id, t0);
    # an R*Tree over each block's time span and box serves the box queries. The old row-per-position
    # table's rows are moved into blocks by the store when it opens (EmbeddedStore._convert_legacy).
    (2, """
    CREATE TABLE position_blocks (
        id INTEGER NOT NULL, t0 REAL NOT NULL, t1 REAL NOT NULL, n INTEGER NOT NULL, rid INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (id, t0)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE position_blocks_rt USING rtree (rid, t_min, t_max, lon_min, lon_max, lat_min, lat_max,
                                                        +id INTEGER, +t0 REAL);
    -- every batch upserts each contact's first/last seen: no index on them, and the names re-indexed only
    -- when they change
    DROP INDEX vessels_seen;
    DROP TRIGGER vessels_au;
    CREATE TRIGGER vessels_au AFTER UPDATE OF name, callsign ON vessels
    WHEN old.name IS NOT new.name OR old.callsign IS NOT new.callsign BEGIN
        INSERT INTO vessels_fts (vessels_fts, rowid, name, callsign)
        VALUES ('delete', old.rowid, old.name, old.callsign);
        INSERT INTO vessels_fts (rowid, name, callsign) VALUES (new.rowid, new.name, new.callsign);
    END;
    """),
    # blocks in an append-only rowid table (rid = insertion order) with the (id, t0) key as a unique index:
    # the WITHOUT ROWID layout put each batch's ~one block per contact on as many scattered B-tree pages,
    # whose writes grew with the table (1.8 -> 3.6 CPU s per million positions from 1M to 3M rows);
    # appended, the blocks cost the same at any size and a track is still one key-range read
    (3, """
    CREATE TABLE position_blocks_v3 (
        rid INTEGER PRIMARY KEY, id INTEGER NOT NULL, t0 REAL NOT NULL, t1 REAL NOT NULL, n INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    INSERT INTO position_blocks_v3 (rid, id, t0, t1, n, data) SELECT rid, id, t0, t1, n, data FROM position_blocks;
    DROP TABLE position_blocks;
    ALTER TABLE position_blocks_v3 RENAME TO position_blocks;
    CREATE UNIQUE INDEX position_blocks_key ON position_blocks (id, t0);
    """),
]


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations not yet applied, each in its own transaction; returns the schema version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for number, sql in MIGRATIONS:
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = number
    return version


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (trigger bodies keep their inner semicolons)."""
    out: list[str] = []
    buf = ""
    for part in sql.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out

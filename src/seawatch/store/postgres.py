"""The server store: PostgreSQL + PostGIS through psycopg 3.

Positions are kept as blocks (`store/blocks.py`: one row per contact per hour bucket per batch, key (id, t0))
written with one binary `COPY` per batch; each block's `geom` is its XYM bounding box (a 2-point LINESTRING M,
m = time) under an n-D GiST index that answers box x period queries; the view `positions` unnests the blocks'
`data` for SQL users.
Rows already stored are dropped before the COPY (`blocks.new_rows`). Every write is one transaction;
commits are durable (`synchronous_commit` stays on). The schema is versioned (`pg_schema.MIGRATIONS`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import struct
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from seawatch.store.base import BBox, Checkpoint, Retention, User, UserExistsError
from seawatch.store.blocks import (
    BLOCK_S,
    BOX_EWKB,
    RECORD,
    decode,
    every_contact,
    ewkb_boxes,
    make_blocks,
    new_rows,
    select,
    within,
)
from seawatch.store.pg_schema import WORDS, migrate
from seawatch.store.positions import (
    AIS_ID_OFFSET,
    ARROW_SCHEMA,
    POSITION_COLUMNS,
    Columns,
    empty_table,
    normalise,
    to_arrow,
)
from seawatch.store.records import action_effect, alert_row, payload_json, raw_chunk
from seawatch.store.sql_common import last_per_id, search_terms
from seawatch.store.sql_store import SqlStore

log = logging.getLogger(__name__)

RECORD_SIZE = RECORD.itemsize

DAY_S = 86400.0
POS_SQL = ", ".join(POSITION_COLUMNS)
BLOCKS = "SELECT b.id, b.n, b.data FROM"
IN_PERIOD = "b.t0 >= %s AND b.t0 <= %s AND b.t1 >= %s"  # a block spans less than BLOCK_S
# box x period as an XYM line for the n-D overlap operator &&&
BOX_M = ("ST_SetSRID(ST_MakeLine(ST_MakePointM(%s, %s, %s), ST_MakePointM(%s, %s, %s)), 4326)")
COPY_BLOCKS = "COPY position_blocks (id, t0, t1, n, data, geom) FROM STDIN (FORMAT binary)"
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
# a row of the binary COPY up to the block's bytes: 6 fields, then each field's length and value (big-endian)
COPY_ROW_HEAD = np.dtype([("fields", ">i2"), ("l_id", ">i4"), ("id", ">i8"), ("l_t0", ">i4"), ("t0", ">f8"),
                          ("l_t1", ">i4"), ("t1", ">f8"), ("l_n", ">i4"), ("n", ">i4"), ("l_data", ">i4")])
UPSERT_VESSELS = """
INSERT INTO vessels (id, mmsi, name, callsign, imo, ship_type, first_seen, last_seen)
SELECT (v->>0)::bigint, coalesce((v->>1)::bigint, 0), v->>2, v->>3, (v->>4)::bigint, (v->>5)::integer,
       (v->>6)::float8, (v->>7)::float8
FROM jsonb_array_elements(%s::jsonb) AS v  -- one JSON array of rows: one parameter; jsonb is parsed once
-- (with json, each ->> parsed its element's text again: 8 parses a row, an eighth of the backend's CPU)
ON CONFLICT (id, mmsi) DO UPDATE SET
    name = coalesce(excluded.name, vessels.name), callsign = coalesce(excluded.callsign, vessels.callsign),
    imo = coalesce(excluded.imo, vessels.imo), ship_type = coalesce(excluded.ship_type, vessels.ship_type),
    first_seen = least(vessels.first_seen, excluded.first_seen),
    last_seen = greatest(vessels.last_seen, excluded.last_seen)
"""
ALERT_COLS = "doc, state, acknowledged_by, acknowledged_at, assigned_to, classification, updated_at"
UPSERT_ALERT = """
INSERT INTO alerts (id, type, severity, state, start_t, end_t, lat, lon, zone, score, summary, mmsi,
                    track_ids, doc, sha, updated_at)
VALUES (%(id)s, %(type)s, %(severity)s,
        coalesce(%(state)s, CASE WHEN %(end_t)s::float8 IS NULL THEN 'open' ELSE 'closed' END),
        %(start_t)s, %(end_t)s, %(lat)s, %(lon)s, %(zone)s, %(score)s, %(summary)s, %(mmsi)s::jsonb,
        %(track_ids)s::jsonb, %(doc)s, %(sha)s, %(now)s)
ON CONFLICT (id) DO UPDATE SET
    type = excluded.type, severity = excluded.severity,
    state = CASE WHEN %(state)s::text IS NOT NULL THEN %(state)s::text
                 WHEN excluded.end_t IS NOT NULL THEN 'closed'
                 WHEN alerts.sha = excluded.sha THEN alerts.state ELSE 'updated' END,
    start_t = excluded.start_t, end_t = excluded.end_t, lat = excluded.lat, lon = excluded.lon,
    zone = excluded.zone, score = excluded.score, summary = excluded.summary, mmsi = excluded.mmsi,
    track_ids = excluded.track_ids, doc = excluded.doc,
    updated_at = CASE WHEN alerts.sha = excluded.sha THEN alerts.updated_at ELSE excluded.updated_at END,
    sha = excluded.sha
"""


class PostgresStore(SqlStore):
    """PostgreSQL + PostGIS. One connection per instance, guarded by a lock."""

    MARK = "%s"

    def __init__(self, url: str, retention: Retention | None = None, *, connect_timeout: int = 10) -> None:
        self.url = url
        self.retention = retention or Retention()
        self._lock = threading.RLock()
        self.housekeeping_lock = threading.Lock()
        self._db = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        migrate(self._db)
        # blocks are compressed when TOASTed: lz4 takes half the server CPU of the default pglz
        self._db.execute("SET default_toast_compression = 'lz4'")
        self._convert_legacy()

    @contextmanager
    def _durable(self) -> Iterator[psycopg.Connection[Any]]:
        with self._lock, self._db.transaction():
            yield self._db

    # --- writes -------------------------------------------------------------------------------------
    def write_positions(self, batch: Any, checkpoint: Checkpoint | None = None) -> int:
        norm = normalise(batch)
        n = len(norm)
        for check_all in (False, True):
            try:
                with self._lock, self._db.transaction():
                    new = self._new_rows(norm.positions, check_all) if n else None
                    # the vessels upsert and the checkpoint are sent in pipeline mode: the server runs them
                    # while this thread builds the COPY buffer (client and server CPU overlap)
                    with self._db.pipeline():
                        if norm.vessels:
                            self._db.execute(UPSERT_VESSELS, (json.dumps(norm.vessels),))  # one statement
                        if checkpoint is not None:
                            self._save_checkpoint(checkpoint)
                        buffer = self._copy_buffer(new) if new is not None else None
                    if buffer is not None:
                        with self._db.cursor().copy(COPY_BLOCKS) as cp:
                            cp.write(buffer)
                break
            except psycopg.errors.UniqueViolation:
                # another writer stored a block of the same (id, t0) since our check (or the vessels table did
                # not announce a stored block): once more, checking every contact of the batch
                if check_all:
                    raise
                log.info("positions: a block key was already stored; checking every contact of the batch")
        return n

    def _new_rows(self, cols: Columns, check_all: bool = False) -> Columns:
        """The rows not stored yet: only contacts whose stored span overlaps the batch are looked up (or,
        with `check_all`, every contact of the batch)."""
        t = cols["t"]
        ids = cols["id"]
        batch_ids = ids[np.r_[True, ids[1:] != ids[:-1]]].tolist()
        alive = every_contact(cols) if check_all else self._db.execute(
            "SELECT id, min(first_seen), max(last_seen) FROM vessels WHERE id = ANY(%s) "
            "AND last_seen >= %s AND first_seen <= %s GROUP BY id",
            (batch_ids, float(t.min()), float(t.max()))).fetchall()

        def stored(spans: list[tuple[int, float, float]]) -> Columns:
            ids, lo, hi = (list(x) for x in zip(*spans))
            rows = self._db.execute(f"{BLOCKS} unnest(%s::bigint[], %s::float8[], %s::float8[]) s(id, lo, hi) "
                                    "JOIN position_blocks b ON b.id = s.id AND b.t0 >= s.lo - %s AND b.t0 <= s.hi "
                                    "AND b.t1 >= s.lo", (ids, lo, hi, BLOCK_S), binary=True).fetchall()
            return decode(*zip(*rows)) if rows else {"id": t[:0].astype("i8"), "t": t[:0]}

        return new_rows(cols, alive, stored)

    def _insert_blocks(self, cols: Columns) -> None:
        buffer = self._copy_buffer(cols)
        if buffer is not None:
            with self._db.cursor().copy(COPY_BLOCKS) as cp:
                cp.write(buffer)

    def _copy_buffer(self, cols: Columns) -> bytes | None:
        """The input of one binary COPY of the batch's blocks (data: packed records; geom: the EWKB box), built
        with numpy: each row is a fixed head (id, t0, t1, n, length of data), the block's bytes and a fixed
        tail (the box), so the only per-block Python work is slicing."""
        if not len(cols["id"]):
            return None
        b = make_blocks(cols)
        k = len(b)
        head = np.empty(k, dtype=COPY_ROW_HEAD)
        head["fields"], head["l_id"], head["l_t0"], head["l_t1"], head["l_n"] = 6, 8, 8, 8, 4
        head["id"], head["t0"], head["t1"], head["n"] = b.id, b.t0, b.t1, b.n
        head["l_data"] = b.n * RECORD_SIZE
        tail = np.empty(k, dtype=[("l_geom", ">i4"), ("geom", BOX_EWKB)])
        tail["l_geom"] = BOX_EWKB.itemsize
        tail["geom"] = np.frombuffer(ewkb_boxes(b), dtype=BOX_EWKB)
        # row i = head[i] + data[i] + tail[i]: join data[i] with the fixed bytes between it and data[i + 1]
        between = np.empty(k + 1, dtype=[("tail", tail.dtype), ("head", COPY_ROW_HEAD)])
        between["tail"][1:], between["head"][:-1] = tail, head
        glue = between.tobytes()
        size, t_size = between.itemsize, tail.dtype.itemsize
        parts = [COPY_HEADER + glue[t_size:size]]
        for i, data in enumerate(b.data, 1):
            parts += (data, glue[i * size:(i + 1) * size] if i < k else glue[i * size:i * size + t_size])
        parts.append(b"\xff\xff")
        return b"".join(parts)

    def _delete_blocks(self, where: str, params: Sequence[Any]) -> int:
        row = self._db.execute(f"WITH d AS (DELETE FROM position_blocks WHERE {where} RETURNING n) "
                               "SELECT coalesce(sum(n), 0) FROM d", params).fetchone()
        return int(row[0]) if row else 0

    def _convert_legacy(self) -> None:
        """A database written before positions were blocks: move the renamed row table into blocks."""
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(7414)")
            if self._db.execute("SELECT to_regclass('positions_v1')").fetchone() == (None,):
                return
            table = self._table(f"SELECT {POS_SQL} FROM positions_v1 ORDER BY id, t", ())
            if table.num_rows:
                self._insert_blocks(self._new_rows(normalise(table).positions))
            self._db.execute("DROP TABLE positions_v1")
        log.info("moved %s positions of the old row-per-position table into blocks", table.num_rows)

    def write_raw(self, lines: Sequence[bytes | str], received_at: Any, source: str) -> int:
        chunk = raw_chunk(lines, received_at, source)
        if chunk is None:
            return 0
        with self._lock:
            self._db.execute("INSERT INTO raw_chunks VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                             "ON CONFLICT DO NOTHING",
                             (chunk.sha, chunk.source, chunk.t0, chunk.t1, chunk.n, chunk.lines,
                              chunk.lines_size, chunk.times, chunk.times_size))
        return chunk.n

    def upsert_alerts(self, alerts: Iterable[dict[str, Any]]) -> int:
        rows = [alert_row(a) for a in alerts]
        if not rows:
            return 0
        now = time.time()
        with self._lock, self._db.transaction():
            for r in rows:
                params = {k: getattr(r, k) for k in r.__slots__}
                params["start_t"] = None if r.start_t != r.start_t else r.start_t
                params["now"] = now
                self._db.execute(UPSERT_ALERT, params)
                self._db.execute("INSERT INTO alert_history SELECT id, sha, %s, state, doc FROM alerts "
                                 "WHERE id = %s ON CONFLICT DO NOTHING", (now, r.id))
        return len(rows)

    def record_action(self, user: str, action: str, alert_id: str | None = None,
                      payload: dict[str, Any] | None = None, *, t: float | None = None,
                      action_id: str | None = None) -> str:
        t = time.time() if t is None else float(t)
        action_id = action_id or uuid.uuid4().hex
        effect = action_effect(action, user, payload or {}, t)
        with self._lock, self._db.transaction():
            cur = self._db.execute('INSERT INTO actions (action_id, t, "user", action, alert_id, payload) '
                                   "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING",
                                   (action_id, t, user, action, alert_id, payload_json(payload)))
            if cur.rowcount and effect and alert_id is not None:
                sets = ", ".join(f"{k} = %s" for k in effect)
                self._db.execute(f"UPDATE alerts SET {sets}, updated_at = %s WHERE id = %s",
                                 (*effect.values(), t, alert_id))
        return action_id

    # --- users, configuration, checkpoints ------------------------------------------------------------
    def create_user(self, name: str, password_hash: str, role: str = "operator") -> User:
        user = User(name, password_hash, role, time.time())
        try:
            with self._lock:
                self._db.execute("INSERT INTO users (name, password_hash, role, created_at) "
                                 "VALUES (%s, %s, %s, %s)", (name, password_hash, role, user.created_at))
        except psycopg.errors.UniqueViolation as err:
            raise UserExistsError(f"user {name!r} already exists") from err
        return user

    def record_config(self, kind: str, document: dict[str, Any] | str, user: str | None = None,
                      t: float | None = None) -> int:
        text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
        sha = hashlib.sha1(text.encode()).hexdigest()
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(7413)")
            last = self._db.execute("SELECT version, sha FROM config_versions WHERE kind = %s "
                                    "ORDER BY version DESC LIMIT 1", (kind,)).fetchone()
            if last and last[1] == sha:
                return int(last[0])
            row = self._db.execute('INSERT INTO config_versions (kind, t, "user", sha, document) '
                                   "VALUES (%s, %s, %s, %s, %s) RETURNING version",
                                   (kind, time.time() if t is None else t, user, sha, text)).fetchone()
            return int(row[0])

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._lock, self._db.transaction():
            self._save_checkpoint(checkpoint)

    def _save_checkpoint(self, cp: Checkpoint) -> None:
        self._db.execute('INSERT INTO checkpoints (name, file, "offset", last_t, updated_at, extra) '
                         "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (name) DO UPDATE SET "
                         'file = excluded.file, "offset" = excluded."offset", last_t = excluded.last_t, '
                         "updated_at = excluded.updated_at, extra = excluded.extra",
                         (cp.name, cp.file, cp.offset, cp.last_t, time.time(), json.dumps(cp.extra)))

    # --- queries ------------------------------------------------------------------------------------
    def track(self, *, contact_id: int | None = None, mmsi: int | None = None,
              t0: float | None = None, t1: float | None = None) -> pa.Table:
        if (contact_id is None) == (mmsi is None):
            raise ValueError("track() takes exactly one of contact_id or mmsi")
        if contact_id is not None:
            ids = [int(contact_id)]
        else:
            ids = sorted({AIS_ID_OFFSET + int(mmsi)}  # type: ignore[arg-type]
                         | {r[0] for r in self._all("SELECT id FROM vessels WHERE mmsi = %s", (mmsi,))})
        lo, hi = (-math.inf if t0 is None else t0), (math.inf if t1 is None else t1)
        table = self._blocks(f"{BLOCKS} position_blocks b WHERE b.id = ANY(%s) AND {IN_PERIOD}",
                             (ids, lo - BLOCK_S, hi, lo), lo, hi)
        return table.sort_by([("t", "ascending"), ("id", "ascending")])

    def bbox_at(self, bbox: BBox, t: float, tolerance_s: float = 60.0) -> pa.Table:
        """The contacts with a block in the box during the period (n-D GiST), then each one's blocks of the
        period by key: a contact's last position may lie outside the box while an earlier one is inside."""
        t0 = t - tolerance_s
        table = self._blocks(f"{BLOCKS} (SELECT DISTINCT id FROM position_blocks WHERE geom &&& {BOX_M}) c "
                             f"JOIN position_blocks b ON b.id = c.id AND {IN_PERIOD}",
                             (bbox[0], bbox[1], t0, bbox[2], bbox[3], t, t0 - BLOCK_S, t, t0), t0, t)
        return last_per_id(table, bbox)

    def bbox_between(self, bbox: BBox, t0: float, t1: float) -> pa.Table:
        rows = self._block_rows(f"{BLOCKS} position_blocks b WHERE geom &&& {BOX_M}",
                                (bbox[0], bbox[1], t0, bbox[2], bbox[3], t1))
        if not rows:
            return empty_table()
        cols = within(decode(*zip(*rows)), t0, t1)
        lon, lat = cols["lon"], cols["lat"]
        table = to_arrow(select(cols, (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])))
        return table.sort_by([("id", "ascending"), ("t", "ascending")])

    def search_vessels(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        digits, _ = search_terms(text)
        cols = "id, nullif(mmsi, 0), name, callsign, imo, ship_type, first_seen, last_seen"
        if digits:
            rows = self._all(f"SELECT {cols} FROM vessels WHERE mmsi::text LIKE %s ORDER BY last_seen DESC "
                             "LIMIT %s", (digits + "%", limit))
        else:
            words = [w.replace("'", "") for w in text.split() if w.strip("'")]
            if not words:
                return []
            query = " & ".join(f"'{w}':*" for w in words)
            rows = self._all(f"SELECT {cols} FROM vessels WHERE {WORDS} @@ to_tsquery('simple', %s) "
                             f"ORDER BY ts_rank({WORDS}, to_tsquery('simple', %s)) DESC, last_seen DESC LIMIT %s",
                             (query, query, limit))
        keys = ("id", "mmsi", "name", "callsign", "imo", "ship_type", "first_seen", "last_seen")
        return [dict(zip(keys, r)) for r in rows]

    def count_positions(self) -> int:
        return int(self._one("SELECT coalesce(sum(n), 0) FROM position_blocks", ())[0])  # type: ignore[index]

    # --- housekeeping -------------------------------------------------------------------------------
    def apply_retention(self, now: float) -> dict[str, int]:
        r = self.retention
        out = {"raw": 0, "positions": 0, "alerts": 0, "audit": 0}
        with self._lock, self._db.transaction():
            if r.raw_days is not None:
                out["raw"] = self._db.execute("DELETE FROM raw_chunks WHERE t1 < %s",
                                              (now - r.raw_days * DAY_S,)).rowcount
            if r.positions_days is not None:
                cut = now - r.positions_days * DAY_S
                out["positions"] = self._delete_blocks("t1 < %s", (cut,))
                straddling = self._db.execute("SELECT id, n, data FROM position_blocks WHERE t0 < %s AND t1 >= %s",
                                              (cut, cut), binary=True).fetchall()
                if straddling:  # keep the block's rows from the cut on
                    kept = within(decode(*zip(*straddling)), cut, math.inf)
                    out["positions"] += self._delete_blocks("t0 < %s AND t1 >= %s", (cut, cut))
                    self._insert_blocks(kept)
                    out["positions"] -= len(kept["id"])
            if r.alerts_days is not None:
                out["alerts"] = self._db.execute("DELETE FROM alerts WHERE end_t IS NOT NULL AND end_t < %s",
                                                 (now - r.alerts_days * DAY_S,)).rowcount
                self._db.execute("DELETE FROM alert_history h WHERE NOT EXISTS "
                                 "(SELECT 1 FROM alerts a WHERE a.id = h.alert_id)")
            if r.audit_days is not None:
                out["audit"] = self._db.execute("DELETE FROM actions WHERE t < %s",
                                                (now - r.audit_days * DAY_S,)).rowcount
        return out

    def integrity_check(self) -> str:
        """'ok' when the B-tree indexes of the evidence tables check out against their tables (amcheck,
        where the extension can be created), and the audit log holds no repeated action id."""
        with self._lock:
            try:
                with self._db.transaction():
                    self._db.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
                    for index in ("position_blocks_pkey", "alerts_pkey", "actions_pkey", "actions_action_id_key",
                                  "checkpoints_pkey"):
                        self._db.execute("SELECT bt_index_check(%s::regclass, true)", (index,))
            except psycopg.errors.InsufficientPrivilege:
                log.info("amcheck not available to this role; checking row counts only")
            except psycopg.Error as err:
                return f"index check failed: {err}"
            a, b = self._db.execute("SELECT count(*), count(DISTINCT action_id) FROM actions").fetchone()
        return "ok" if a == b else f"actions: {a} rows, {b} distinct ids"

    def disk_bytes(self) -> int:
        return int(self._one("SELECT pg_total_relation_size('position_blocks')", ())[0])  # type: ignore[index]


    # --- helpers ------------------------------------------------------------------------------------
    def _block_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params, binary=True).fetchall()

    def _table(self, sql: str, params: Sequence[Any]) -> pa.Table:
        """Query positions as an Arrow table: `COPY (query) TO STDOUT` as CSV, parsed by pyarrow (exact:
        PostgreSQL prints the shortest round-tripping float), not one Python tuple per row."""
        with self._lock:
            literal = psycopg.ClientCursor(self._db).mogrify(sql, params)
            buf = io.BytesIO()
            with self._db.cursor().copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as cp:
                for block in cp:
                    buf.write(block)
        if not buf.tell():
            return empty_table()
        buf.seek(0)
        return pacsv.read_csv(buf, read_options=pacsv.ReadOptions(column_names=list(POSITION_COLUMNS)),
                              convert_options=pacsv.ConvertOptions(column_types=ARROW_SCHEMA))

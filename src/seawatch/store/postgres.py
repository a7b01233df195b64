"""The server store: PostgreSQL + PostGIS through psycopg 3.

Positions are COPYed (CSV written by pyarrow) into a session-temporary staging table, then moved with
`INSERT ... SELECT ... ON CONFLICT DO NOTHING` (idempotent on (id, t)); a generated `geom` column with a
GiST index serves the box queries, a BRIN index on `t` the time ranges. Every write is one transaction;
commits are durable (`synchronous_commit` stays on). The schema is versioned (`pg_schema.MIGRATIONS`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Self

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from seawatch.store.base import BBox, Checkpoint, Retention, User, UserExistsError
from seawatch.store.pg_schema import migrate
from seawatch.store.positions import (
    AIS_ID_OFFSET,
    ARROW_SCHEMA,
    POSITION_COLUMNS,
    empty_table,
    normalise,
    to_arrow,
)
from seawatch.store.records import action_effect, alert_out, alert_row, payload_json, raw_chunk, raw_lines
from seawatch.store.sql_common import search_terms

log = logging.getLogger(__name__)

DAY_S = 86400.0
POS_SQL = ", ".join(POSITION_COLUMNS)
UPSERT_VESSEL = """
INSERT INTO vessels (id, mmsi, name, callsign, imo, ship_type, first_seen, last_seen)
VALUES (%s, coalesce(%s, 0), %s, %s, %s, %s, %s, %s)
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


class PostgresStore:
    """PostgreSQL + PostGIS. One connection per instance, guarded by a lock."""

    def __init__(self, url: str, retention: Retention | None = None, *, connect_timeout: int = 10) -> None:
        self.url = url
        self.retention = retention or Retention()
        self._lock = threading.RLock()
        self._db = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        migrate(self._db)
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS positions_stage "
                         "(LIKE positions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        self._db.execute("ALTER TABLE positions_stage DROP COLUMN IF EXISTS geom")

    # --- writes -------------------------------------------------------------------------------------
    def write_positions(self, batch: Any, checkpoint: Checkpoint | None = None) -> int:
        norm = normalise(batch)
        n = len(norm)
        with self._lock, self._db.transaction():
            if n:
                buf = io.BytesIO()
                pacsv.write_csv(to_arrow(norm.positions), buf,
                                pacsv.WriteOptions(include_header=False, quoting_style="none"))
                with self._db.cursor().copy(f"COPY positions_stage ({POS_SQL}) FROM STDIN (FORMAT csv)") as cp:
                    cp.write(buf.getbuffer())
                self._db.execute(f"INSERT INTO positions ({POS_SQL}) SELECT {POS_SQL} FROM positions_stage "
                                 "ON CONFLICT DO NOTHING")
            if norm.vessels:
                self._db.cursor().executemany(UPSERT_VESSEL, norm.vessels)
            if checkpoint is not None:
                self._save_checkpoint(checkpoint)
        return n

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

    def get_user(self, name: str) -> User | None:
        row = self._one("SELECT name, password_hash, role, created_at, disabled FROM users WHERE name = %s",
                        (name,))
        return User(*row) if row else None

    def list_users(self) -> list[User]:
        return [User(*r) for r in self._all("SELECT name, password_hash, role, created_at, disabled "
                                            "FROM users ORDER BY name")]

    def update_user(self, name: str, *, password_hash: str | None = None, role: str | None = None,
                    disabled: bool | None = None) -> User:
        changes = {k: v for k, v in (("password_hash", password_hash), ("role", role), ("disabled", disabled))
                   if v is not None}
        if changes:
            with self._lock:
                self._db.execute(f"UPDATE users SET {', '.join(f'{k} = %s' for k in changes)} WHERE name = %s",
                                 (*changes.values(), name))
        user = self.get_user(name)
        if user is None:
            raise KeyError(f"no user {name!r}")
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
            return int(row[0])  # type: ignore[index]

    def config_at(self, kind: str, t: float | None = None) -> dict[str, Any] | None:
        row = self._one('SELECT version, t, "user", document FROM config_versions WHERE kind = %s AND t <= %s '
                        "ORDER BY version DESC LIMIT 1", (kind, math.inf if t is None else t))
        if not row:
            return None
        doc: Any = row[3]
        try:
            doc = json.loads(doc)
        except ValueError:
            pass
        return {"version": int(row[0]), "t": row[1], "user": row[2], "document": doc}

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._lock, self._db.transaction():
            self._save_checkpoint(checkpoint)

    def _save_checkpoint(self, cp: Checkpoint) -> None:
        self._db.execute('INSERT INTO checkpoints (name, file, "offset", last_t, updated_at, extra) '
                         "VALUES (%s, %s, %s, %s, %s, %s::jsonb) ON CONFLICT (name) DO UPDATE SET "
                         'file = excluded.file, "offset" = excluded."offset", last_t = excluded.last_t, '
                         "updated_at = excluded.updated_at, extra = excluded.extra",
                         (cp.name, cp.file, cp.offset, cp.last_t, time.time(), json.dumps(cp.extra)))

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        row = self._one('SELECT name, file, "offset", last_t, updated_at, extra FROM checkpoints WHERE name = %s',
                        (name,))
        return Checkpoint(row[0], row[1], int(row[2]), row[3], row[4], dict(row[5])) if row else None

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
        return self._table(f"SELECT {POS_SQL} FROM positions WHERE id = ANY(%s) AND t BETWEEN %s AND %s "
                           "ORDER BY t, id", (ids, -math.inf if t0 is None else t0,
                                              math.inf if t1 is None else t1))

    def bbox_at(self, bbox: BBox, t: float, tolerance_s: float = 60.0) -> pa.Table:
        return self._table(
            f"SELECT {POS_SQL} FROM (SELECT DISTINCT ON (id) {POS_SQL}, geom FROM positions "
            "WHERE t BETWEEN %s AND %s ORDER BY id, t DESC) last "
            "WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY id",
            (t - tolerance_s, t, *bbox))

    def bbox_between(self, bbox: BBox, t0: float, t1: float) -> pa.Table:
        return self._table(f"SELECT {POS_SQL} FROM positions WHERE t BETWEEN %s AND %s "
                           "AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY id, t",
                           (t0, t1, *bbox))

    def alerts(self, *, type: str | None = None, zone: str | None = None, severity: str | None = None,
               state: str | None = None, t0: float | None = None, t1: float | None = None,
               limit: int = 1000) -> list[dict[str, Any]]:
        where: list[str] = ["true"]
        params: list[Any] = []
        for col, value in (("type", type), ("zone", zone), ("severity", severity), ("state", state)):
            if value is not None:
                where.append(f"{col} = %s")
                params.append(value)
        if t1 is not None:
            where.append("start_t <= %s")
            params.append(t1)
        if t0 is not None:
            where.append("(end_t IS NULL OR end_t >= %s)")
            params.append(t0)
        rows = self._all(f"SELECT {ALERT_COLS} FROM alerts WHERE {' AND '.join(where)} "
                         "ORDER BY start_t DESC, id LIMIT %s", (*params, limit))
        return [alert_out(*r) for r in rows]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT {ALERT_COLS} FROM alerts WHERE id = %s", (alert_id,))
        return alert_out(*row) if row else None

    def alert_history(self, alert_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT recorded_at, state, doc FROM alert_history WHERE alert_id = %s "
                         "ORDER BY recorded_at", (alert_id,))
        return [{"recorded_at": r[0], "state": r[1], **json.loads(r[2])} for r in rows]

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
            rows = self._all(f"SELECT {cols} FROM vessels WHERE words @@ to_tsquery('simple', %s) "
                             "ORDER BY ts_rank(words, to_tsquery('simple', %s)) DESC, last_seen DESC LIMIT %s",
                             (query, query, limit))
        keys = ("id", "mmsi", "name", "callsign", "imo", "ship_type", "first_seen", "last_seen")
        return [dict(zip(keys, r)) for r in rows]

    def audit(self, t0: float | None = None, t1: float | None = None, user: str | None = None,
              alert_id: str | None = None) -> list[dict[str, Any]]:
        rows = self._all('SELECT seq, action_id, t, "user", action, alert_id, payload FROM actions '
                         'WHERE t BETWEEN %s AND %s AND (%s::text IS NULL OR "user" = %s) '
                         "AND (%s::text IS NULL OR alert_id = %s) ORDER BY seq",
                         (-math.inf if t0 is None else t0, math.inf if t1 is None else t1,
                          user, user, alert_id, alert_id))
        keys = ("seq", "action_id", "t", "user", "action", "alert_id", "payload")
        return [dict(zip(keys, r)) for r in rows]

    def raw(self, source: str | None = None, t0: float | None = None,
            t1: float | None = None) -> list[tuple[float, bytes]]:
        lo, hi = (-math.inf if t0 is None else t0), (math.inf if t1 is None else t1)
        rows = self._all("SELECT lines, lines_size, times, times_size FROM raw_chunks WHERE "
                         "(%s::text IS NULL OR source = %s) AND t1 >= %s AND t0 <= %s ORDER BY t0",
                         (source, source, lo, hi))
        out = [x for r in rows for x in raw_lines(*r) if lo <= x[0] <= hi]
        out.sort(key=lambda x: x[0])
        return out

    def count_positions(self) -> int:
        return int(self._one("SELECT count(*) FROM positions", ())[0])  # type: ignore[index]

    # --- housekeeping -------------------------------------------------------------------------------
    def apply_retention(self, now: float) -> dict[str, int]:
        r = self.retention
        out = {"raw": 0, "positions": 0, "alerts": 0, "audit": 0}
        with self._lock, self._db.transaction():
            if r.raw_days is not None:
                out["raw"] = self._db.execute("DELETE FROM raw_chunks WHERE t1 < %s",
                                              (now - r.raw_days * DAY_S,)).rowcount
            if r.positions_days is not None:
                out["positions"] = self._db.execute("DELETE FROM positions WHERE t < %s",
                                                    (now - r.positions_days * DAY_S,)).rowcount
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
                    for index in ("positions_pkey", "alerts_pkey", "actions_pkey", "actions_action_id_key",
                                  "checkpoints_pkey"):
                        self._db.execute("SELECT bt_index_check(%s::regclass, true)", (index,))
            except psycopg.errors.InsufficientPrivilege:
                log.info("amcheck not available to this role; checking row counts only")
            except psycopg.Error as err:
                return f"index check failed: {err}"
            a, b = self._db.execute("SELECT count(*), count(DISTINCT action_id) FROM actions").fetchone()  # type: ignore[misc]
        return "ok" if a == b else f"actions: {a} rows, {b} distinct ids"

    def disk_bytes(self) -> int:
        return int(self._one("SELECT pg_total_relation_size('positions')", ())[0])  # type: ignore[index]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------------
    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

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

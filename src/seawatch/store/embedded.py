"""The embedded store: SQLite (WAL) for hot, mutable data + daily Parquet archive of positions (DuckDB).

Layout of `DIR`: `seawatch.db` (+ `-wal`, `-shm`) and `positions/YYYY-MM-DD.parquet`. Positions newer than
`Retention.live_days` live in SQLite as blocks (`store/blocks.py`: one row per contact per hour bucket per
batch, appended to `position_blocks` under a unique `(id, t0)` key, an R*Tree over each block's time span
and box);
`roll_over(now)` moves older days into the archive. Queries read both and merge (a row present in both,
after a crash mid roll-over, is shown once).

Durability: the connection runs `synchronous=NORMAL` (WAL: a commit survives the process being killed;
a power cut may lose the last position batches, which a replay resumes from its checkpoint), and switches to
`synchronous=FULL` for alerts, operator actions, users and configuration, whose commits are fsynced.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from seawatch.store.archive import DAY_S, Archive, day_start_of
from seawatch.store.base import BBox, Checkpoint, Retention, User, UserExistsError
from seawatch.store.blocks import BLOCK_S, decode, every_contact, make_blocks, new_rows, select, within
from seawatch.store.positions import (
    AIS_ID_OFFSET,
    ARROW_SCHEMA,
    POSITION_COLUMNS,
    Columns,
    dedupe_sorted,
    empty_table,
    normalise,
    to_arrow,
)
from seawatch.store.records import action_effect, alert_row, payload_json, raw_chunk
from seawatch.store.sql_common import last_per_id, search_terms
from seawatch.store.sql_store import SqlStore
from seawatch.store.sqlite_schema import migrate

log = logging.getLogger(__name__)

DB_NAME = "seawatch.db"
POS_SQL = ", ".join(POSITION_COLUMNS)
BLOCKS = "SELECT b.id, b.n, b.data FROM"
# the blocks of one contact that may hold times in [lo, hi]: a block spans less than BLOCK_S
IN_PERIOD = "b.t0 >= ? AND b.t0 <= ? AND b.t1 >= ?"
DELETE_CHUNK = 500  # blocks deleted per transaction by a roll-over (~0.1 s of R*Tree deletes each)
YIELD_S = 0.002  # a roll-over's pause between its short lock holds
RT_SLACK_S = 256.0  # the R*Tree keeps 32-bit floats: at today's epoch a time is rounded by up to 128 s
RT_BOX = "t_max >= ? AND t_min <= ? AND lon_max >= ? AND lon_min <= ? AND lat_max >= ? AND lat_min <= ?"
UPSERT_VESSEL = """
INSERT INTO vessels (id, mmsi, name, callsign, imo, ship_type, first_seen, last_seen)
VALUES (?, coalesce(?, 0), ?, ?, ?, ?, ?, ?)
ON CONFLICT (id, mmsi) DO UPDATE SET
    name = coalesce(excluded.name, name), callsign = coalesce(excluded.callsign, callsign),
    imo = coalesce(excluded.imo, imo), ship_type = coalesce(excluded.ship_type, ship_type),
    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
"""
ALERT_COLS = "doc, state, acknowledged_by, acknowledged_at, assigned_to, classification, updated_at"


class EmbeddedStore(SqlStore):
    """SQLite WAL + Parquet archive in one directory. One instance per process; thread-safe (one lock)."""

    MARK = "?"

    def __init__(self, root: str | Path, retention: Retention | None = None, *,
                 cache_mb: int = 256) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.url = f"sqlite:///{self.root}"
        self.retention = retention or Retention()
        self._lock = threading.RLock()
        self.housekeeping_lock = threading.Lock()
        self._db = sqlite3.connect(self.root / DB_NAME, isolation_level=None, check_same_thread=False,
                                   timeout=30.0)
        # page_size first: it takes effect on a new database only (16 KiB pages hold five 50-position blocks
        # where 4 KiB pages held one, 27 % of each page unused; measured 17 % more rows per CPU second)
        for pragma in ("page_size = 16384", "journal_mode = WAL", "synchronous = NORMAL", f"cache_size = -{cache_mb * 1024}",
                       "temp_store = MEMORY", "foreign_keys = ON", "wal_autocheckpoint = 16384",
                       "mmap_size = 1073741824", "journal_size_limit = 67108864"):
            self._db.execute(f"PRAGMA {pragma}")
        self._sync = "NORMAL"
        migrate(self._db)
        self.archive = Archive(self.root)
        self._convert_legacy()

    # --- transactions -------------------------------------------------------------------------------
    def _tx(self, durable: bool = False) -> _Tx:
        return _Tx(self, durable)

    def _durable(self) -> _Tx:
        return _Tx(self, durable=True)

    def _set_sync(self, mode: str) -> None:
        if self._sync != mode:
            self._db.execute(f"PRAGMA synchronous = {mode}")
            self._sync = mode

    # --- writes -------------------------------------------------------------------------------------
    def write_positions(self, batch: Any, checkpoint: Checkpoint | None = None) -> int:
        norm = normalise(batch)
        for check_all in (False, True):
            try:
                with self._tx() as db:
                    if len(norm):
                        self._insert_blocks(db, self._new_rows(db, norm.positions, check_all))
                    if norm.vessels:
                        db.executemany(UPSERT_VESSEL, norm.vessels)
                    if checkpoint is not None:
                        self._save_checkpoint(db, checkpoint)
                break
            except sqlite3.IntegrityError:  # a stored block the vessels table did not announce
                if check_all:
                    raise
                log.warning("positions: a block key was already stored; checking every contact of the batch")
        return len(norm)

    def _new_rows(self, db: sqlite3.Connection, cols: Columns, check_all: bool = False) -> Columns:
        """The rows not stored yet: only contacts whose stored span overlaps the batch are looked up (or,
        with `check_all`, every contact of the batch)."""
        t, ids = cols["t"], cols["id"]
        batch_ids = json.dumps(ids[np.r_[True, ids[1:] != ids[:-1]]].tolist())
        alive = every_contact(cols) if check_all else db.execute("SELECT id, min(first_seen), max(last_seen) FROM vessels WHERE id IN "
                           "(SELECT value FROM json_each(?)) AND last_seen >= ? AND first_seen <= ? GROUP BY id",
                           (batch_ids, float(t.min()), float(t.max()))).fetchall()

        def stored(spans: list[tuple[int, float, float]]) -> Columns:
            rows = [r for i, lo, hi in spans for r in db.execute(
                f"{BLOCKS} position_blocks b WHERE b.id = ? AND {IN_PERIOD}", (i, lo - BLOCK_S, hi, lo))]
            return decode(*zip(*rows)) if rows else {"id": t[:0].astype("i8"), "t": t[:0]}

        return new_rows(cols, alive, stored)

    def _insert_blocks(self, db: sqlite3.Connection, cols: Columns) -> None:
        if not len(cols["id"]):
            return
        b = make_blocks(cols)
        first = int(db.execute("SELECT coalesce(max(rid), 0) + 1 FROM position_blocks").fetchone()[0])
        rids = list(range(first, first + len(b)))  # read in the transaction: another writer may have added
        ids, t0 = b.id.tolist(), b.t0.tolist()
        db.executemany("INSERT INTO position_blocks (id, t0, t1, n, rid, data) VALUES (?, ?, ?, ?, ?, ?)",
                       zip(ids, t0, b.t1.tolist(), b.n.tolist(), rids, b.data))
        db.executemany("INSERT INTO position_blocks_rt VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       zip(rids, t0, b.t1.tolist(), b.lon_min.tolist(), b.lon_max.tolist(), b.lat_min.tolist(),
                           b.lat_max.tolist(), ids, t0))

    def _delete_blocks(self, db: sqlite3.Connection, where: str, params: Sequence[Any]) -> int:
        """Delete the blocks matching `where` (on position_blocks) with their R*Tree entries; returns rows."""
        n = db.execute(f"SELECT coalesce(sum(n), 0) FROM position_blocks WHERE {where}", params).fetchone()[0]
        db.execute(f"DELETE FROM position_blocks_rt WHERE rid IN (SELECT rid FROM position_blocks WHERE {where})",
                   params)
        db.execute(f"DELETE FROM position_blocks WHERE {where}", params)
        return int(n)

    def _convert_legacy(self) -> None:
        """A store written before positions were blocks: move its row-per-position table into blocks."""
        if not self._one("SELECT 1 FROM sqlite_master WHERE name = 'positions' AND type = 'table'"):
            return
        moved = 0
        cur = self._db.execute(f"SELECT {', '.join(POSITION_COLUMNS)} FROM positions ORDER BY id, t")
        while rows := cur.fetchmany(200_000):
            cols = normalise(pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(zip(*rows), ARROW_SCHEMA)],
                                                  schema=ARROW_SCHEMA)).positions
            with self._tx() as db:
                self._insert_blocks(db, self._new_rows(db, cols))
            moved += len(rows)
        with self._tx() as db:
            db.execute("DROP TABLE positions")
        log.info("moved %s positions of the old row-per-position table into blocks", moved)

    def write_raw(self, lines: Sequence[bytes | str], received_at: Any, source: str) -> int:
        chunk = raw_chunk(lines, received_at, source)
        if chunk is None:
            return 0
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO raw_chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (chunk.sha, chunk.source, chunk.t0, chunk.t1, chunk.n, chunk.lines,
                        chunk.lines_size, chunk.times, chunk.times_size))
        return chunk.n

    def upsert_alerts(self, alerts: Iterable[dict[str, Any]]) -> int:
        rows = [alert_row(a) for a in alerts]
        if not rows:
            return 0
        now = time.time()
        with self._tx(durable=True) as db:
            for r in rows:
                db.execute(
                    """INSERT INTO alerts (id, type, severity, state, start_t, end_t, lat, lon, zone, score,
                           summary, mmsi, track_ids, doc, sha, updated_at)
                       VALUES (?, ?, ?, coalesce(?, CASE WHEN ? IS NULL THEN 'open' ELSE 'closed' END),
                               ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (id) DO UPDATE SET
                           type = excluded.type, severity = excluded.severity,
                           state = CASE WHEN ? IS NOT NULL THEN ?
                                        WHEN excluded.end_t IS NOT NULL THEN 'closed'
                                        WHEN alerts.sha = excluded.sha THEN alerts.state
                                        ELSE 'updated' END,
                           start_t = excluded.start_t, end_t = excluded.end_t, lat = excluded.lat,
                           lon = excluded.lon, zone = excluded.zone, score = excluded.score,
                           summary = excluded.summary, mmsi = excluded.mmsi, track_ids = excluded.track_ids,
                           doc = excluded.doc,
                           updated_at = CASE WHEN alerts.sha = excluded.sha THEN alerts.updated_at
                                             ELSE excluded.updated_at END,
                           sha = excluded.sha""",
                    (r.id, r.type, r.severity, r.state, r.end_t, r.start_t, r.end_t, r.lat, r.lon, r.zone,
                     r.score, r.summary, r.mmsi, r.track_ids, r.doc, r.sha, now, r.state, r.state))
                db.execute("INSERT OR IGNORE INTO alert_history SELECT id, sha, ?, state, doc FROM alerts "
                           "WHERE id = ?", (now, r.id))
        return len(rows)

    def record_action(self, user: str, action: str, alert_id: str | None = None,
                      payload: dict[str, Any] | None = None, *, t: float | None = None,
                      action_id: str | None = None) -> str:
        t = time.time() if t is None else float(t)
        action_id = action_id or uuid.uuid4().hex
        effect = action_effect(action, user, payload or {}, t)
        with self._tx(durable=True) as db:
            cur = db.execute("INSERT OR IGNORE INTO actions (action_id, t, user, action, alert_id, payload) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (action_id, t, user, action, alert_id, payload_json(payload)))
            if cur.rowcount and effect and alert_id is not None:
                sets = ", ".join(f"{k} = ?" for k in effect)
                db.execute(f"UPDATE alerts SET {sets}, updated_at = ? WHERE id = ?",
                           (*effect.values(), t, alert_id))
        return action_id

    # --- users, configuration, checkpoints ------------------------------------------------------------
    def create_user(self, name: str, password_hash: str, role: str = "operator") -> User:
        user = User(name, password_hash, role, time.time())
        try:
            with self._tx(durable=True) as db:
                db.execute("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                           (name, password_hash, role, user.created_at))
        except sqlite3.IntegrityError as err:
            raise UserExistsError(f"user {name!r} already exists") from err
        return user

    def record_config(self, kind: str, document: dict[str, Any] | str, user: str | None = None,
                      t: float | None = None) -> int:
        import hashlib

        text = document if isinstance(document, str) else json.dumps(document, sort_keys=True)
        sha = hashlib.sha1(text.encode()).hexdigest()
        with self._tx(durable=True) as db:
            last = db.execute("SELECT version, sha FROM config_versions WHERE kind = ? "
                              "ORDER BY version DESC LIMIT 1", (kind,)).fetchone()
            if last and last[1] == sha:
                return int(last[0])
            cur = db.execute("INSERT INTO config_versions (kind, t, user, sha, document) VALUES (?, ?, ?, ?, ?)",
                             (kind, time.time() if t is None else t, user, sha, text))
            return int(cur.lastrowid or 0)

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._tx() as db:
            self._save_checkpoint(db, checkpoint)

    def _save_checkpoint(self, db: sqlite3.Connection, cp: Checkpoint) -> None:
        db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                   (cp.name, cp.file, cp.offset, cp.last_t, time.time(), json.dumps(cp.extra)))

    # --- queries ------------------------------------------------------------------------------------
    def track(self, *, contact_id: int | None = None, mmsi: int | None = None,
              t0: float | None = None, t1: float | None = None) -> pa.Table:
        if (contact_id is None) == (mmsi is None):
            raise ValueError("track() takes exactly one of contact_id or mmsi")
        ids = [int(contact_id)] if contact_id is not None else self._ids_of_mmsi(int(mmsi))  # type: ignore[arg-type]
        lo, hi = (-math.inf if t0 is None else t0), (math.inf if t1 is None else t1)
        marks = ", ".join("?" * len(ids))
        live = self._blocks(f"{BLOCKS} position_blocks b WHERE b.id IN ({marks}) AND {IN_PERIOD} "
                            "ORDER BY b.id, b.t0", (*ids, lo - BLOCK_S, hi, lo), lo, hi)
        old = self.archive.track(ids, lo, hi)
        if not (live.num_rows and old.num_rows):  # each part alone holds every (id, t) once
            table = live if live.num_rows else old
            t = table.column("t").to_numpy()
            if len(ids) == 1 and bool(np.all(t[1:] >= t[:-1])):  # blocks of late data may interleave
                return table
            return table.sort_by([("t", "ascending"), ("id", "ascending")])
        return dedupe_sorted(pa.concat_tables([live, old]), [("t", "ascending"), ("id", "ascending")])

    def _ids_of_mmsi(self, mmsi: int) -> list[int]:
        ids = {AIS_ID_OFFSET + mmsi}
        ids.update(r[0] for r in self._all("SELECT id FROM vessels WHERE mmsi = ?", (mmsi,)))
        return sorted(ids)

    def bbox_at(self, bbox: BBox, t: float, tolerance_s: float = 60.0) -> pa.Table:
        """The contacts with a block in the box during the period (R*Tree), then each one's blocks of the
        period by key: a contact's last position may lie outside the box while an earlier one is inside."""
        t0 = t - tolerance_s
        box = (t0, t, bbox[0], bbox[2], bbox[1], bbox[3])
        old = self.archive.window(t0, t)
        if old.num_rows:  # a contact's last position may be in either part: decide on the union
            box = (t0, t, -math.inf, math.inf, -math.inf, math.inf)
        live = self._blocks(f"{BLOCKS} (SELECT DISTINCT id FROM position_blocks_rt WHERE {RT_BOX}) c "
                            f"CROSS JOIN position_blocks b ON b.id = c.id AND {IN_PERIOD}",
                            (*box, t0 - BLOCK_S, t, t0), t0, t)
        return last_per_id(pa.concat_tables([live, old]), bbox)

    def bbox_between(self, bbox: BBox, t0: float, t1: float) -> pa.Table:
        rows = self._all(f"{BLOCKS} position_blocks_rt r CROSS JOIN position_blocks b ON b.rid = r.rid "
                         f"WHERE {RT_BOX}", (t0, t1, bbox[0], bbox[2], bbox[1], bbox[3]))
        cols = within(decode(*zip(*rows)), t0, t1) if rows else None
        live = empty_table()
        if cols is not None:
            lon, lat = cols["lon"], cols["lat"]
            live = to_arrow(select(cols, (lon >= bbox[0]) & (lon <= bbox[2]) & (lat >= bbox[1]) & (lat <= bbox[3])))
        box = "lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?"
        params = (bbox[0], bbox[2], bbox[1], bbox[3])
        old = self.archive.query(f"t BETWEEN ? AND ? AND {box}", [t0, t1, *params], t0, t1) \
            if t1 - t0 > DAY_S else self.archive.window(t0, t1, bbox)  # long periods: DuckDB's parallel scan
        return dedupe_sorted(pa.concat_tables([live, old]), [("id", "ascending"), ("t", "ascending")])

    def search_vessels(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        digits, match = search_terms(text)
        cols = "v.id, nullif(v.mmsi, 0), v.name, v.callsign, v.imo, v.ship_type, v.first_seen, v.last_seen"
        if digits:
            rows = self._all(f"SELECT {cols} FROM vessels v WHERE CAST(v.mmsi AS TEXT) LIKE ? "
                             "ORDER BY v.last_seen DESC LIMIT ?", (digits + "%", limit))
        elif match:
            rows = self._all(f"SELECT {cols} FROM vessels_fts f JOIN vessels v ON v.rowid = f.rowid "
                             "WHERE vessels_fts MATCH ? ORDER BY f.rank, v.last_seen DESC LIMIT ?",
                             (match, limit))
        else:
            return []
        keys = ("id", "mmsi", "name", "callsign", "imo", "ship_type", "first_seen", "last_seen")
        return [dict(zip(keys, r)) for r in rows]

    def count_positions(self) -> int:
        """Stored positions; a row in both the live part and the archive (a re-replayed archived day, or a
        crash mid roll-over) counts once."""
        total = int(self._one("SELECT coalesce(sum(n), 0) FROM position_blocks", ())[0])  # type: ignore[index]
        total += self.archive.count()
        for name in self.archive.days():
            start = day_start_of(name)
            both = self._day(start)
            if both.num_rows:
                total -= self.archive.track_day(name, both)
        return total

    def track_all(self) -> pa.Table:
        live = self._blocks(f"{BLOCKS} position_blocks b", (), -math.inf, math.inf)
        old = self.archive.query("true", [], None, None)
        return dedupe_sorted(pa.concat_tables([live, old]), [("id", "ascending"), ("t", "ascending")])

    def _day(self, start: float) -> pa.Table:
        """The live rows of the UTC day starting at `start` (a block never straddles a day)."""
        return self._blocks(f"{BLOCKS} position_blocks b WHERE b.t0 >= ? AND b.t0 < ?", (start, start + DAY_S),
                            -math.inf, math.inf)

    # --- housekeeping -------------------------------------------------------------------------------
    def roll_over(self, now: float) -> int:
        """Move every whole UTC day older than `retention.live_days` from SQLite to Parquet.

        Other threads keep writing meanwhile (the housekeeper runs this in its own thread): the store lock is
        held only to read one hour bucket of the day at a time and, once the day's file is written (fsynced
        and renamed), for short transactions each deleting `DELETE_CHUNK` of the blocks read (a crash between
        them leaves rows in both parts, shown once, merged by the next roll-over). Only the blocks read are deleted
        (rid at most the largest when the reading began): a late block of that day written during the
        roll-over stays in SQLite and is merged into the day's file by the next roll-over. The WAL the deletes
        wrote is checkpointed by SQLite's automatic checkpoint (and `journal_size_limit` trims the file)."""
        cutoff = math.floor((now - self.retention.live_days * DAY_S) / DAY_S) * DAY_S
        moved = 0
        first = self._one("SELECT min(t0), max(rid) FROM position_blocks", ())
        if not first or first[0] is None:
            return 0
        day, last_rid = math.floor(first[0] / DAY_S) * DAY_S, int(first[1])
        while day < cutoff:
            hours = [self._hour_blocks(h, last_rid) for h in np.arange(day, day + DAY_S, BLOCK_S).tolist()]
            rows = [r for _, part in hours for r in part]
            if rows:
                table = to_arrow(decode([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]))
                self.archive.add_day(day, table)  # sorting, compressing and fsyncing: no store lock
                rids = [rid for part, _ in hours for rid in part]
                for i in range(0, len(rids), DELETE_CHUNK):  # the file is durable: delete what was read, in
                    with self._tx() as db:  # short transactions (R*Tree deletes are slow: the writer waits)
                        marks = json.dumps(rids[i:i + DELETE_CHUNK])
                        db.execute("DELETE FROM position_blocks_rt WHERE rid IN (SELECT value FROM json_each(?))",
                                   (marks,))
                        db.execute("DELETE FROM position_blocks WHERE rid IN (SELECT value FROM json_each(?))",
                                   (marks,))
                    time.sleep(YIELD_S)  # the lock is not fair: let a waiting writer in before the next one
                moved += table.num_rows
            day += DAY_S
        log.info("rolled %s positions into the archive (before %s)", moved, cutoff)
        return moved

    def _hour_blocks(self, hour: float, last_rid: int) -> tuple[list[int], list[tuple[Any, ...]]]:
        """The blocks starting in the hour bucket `hour` with rid <= `last_rid`: their rids and (id, n, data).
        Found through the R*Tree (its 32-bit time bounds are rounded outwards: widened, then exact on t0)."""
        time.sleep(YIELD_S)  # the lock is not fair: let a waiting writer in between the hours
        rows = self._all("SELECT b.rid, b.id, b.n, b.data FROM position_blocks_rt r CROSS JOIN position_blocks b "
                         "ON b.rid = r.rid WHERE r.t_min >= ? AND r.t_min <= ? AND b.t0 >= ? AND b.t0 < ? "
                         "AND b.rid <= ?", (hour - 2 * RT_SLACK_S, hour + BLOCK_S + 2 * RT_SLACK_S, hour,
                                            hour + BLOCK_S, last_rid))
        return [r[0] for r in rows], [r[1:] for r in rows]

    def apply_retention(self, now: float) -> dict[str, int]:
        r = self.retention
        out = {"raw": 0, "positions": 0, "position_files": 0, "alerts": 0, "audit": 0}
        with self._tx() as db:
            if r.raw_days is not None:
                out["raw"] = db.execute("DELETE FROM raw_chunks WHERE t1 < ?", (now - r.raw_days * DAY_S,)).rowcount
            if r.positions_days is not None:
                cut = now - r.positions_days * DAY_S
                out["positions"] = self._delete_blocks(db, "t1 < ?", (cut,))
                straddling = db.execute("SELECT id, n, data FROM position_blocks WHERE t0 < ? AND t1 >= ?",
                                        (cut, cut)).fetchall()
                if straddling:  # keep the block's rows from the cut on
                    cols = decode(*zip(*straddling))
                    out["positions"] += self._delete_blocks(db, "t0 < ? AND t1 >= ?", (cut, cut))
                    kept = within(cols, cut, math.inf)
                    self._insert_blocks(db, kept)
                    out["positions"] -= len(kept["id"])
                out["position_files"] = self.archive.drop_before(cut)
            if r.alerts_days is not None:
                cut = now - r.alerts_days * DAY_S
                out["alerts"] = db.execute("DELETE FROM alerts WHERE end_t IS NOT NULL AND end_t < ?",
                                           (cut,)).rowcount
                db.execute("DELETE FROM alert_history WHERE alert_id NOT IN (SELECT id FROM alerts)")
            if r.audit_days is not None:
                out["audit"] = db.execute("DELETE FROM actions WHERE t < ?", (now - r.audit_days * DAY_S,)).rowcount
        return out

    def integrity_check(self) -> str:
        return str(self._one("PRAGMA integrity_check", ())[0])  # type: ignore[index]

    def disk_bytes(self) -> int:
        db = sum(p.stat().st_size for p in self.root.glob(DB_NAME + "*"))
        return db + self.archive.nbytes()

    def close(self) -> None:
        with self.housekeeping_lock, self._lock:
            self.archive.close()
            self._db.close()


    # --- helpers ------------------------------------------------------------------------------------

class _Tx:
    """BEGIN IMMEDIATE ... COMMIT under the store lock; `durable` commits with synchronous=FULL."""

    def __init__(self, store: EmbeddedStore, durable: bool) -> None:
        self.store = store
        self.durable = durable

    def __enter__(self) -> sqlite3.Connection:
        self.store._lock.acquire()
        try:
            self.store._set_sync("FULL" if self.durable else "NORMAL")
            self.store._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self.store._db

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            self.store._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
        finally:
            self.store._lock.release()

"""What the two back-ends share word for word but for the parameter mark: alert, user, checkpoint, config,
audit and raw-line queries, decoding position blocks, and the connection helpers.

Each back-end sets `MARK` (`?` for sqlite3, `%s` for psycopg), `_db` (its connection) and `_lock`; the SQL
here is written with `?` and the identifiers `"user"` and `"offset"` quoted, which both databases accept.
`_block_rows` is the one hook: how a back-end fetches `(id, n, data)` rows (psycopg reads them in binary).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Self

import pyarrow as pa

from seawatch.store.base import Checkpoint, User
from seawatch.store.blocks import decode, within
from seawatch.store.positions import empty_table, to_arrow
from seawatch.store.records import alert_out, raw_lines

ALERT_COLS = "doc, state, acknowledged_by, acknowledged_at, assigned_to, classification, updated_at"
USER_COLS = "name, password_hash, role, created_at, disabled"


def _doc(value: Any) -> Any:
    """A JSON column as Python: text (SQLite) is parsed, jsonb (PostgreSQL) arrives parsed."""
    return json.loads(value) if isinstance(value, str) else value


class SqlStore:
    MARK = "?"
    _db: Any
    _lock: threading.RLock
    # held by the housekeeper (store/keeper.py) while it rolls over or expires, in its own thread; close()
    # waits for it, so a writer closing the store never cuts a roll-over short
    housekeeping_lock: threading.Lock

    def _sql(self, text: str) -> str:
        return text if self.MARK == "?" else text.replace("?", self.MARK)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._db.execute(sql, params).fetchone()
            return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            rows: list[tuple[Any, ...]] = self._db.execute(sql, params).fetchall()
            return rows

    def _durable(self) -> AbstractContextManager[Any]:
        """A transaction that is durable when it commits, yielding something with `execute`."""
        raise NotImplementedError

    def _block_rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._all(sql, params)

    def _blocks(self, sql: str, params: Sequence[Any], lo: float, hi: float) -> pa.Table:
        """Blocks selected as (id, n, data), decoded, rows outside [lo, hi] dropped."""
        rows = self._block_rows(sql, params)
        return to_arrow(within(decode(*zip(*rows)), lo, hi)) if rows else empty_table()

    # --- users, configuration, checkpoints ------------------------------------------------------------
    def get_user(self, name: str) -> User | None:
        row = self._one(self._sql(f"SELECT {USER_COLS} FROM users WHERE name = ?"), (name,))
        return User(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    def list_users(self) -> list[User]:
        return [User(r[0], r[1], r[2], r[3], bool(r[4]))
                for r in self._all(f"SELECT {USER_COLS} FROM users ORDER BY name")]

    def update_user(self, name: str, *, password_hash: str | None = None, role: str | None = None,
                    disabled: bool | None = None) -> User:
        changes = {k: v for k, v in (("password_hash", password_hash), ("role", role), ("disabled", disabled))
                   if v is not None}
        if changes:
            with self._durable() as db:
                db.execute(self._sql(f"UPDATE users SET {', '.join(f'{k} = ?' for k in changes)} WHERE name = ?"),
                           (*changes.values(), name))
        user = self.get_user(name)
        if user is None:
            raise KeyError(f"no user {name!r}")
        return user

    def config_at(self, kind: str, t: float | None = None) -> dict[str, Any] | None:
        row = self._one(self._sql('SELECT version, t, "user", document FROM config_versions WHERE kind = ? '
                                  "AND t <= ? ORDER BY version DESC LIMIT 1"), (kind, math.inf if t is None else t))
        if not row:
            return None
        doc: Any = row[3]
        try:
            doc = json.loads(doc)
        except ValueError:
            pass
        return {"version": int(row[0]), "t": row[1], "user": row[2], "document": doc}

    def load_checkpoint(self, name: str) -> Checkpoint | None:
        row = self._one(self._sql('SELECT name, file, "offset", last_t, updated_at, extra FROM checkpoints '
                                  "WHERE name = ?"), (name,))
        return Checkpoint(row[0], row[1], int(row[2]), row[3], row[4], dict(_doc(row[5]))) if row else None

    # --- alerts, audit, raw lines ---------------------------------------------------------------------
    def alerts(self, *, type: str | None = None, zone: str | None = None, severity: str | None = None,
               state: str | None = None, t0: float | None = None, t1: float | None = None,
               limit: int = 1000) -> list[dict[str, Any]]:
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        for col, value in (("type", type), ("zone", zone), ("severity", severity), ("state", state)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        if t1 is not None:
            where.append("start_t <= ?")
            params.append(t1)
        if t0 is not None:
            where.append("(end_t IS NULL OR end_t >= ?)")
            params.append(t0)
        rows = self._all(self._sql(f"SELECT {ALERT_COLS} FROM alerts WHERE {' AND '.join(where)} "
                                   "ORDER BY start_t DESC, id LIMIT ?"), (*params, limit))
        return [alert_out(*r) for r in rows]

    def last_alert_number(self) -> int:
        """The highest number among the stored alerts' ids (`ais_gap-000123`: the engine numbers its alerts in
        one sequence), 0 if none: a restarted live run numbers its alerts after it (`live_alerts.py`)."""
        top = 0
        for (aid,) in self._all(self._sql("SELECT id FROM alerts"), ()):
            tail = str(aid).rsplit("-", 1)[-1]
            if tail.isdigit():
                top = max(top, int(tail))
        return top

    def open_alert_docs(self) -> list[dict[str, Any]]:
        """The stored alerts still open (end null), as the engine wrote them (without the lifecycle)."""
        return [_doc(r[0]) for r in self._all(self._sql("SELECT doc FROM alerts WHERE end_t IS NULL"), ())]

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        row = self._one(self._sql(f"SELECT {ALERT_COLS} FROM alerts WHERE id = ?"), (alert_id,))
        return alert_out(*row) if row else None

    def alert_history(self, alert_id: str) -> list[dict[str, Any]]:
        rows = self._all(self._sql("SELECT recorded_at, state, doc FROM alert_history WHERE alert_id = ? "
                                   "ORDER BY recorded_at"), (alert_id,))
        return [{"recorded_at": r[0], "state": r[1], **json.loads(r[2])} for r in rows]

    def audit(self, t0: float | None = None, t1: float | None = None, user: str | None = None,
              alert_id: str | None = None) -> list[dict[str, Any]]:
        where = ["t BETWEEN ? AND ?"]
        params: list[Any] = [-math.inf if t0 is None else t0, math.inf if t1 is None else t1]
        for col, value in (('"user"', user), ("alert_id", alert_id)):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        rows = self._all(self._sql('SELECT seq, action_id, t, "user", action, alert_id, payload FROM actions '
                                   f"WHERE {' AND '.join(where)} ORDER BY seq"), params)
        keys = ("seq", "action_id", "t", "user", "action", "alert_id")
        return [{**dict(zip(keys, r[:6])), "payload": _doc(r[6])} for r in rows]

    def raw(self, source: str | None = None, t0: float | None = None,
            t1: float | None = None) -> list[tuple[float, bytes]]:
        lo, hi = (-math.inf if t0 is None else t0), (math.inf if t1 is None else t1)
        where, params = "t1 >= ? AND t0 <= ?", list[Any]([lo, hi])
        if source is not None:
            where, params = where + " AND source = ?", [*params, source]
        rows = self._all(self._sql(f"SELECT lines, lines_size, times, times_size FROM raw_chunks WHERE {where} "
                                   "ORDER BY t0"), params)
        out = [x for r in rows for x in raw_lines(*r) if lo <= x[0] <= hi]
        out.sort(key=lambda x: x[0])
        return out

    def close(self) -> None:
        with self.housekeeping_lock, self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

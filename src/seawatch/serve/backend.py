"""What the console needs from storage, as a small protocol, and an in-memory implementation of it.

`seawatch.store` (SQLite/Parquet, PostgreSQL) is the real thing; `ConsoleStore` names only the calls the
console makes so that either can sit behind the server. `MemoryStore` keeps everything in memory (users
optionally in a JSON file, so that `seawatch user add` and a server started later agree); it is what the
tests and a store-less demo use.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Protocol

from seawatch.model.contact import ContactBatch
from seawatch.serve.picture import KIND_NAMES, STATUS_NAMES, _epoch


class ConsoleStore(Protocol):
    def add_user(self, name: str, role: str, password_hash: str) -> None: ...
    def get_user(self, name: str) -> dict[str, Any] | None: ...
    def list_users(self) -> list[dict[str, Any]]: ...
    def record_action(self, user: str, action: str, target: str, details: dict[str, Any]) -> None: ...
    def audit(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]: ...
    def track(self, contact_id: int, t0: float, t1: float) -> list[dict[str, Any]]: ...
    def contacts_at(self, t: float, window_s: float) -> list[dict[str, Any]]: ...
    def alerts_at(self, t: float) -> list[dict[str, Any]]: ...
    def alerts_for(self, contact_id: int) -> list[dict[str, Any]]: ...
    def time_range(self) -> tuple[float, float] | None: ...


class MemoryStore:
    """Everything in memory; `users_file` (JSON, written 0600) makes users survive a restart. Positions
    older than `history_s` (sensor time) before the newest are dropped, so that memory stays bounded."""

    def __init__(self, users_file: str | Path | None = None, history_s: float = 6 * 3600.0) -> None:
        self.history_s = history_s
        self._lock = threading.Lock()
        self._users_file = Path(users_file) if users_file else None
        self._users: dict[str, dict[str, Any]] = {}
        if self._users_file and self._users_file.exists():
            self._users = json.loads(self._users_file.read_text(encoding="utf-8"))
        self._audit: list[dict[str, Any]] = []
        self._tracks: dict[int, tuple[list[float], list[dict[str, Any]]]] = defaultdict(lambda: ([], []))
        self._alerts: dict[str, dict[str, Any]] = {}
        self._t_min = float("inf")
        self._t_max = float("-inf")

    # ---- users ------------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str) -> None:
        with self._lock:
            self._users[name] = {"name": name, "role": role, "password_hash": password_hash,
                                 "created": time.time()}
            if self._users_file:
                self._users_file.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._users_file.with_suffix(".tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(self._users, f, indent=1)
                os.replace(tmp, self._users_file)

    def get_user(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            u = self._users.get(name)
            return dict(u) if u else None

    def list_users(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"name": u["name"], "role": u["role"]} for u in self._users.values()]

    # ---- audit --------------------------------------------------------------------------------------
    def record_action(self, user: str, action: str, target: str, details: dict[str, Any]) -> None:
        with self._lock:
            self._audit.append({"id": len(self._audit) + 1, "at": time.time(), "user": user,
                                "action": action, "target": target, "details": details})

    def audit(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            newest_first = self._audit[::-1]
            return newest_first[offset:offset + limit]

    # ---- history (written by the pipeline) ----------------------------------------------------------
    def write_contacts(self, batch: ContactBatch) -> None:
        with self._lock:
            for row in batch.sorted_by_time().rows():
                if row.contact_id is None or row.t is None:
                    continue
                times, rows = self._tracks[row.contact_id]
                rec = {"contact_id": row.contact_id, "t": row.t, "lat": row.lat, "lon": row.lon,
                       "sog_mps": row.sog_mps, "cog_deg": row.cog_deg, "heading_deg": row.heading_deg,
                       "kind": KIND_NAMES.get(int(row.kind), "unknown"),
                       "status": STATUS_NAMES.get(int(row.status), "unknown"),
                       "mmsi": row.mmsi, "name": row.name, "callsign": row.callsign, "imo": row.imo,
                       "ship_type": row.ship_type, "length_m": row.length_m}
                k = bisect.bisect_right(times, row.t)
                times.insert(k, row.t)
                rows.insert(k, rec)
                self._t_min = min(self._t_min, row.t)
                self._t_max = max(self._t_max, row.t)
                cut = bisect.bisect_left(times, self._t_max - self.history_s)
                if cut:
                    del times[:cut], rows[:cut]
            if self._t_min < self._t_max - self.history_s:
                self._t_min = self._t_max - self.history_s
                for cid in [c for c, (times, _) in self._tracks.items() if not times or times[-1] < self._t_min]:
                    del self._tracks[cid]

    def write_alerts(self, alerts: list[dict[str, Any]]) -> None:
        with self._lock:
            for a in alerts:
                self._alerts[str(a["id"])] = dict(a)

    def track(self, contact_id: int, t0: float, t1: float) -> list[dict[str, Any]]:
        with self._lock:
            if contact_id not in self._tracks:
                return []
            times, rows = self._tracks[contact_id]
            return rows[bisect.bisect_left(times, t0):bisect.bisect_right(times, t1)]

    def contacts_at(self, t: float, window_s: float) -> list[dict[str, Any]]:
        out = []
        with self._lock:
            for times, rows in self._tracks.values():
                k = bisect.bisect_right(times, t) - 1
                if k >= 0 and times[k] >= t - window_s and rows[k]["status"] != "lost":
                    out.append(rows[k])
        return out

    def alerts_at(self, t: float) -> list[dict[str, Any]]:
        with self._lock:
            alerts = list(self._alerts.values())
        out = []
        for a in alerts:
            start, end = _epoch(a.get("start")), _epoch(a.get("end"))
            if start is not None and start <= t and (end is None or end >= t):
                out.append(a)
        return out

    def alerts_for(self, contact_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [a for a in self._alerts.values() if contact_id in (a.get("track_ids") or [])]

    def time_range(self) -> tuple[float, float] | None:
        with self._lock:
            return None if self._t_min > self._t_max else (self._t_min, self._t_max)

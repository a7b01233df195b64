"""The console over the real store (`seawatch.store.Store`: embedded SQLite/Parquet or PostgreSQL).

`as_console_store(x)` gives what `create_app` needs (`backend.ConsoleStore`): a `MemoryStore` passes
through, a `Store` is wrapped. The wrapper maps the console's calls onto the store's: users (the store
keeps the argon2 hash the console makes), operator actions (`record_action`, which also updates the
stored alert), audit, tracks, replay (`bbox_at`), alerts overlapping a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from seawatch.serve.picture import KIND_NAMES, STATUS_NAMES

WORLD = (-180.0, -90.0, 180.0, 90.0)
REPLAY_SPAN_S = 6 * 3600.0  # the store has no "time range" query: replay offers the last 6 h of the picture


def as_console_store(store: Any, now: Callable[[], float | None] | None = None) -> Any:
    if hasattr(store, "write_positions") and hasattr(store, "bbox_at"):
        return StoreAdapter(store, now or (lambda: None))
    return store


def _rows(table: Any) -> list[dict[str, Any]]:
    out = []
    for r in table.to_pylist():
        r["contact_id"] = r.pop("id", r.get("contact_id"))
        if isinstance(r.get("kind"), int):
            r["kind"] = KIND_NAMES.get(r["kind"], "unknown")
        if isinstance(r.get("status"), int):
            r["status"] = STATUS_NAMES.get(r["status"], "unknown")
        for k, v in list(r.items()):
            if isinstance(v, float) and math.isnan(v):
                r[k] = None
        out.append(r)
    return out


class StoreAdapter:
    def __init__(self, store: Any, now: Callable[[], float | None]) -> None:
        self.store = store
        self.now = now

    # ---- users --------------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str) -> None:
        from seawatch.store import UserExistsError

        try:
            self.store.create_user(name, password_hash, role)
        except UserExistsError:
            self.store.update_user(name, password_hash=password_hash, role=role, disabled=False)

    def get_user(self, name: str) -> dict[str, Any] | None:
        u = self.store.get_user(name)
        if u is None or u.disabled:
            return None
        return {"name": u.name, "role": u.role, "password_hash": u.password_hash}

    def list_users(self) -> list[dict[str, Any]]:
        return [{"name": u.name, "role": u.role} for u in self.store.list_users() if not u.disabled]

    # ---- audit --------------------------------------------------------------------------------------
    def record_action(self, user: str, action: str, target: str, details: dict[str, Any]) -> None:
        alert_id = target[len("alert:"):] if target.startswith("alert:") else None
        payload = {**details, "target": target}
        if action == "classify" and "verdict" in details:
            payload["classification"] = details["verdict"]
        self.store.record_action(user, action, alert_id, payload)

    def audit(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        rows = self.store.audit()[::-1][offset:offset + limit]
        out = []
        for r in rows:
            payload = dict(r.get("payload") or {})
            target = payload.pop("target", None) or (f"alert:{r['alert_id']}" if r.get("alert_id") else "")
            payload.pop("classification", None)
            out.append({"id": r.get("seq"), "at": r["t"], "user": r["user"], "action": r["action"],
                        "target": target, "details": payload})
        return out

    # ---- history ------------------------------------------------------------------------------------
    def track(self, contact_id: int, t0: float, t1: float) -> list[dict[str, Any]]:
        return _rows(self.store.track(contact_id=contact_id, t0=t0, t1=t1))

    def contacts_at(self, t: float, window_s: float) -> list[dict[str, Any]]:
        return [r for r in _rows(self.store.bbox_at(WORLD, t, window_s)) if r.get("status") != "lost"]

    def alerts_at(self, t: float) -> list[dict[str, Any]]:
        return list(self.store.alerts(t0=t, t1=t))

    def alerts_for(self, contact_id: int) -> list[dict[str, Any]]:
        return [a for a in self.store.alerts(limit=1000) if contact_id in (a.get("track_ids") or [])]

    def time_range(self) -> tuple[float, float] | None:
        now = self.now()
        return None if now is None else (now - REPLAY_SPAN_S, now)

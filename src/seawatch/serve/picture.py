"""The live picture the console shows: the latest state of every contact, short trails, open alerts.

The pipeline calls `Picture.apply(contacts, alerts)` (from any thread); the API and the websocket read it.
Every change bumps a sequence number so that a websocket client can be sent only what changed since the
last frame it saw. Contact fields are split into *dynamic* (position, speed, course: change every update)
and *static* (identity: change rarely), so a delta frame carries identity only when it changed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus

DYNAMIC_FIELDS = ("t", "lat", "lon", "sog_mps", "cog_deg", "heading_deg", "kind", "status")
STATIC_FIELDS = ("mmsi", "name", "callsign", "imo", "ship_type", "length_m")
KIND_NAMES = {k.value: k.name.lower() for k in ContactKind}
STATUS_NAMES = {s.value: s.name.lower() for s in TrackStatus}
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
TRAIL_POINTS = 30


def _floats(col: npt.NDArray[Any], digits: int) -> list[float | None]:
    out = np.round(col, digits).astype(object)
    out[np.isnan(col)] = None
    return out.tolist()


def _ints(col: npt.NDArray[Any]) -> list[int | None]:
    out = col.astype(object)
    out[col < 0] = None
    return out.tolist()


def _prepared(b: ContactBatch) -> list[tuple[Any, ...]]:
    """One tuple per row in `_apply_row`'s order, values rounded for the wire, absent -> None."""
    return list(zip(b["contact_id"].tolist(), _floats(b["t"], 3), _floats(b["lat"], 6), _floats(b["lon"], 6),
                    _floats(b["sog_mps"], 2), _floats(b["cog_deg"], 1), _floats(b["heading_deg"], 1),
                    b["kind"].tolist(), b["status"].tolist(), _ints(b["mmsi"]), b["name"].tolist(),
                    b["callsign"].tolist(), _ints(b["imo"]), _ints(b["ship_type"]), _floats(b["length_m"], 1),
                    b["sensors"].tolist(), strict=True))


@dataclass
class _Contact:
    contact_id: int
    dyn: dict[str, Any]
    static: dict[str, Any]
    sensors: tuple[str, ...]
    dyn_seq: int
    static_seq: int
    trail: deque[tuple[float, float, float]] = field(default_factory=lambda: deque(maxlen=TRAIL_POINTS))


def alert_sort_key(alert: dict[str, Any]) -> tuple[int, float]:
    """Severity first (critical on top), then newest first."""
    start = alert.get("start_epoch") or 0.0
    return (SEVERITY_RANK.get(str(alert.get("severity")), 9), -float(start))


class Picture:
    """Thread-safe live state. `stale_s`: a contact not updated for that long is drawn faded;
    `drop_s`: after that long (or when its track is LOST) it leaves the picture."""

    def __init__(self, stale_s: float = 60.0, drop_s: float = 600.0, removal_log: int = 100_000) -> None:
        self.stale_s = stale_s
        self.drop_s = drop_s
        self._lock = threading.RLock()
        self._contacts: dict[int, _Contact] = {}
        self._risk: dict[int, float] = {}   # the detection engine's risk per contact (`set_risk`)
        self._alerts: dict[str, dict[str, Any]] = {}
        self._alert_seq: dict[str, int] = {}
        self._removed: deque[tuple[int, int]] = deque(maxlen=removal_log)  # (seq, contact_id)
        self._removed_alerts: deque[tuple[int, str]] = deque(maxlen=removal_log)
        self.seq = 0
        self.now: float | None = None
        self._data_at: tuple[float, float] | None = None   # (sensor time, wall time) of the last update (`tick`)
        self._alert_listeners: list[Callable[[], None]] = []

    def on_alerts(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener()` (from the writer's thread, outside the lock) whenever alerts change, so that a
        websocket can push them at once instead of at its next period. Returns the function that removes it."""
        with self._lock:
            self._alert_listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._alert_listeners:
                    self._alert_listeners.remove(listener)
        return remove

    def _alerts_changed(self) -> None:
        with self._lock:
            listeners = list(self._alert_listeners)
        for listener in listeners:
            listener()

    # ---- writes (pipeline, operator actions) ------------------------------------------------------
    def set_risk(self, scores: dict[int, float]) -> None:
        """The detection engine's risk score of each contact (detect/risk.py: its alerts and its context, in
        [0, 1]), shown with the contact (`risk`, None where the engine has not scored it)."""
        with self._lock:
            self._risk = dict(scores)

    def apply(self, contacts: ContactBatch, alerts: list[dict[str, Any]] | None = None) -> None:
        """Take one batch of contact updates (any order) and alert states (DESIGN's Alerts schema)."""
        t_col = contacts["t"]
        if len(t_col) > 1 and not bool(np.all(t_col[1:] >= t_col[:-1])):
            contacts = contacts.take(np.argsort(t_col, kind="stable"))
        rows = _prepared(contacts)  # columns rounded and absent -> None, vectorised, outside the lock
        with self._lock:
            self.seq += 1
            seq = self.seq
            for row in rows:
                self._apply_row(row, seq)
            for alert in alerts or []:
                self._apply_alert(alert, seq)
            self._expire(seq)
            if self.now is not None:
                self._data_at = (self.now, time.time())
        if alerts:
            self._alerts_changed()

    def tick(self, wall: float | None = None) -> None:
        """A live run's clock: while no update comes, the picture's time goes on from the sensor time of the
        last one as fast as the wall clock (a feed that died left its contacts "fresh" for ever: the picture's
        time only moved with data). Its contacts then turn stale and are dropped as with data. A recording
        fed live keeps its own dates (the clock goes on from its time, not from today)."""
        wall = time.time() if wall is None else wall
        with self._lock:
            if self._data_at is None or self.now is None:
                return
            t = self._data_at[0] + (wall - self._data_at[1])
            if t > self.now + 1.0:
                self.now = t
                self.seq += 1
                self._expire(self.seq)

    def _apply_row(self, row: tuple[Any, ...], seq: int) -> None:
        cid, t, lat, lon, sog, cog, hdg, kind, status, mmsi, name, callsign, imo, stype, length, sensors = row
        if cid < 0 or t is None:
            return
        if self.now is None or t > self.now:
            self.now = t
        if status == TrackStatus.LOST:
            if self._contacts.pop(cid, None) is not None:
                self._removed.append((seq, cid))
            return
        dyn = {"t": t, "lat": lat, "lon": lon, "sog_mps": sog, "cog_deg": cog, "heading_deg": hdg,
               "kind": KIND_NAMES.get(kind, "unknown"), "status": STATUS_NAMES.get(status, "unknown")}
        static = {"mmsi": mmsi, "name": name or None, "callsign": callsign or None, "imo": imo,
                  "ship_type": stype, "length_m": length}
        c = self._contacts.get(cid)
        if c is None:
            c = _Contact(cid, dyn, static, tuple(sensors or ()), seq, seq)
            self._contacts[cid] = c
        else:
            if t < c.dyn["t"]:
                return  # late update: the picture keeps the newest state
            c.dyn = dyn
            c.dyn_seq = seq
            c.sensors = tuple(sensors or ())
            if static != c.static:
                c.static = static
                c.static_seq = seq
        if lat is not None and lon is not None:
            c.trail.append((t, lat, lon))

    def _apply_alert(self, alert: dict[str, Any], seq: int) -> None:
        aid = str(alert["id"])
        old = self._alerts.get(aid)
        merged = dict(alert)
        merged["start_epoch"] = _epoch(alert.get("start"))
        merged["workflow"] = old["workflow"] if old else new_workflow()
        if alert.get("end") is not None and merged["workflow"]["state"] == "closed":
            self._alerts.pop(aid, None)
            self._alert_seq.pop(aid, None)
            self._removed_alerts.append((seq, aid))
            return
        self._alerts[aid] = merged
        self._alert_seq[aid] = seq

    def update_workflow(self, alert_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """An operator action on an open alert; returns the alert, or None if it is not in the picture."""
        with self._lock:
            alert = self._alerts.get(alert_id)
            if alert is None:
                return None
            self.seq += 1
            wf = dict(alert["workflow"])
            comments = changes.pop("comment", None)
            wf.update(changes)
            if comments is not None:
                wf["comments"] = [*wf.get("comments", []), comments]
            alert = {**alert, "workflow": wf}
            if wf["state"] == "closed" and alert.get("end") is not None:
                self._alerts.pop(alert_id)
                self._alert_seq.pop(alert_id, None)
                self._removed_alerts.append((self.seq, alert_id))
            else:
                self._alerts[alert_id] = alert
                self._alert_seq[alert_id] = self.seq
        self._alerts_changed()
        return alert

    def _expire(self, seq: int) -> None:
        if self.now is None:
            return
        horizon = self.now - self.drop_s
        gone = [cid for cid, c in self._contacts.items() if c.dyn["t"] < horizon]
        for cid in gone:
            del self._contacts[cid]
            self._removed.append((seq, cid))

    # ---- reads --------------------------------------------------------------------------------------
    def contact(self, contact_id: int, trail: bool = True) -> dict[str, Any] | None:
        with self._lock:
            c = self._contacts.get(contact_id)
            return None if c is None else self._as_dict(c, trail)

    def _as_dict(self, c: _Contact, trail: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"contact_id": c.contact_id, **c.dyn, **c.static, "sensors": list(c.sensors)}
        out["stale"] = self.now is not None and self.now - c.dyn["t"] > self.stale_s
        r = self._risk.get(c.contact_id)
        out["risk"] = None if r is None else round(r, 3)
        if trail:
            out["trail"] = [list(p) for p in c.trail]
        return out

    def contacts(self, trail: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [self._as_dict(c, trail) for c in self._contacts.values()]

    def alerts(self, include_closed: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            items = [a for a in self._alerts.values() if include_closed or a["workflow"]["state"] != "closed"]
        return sorted(items, key=alert_sort_key)

    def alert(self, alert_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._alerts.get(alert_id)

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        """(seq, frame): the whole picture, compact (dynamic rows as arrays in DYNAMIC_FIELDS order)."""
        with self._lock:
            frame = {
                "type": "snapshot",
                "now": self.now,
                "seq": self.seq,
                "stale_s": self.stale_s,
                "fields": ["id", *DYNAMIC_FIELDS],
                "dyn": [[c.contact_id, *c.dyn.values()] for c in self._contacts.values()],
                "static": {str(c.contact_id): c.static for c in self._contacts.values()},
                "trails": {str(c.contact_id): [[p[1], p[2]] for p in c.trail] for c in self._contacts.values()},
                "alerts": sorted(self._alerts.values(), key=alert_sort_key),
            }
            return self.seq, frame

    def delta(self, since: int, alerts_since: int | None = None,
              alerts_only: bool = False) -> tuple[int, dict[str, Any] | None]:
        """(seq, frame) with what changed after `since`; frame None when nothing did. A client so far
        behind that the removal log no longer covers it gets a snapshot instead.

        `alerts_since` (default `since`): alerts already sent up to that seq are left out. `alerts_only`:
        a frame with the alert changes only (`dyn` empty), for pushing alerts between contact deltas."""
        a_since = since if alerts_since is None else max(since, alerts_since)
        with self._lock:
            if (since if not alerts_only else a_since) == self.seq:
                return self.seq, None
            if (self._removed and self._removed[0][0] > since and len(self._removed) == self._removed.maxlen
                    and not alerts_only):
                return self.snapshot()
            alerts = [a for aid, a in self._alerts.items() if self._alert_seq.get(aid, 0) > a_since]
            alerts_gone = [aid for s, aid in self._removed_alerts if s > a_since and aid not in self._alerts]
            frame: dict[str, Any] = {"type": "delta", "now": self.now, "seq": self.seq, "dyn": []}
            if not alerts_only:
                frame["dyn"] = [[c.contact_id, *c.dyn.values()] for c in self._contacts.values() if c.dyn_seq > since]
                static = {str(c.contact_id): c.static for c in self._contacts.values() if c.static_seq > since}
                gone = [cid for s, cid in self._removed if s > since and cid not in self._contacts]
                if static:
                    frame["static"] = static
                if gone:
                    frame["gone"] = gone
            if not (alerts or alerts_gone or frame["dyn"] or "static" in frame or "gone" in frame):
                return self.seq, None
            if alerts:
                frame["alerts"] = alerts
            if alerts_gone:
                frame["alerts_gone"] = alerts_gone
            return self.seq, frame


def new_workflow() -> dict[str, Any]:
    return {"state": "new", "acknowledged_by": None, "acknowledged_at": None, "assigned_to": None,
            "classification": None, "comments": [], "closed_by": None}


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    from datetime import datetime

    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()

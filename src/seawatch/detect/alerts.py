"""Alerts and their lifecycle: one behaviour is one alert, opened, updated while it goes on, closed.

`AlertBook` keys every alert by (type, key) — the key is the contact id, a contact pair, or a contact and
a sub-kind — so a behaviour that continues updates its alert instead of raising a new one. A behaviour
that stops and starts again within `merge_gap_s` of the close re-opens the same alert (hysteresis in time,
against flapping; the rules add hysteresis in value). Alerts are written in DESIGN.md's JSONL schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.model.units import iso_utc

SEVERITIES = ("low", "medium", "high", "critical")
UPDATE_EVERY_S = 60.0  # an open alert is reported as changed at most this often unless severity changes


@dataclass
class Alert:
    """One alert as the detection stage holds it (mutable while open; not on the per-message hot path)."""

    id: str
    type: str
    severity: str
    start: float
    end: float | None
    lat: float
    lon: float
    track_ids: list[int]
    mmsi: list[int]
    zone: str | None
    summary: str
    evidence: dict[str, Any]
    score: float = 0.0
    last_t: float = 0.0
    last_report_t: float = -math.inf

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md Alerts JSONL record."""
        return {
            "id": self.id, "type": self.type, "severity": self.severity,
            "start": iso_utc(self.start), "end": None if self.end is None else iso_utc(self.end),
            "lat": round(self.lat, 6), "lon": round(self.lon, 6),
            "track_ids": [int(t) for t in self.track_ids], "mmsi": sorted({int(m) for m in self.mmsi}),
            "zone": self.zone, "score": round(self.score, 3), "summary": self.summary,
            # updated_t: the event time of its last update (an open alert taken over at a restart ends there)
            "evidence": _clean({**self.evidence, "updated_t": self.last_t}),
        }


def _clean(v: Any) -> Any:
    """JSON-safe evidence: numpy scalars to Python, floats rounded, NaN to None."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 3)
    return v


@dataclass
class Change:
    change: str  # "open" | "update" | "close"
    alert: Alert

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "alert": self.alert.to_dict()}


CONTINUE_WITHIN_S = 900.0  # a contact that continues another re-opens its alert within this of its birth


@dataclass
class AlertBook:
    """Every alert of a run, keyed by behaviour; collects the changes of the current cycle."""

    merge_gap_s: float = 300.0
    merge_gap_by_type: dict[str, float] = field(default_factory=dict)  # a rule's own gap (loitering: 1 h)
    alerts: list[Alert] = field(default_factory=list)
    open_by_key: dict[tuple[str, Any], Alert] = field(default_factory=dict)
    closed_by_key: dict[tuple[str, Any], Alert] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    # new key -> (the closed key it continues, when the new contact was born, when the boat was last seen on a
    # contact that continued that key and was lost before it opened anything: -inf if none)
    continued: dict[tuple[str, Any], tuple[tuple[str, Any], float, float]] = field(default_factory=dict)
    revision: int = 0  # bumped when an alert opens, closes or changes key (the set of open alerts changed)
    unscored: list[Alert] = field(default_factory=list)  # opened since the risk model last scored (risk.refresh)
    longest_gap_s: float = 0.0  # the longest merge_gap_s a rule passed to `open` (`prune_closed` keeps that long)
    _counter: int = 0
    _closed_ends: dict[str, tuple[int, Any, Any]] = field(default_factory=dict)  # type -> (revision, keys, ends)

    def get(self, type_: str, key: Any) -> Alert | None:
        return self.open_by_key.get((type_, key))

    def number_after(self, n: int) -> None:
        """Number the next alerts from n + 1 (a live run on a store that holds an earlier run's: live_alerts.py)."""
        self._counter = max(self._counter, int(n))

    def merge_gap(self, type_: str) -> float:
        """How soon after its close a behaviour that starts again is the same alert (merge_gap_s by default)."""
        return self.merge_gap_by_type.get(type_, self.merge_gap_s)

    def resumable(self, type_: str, key: Any, t: float, merge_gap_s: float | None = None) -> Alert | None:
        """The closed alert a behaviour starting again at t would re-open, if any."""
        old = self.closed_by_key.get((type_, key))
        gap = self.merge_gap(type_) if merge_gap_s is None else merge_gap_s
        return old if old is not None and old.end is not None and t - old.end <= gap else None

    def closed_ends(self, type_: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The closed alerts of a type keyed by one contact id: (sorted ids, end times), for looking up
        `resumable` of many contacts at once (remade only when an alert opened, closed or was forgotten)."""
        hit = self._closed_ends.get(type_)
        if hit is None or hit[0] != self.revision:
            pairs = sorted((int(k[1]), float(a.end)) for k, a in self.closed_by_key.items()
                           if k[0] == type_ and isinstance(k[1], (int, np.integer)) and a.end is not None)
            hit = (self.revision, np.array([k for k, _ in pairs], np.int64), np.array([e for _, e in pairs], np.float64))
            self._closed_ends[type_] = hit
        return hit[1], hit[2]

    def open(self, type_: str, key: Any, t: float, *, severity: str, lat: float, lon: float,
             track_ids: Iterable[int], mmsi: Iterable[int], zone: str | None, summary: str,
             evidence: dict[str, Any], start: float | None = None, merge_gap_s: float | None = None) -> Alert:
        """Open the alert of this behaviour (or re-open it if it closed less than merge_gap_s ago: the type's,
        or this behaviour's own when given)."""
        k = (type_, key)
        if k in self.open_by_key:
            return self.update(type_, key, t, severity=severity, lat=lat, lon=lon, summary=summary,
                               evidence=evidence, mmsi=mmsi, zone=zone)
        old = self.closed_by_key.pop(k, None)
        gap = self.merge_gap(type_) if merge_gap_s is None else merge_gap_s
        self.longest_gap_s = max(self.longest_gap_s, gap)
        resumed = old if old is not None and old.end is not None and t - old.end <= gap else None
        prior = self.continues(k, gap) if old is None else None   # a behaviour of a contact that continues another
        cont = self.continued.pop(k, None)
        if prior is not None and cont is not None:
            via, born_t, _ = cont
            if t - born_t <= CONTINUE_WITHIN_S:
                resumed = self.closed_by_key.pop(via)
                resumed.track_ids += ([int(key)] if isinstance(key, (int, np.integer)) and int(key) not in
                                      resumed.track_ids else [])
        if resumed is not None:
            resumed.end = None
            resumed.evidence.pop("duration_s", None)   # set again when it closes: an open alert has none
            self.open_by_key[k] = resumed
            self.unscored.append(resumed)
            self.revision += 1   # the set of open (and closed) alerts changed
            return self.update(type_, key, t, severity=severity, lat=lat, lon=lon, summary=summary,
                               evidence=evidence, mmsi=mmsi, zone=zone, force=True)
        self._counter += 1
        a = Alert(f"{type_}-{self._counter:06d}", type_, severity, float(start if start is not None else t),
                  None, float(lat), float(lon), [int(i) for i in track_ids],
                  sorted({int(m) for m in mmsi if m is not None and m > 0}), zone, summary,
                  # lat/lon follow the contact; position_t: when it was there (the time lat/lon are of)
                  {"start_lat": float(lat), "start_lon": float(lon), "position_t": float(t), **evidence},
                  last_t=float(t), last_report_t=float(t))
        self.alerts.append(a)
        self.open_by_key[k] = a
        self.unscored.append(a)
        self.changes.append(Change("open", a))
        self.revision += 1
        return a

    def update(self, type_: str, key: Any, t: float, *, severity: str | None = None,
               lat: float | None = None, lon: float | None = None, summary: str | None = None,
               evidence: dict[str, Any] | None = None, mmsi: Iterable[int] | None = None,
               zone: str | None = None, force: bool = False) -> Alert:
        a = self.open_by_key[(type_, key)]
        escalated = severity is not None and SEVERITIES.index(severity) > SEVERITIES.index(a.severity)
        if escalated and severity is not None:
            a.severity = severity  # severity only rises while an alert is open
        moved = lat is not None and lon is not None and not (math.isnan(lat) or math.isnan(lon))
        if summary is not None:
            a.summary = summary
        if evidence:
            a.evidence.update(evidence)
        if moved:
            a.lat, a.lon = float(lat), float(lon)   # type: ignore[arg-type]
            a.evidence["position_t"] = float(t)
        if mmsi is not None:
            a.mmsi = sorted(set(a.mmsi) | {int(m) for m in mmsi if m is not None and m > 0})
        if zone is not None:   # the zone it is about now (the summary names it): a vessel may pass to the next one
            a.zone = zone
        a.last_t = max(a.last_t, float(t))
        if force or escalated or t - a.last_report_t >= UPDATE_EVERY_S:
            a.last_report_t = float(t)
            self.changes.append(Change("update", a))
        return a

    def close(self, type_: str, key: Any, end: float, evidence: dict[str, Any] | None = None) -> Alert | None:
        a = self.open_by_key.pop((type_, key), None)
        if a is None:
            return None
        a.end = max(float(end), a.start)
        if evidence:
            a.evidence.update(evidence)
        a.evidence["duration_s"] = a.end - a.start
        self.closed_by_key[(type_, key)] = a
        self.changes.append(Change("close", a))
        self.revision += 1
        return a

    def rekey(self, type_: str, old_key: Any, new_key: Any) -> None:
        """The behaviour of old_key continues as new_key (an open alert keeps its id and start)."""
        if (type_, new_key) in self.open_by_key:
            return   # the new key has an alert of its own already: the old one closes in its turn
        a = self.open_by_key.pop((type_, old_key), None)
        if a is not None:
            self.revision += 1
            self.open_by_key[(type_, new_key)] = a
            news = new_key if isinstance(new_key, tuple) else (new_key,)
            a.track_ids += [int(i) for i in news if isinstance(i, (int, np.integer)) and int(i) not in a.track_ids]

    def resume_as(self, type_: str, old_key: Any, new_key: Any, t: float,
                  merge_gap_s: float | None = None) -> Alert | None:
        """A behaviour of new_key starting at t is that of old_key's closed alert (within the type's merge gap, or
        merge_gap_s): the next `open` of new_key re-opens that alert (its id and start) instead of a new one. None
        if there is no such alert, or new_key has one of its own (open, or closed within the gap)."""
        a = self.resumable(type_, old_key, t, merge_gap_s)
        if a is None or (type_, new_key) in self.open_by_key or \
                self.resumable(type_, new_key, t, merge_gap_s) is not None:
            return None
        del self.closed_by_key[(type_, old_key)]
        self.closed_by_key[(type_, new_key)] = a
        self.revision += 1
        return a

    def continues(self, k: tuple[str, Any], gap: float | None = None) -> Alert | None:
        """The closed alert a behaviour of key k (a contact that continues another: `continue_as`) would re-open: its
        contact was born within the merge gap (the type's, or `gap`) of when the boat was last seen — that alert's
        end, or the end of a contact that continued it and was lost in its turn before it opened anything. None if
        it continues nothing, or was born too late (a boat that lay still for 40 min after its high_speed alert
        closed, then raced off on a new track, is a new behaviour: held-out cigarette-run 92)."""
        cont = self.continued.get(k)
        if cont is None:
            return None
        via, born_t, seen_t = cont
        prior = self.closed_by_key.get(via)
        if prior is None or prior.end is None or born_t - max(prior.end, seen_t) > (
                self.merge_gap(k[0]) if gap is None else gap):
            return None
        return prior

    def continue_as(self, types: Iterable[str], old_key: Any, new_key: Any, born_t: float,
                    seen_t: float = -math.inf) -> None:
        """`new_key` continues `old_key` (a contact re-born under a new id at born_t, within the merge gap of
        the old one's closed alerts, or of `seen_t`: when the contact it continues was last seen, for a chain of
        heirs lost before they opened anything): a behaviour of it of such a type that opens within
        CONTINUE_WITHIN_S of its birth (its rule's own wait) re-opens that alert instead of a new one."""
        for type_ in types:
            if (type_, old_key) in self.closed_by_key:
                self.continued[(type_, new_key)] = ((type_, old_key), float(born_t), float(seen_t))

    def take_changes(self) -> list[Change]:
        out, self.changes = self.changes, []
        return out

    def prune_closed(self, now: float) -> None:
        """Forget closed behaviours too old to be re-opened (keeps memory bounded on long runs)."""
        if len(self.continued) > 10_000:
            self.continued = {k: v for k, v in self.continued.items() if now - v[1] <= CONTINUE_WITHIN_S}
        if len(self.closed_by_key) > 10_000:
            # kept while it may re-open: its type's own gap (loitering: 1 h), or the longest a rule gave to `open`
            keep_s = max([self.merge_gap_s, *self.merge_gap_by_type.values(), self.longest_gap_s])
            self.closed_by_key = {k: a for k, a in self.closed_by_key.items()
                                  if a.end is not None and now - a.end <= keep_s}
            self.revision += 1


def write_alerts_jsonl(path: str | Path, alerts: Iterable[Alert | dict[str, Any]]) -> int:
    """Write alerts (Alert objects or their dicts), one JSON object per line. Returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for a in alerts:
            d = a.to_dict() if isinstance(a, Alert) else a
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_alerts_jsonl(path: str | Path) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out

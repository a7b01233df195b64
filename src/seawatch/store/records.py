"""Alerts, operator actions and raw chunks as both back-ends store them (the rules shared by both).

An alert dict follows DESIGN.md's Alerts JSONL schema (`start`/`end` ISO-8601 UTC or epoch seconds). The
store adds its lifecycle: `state` (open -> updated -> closed, from the detection engine or an operator),
`acknowledged_by`/`acknowledged_at`, `assigned_to`, `classification` (from operator actions).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from seawatch.model.units import iso_utc

ALERT_FIELDS = ("id", "type", "severity", "start", "end", "lat", "lon", "track_ids", "mmsi", "zone",
                "score", "summary", "evidence")
LIFECYCLE_FIELDS = ("state", "acknowledged_by", "acknowledged_at", "assigned_to", "classification",
                    "updated_at")


def to_epoch(value: Any) -> float | None:
    """ISO-8601 (with Z or offset) or epoch seconds to epoch seconds; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: alert times must be timezone-aware UTC")
        return value.timestamp()
    text = str(value).strip().replace("Z", "+00:00")
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"alert time {value!r} has no timezone; write it as UTC with a trailing Z")
    return when.timestamp()


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: str
    type: str
    severity: str
    state: str | None  # None: derive (closed if end else open/updated)
    start_t: float
    end_t: float | None
    lat: float | None
    lon: float | None
    zone: str | None
    score: float | None
    summary: str | None
    mmsi: str  # JSON list
    track_ids: str  # JSON list
    doc: str  # the alert as given (canonical JSON)
    sha: str  # of doc: one history row per distinct version


def alert_row(alert: dict[str, Any]) -> AlertRow:
    if not alert.get("id"):
        raise ValueError(f"alert without an id: {alert!r}")
    doc = {k: v for k, v in alert.items() if k not in LIFECYCLE_FIELDS}
    start = to_epoch(alert.get("start"))
    end = to_epoch(alert.get("end"))
    doc_json = _json(doc)
    state = alert.get("state")
    if state is not None and state not in ("open", "updated", "closed"):
        raise ValueError(f"alert {alert['id']}: unknown state {state!r} (open, updated, closed)")
    return AlertRow(
        id=str(alert["id"]), type=str(alert.get("type", "")), severity=str(alert.get("severity", "")),
        state=state, start_t=start if start is not None else float("nan"), end_t=end,
        lat=_opt_float(alert.get("lat")), lon=_opt_float(alert.get("lon")),
        zone=alert.get("zone"), score=_opt_float(alert.get("score")), summary=alert.get("summary"),
        mmsi=_json(list(alert.get("mmsi") or [])), track_ids=_json(list(alert.get("track_ids") or [])),
        doc=doc_json, sha=hashlib.sha1(doc_json.encode()).hexdigest(),
    )


def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) else f


def alert_out(doc: str, state: str, acknowledged_by: str | None, acknowledged_at: float | None,
              assigned_to: str | None, classification: str | None, updated_at: float | None) -> dict[str, Any]:
    """The stored alert as the API shows it: the engine's fields plus the lifecycle."""
    out: dict[str, Any] = json.loads(doc)
    out.update(state=state, acknowledged_by=acknowledged_by,
               acknowledged_at=iso_utc(acknowledged_at) if acknowledged_at is not None else None,
               assigned_to=assigned_to, classification=classification,
               updated_at=iso_utc(updated_at) if updated_at is not None else None)
    return out


def action_effect(action: str, user: str, payload: dict[str, Any], t: float) -> dict[str, Any]:
    """Which alert columns an operator action sets (empty: the action only goes to the audit log)."""
    if action == "acknowledge":
        return {"acknowledged_by": user, "acknowledged_at": t}
    if action == "assign":
        return {"assigned_to": payload.get("to") or payload.get("assignee") or user}
    if action == "classify":
        value = payload.get("classification")
        if not value:
            raise ValueError("classify needs payload['classification'] (e.g. 'smuggling', 'false_alarm')")
        return {"classification": str(value)}
    if action == "close":
        return {"state": "closed"}
    if action == "reopen":
        return {"state": "open"}
    if action == "escalate" and payload.get("severity"):
        return {"severity": str(payload["severity"])}
    return {}


def payload_json(payload: dict[str, Any] | None) -> str:
    return _json(payload or {})


# --- raw sensor lines: one zstd-compressed chunk per write --------------------------------------------

@dataclass(frozen=True, slots=True)
class RawChunk:
    source: str
    t0: float
    t1: float
    n: int
    sha: str
    lines: bytes  # zstd of the lines joined by b"\n"
    lines_size: int
    times: bytes  # zstd of float64 received_at per line
    times_size: int


def raw_chunk(lines: Sequence[bytes | str], received_at: Any, source: str) -> RawChunk | None:
    if not len(lines):
        return None
    data = b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8", "surrogateescape") for x in lines)
    times = np.broadcast_to(np.asarray(received_at, dtype="f8"), (len(lines),)).astype("<f8").tobytes()
    sha = hashlib.sha1(source.encode() + b"\0" + data + times).hexdigest()
    tt = np.frombuffer(times, dtype="<f8")
    return RawChunk(source, float(np.nanmin(tt)), float(np.nanmax(tt)), len(lines), sha,
                    pa.compress(data, "zstd", asbytes=True), len(data),
                    pa.compress(times, "zstd", asbytes=True), len(times))


def raw_lines(lines: bytes, lines_size: int, times: bytes, times_size: int) -> list[tuple[float, bytes]]:
    data = pa.decompress(bytes(lines), lines_size, "zstd", asbytes=True) if lines_size else b""
    tt = np.frombuffer(pa.decompress(bytes(times), times_size, "zstd", asbytes=True), dtype="<f8")
    return list(zip(tt.tolist(), data.split(b"\n")))

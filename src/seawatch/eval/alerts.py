"""Alerts scored against the simulator's ground truth: recall, precision, false alarms, latency per type.

Matching (issue 5): a truth event counts as found when an alert of the same type overlaps it in time
and shares a vessel — an MMSI in common, or, for a vessel of the event without an MMSI (a dark vessel; any
vessel of the event when the alert has no MMSI), the alert's position within `match_distance_m` (2 km) of where
that truth vessel was at the same time. An alert has two positions with a time each: where it opened (evidence
`start_lat`, `start_lon`), at its start, and where its contact was at its last update (`lat`, `lon`), at evidence
`position_t` (in a file without it: at most `LAST_UPDATE_S`, 600 s, before its end or the end of the truth while
open: a contact silent longer is forgotten and its alert closed); either may match, within `slack_s` of those
times. So a dark boat's track that passes to
another boat at a meeting (a tracker's swap) carries the alert raised on the first to the second boat, found by
its last position; an alert that merely ends where another vessel had been earlier is not that vessel's. Instant
events and alerts (a border crossing, an identity change) also get `slack_s` (2 min: the latency the issue
allows an instant rule) either side of their time for the overlap. Per type:
- recall = found events / events; precision = alerts matching some event / alerts;
- false alarms per 1,000 vessel-hours = unmatched alerts / (vessel-hours at sea in the truth / 1,000);
- latency = alert start − event start for each found event (its earliest matching alert): median, p90 (and
  every found event's, `latencies_s`, for pooling runs: `bench/seeds.py`). The issue's bar is the rule's own
  minimum duration + 2 min (`latency_bar_s`). An
  alert matched only by its last position (a dark track that ended beside the vessel at a meeting, or passed
  to it) counts from the time of that position, not from its start: it was another vessel's until then;
- and the latency from when the event became observable: alert start − the first instant from the event's
  start at which one of its vessels was seen by a radar (≥ 2 plots in 30 s: a track can start from two plots;
  one plot is not told from clutter — ≥ 6 until stop 27 made the tracker seem to see boats before they were
  observable) or heard on AIS (≥ 1 report in 180 s). A go-fast that switches its AIS off out of every
  sensor's reach cannot be detected before a radar sees it; this column is the part of the latency the
  detection owns (same as the first where the truth has no visibility columns; `latencies_observable_s`).
Open alerts (end = null) last to the end of the truth.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from seawatch.errors import InputFormatError
from seawatch.geo import LocalFrame

LAST_UPDATE_S = 600.0   # an alert's last update (its lat/lon) is at most this long before its end
SEEN_RADAR_PLOTS = 2   # a vessel is observable by radar with at least this many plots of it in 30 s (below)

# each rule's own minimum duration (its defaults: a silence, an offset, a stay... before it opens), seconds
RULE_MIN_DURATION_S = {"dark_target": 300, "ais_gap": 300, "ais_spoofing": 180, "zone_entry": 60,
                       "zone_loiter": 1200, "border_crossing": 0, "rendezvous": 1800, "loitering": 3600,
                       "high_speed": 120, "shore_approach": 60, "watchlist": 0}


def latency_bar_s(kind: str) -> float:
    """Issue 5's bar on a type's median latency: the rule's own minimum duration + 2 min."""
    return float(RULE_MIN_DURATION_S[kind]) + 120.0


TYPES = ("dark_target", "ais_gap", "ais_spoofing", "zone_entry", "zone_loiter", "border_crossing", "rendezvous",
         "loitering", "high_speed", "shore_approach", "watchlist")


def _epoch(v: str | None, default: float) -> float:
    if v is None:
        return default
    t = datetime.fromisoformat(v)
    if t.tzinfo is None:   # read as local time, the scores would depend on the machine's time zone
        raise ValueError(f"time {v!r} has no zone; give it in UTC ('...Z')")
    return t.timestamp()


def read_scored_alerts(path: str | Path) -> list[dict[str, Any]]:
    """An alerts file (DESIGN.md's schema, one JSON object per line), checked for what scoring reads: a
    known type, start (and end or null) in UTC, lat/lon (numbers or null), MMSIs; InputFormatError naming
    file:line otherwise."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputFormatError(f"{p}: cannot read the alerts file ({err})") from err
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            a = json.loads(line)
            if not isinstance(a, dict):
                raise TypeError("not a JSON object")
            if a.get("type") not in TYPES:
                raise ValueError(f"type {a.get('type')!r} is not one of DESIGN.md's: {', '.join(TYPES)}")
            _epoch(a["start"], 0.0)
            _epoch(a.get("end"), 0.0)
            for key in ("lat", "lon"):
                if a[key] is not None:
                    float(a[key])
            if not all(isinstance(m, int) for m in a.get("mmsi") or []):
                raise TypeError(f"mmsi {a.get('mmsi')!r} is not a list of integers")
            ev = a.get("evidence") or {}
            if not isinstance(ev, dict):
                raise TypeError("evidence is not an object")
            for key in ("position_t", "start_lat", "start_lon"):   # what matching reads: numbers or null
                if ev.get(key) is not None and (isinstance(ev[key], bool) or not isinstance(ev[key], (int, float))):
                    raise TypeError(f"evidence {key} {ev[key]!r} is not a number")
        except (ValueError, KeyError, TypeError) as err:
            what = f"no {err}" if isinstance(err, KeyError) else str(err)
            raise InputFormatError(f"{p}:{n}: not an alert ({what}): {line[:120]!r}") from err
        out.append(a)
    return out


@dataclass
class Truth:
    events: list[dict[str, Any]]
    t: np.ndarray  # positions, sorted by (vessel, time)
    vessel: np.ndarray
    x: np.ndarray
    y: np.ndarray
    frame: LocalFrame
    t_end: float
    vessel_hours: float
    seen: np.ndarray | None = None  # per position row: observable by a sensor (None: unknown)
    mmsi_of: dict[int, int] | None = None  # vessel id -> its MMSI, -1 for none (None: unknown)

    def track(self, vid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = np.searchsorted(self.vessel, [vid, vid + 1])
        return self.t[a:b], self.x[a:b], self.y[a:b]

    def observable_from(self, event: dict[str, Any]) -> float:
        """First instant from the event's start at which one of its vessels was observable (its start if unknown)."""
        start = _epoch(event["start"], 0.0)
        if self.seen is None:
            return start
        first = np.inf
        for vid in event.get("vessels", []):
            a, b = np.searchsorted(self.vessel, [int(vid), int(vid) + 1])
            ok = np.flatnonzero(self.seen[a:b] & (self.t[a:b] >= start))
            if len(ok):
                first = min(first, float(self.t[a + ok[0]]))
        return first if np.isfinite(first) else start


def load_truth(truth_dir: str | Path) -> Truth:
    """A simulator's ground truth (`seawatch sim`'s DIR or DIR/truth: events.jsonl, positions.parquet, and
    vessels.csv if there); InputFormatError naming what is missing or unreadable."""
    d = Path(truth_dir)
    if (d / "truth").is_dir():
        d = d / "truth"
    for name in ("events.jsonl", "positions.parquet"):
        if not (d / name).is_file():
            raise InputFormatError(f"{d / name}: missing; --truth takes a directory written by `seawatch sim` "
                                   "(its truth/ holds events.jsonl and positions.parquet)")
    events = []
    for n, line in enumerate((d / "events.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            _epoch(e["start"], 0.0), _epoch(e.get("end"), 0.0), e["kind"]
        except (ValueError, KeyError, TypeError) as err:
            raise InputFormatError(f"{d / 'events.jsonl'}:{n}: not a truth event ({err}): {line[:120]!r}") from err
        events.append(e)
    try:
        names = pq.read_schema(d / "positions.parquet").names
    except Exception as err:   # pyarrow raises its own errors (ArrowInvalid, OSError)
        raise InputFormatError(f"{d / 'positions.parquet'}: not a readable Parquet file ({err})") from err
    vis = [c for c in ("radar_plots_30s", "ais_reports_180s") if c in names]
    tab = pq.read_table(d / "positions.parquet", columns=["vessel_id", "time", "lat", "lon", *vis])
    t = tab.column("time").cast("int64").to_numpy() / 1000.0
    v = tab.column("vessel_id").to_numpy().astype(np.int64)
    lat = tab.column("lat").to_numpy()
    lon = tab.column("lon").to_numpy()
    order = np.lexsort((t, v))
    t, v, lat, lon = t[order], v[order], lat[order], lon[order]
    seen = None
    if len(vis) == 2:
        seen = ((tab.column("radar_plots_30s").to_numpy() >= SEEN_RADAR_PLOTS) | (tab.column("ais_reports_180s").to_numpy() >= 1))[order]
    frame = LocalFrame(float(np.median(lat)) if len(lat) else 0.0, float(np.median(lon)) if len(lon) else 0.0)
    x, y = frame.to_xy(lat, lon)
    ut = np.unique(t)
    step = float(np.median(np.diff(ut))) if len(ut) > 1 else 10.0
    mmsi_of = None
    if (d / "vessels.csv").exists():
        with (d / "vessels.csv").open(encoding="utf-8") as fh:
            mmsi_of = {int(r["vessel_id"]): int(r["mmsi"]) if (r.get("mmsi") or "").strip() else -1
                       for r in csv.DictReader(fh)}
    return Truth(events, t, v, x, y, frame, float(t.max()) if len(t) else 0.0, len(t) * step / 3600.0, seen,
                 mmsi_of)


def _vessel_near(truth: Truth, vid: int, ax: float, ay: float, s: float, e: float, dist_m: float) -> bool:
    t, x, y = truth.track(vid)
    m = (t >= s) & (t <= e)
    if not m.any():
        if len(t) == 0:
            return False
        i = int(np.clip(np.searchsorted(t, s), 0, len(t) - 1))
        m = np.zeros(len(t), bool)
        m[i] = True
    return bool((np.hypot(x[m] - ax, y[m] - ay) <= dist_m).any())


def matched_at(alert: dict[str, Any], event: dict[str, Any], truth: Truth, slack_s: float,
               dist_m: float) -> float | None:
    """None if the alert does not match the event; else from when it is known to be about the event's vessel:
    its start if it shares an MMSI or opened where the vessel was, else (matched by its last position only: a
    track that passed to this vessel, or one that ended beside it at a meeting) the time of that position
    (its start, if the alert does not say where it opened: evidence start_lat/start_lon)."""
    if alert["type"] != event["kind"]:
        return None
    a_s = _epoch(alert["start"], 0.0)
    a_e = _epoch(alert.get("end"), truth.t_end)
    e_s = _epoch(event["start"], 0.0)
    e_e = _epoch(event.get("end"), truth.t_end)   # no end: it lasts to the end of the truth
    sl = slack_s if (a_s == a_e or e_s == e_e) else 0.0   # an instant one: its time give or take slack_s
    if a_s > e_e + sl or a_e < e_s - sl:
        return None
    a_m = {int(m) for m in alert.get("mmsi") or []}
    e_m = {int(m) for m in event.get("mmsi") or []}
    if a_m & e_m:
        return a_s
    if a_m and e_m and len(e_m) >= len(event.get("vessels", [])):
        return None  # both identified, no MMSI in common, and no dark vessel in the event
    vessels = [int(v) for v in event.get("vessels", [])]
    if a_m and truth.mmsi_of is not None:   # an alert on another identified vessel: only a dark one by position
        vessels = [v for v in vessels if truth.mmsi_of.get(v, -1) <= 0]
    ev = alert.get("evidence") or {}
    # its last update: at evidence position_t, or (an older alert file) at most LAST_UPDATE_S before its end
    pos_t = ev.get("position_t")
    where = []
    if "start_lat" in ev:
        where.append((ev["start_lat"], ev["start_lon"], a_s, a_s))     # where it opened, at its start
    where.append((alert["lat"], alert["lon"],
                  *((pos_t, pos_t) if pos_t is not None else (max(a_s, a_e - LAST_UPDATE_S), a_e))))
    for lat, lon, t0, t1 in where:
        if lat is None or lon is None:
            continue
        ax, ay = truth.frame.to_xy(float(lat), float(lon))
        if any(_vessel_near(truth, v, float(ax), float(ay), t0 - slack_s, t1 + slack_s, dist_m) for v in vessels):
            # an alert that does not say where it opened (a file from another tool) is about its position
            # from its start
            return float(t0) if "start_lat" in ev else a_s
    return None


def score_alerts(truth: Truth, alerts: list[dict[str, Any]], *, slack_s: float = 120.0,
                 match_distance_m: float = 2000.0) -> dict[str, Any]:
    """Per-type figures (see the module doc) and an overall line."""
    out: dict[str, Any] = {"vessel_hours": truth.vessel_hours, "types": {}}
    kinds = sorted(set(TYPES) | {e["kind"] for e in truth.events} | {a["type"] for a in alerts},
                   key=lambda k: TYPES.index(k) if k in TYPES else 99)
    for k in kinds:
        evs = [e for e in truth.events if e["kind"] == k]
        als = [a for a in alerts if a["type"] == k]
        matched_alert = np.zeros(len(als), bool)
        found = 0
        lat_s: list[float] = []
        lat_obs_s: list[float] = []
        for e in evs:
            when = [matched_at(a, e, truth, slack_s, match_distance_m) for a in als]
            hits = [i for i, w in enumerate(when) if w is not None]
            matched_alert[hits] = True
            if hits:
                found += 1
                first = min(float(w) for w in when if w is not None)
                lat_s.append(first - _epoch(e["start"], 0.0))
                lat_obs_s.append(first - truth.observable_from(e))
        fa = int((~matched_alert).sum())
        out["types"][k] = {
            "events": len(evs), "found": found, "alerts": len(als), "false_alarms": fa,
            "recall": found / len(evs) if evs else None,
            "precision": float(matched_alert.mean()) if als else None,
            "false_alarms_per_1000_vessel_hours": fa / (truth.vessel_hours / 1000.0) if truth.vessel_hours else None,
            "latency_median_s": float(np.median(lat_s)) if lat_s else None,
            "latency_p90_s": float(np.percentile(lat_s, 90)) if lat_s else None,
            "latency_observable_median_s": float(np.median(lat_obs_s)) if lat_obs_s else None,
            "latency_observable_p90_s": float(np.percentile(lat_obs_s, 90)) if lat_obs_s else None,
            "latencies_s": lat_s, "latencies_observable_s": lat_obs_s,
        }
    tot_e = sum(v["events"] for v in out["types"].values())
    tot_f = sum(v["found"] for v in out["types"].values())
    tot_a = sum(v["alerts"] for v in out["types"].values())
    tot_fa = sum(v["false_alarms"] for v in out["types"].values())
    out["all"] = {"events": tot_e, "found": tot_f, "alerts": tot_a, "false_alarms": tot_fa,
                  "recall": tot_f / tot_e if tot_e else None,
                  "precision": (tot_a - tot_fa) / tot_a if tot_a else None,
                  "false_alarms_per_1000_vessel_hours":
                      tot_fa / (truth.vessel_hours / 1000.0) if truth.vessel_hours else None}
    return out


def evaluate(truth_dir: str | Path, alerts_path: str | Path, **kw: Any) -> dict[str, Any]:
    alerts = read_scored_alerts(alerts_path)
    return score_alerts(load_truth(truth_dir), alerts, **kw)


def _fmt(v: Any, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def format_table(result: dict[str, Any], title: str = "") -> str:
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{'type':<16} {'events':>6} {'found':>5} {'alerts':>6} {'recall':>6} {'prec':>5} "
                 f"{'FA/1kvh':>8} {'lat med':>8} {'lat p90':>8} {'seen→med':>8} {'seen→p90':>8}")
    rows = list(result["types"].items()) + [("all", result["all"])]
    for k, v in rows:
        med = v.get("latency_median_s")
        p90 = v.get("latency_p90_s")
        omed = v.get("latency_observable_median_s")
        op90 = v.get("latency_observable_p90_s")
        lines.append(
            f"{k:<16} {v['events']:>6} {v['found']:>5} {v['alerts']:>6} {_fmt(v['recall'], '.2f'):>6} "
            f"{_fmt(v['precision'], '.2f'):>5} {_fmt(v['false_alarms_per_1000_vessel_hours'], '.2f'):>8} "
            f"{'—' if med is None else format(med / 60, '.1f') + 'm':>8} "
            f"{'—' if p90 is None else format(p90 / 60, '.1f') + 'm':>8} "
            f"{'—' if omed is None else format(omed / 60, '.1f') + 'm':>8} "
            f"{'—' if op90 is None else format(op90 / 60, '.1f') + 'm':>8}")
    lines.append(f"vessel-hours: {result['vessel_hours']:.0f}")
    return "\n".join(lines)


def run_eval_cli(args: Any) -> int:
    """`seawatch eval --truth DIR [--alerts F.jsonl] [--tracks F.parquet] [--json OUT]`: prints the tables,
    then the JSON."""
    out: dict[str, Any] = {}
    if getattr(args, "alerts", None):
        res = evaluate(args.truth, args.alerts)
        out["alerts"] = res
        print(format_table(res, f"alerts: {args.alerts} vs {args.truth}"))
    if getattr(args, "tracks", None):
        from seawatch.eval.tracks import evaluate_tracks, format_tracks_table
        tres = evaluate_tracks(args.truth, args.tracks)
        out["tracks"] = tres
        print(format_tracks_table(tres))
    if not out:
        print("nothing to score: give --alerts F.jsonl (and/or --tracks F.parquet)")
        return 2
    text = json.dumps(out, indent=2)
    if getattr(args, "json_out", None):
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0

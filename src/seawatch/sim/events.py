"""Ground-truth events of a scenario, derived from what the actors actually did in the simulation.

An actor's leg tagged with an event kind spans from the actor leaving the previous waypoint to leaving this
one (its dwell included); consecutive legs with the same kind make one event. Some kinds are refined from
the trajectory: `rendezvous` is the time all vessels of a group are together at the meeting point,
`border_crossing` is the instant the track crosses the border line, `high_speed` the time above 25 kn,
`zone_entry` the time inside a platform's safety zone; `ais_gap` comes from the transponder going off and on,
and `ais_spoofing` from the actor's spoofing windows, MMSI clone and identity change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from seawatch.model.units import KN_TO_MPS, iso_utc
from seawatch.sim.actors import ActorRuntime
from seawatch.sim.geometry import range_bearing

F64 = npt.NDArray[np.float64]
HIGH_SPEED_KN = 25.0


@dataclass
class Trace:
    """An actor's state at every time step."""

    t: F64
    lat: F64
    lon: F64
    sog_mps: F64
    ais_on: npt.NDArray[np.bool_]
    present: npt.NDArray[np.bool_]


def _event(kind: str, start: float, end: float, actors: list[ActorRuntime], mmsis: list[int], lat: float,
           lon: float, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "start": iso_utc(start), "end": iso_utc(end),
            "vessels": [a.vessel_index for a in actors], "mmsi": sorted(set(mmsis)),
            "lat": round(float(lat), 5), "lon": round(float(lon), 5),
            "actors": [a.name for a in actors], **extra}


def _at(tr: Trace, t: float) -> tuple[float, float]:
    i = int(np.clip(np.searchsorted(tr.t, t), 0, len(tr.t) - 1))
    return float(tr.lat[i]), float(tr.lon[i])


def _intervals(mask: npt.NDArray[np.bool_], t: F64) -> list[tuple[float, float]]:
    if not mask.any():
        return []
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
    return [(float(t[a]), float(t[b])) for a, b in zip(starts, ends)]


def leg_spans(rt: ActorRuntime, t_start: float, t_end: float) -> list[tuple[float, float] | None]:
    """(leaves previous waypoint, leaves this waypoint) per leg; None for legs never begun."""
    spans: list[tuple[float, float] | None] = []
    prev_leave: float | None = max(t_start, t_start + rt.spec.appear_s)
    for j in range(len(rt.spec.legs)):
        if prev_leave is None or prev_leave >= t_end:
            spans.append(None)
            prev_leave = None
            continue
        arr = rt.arrivals.get(j)
        leave = min(arr[1], t_end) if arr else t_end
        spans.append((prev_leave, leave))
        prev_leave = arr[1] if arr else None
    return spans


def derive_events(actors: list[ActorRuntime], traces: dict[str, Trace], mmsi_of: dict[str, int],
                  t_start: float, t_end: float, border: tuple[float, float, float] | None,
                  platforms: list[tuple[str, float, float, float]]) -> list[dict[str, Any]]:
    """All truth events, sorted by start time. border = (lat, lon_from, lon_to) of a parallel border line."""
    out: list[dict[str, Any]] = []
    groups: dict[str, list[tuple[ActorRuntime, float, float]]] = {}
    for rt in actors:
        tr = traces[rt.name]
        mmsi = [mmsi_of[rt.name]] if rt.ais_class else []
        spans = leg_spans(rt, t_start, t_end)
        kinds = sorted({k for leg in rt.spec.legs for k in leg.events})
        for kind in kinds:
            runs: list[list[float]] = []
            for j, leg in enumerate(rt.spec.legs):
                sp = spans[j]
                if sp is None or kind not in leg.events:
                    continue
                if kind == "rendezvous":
                    arr = rt.arrivals.get(j)
                    if arr and leg.group:
                        groups.setdefault(leg.group, []).append((rt, arr[0], min(arr[1], t_end)))
                    continue
                if runs and abs(runs[-1][1] - sp[0]) < 1e-6:
                    runs[-1][1] = sp[1]
                else:
                    runs.append([sp[0], sp[1]])
            for a, b in runs:
                sel = (tr.t >= a) & (tr.t <= b) & tr.present
                if kind == "high_speed":
                    for s, e in _intervals(sel & (tr.sog_mps > HIGH_SPEED_KN * KN_TO_MPS), tr.t):
                        out.append(_event(kind, s, e, [rt], mmsi, *_at(tr, s)))
                elif kind == "border_crossing" and border is not None:
                    blat = border[0]
                    side = tr.lat > blat
                    flips = np.flatnonzero(sel[1:] & sel[:-1] & (side[1:] != side[:-1]) &
                                           (tr.lon[1:] >= border[1]) & (tr.lon[1:] <= border[2]))
                    for f in flips:
                        w = (blat - tr.lat[f]) / (tr.lat[f + 1] - tr.lat[f])
                        tc = float(tr.t[f] + w * (tr.t[f + 1] - tr.t[f]))
                        lon = float(tr.lon[f] + w * (tr.lon[f + 1] - tr.lon[f]))
                        out.append(_event(kind, tc, tc, [rt], mmsi, blat, lon,
                                          direction="north" if side[f + 1] else "south"))
                elif kind == "zone_entry":
                    for pid, plat, plon, radius in platforms:
                        d, _ = range_bearing(plat, plon, tr.lat, tr.lon)
                        for s, e in _intervals(sel & (d <= radius), tr.t):
                            out.append(_event(kind, s, e, [rt], mmsi, *_at(tr, s), zone=pid))
                else:
                    out.append(_event(kind, a, b, [rt], mmsi, *_at(tr, a)))
        # the transponder going dark while at sea
        if rt.ais_class:
            on = tr.ais_on & tr.present
            for s, e in _intervals(tr.present & ~tr.ais_on, tr.t):
                if on[tr.t < s].any():  # it was transmitting before: a gap, not a vessel without AIS
                    out.append(_event("ais_gap", s, e, [rt], mmsi, *_at(tr, s)))
        for spoof in rt.spec.spoof:
            s, e = t_start + spoof.from_s, min(t_start + spoof.to_s, t_end)
            out.append(_event("ais_spoofing", s, e, [rt], mmsi, *_at(tr, s), how="position_offset",
                              offset_m=list(spoof.offset_m)))
        if rt.spec.mmsi_of is not None:
            twin = next(a for a in actors if a.name == rt.spec.mmsi_of)
            both = tr.present & tr.ais_on & traces[twin.name].present & traces[twin.name].ais_on
            for s, e in _intervals(both, tr.t):
                out.append(_event("ais_spoofing", s, e, [rt, twin], mmsi, *_at(tr, s), how="mmsi_clone"))
        if rt.spec.identity_change is not None and rt.alt_identity is not None:
            s = t_start + rt.spec.identity_change.at_s
            out.append(_event("ais_spoofing", s, s, [rt], mmsi + [rt.alt_identity.mmsi], *_at(tr, s),
                              how="identity_change", new_name=rt.alt_identity.name))
    for gid, members in sorted(groups.items()):
        s = max(m[1] for m in members)
        e = min(m[2] for m in members)
        if e <= s:
            continue
        rts = [m[0] for m in members]
        trs = [traces[r.name] for r in rts]
        ok = (trs[0].t >= s) & (trs[0].t <= e)
        for tr in trs:  # together means: all slow (< 2 kn) and all within 500 m of the first
            d, _ = range_bearing(trs[0].lat, trs[0].lon, tr.lat, tr.lon)
            ok &= (tr.sog_mps < 2.0 * KN_TO_MPS) & (d < 500.0) & tr.present
        if not ok.any():
            continue
        s, e = float(trs[0].t[ok][0]), float(trs[0].t[ok][-1])
        pos = np.array([_at(traces[r.name], s) for r in rts])
        mm = [mmsi_of[r.name] for r in rts if r.ais_class]
        out.append(_event("rendezvous", s, e, rts, mm, pos[:, 0].mean(), pos[:, 1].mean(), group=gid))
    out.sort(key=lambda ev: (ev["start"], ev["kind"], ev["vessels"]))
    return out

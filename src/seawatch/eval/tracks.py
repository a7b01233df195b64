"""Tracking and fusion scored against the simulator's ground truth (`seawatch eval --tracks`).

Inputs: `truth/positions.parquet` (every vessel at sea every `truth_interval_s`, with `radar_plots_30s`
and `ais_reports_180s`: how many radar plots / received AIS position reports the vessel produced just
before) and the contact updates `seawatch replay --tracks-out` writes.

At every truth instant T (or every `step_s`):
- **estimates**: every contact whose latest update at or before T is confirmed or coasting (not tentative,
  not lost) and at most `max_age_s` old, dead-reckoned from that update to T;
- **truth**: every vessel at sea. A vessel is *observable* when a sensor could have shown it: at least
  `radar_min_plots` radar plots in the last 30 s (a track needs several hits to be confirmed) or at least
  one AIS position report received in the last 180 s.
- **GOSPA** (c = 100 m, p = 1, alpha = 2) between the observable vessels and the estimates, with its
  localisation / missed / false parts. The optimal assignment is made against every vessel at sea: an
  estimate on a vessel that is not observable (a track coasting out of cover) is neither a miss nor a
  false track, it is left out of both sets ("don't care").

Identity over time is judged on a second matching that keeps a vessel's contact from one instant to the
next while it stays within c (as the CLEAR-MOT metrics do; the per-instant GOSPA assignment alone would
flip between boats moored side by side). From it, per vessel: the contact ids that followed it, **breaks** (the contact changes and
the old one is gone: a new track replaced a lost one), **swaps** (the contact changes while the old one
lives on, on another vessel or as a false track), the share of its radar-covered time it was tracked,
and the **time to confirm** (first assigned instant − first observable instant) for vessels that appear
after the start; **identity**: the share of fused contact-instants whose MMSI is the one the vessel
broadcasts at that time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq
from scipy.spatial import cKDTree

from seawatch.eval.gospa import assign
from seawatch.geo.frames import LocalFrame
from seawatch.model.contact import ContactKind, TrackStatus
from seawatch.track.assign import solve_dense

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

AMBIGUOUS_M = 50.0  # two vessels closer than this are one radar echo: their identities are interchangeable
START_GRACE_S = 60.0  # a vessel first observable within this of the start is "at start", not "new"


@dataclass(frozen=True)
class TruthTable:
    t: F64
    vessel: I64
    lat: F64
    lon: F64
    mmsi: I64
    observable: B
    radar_cover: B
    vessel_type: dict[int, str]


@dataclass(frozen=True)
class TrackTable:
    contact_id: I64
    t: F64
    kind: npt.NDArray[np.uint8]
    status: npt.NDArray[np.uint8]
    lat: F64
    lon: F64
    sog_mps: F64
    cog_deg: F64
    mmsi: I64


def _truth_dir(path: str | Path) -> Path:
    p = Path(path)
    return p / "truth" if (p / "truth").is_dir() else p


def load_truth_positions(truth_dir: str | Path, radar_min_plots: int = 6) -> TruthTable:
    d = _truth_dir(truth_dir)
    tab = pq.read_table(d / "positions.parquet")
    names = set(tab.column_names)
    n = tab.num_rows
    radar = (tab.column("radar_plots_30s").to_numpy().astype(np.int64) if "radar_plots_30s" in names
             else np.full(n, radar_min_plots, np.int64))  # an older truth without it: everything observable
    ais = tab.column("ais_reports_180s").to_numpy().astype(np.int64) if "ais_reports_180s" in names else radar
    types: dict[int, str] = {}
    if (d / "vessels.csv").exists():
        with (d / "vessels.csv").open(encoding="utf-8") as fh:
            types = {int(r["vessel_id"]): r["type"] for r in csv.DictReader(fh)}
    radar_cover = radar >= radar_min_plots
    return TruthTable(
        t=tab.column("time").cast("int64").to_numpy() / 1000.0,
        vessel=tab.column("vessel_id").to_numpy().astype(np.int64),
        lat=tab.column("lat").to_numpy().astype(np.float64),
        lon=tab.column("lon").to_numpy().astype(np.float64),
        mmsi=tab.column("mmsi").to_numpy().astype(np.int64),
        observable=radar_cover | (ais >= 1), radar_cover=radar_cover, vessel_type=types)


def load_tracks(path: str | Path) -> TrackTable:
    tab = pq.read_table(path, columns=["contact_id", "t", "kind", "status", "lat", "lon", "sog_mps",
                                       "cog_deg", "mmsi"])

    def col(name: str, dtype: Any) -> Any:
        c = tab.column(name)
        if np.issubdtype(dtype, np.signedinteger):
            c = c.fill_null(-1)  # absent identity (a dark contact has no MMSI)
        return c.to_numpy(zero_copy_only=False).astype(dtype)

    return TrackTable(col("contact_id", np.int64), col("t", np.float64), col("kind", np.uint8),
                      col("status", np.uint8), col("lat", np.float64), col("lon", np.float64),
                      np.nan_to_num(col("sog_mps", np.float64)), np.nan_to_num(col("cog_deg", np.float64)),
                      col("mmsi", np.int64))


def _estimates_at(tr: TrackTable, grid: F64, max_age_s: float) -> tuple[I64, I64]:
    """(row of the contact update that stands for the contact, grid index) for every contact alive at
    every grid instant: the latest update at or before the instant, confirmed or coasting, ≤ max_age_s."""
    order = np.lexsort((tr.t, tr.contact_id))
    cid, t = tr.contact_id[order], tr.t[order]
    nxt = np.full(len(t), np.inf)
    same = cid[1:] == cid[:-1]
    nxt[:-1][same] = t[1:][same]
    end = np.minimum(nxt, t + max_age_s)
    k0 = np.searchsorted(grid, t, side="left")
    k1 = np.searchsorted(grid, end, side="left")  # an update replaces the previous one at its own time
    st = tr.status[order]
    live = (st == TrackStatus.CONFIRMED) | (st == TrackStatus.COASTING)
    k0, k1, rows = k0[live], k1[live], order[live]
    count = np.maximum(k1 - k0, 0)
    row = np.repeat(rows, count)
    first = np.repeat(np.cumsum(count) - count, count)
    k = np.repeat(k0, count) + (np.arange(int(count.sum())) - first)
    return row.astype(np.int64), k.astype(np.int64)


def evaluate_tracks(truth_dir: str | Path, tracks_path: str | Path, *, c: float = 100.0, p: float = 1.0,
                    step_s: float | None = None, max_age_s: float = 75.0, radar_min_plots: int = 6,
                    per_vessel: bool = False) -> dict[str, Any]:
    truth = load_truth_positions(truth_dir, radar_min_plots)
    tracks = load_tracks(tracks_path)
    grid = np.unique(truth.t)
    if step_s is not None and len(grid):
        q = (grid - grid[0]) / step_s
        grid = grid[np.abs(q - np.round(q)) < 1e-6]
    frame = LocalFrame(float(np.mean(truth.lat)), float(np.mean(truth.lon)))
    # truth rows on the grid
    tk = np.searchsorted(grid, truth.t)
    on_grid = (tk < len(grid)) & (grid[np.minimum(tk, len(grid) - 1)] == truth.t)
    ti_rows = np.flatnonzero(on_grid)
    t_k = tk[ti_rows]
    tx, ty = frame.to_xy(truth.lat[ti_rows], truth.lon[ti_rows])
    # estimates on the grid, dead-reckoned
    e_row, e_k = _estimates_at(tracks, grid, max_age_s)
    dt = grid[e_k] - tracks.t[e_row]
    ex, ey = frame.to_xy(tracks.lat[e_row], tracks.lon[e_row])
    cog = np.radians(tracks.cog_deg[e_row])
    ex = ex + tracks.sog_mps[e_row] * np.sin(cog) * dt
    ey = ey + tracks.sog_mps[e_row] * np.cos(cog) * dt
    a_t, a_e, a_d = assign(np.column_stack([tx, ty]), np.column_stack([ex, ey]), c, p, t_k, e_k)
    obs = truth.observable[ti_rows]
    # pairs on vessels that are not observable are "don't care": out of every part
    dont_care_est = np.zeros(len(e_row), bool)
    dont_care_est[a_e[~obs[a_t]]] = True
    keep = obs[a_t]
    a_t, a_e, a_d = a_t[keep], a_e[keep], a_d[keep]
    nk = len(grid)
    n_truth = np.bincount(t_k[obs], minlength=nk)
    n_est = np.bincount(e_k[~dont_care_est], minlength=nk)
    n_ass = np.bincount(t_k[a_t], minlength=nk)
    loc = np.bincount(t_k[a_t], weights=a_d**p, minlength=nk)
    missed = c**p / 2.0 * (n_truth - n_ass)
    false = c**p / 2.0 * (n_est - n_ass)
    g = (loc + missed + false) ** (1.0 / p)
    out: dict[str, Any] = {
        "truth": str(truth_dir), "tracks": str(tracks_path), "instants": int(nk),
        "step_s": float(np.median(np.diff(grid))) if nk > 1 else None,
        "gospa": {"c_m": c, "p": p, "alpha": 2.0, "mean": _mean(g), "localisation": _mean(loc),
                  "missed": _mean(missed), "false": _mean(false),
                  "mean_truth": _mean(n_truth), "mean_estimates": _mean(n_est),
                  "mean_assigned": _mean(n_ass)},
    }
    # identity metrics follow contacts over time: an assignment that keeps last instant's pairs
    m_t, m_e = continuous_assignment(np.column_stack([tx, ty]), t_k, truth.vessel[ti_rows],
                                     np.column_stack([ex, ey]), e_k, tracks.contact_id[e_row], c)
    keep = obs[m_t]
    dont_care_est = np.zeros(len(e_row), bool)
    dont_care_est[m_e[~keep]] = True
    m_t, m_e = m_t[keep], m_e[keep]
    contact_of = np.full(len(ti_rows), -1, np.int64)
    contact_of[m_t] = tracks.contact_id[e_row[m_e]]
    radar_of = np.zeros(len(ti_rows), bool)
    radar_of[m_t] = tracks.kind[e_row[m_e]] != ContactKind.AIS_ONLY
    out.update(_per_vessel(truth, ti_rows, t_k, grid, contact_of, radar_of, tracks, e_row, e_k, per_vessel))
    out["identity"] = _identity(truth, ti_rows, t_k, np.column_stack([tx, ty]), tracks, e_row, m_t, m_e,
                                dont_care_est)
    return out


def continuous_assignment(truth_xy: F64, truth_k: I64, truth_id: I64, est_xy: F64, est_k: I64, est_id: I64,
                          c: float) -> tuple[I64, I64]:
    """Truth-to-estimate pairs instant by instant, as the CLEAR-MOT metrics match: a pair matched at a
    vessel's previous matched instant is kept while it stays closer than c; the others are matched by
    an optimal assignment of distance below c. Returns (truth row, estimate row) of every pair."""
    tri = np.column_stack([truth_xy, truth_k * 4.0 * c])
    est = np.column_stack([est_xy, est_k * 4.0 * c])
    if not len(tri) or not len(est):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = cKDTree(tri).sparse_distance_matrix(cKDTree(est), c, output_type="ndarray")
    pairs = pairs[pairs["v"] < c]
    i, j, d = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    order = np.argsort(truth_k[i], kind="stable")
    i, j, d = i[order], j[order], d[order]
    bounds = np.flatnonzero(np.diff(truth_k[i])) + 1
    prev: dict[int, int] = {}  # vessel -> contact of its latest match
    out_t: list[I64] = []
    out_e: list[I64] = []
    for grp in np.split(np.arange(len(i)), bounds) if len(i) else []:
        gi, gj, gd = i[grp], j[grp], d[grp]
        vid, cid = truth_id[gi], est_id[gj]
        cont = np.array([prev.get(v, -2) == e for v, e in zip(vid.tolist(), cid.tolist())], bool)
        # a kept pair takes its truth and its estimate out of the rest (first one wins on a tie)
        _, first_t = np.unique(gi[cont], return_index=True)
        kt, ke = gi[cont][first_t], gj[cont][first_t]
        _, first_e = np.unique(ke, return_index=True)
        kt, ke = kt[first_e], ke[first_e]
        free = ~np.isin(gi, kt) & ~np.isin(gj, ke)
        ft, fe = _optimal(gi[free], gj[free], gd[free], c)
        at, ae = np.concatenate([kt, ft]), np.concatenate([ke, fe])
        out_t.append(at)
        out_e.append(ae)
        prev.update(zip(truth_id[at].tolist(), est_id[ae].tolist()))
    if not out_t:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_t), np.concatenate(out_e)


def _optimal(i: I64, j: I64, d: F64, c: float) -> tuple[I64, I64]:
    if not len(i):
        return i, j
    return solve_dense(i, j, d, no_edge=c)


def _mean(a: npt.NDArray[Any]) -> float | None:
    return float(np.mean(a)) if len(a) else None


def _per_vessel(truth: TruthTable, rows: I64, t_k: I64, grid: F64, contact_of: I64, radar_of: B,
                tracks: TrackTable, e_row: I64, e_k: I64, detail: bool) -> dict[str, Any]:
    alive = set(zip(tracks.contact_id[e_row].tolist(), e_k.tolist()))  # (contact, instant) pairs alive
    vessel = truth.vessel[rows]
    order = np.lexsort((t_k, vessel))
    t0 = float(grid[0]) if len(grid) else 0.0
    per: list[dict[str, Any]] = []
    breaks = swaps = 0
    confirm_new: list[float] = []
    confirm_start: list[float] = []
    radar_new: list[float] = []
    radar_never: list[int] = []
    never: list[int] = []
    covered = covered_tracked = 0
    radar_vessels = radar_tracked = 0
    bounds = np.flatnonzero(np.diff(vessel[order])) + 1
    for grp in np.split(order, bounds) if len(order) else []:
        v = int(vessel[grp[0]])
        ks = t_k[grp]
        cids = contact_of[grp]
        obs = truth.observable[rows[grp]]
        rc = truth.radar_cover[rows[grp]]
        seq = [(int(k), int(cc)) for k, cc in zip(ks, cids) if cc >= 0]
        b = s = 0
        for (_, prev), (k, cur) in pairwise(seq):
            if cur != prev:
                if (prev, k) in alive:
                    s += 1
                else:
                    b += 1
        breaks += b
        swaps += s
        if obs.any():
            first_obs = float(grid[ks[np.argmax(obs)]])
            later = (cids >= 0) & (grid[ks] >= first_obs)
            if later.any():
                lag = float(grid[ks[np.argmax(later)]]) - first_obs
                (confirm_start if first_obs - t0 <= START_GRACE_S else confirm_new).append(lag)
            else:
                never.append(v)
        if rc.any():  # a radar track for a vessel that comes into radar cover after the start
            first_rc = float(grid[ks[np.argmax(rc)]])
            later = radar_of[grp] & (grid[ks] >= first_rc)
            if first_rc - t0 > START_GRACE_S:
                if later.any():
                    radar_new.append(float(grid[ks[np.argmax(later)]]) - first_rc)
                else:
                    radar_never.append(v)
        n_rc = int(rc.sum())
        n_rc_tr = int((rc & (cids >= 0)).sum())
        covered += n_rc
        covered_tracked += n_rc_tr
        if n_rc:
            radar_vessels += 1
            radar_tracked += int(n_rc_tr > 0)
        if detail or truth.vessel_type.get(v) == "gofast":
            per.append({"vessel_id": v, "type": truth.vessel_type.get(v), "contacts": sorted({c for _, c in seq}),
                        "breaks": b, "swaps": s, "observable_instants": int(obs.sum()),
                        "radar_cover_instants": n_rc, "radar_cover_tracked": n_rc_tr})
    return {
        "vessels": {"at_sea": len(np.unique(vessel)),
                    "observable": len(np.unique(vessel[truth.observable[rows]])),
                    "in_radar_cover": radar_vessels, "tracked_in_radar_cover": radar_tracked,
                    "radar_cover_time_tracked": covered_tracked / covered if covered else None,
                    "never_tracked": never},
        "breaks": breaks, "swaps": swaps,
        "time_to_confirm_s": {"new_vessels": len(confirm_new), "median": _pct(confirm_new, 50),
                              "p90": _pct(confirm_new, 90), "at_start_vessels": len(confirm_start),
                              "at_start_median": _pct(confirm_start, 50), "at_start_p90": _pct(confirm_start, 90),
                              "radar_new_vessels": len(radar_new), "radar_median": _pct(radar_new, 50),
                              "radar_p90": _pct(radar_new, 90), "radar_never": radar_never},
        "per_vessel": per,
    }


def _pct(xs: list[float], q: float) -> float | None:
    return float(np.percentile(xs, q)) if xs else None


def _identity(truth: TruthTable, rows: I64, t_k: I64, truth_xy: F64, tracks: TrackTable, e_row: I64, a_t: I64,
              a_e: I64, dont_care: B) -> dict[str, Any]:
    """Fused identity: correct when the contact's MMSI is the one its vessel broadcasts; *ambiguous* when it
    belongs to another vessel within AMBIGUOUS_M of it (boats moored together: no sensor tells them apart)."""
    fused = tracks.kind[e_row] == ContactKind.FUSED
    on_fused = fused[a_e]
    truth_mmsi = truth.mmsi[rows[a_t]]
    est_mmsi = tracks.mmsi[e_row[a_e]]
    ok = on_fused & (est_mmsi == truth_mmsi)
    # where is the vessel that owns the contact's MMSI at that instant?
    own = truth.mmsi[rows] >= 0
    span = int(t_k.max()) + 2 if len(t_k) else 1
    key = truth.mmsi[rows][own] * span + t_k[own]
    srt = np.argsort(key)
    q = est_mmsi * span + t_k[a_t]
    pos = np.minimum(np.searchsorted(key[srt], q), max(len(srt) - 1, 0))
    found = on_fused & ~ok & (len(srt) > 0) & (key[srt][pos] == q) if len(srt) else np.zeros(len(q), bool)
    owner = np.flatnonzero(own)[srt[pos]] if len(srt) else np.zeros(len(q), np.int64)
    gap = np.hypot(*(truth_xy[owner] - truth_xy[a_t]).T) if len(srt) else np.full(len(q), np.inf)
    ambiguous = found & (gap <= AMBIGUOUS_M)
    n = int(on_fused.sum())
    assigned = np.zeros(len(e_row), bool)
    assigned[a_e] = True
    return {"fused_instants": n, "fused_correct": int(ok.sum()), "fused_ambiguous": int(ambiguous.sum()),
            "fused_wrong": n - int(ok.sum()) - int(ambiguous.sum()),
            "fused_correct_share": (ok.sum() + ambiguous.sum()) / n if n else None,
            "fused_strict_share": ok.sum() / n if n else None,
            "fused_unassigned_instants": int((fused & ~assigned & ~dont_care).sum())}


def format_tracks_table(r: dict[str, Any]) -> str:
    g, v, ttc, ident = r["gospa"], r["vessels"], r["time_to_confirm_s"], r["identity"]

    def f(x: Any, spec: str = ".1f") -> str:
        return "—" if x is None else format(x, spec)

    lines = [
        f"tracks: {r['tracks']} vs {r['truth']}  ({r['instants']} instants every {f(r['step_s'], '.0f')} s)",
        (f"GOSPA (c={g['c_m']:.0f} m, p={g['p']:.0f}, α=2) mean {f(g['mean'])} m = localisation "
         f"{f(g['localisation'])} + missed {f(g['missed'])} + false {f(g['false'])}"),
        (f"  per instant: {f(g['mean_truth'])} observable vessels, {f(g['mean_estimates'])} contacts, "
         f"{f(g['mean_assigned'])} assigned"),
        (f"vessels at sea {v['at_sea']}, observable {v['observable']}, in radar cover {v['in_radar_cover']}, "
         f"tracked there {v['tracked_in_radar_cover']} ({f(_pct100(v['radar_cover_time_tracked']))}% of "
         f"radar-covered time)"),
        f"track breaks {r['breaks']}, swaps {r['swaps']}",
        (f"time to confirm a new vessel: median {f(ttc['median'])} s, p90 {f(ttc['p90'])} s "
         f"({ttc['new_vessels']} new; at start: median {f(ttc['at_start_median'])} s); by radar: median "
         f"{f(ttc['radar_median'])} s, p90 {f(ttc['radar_p90'])} s ({ttc['radar_new_vessels']} entering "
         f"radar cover, {len(ttc['radar_never'])} never)"),
        (f"fused identity correct {f(_pct100(ident['fused_correct_share']), '.2f')}% of "
         f"{ident['fused_instants']} fused contact-instants ({ident['fused_ambiguous']} of them between "
         f"vessels < {AMBIGUOUS_M:.0f} m apart; strictly {f(_pct100(ident['fused_strict_share']), '.2f')}%)"),
    ]
    for pv in r["per_vessel"]:
        if pv["type"] == "gofast":
            lines.append(f"go-fast vessel {pv['vessel_id']}: contacts {pv['contacts']}, breaks {pv['breaks']}, "
                         f"swaps {pv['swaps']}, tracked {pv['radar_cover_tracked']}/{pv['radar_cover_instants']} "
                         f"radar-covered instants")
    return "\n".join(lines)


def _pct100(x: float | None) -> float | None:
    return None if x is None else 100.0 * x

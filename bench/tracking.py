#!/usr/bin/env python3
"""Radar tracking benchmark: seawatch's RadarTracker side by side with Stone Soup on the same plots.

    bench/tracking.py --plots ../shared/bench/tracking/n500_plots.csv \
                      --meta  ../shared/bench/tracking/n500_meta.json --tracks-out /tmp/n500_tracks.csv \
                      [--stonesoup] [--scale-targets 5000 | --scale-targets 0]

The trackers read only the plots (`scan,time,x,y`) and the sensor/model parameters of the meta file; the
truth file (`*_truth.csv` next to the plots, or --truth) is read after tracking, to score GOSPA
(c = 100 m, p = 1, alpha = 2, mean over scans). Each tracker runs in a fresh spawned process so that its
peak RSS is its own; time is the wall time of the tracking calls only (input parsing and, for Stone Soup,
building Detection objects are excluded), and "plots/s CPU" the same on the process's CPU time, which
stays meaningful when other jobs share the cores. "traced MB" is the tracemalloc peak of a second
seawatch pass (the arrays the tracker allocates). Then a scenario with --scale-targets targets is generated with
the meta's generator parameters into a temp dir and seawatch's plots/s printed for it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv

from seawatch.eval.gospa import gospa
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams

GOSPA_C, GOSPA_P = 100.0, 1.0


@dataclass
class Run:
    name: str
    rows: np.ndarray          # (K, 7): scan, time, track_id, x, y, vx, vy
    ms_per_scan: np.ndarray   # wall time of each scan's tracking call
    cpu_ms_per_scan: np.ndarray   # CPU time of the same (robust when other jobs share the cores)
    peak_rss_mb: float
    traced_peak_mb: float | None


# ---------------------------------------------------------------- input
def read_csv(path: Path) -> np.ndarray:
    """A numeric CSV with a header line as a float64 (rows, columns) array."""
    table = pacsv.read_csv(path)
    return np.column_stack([table.column(i).to_numpy().astype(np.float64) for i in range(table.num_columns)])


def load_plots(path: Path) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """-> (scan numbers, plots per scan (M, 2), time per scan)."""
    a = read_csv(path)
    a = a[np.argsort(a[:, 0], kind="stable")]
    scans, start = np.unique(a[:, 0].astype(np.int64), return_index=True)
    per_scan = np.split(a[:, 2:4], start[1:])
    times = a[start, 1]
    return scans, per_scan, times


def all_scans(meta: dict[str, Any], scans: np.ndarray, per_scan: list[np.ndarray],
              times: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Fill scans without any plot (possible in principle) so that every scan is stepped."""
    n = int(meta["n_scans"])
    full = [np.empty((0, 2))] * n
    t = np.arange(n) * float(meta["dt"])
    for s, p, tt in zip(scans, per_scan, times):
        full[int(s)] = p
        t[int(s)] = tt
    return np.arange(n), full, t


def tracker_params(meta: dict[str, Any]) -> TrackerParams:
    area = float(meta["area"])
    return TrackerParams(q_m2ps3=float(meta["q"]), meas_sigma_m=float(meta["sigma"]), pd=float(meta["pd"]),
                         clutter_density_per_m2=float(meta["clutter_rate"]) / area**2,
                         init_speed_sigma_mps=float(meta["vmax"]) / 2.0)


# ---------------------------------------------------------------- seawatch
def _seawatch_pass(params: TrackerParams, per_scan: list[np.ndarray], times: np.ndarray,
                   scans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tr = RadarTracker(params)
    noise = MeasurementNoise(sigma_m=params.meas_sigma_m)
    out: list[np.ndarray] = []
    ms, cpu = np.empty(len(scans)), np.empty(len(scans))
    for k, (s, t, z) in enumerate(zip(scans, times, per_scan)):
        t0, c0 = time.perf_counter(), time.process_time()
        table = tr.step(float(t), z, noise)
        ms[k], cpu[k] = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        c = table.confirmed
        rows = np.empty((int(c.sum()), 7))
        rows[:, 0], rows[:, 1], rows[:, 2] = s, t, table.track_id[c]
        rows[:, 3:7] = table.x[c]
        out.append(rows)
    return np.concatenate(out), np.stack([ms, cpu])


def run_seawatch(params: TrackerParams, per_scan: list[np.ndarray], times: np.ndarray,
                 scans: np.ndarray) -> Run:
    # the compiled kernels load from numba's disk cache at their first call, once per process (as a live
    # tracker does at start-up): a few scans first, timed apart, so the per-scan figures are the tracking's
    c0 = time.process_time()
    _seawatch_pass(params, per_scan[:5], times[:5], scans[:5])
    print(f"   (seawatch: compiled kernels loaded in {time.process_time() - c0:.2f} CPU s, before timing)")
    rows, ms = _seawatch_pass(params, per_scan, times, scans)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    _seawatch_pass(params, per_scan, times, scans)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    name = "seawatch" if params.manoeuvre_q_m2ps3 is None else "sw-imm"
    return Run(name, rows, ms[0], ms[1], rss, traced)


# ---------------------------------------------------------------- Stone Soup
def run_stonesoup(params: TrackerParams, per_scan: list[np.ndarray], times: np.ndarray,
                  scans: np.ndarray) -> Run:
    """Kalman + GNN (2-D assignment) with a KD-tree pre-gate, M-of-N initiation, delete after misses —
    configured with the same model, gate and lifecycle numbers as seawatch."""
    import datetime as dt

    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import KalmanUpdater

    q, sig, sv = params.q_m2ps3, params.meas_sigma_m, params.init_speed_sigma_mps
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(q), ConstantVelocity(q)])
    meas = LinearGaussian(ndim_state=4, mapping=(0, 2), noise_covar=np.diag([sig**2, sig**2]))
    predictor = KalmanPredictor(transition)
    updater = KalmanUpdater(meas)
    hyp = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                               missed_distance=float(np.sqrt(params.gate_d2)))
    max_d = 500.0   # KD-tree pre-gate radius, m (wider than any live gate)
    assoc = DetectionKDTreeGNN2D(hyp, predictor, updater, max_distance=max_d)
    init_assoc = DetectionKDTreeGNN2D(hyp, predictor, updater, max_distance=max_d)
    # M-of-N: a holding track needs confirm_m updates and is dropped after (confirm_n - confirm_m + 1)
    # scans without one (2-of-3 -> dropped after 2 misses)
    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(np.zeros((4, 1)), np.diag([0.0, sv**2, 0.0, sv**2])),
        measurement_model=meas,
        deleter=UpdateTimeStepsDeleter(params.confirm_n - params.confirm_m + 1),
        data_associator=init_assoc, updater=updater, min_points=params.confirm_m)
    tracker = MultiTargetTracker(initiator=initiator, deleter=UpdateTimeStepsDeleter(params.delete_misses),
                                 detector=None, data_associator=assoc, updater=updater)
    t0_epoch = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    stamps = [t0_epoch + dt.timedelta(seconds=float(t)) for t in times]
    dets = [{Detection(np.array([[p[0]], [p[1]]]), timestamp=ts, measurement_model=meas) for p in z}
            for z, ts in zip(per_scan, stamps)]
    ids: dict[str, int] = {}
    out: list[list[float]] = []
    ms, cpu = np.empty(len(scans)), np.empty(len(scans))
    for k, (s, t, ts, d) in enumerate(zip(scans, times, stamps, dets)):
        t0, c0 = time.perf_counter(), time.process_time()
        _, tracks = tracker.update_tracker(ts, d)
        ms[k], cpu[k] = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        for trk in tracks:
            sv_ = trk.state_vector
            tid = ids.setdefault(trk.id, len(ids) + 1)
            out.append([s, t, tid, float(sv_[0, 0]), float(sv_[2, 0]), float(sv_[1, 0]), float(sv_[3, 0])])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Run("stonesoup", np.array(out).reshape(-1, 7), ms, cpu, rss, None)


def _child(fn_name: str, args: tuple[Any, ...], conn: Any) -> None:
    conn.send(globals()[fn_name](*args))
    conn.close()


def in_child(fn_name: str, *args: Any) -> Run:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn_name, args, child))
    proc.start()
    child.close()
    run: Run = parent.recv()
    proc.join()
    return run


# ---------------------------------------------------------------- scoring
def mean_gospa(rows: np.ndarray, truth: np.ndarray, scans: np.ndarray) -> tuple[float, float, float, float]:
    """Mean over scans of GOSPA and of its localisation / missed / false parts."""
    tr_scan = truth[:, 0].astype(np.int64)
    rw_scan = rows[:, 0].astype(np.int64)
    t_order, r_order = np.argsort(tr_scan, kind="stable"), np.argsort(rw_scan, kind="stable")
    t_b = np.searchsorted(tr_scan[t_order], scans, side="left"), np.searchsorted(tr_scan[t_order], scans, "right")
    r_b = np.searchsorted(rw_scan[r_order], scans, side="left"), np.searchsorted(rw_scan[r_order], scans, "right")
    acc = np.zeros(4)
    for k in range(len(scans)):
        xt = truth[t_order[t_b[0][k]:t_b[1][k]]][:, 3:5]
        xe = rows[r_order[r_b[0][k]:r_b[1][k]]][:, 3:5]
        g = gospa(xt, xe, c=GOSPA_C, p=GOSPA_P)
        acc += (g.distance, g.localisation, g.missed, g.false)
    m = acc / max(len(scans), 1)
    return float(m[0]), float(m[1]), float(m[2]), float(m[3])


# ---------------------------------------------------------------- scenario generator
def generate(meta: dict[str, Any], out_dir: Path, n_targets: int, seed: int,
             turns: bool = False) -> tuple[Path, Path, Path]:
    """Targets uniform in [margin, area - margin]^2, speed U(0, vmax), heading U(0, 2 pi), nearly-constant
    velocity with white-noise acceleration PSD q; each detected with Pd, N(0, sigma^2) noise per axis;
    Poisson(clutter_rate) clutter plots uniform over [0, area]^2; plots shuffled within a scan.

    With ``turns``, every target also starts, with probability 2 % per scan, a coordinated turn of
    1.5-6 deg/s (either way) lasting 15-60 s: the manoeuvring case for the IMM."""
    rng = np.random.default_rng(seed)
    area, margin, vmax = float(meta["area"]), float(meta["margin"]), float(meta["vmax"])
    dt, q, sig, pd = float(meta["dt"]), float(meta["q"]), float(meta["sigma"]), float(meta["pd"])
    n_scans, lam = int(meta["n_scans"]), float(meta["clutter_rate"])
    pos = rng.uniform(margin, area - margin, (n_targets, 2))
    spd, hdg = rng.uniform(0, vmax, n_targets), rng.uniform(0, 2 * np.pi, n_targets)
    vel = np.stack([spd * np.cos(hdg), spd * np.sin(hdg)], axis=1)
    q1 = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    chol = np.linalg.cholesky(q1)
    truth_rows, plot_rows = [], []
    ids = np.arange(n_targets)
    turn_rate = np.zeros(n_targets)          # rad/s
    turn_left = np.zeros(n_targets)          # s
    for s in range(n_scans):
        t = s * dt
        if s:
            w = rng.standard_normal((n_targets, 2, 2)) @ chol.T     # [axis, (dpos, dvel)]
            if turns:
                start = (turn_left <= 0) & (rng.random(n_targets) < 0.02)
                k = int(start.sum())
                turn_rate[start] = np.deg2rad(rng.uniform(1.5, 6.0, k)) * rng.choice([-1.0, 1.0], k)
                turn_left[start] = rng.uniform(15.0, 60.0, k)
                a = np.where(turn_left > 0, turn_rate * dt, 0.0)
                c, sn = np.cos(a), np.sin(a)
                v_mid = vel.copy()
                vel = np.column_stack([c * vel[:, 0] - sn * vel[:, 1], sn * vel[:, 0] + c * vel[:, 1]])
                v_mid = 0.5 * (v_mid + vel)
                turn_left -= dt
                pos = pos + dt * v_mid + w[:, :, 0]
            else:
                pos = pos + dt * vel + w[:, :, 0]
            vel = vel + w[:, :, 1]
        truth_rows.append(np.column_stack([np.full(n_targets, s), np.full(n_targets, t), ids, pos, vel]))
        det = rng.random(n_targets) < pd
        z = pos[det] + rng.normal(0, sig, (int(det.sum()), 2))
        clutter = rng.uniform(0, area, (rng.poisson(lam), 2))
        zz = np.concatenate([z, clutter])
        zz = zz[rng.permutation(len(zz))]
        plot_rows.append(np.column_stack([np.full(len(zz), s), np.full(len(zz), t), zz]))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"n{n_targets}"
    plots_p, truth_p, meta_p = (out_dir / f"{stem}_plots.csv", out_dir / f"{stem}_truth.csv",
                                out_dir / f"{stem}_meta.json")
    np.savetxt(plots_p, np.concatenate(plot_rows), delimiter=",", fmt=["%d", "%.3f", "%.3f", "%.3f"],
               header="scan,time,x,y", comments="")
    np.savetxt(truth_p, np.concatenate(truth_rows), delimiter=",",
               fmt=["%d", "%.3f", "%d", "%.3f", "%.3f", "%.4f", "%.4f"],
               header="scan,time,target_id,x,y,vx,vy", comments="")
    meta_p.write_text(json.dumps({**meta, "n_targets": n_targets, "seed": seed, "turns": turns}, indent=1))
    return plots_p, meta_p, truth_p


# ---------------------------------------------------------------- report
HEADER = (f"{'tracker':<10} {'targets':>7} {'scans':>5} {'plots':>8} {'plots/s':>10} {'ms/scan med':>11} "
          f"{'p95':>7} {'plots/s CPU':>11} {'peak RSS MB':>11} {'traced MB':>9} {'GOSPA':>8} {'(loc':>7} "
          f"{'missed':>7} {'false)':>7}")


def row(run: Run, n_targets: int, n_plots: int, g: tuple[float, float, float, float]) -> str:
    total_s = run.ms_per_scan.sum() / 1e3
    traced = f"{run.traced_peak_mb:9.1f}" if run.traced_peak_mb is not None else f"{'-':>9}"
    return (f"{run.name:<10} {n_targets:>7} {len(run.ms_per_scan):>5} {n_plots:>8} {n_plots / total_s:>10,.0f} "
            f"{np.median(run.ms_per_scan):>11.2f} {np.percentile(run.ms_per_scan, 95):>7.2f} "
            f"{n_plots / (run.cpu_ms_per_scan.sum() / 1e3):>11,.0f} {run.peak_rss_mb:>11.0f} {traced} {g[0]:>8,.1f} {g[1]:>7,.1f} {g[2]:>7,.1f} {g[3]:>7,.1f}")


def write_tracks(path: Path, rows: np.ndarray) -> None:
    np.savetxt(path, rows, delimiter=",", fmt=["%d", "%.3f", "%d", "%.3f", "%.3f", "%.4f", "%.4f"],
               header="scan,time,track_id,x,y,vx,vy", comments="")


def bench_file(plots: Path, meta_p: Path, truth_p: Path, tracks_out: Path | None,
               stonesoup: bool, imm_q: float | None = None) -> list[str]:
    meta = json.loads(meta_p.read_text())
    scans, per_scan, times = all_scans(meta, *load_plots(plots))
    n_plots = sum(len(z) for z in per_scan)
    params = tracker_params(meta)
    runs = [in_child("run_seawatch", params, per_scan, times, scans)]
    if tracks_out is not None:
        write_tracks(tracks_out, runs[0].rows)
    if stonesoup:
        runs.append(in_child("run_stonesoup", params, per_scan, times, scans))
    if imm_q is not None:
        runs.append(in_child("run_seawatch", replace(params, manoeuvre_q_m2ps3=imm_q), per_scan, times, scans))
        if tracks_out is not None:
            write_tracks(tracks_out.with_suffix(".stonesoup.csv"), runs[1].rows)
    # the truth is read only now, after tracking
    truth = read_csv(truth_p)
    n_targets = int(meta["n_targets"])
    lines = []
    scores = []
    for run in runs:
        g = mean_gospa(run.rows, truth, scans)
        scores.append((run, g))
        lines.append(row(run, n_targets, n_plots, g))
    if stonesoup:
        (a, ga), (b, gb) = scores[:2]
        speed = b.ms_per_scan.sum() / a.ms_per_scan.sum()
        speed_cpu = b.cpu_ms_per_scan.sum() / a.cpu_ms_per_scan.sum()
        lines.append(f"ratio seawatch/stonesoup: plots/s x{speed:,.1f} (CPU x{speed_cpu:,.1f})   mean GOSPA {ga[0]:,.1f} vs {gb[0]:,.1f} "
                     f"({ga[0] / gb[0]:.3f})   peak RSS {a.peak_rss_mb / b.peak_rss_mb:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plots", type=Path, required=True)
    ap.add_argument("--meta", type=Path, required=True)
    ap.add_argument("--tracks-out", type=Path)
    ap.add_argument("--truth", type=Path, help="default: *_truth.csv next to the plots (read after tracking)")
    ap.add_argument("--stonesoup", action="store_true", help="also run Stone Soup (pip install '.[bench]')")
    ap.add_argument("--scale-targets", type=int, default=5000, help="generated scenario size; 0 = skip")
    ap.add_argument("--scale-scans", type=int, default=0, help="scans of the generated scenario (0 = meta's)")
    ap.add_argument("--scale-turns", action="store_true", help="targets of the generated scenario turn")
    ap.add_argument("--imm", type=float, metavar="Q", help="also run seawatch with the 2-mode IMM, manoeuvre "
                    "mode acceleration PSD Q (m^2/s^3)")
    a = ap.parse_args(argv)
    truth = a.truth or a.plots.with_name(a.plots.name.replace("_plots", "_truth"))
    print(HEADER)
    for line in bench_file(a.plots, a.meta, truth, a.tracks_out, a.stonesoup, a.imm):
        print(line, flush=True)
    if a.scale_targets > 0:
        meta = json.loads(a.meta.read_text())
        if a.scale_scans:
            meta["n_scans"] = a.scale_scans
        with tempfile.TemporaryDirectory() as tmp:
            p, m, t = generate(meta, Path(tmp), a.scale_targets, seed=int(meta.get("seed", 1)) + 1000,
                               turns=a.scale_turns)
            print(f"generated {a.scale_targets} {'turning ' if a.scale_turns else ''}targets x {meta['n_scans']} "
                  f"scans in {tmp}:")
            for line in bench_file(p, m, t, None, False, a.imm):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

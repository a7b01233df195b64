"""The radar multi-target tracker: predict, gate, assign, update, lifecycle, birth — once per scan,
vectorised over all tracks (no Python object per track on the hot path).

Plots from several radars are fed in time order, one ``step`` per scan (or per batch of a scan) with that
radar's measurement noise, so overlapping radars update one track picture (centralised measurement
fusion). Everything is in a local metric frame (``seawatch.geo.LocalFrame``): x east, y north, metres.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from seawatch.arrays import BRUTE_PAIRS, within_count
from seawatch.config.site import SensorConfig
from seawatch.key_index import KeyIndex
from seawatch.track import imm as imm_mod
from seawatch.track import kalman, kernels, step_kernel
from seawatch.track.assign import gnn_assign, gnn_assign_compiled
from seawatch.track.gating import COMPILED_PAIRS, GatedPairs, gate, llr_bound
from seawatch.track.kalman import FloatArray
from seawatch.track.lifecycle import (
    LifecycleParams,
    LifecycleState,
    ScoreParams,
    TrackScore,
    TrackStatus,
    advance,
    score_rules,
    score_step,
)
from seawatch.track.splice import LostTracks, SpliceParams, near_candidates, splice_pairs

log = logging.getLogger(__name__)

Int64Array = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]

_TENTATIVE = int(TrackStatus.TENTATIVE)
_CONFIRMED = int(TrackStatus.CONFIRMED)
_COASTING = int(TrackStatus.COASTING)
SITE_MANOEUVRE_Q_M2PS3 = 1.0   # manoeuvre-mode acceleration PSD of the IMM for real sites
SITE_QUIET_Q_M2PS3 = 0.005     # quiet-mode PSD for real sites: a stopped boat's track stays put
SITE_SWITCH_PROB = 0.001       # per second, quiet -> manoeuvre (rarely: the prior favours the quiet mode)
SITE_RETURN_PROB = 0.1         # per second, manoeuvre -> quiet


def chi2_2dof(prob: float) -> float:
    """Quantile of the chi-square distribution with 2 degrees of freedom (closed form)."""
    return -2.0 * math.log(1.0 - prob)


def _count_within(points: FloatArray, centres: FloatArray, radius_m: float) -> FloatArray:
    """Per centre, the points within radius_m (distance <= radius_m), as floats: cKDTree's
    `query_ball_point(return_length=True)` (`arrays.within_count`: a table where it is small, a scan's few dozen
    plots, whose tree costs more to build than the table)."""
    return within_count(centres[:, 0], centres[:, 1], points[:, 0], points[:, 1], radius_m).astype(np.float64)


BRUTE_FORCE_COUNT = BRUTE_PAIRS  # centres x points up to which `_count_within` makes the table


@dataclass(frozen=True, slots=True)
class TrackerParams:
    """Tracker tuning. Defaults suit small vessels seen by a coastal radar every few seconds."""

    q_m2ps3: float = 0.05                # acceleration noise PSD (per axis) of the nearly-CV model
    manoeuvre_q_m2ps3: float | None = None  # if set: IMM with a second, high-noise CV mode
    imm_switch_prob: float = 0.05        # per-second probability of leaving a mode (IMM only)
    imm_return_prob: float | None = None  # set: manoeuvre -> quiet per second, imm_switch_prob quiet -> manoeuvre
    meas_sigma_m: float = 25.0           # Cartesian plot noise when step() is given no other
    pd: float = 0.9
    clutter_density_per_m2: float = 1e-8
    init_speed_sigma_mps: float = 8.0    # velocity prior of a new track (per axis)
    gate_prob: float = 0.9999            # probability that a vessel's plot falls inside its gate
    max_gate_radius_m: float = 5_000.0
    confirm_m: int = 2
    confirm_n: int = 3
    delete_misses: int = 5
    young_hits: int = 4
    young_delete_misses: int = 2
    max_position_sigma_m: float = 1_000.0
    scan_period_s: float | None = None   # set: deletion by time since the last plot (several radars)
    min_coast_s: float = 0.0
    splice: SpliceParams | None = None   # set: a new track next to a coasting one continues it (splice.py)
    score: ScoreParams | None = None     # set: track-score confirmation and hold of low-Pd tracks (lifecycle.py)

    @property
    def gate_d2(self) -> float:
        return chi2_2dof(self.gate_prob)

    @property
    def lifecycle(self) -> LifecycleParams:
        return LifecycleParams(self.confirm_m, self.confirm_n, self.delete_misses, self.young_hits,
                               self.young_delete_misses, self.max_position_sigma_m, self.scan_period_s,
                               self.min_coast_s)

    @classmethod
    def from_sensor(cls, sensor: SensorConfig, **overrides: object) -> TrackerParams:
        """Pd and clutter density from a radar's site-file entry; deletion after enough misses that a
        real, detected-with-Pd vessel is dropped with probability < 1e-4; the IMM on (real vessels turn
        and accelerate; on the straight-running benchmark scenarios the plain filter is better), with a
        stiff quiet mode and asymmetric switching (see docs/tracking.md: two stopped boats 120 m apart
        keep their own tracks)."""
        if sensor.kind != "radar" or sensor.range_m is None:
            raise ValueError(f"sensor '{sensor.id}' is not a radar with a range")
        area_m2 = math.pi * sensor.range_m**2
        misses = max(3, math.ceil(math.log(1e-4) / math.log(max(1.0 - sensor.pd, 1e-6))))
        base = cls(pd=sensor.pd, clutter_density_per_m2=sensor.clutter_per_scan / area_m2,
                   meas_sigma_m=sensor.range_sigma_m or 25.0, delete_misses=misses, q_m2ps3=SITE_QUIET_Q_M2PS3,
                   manoeuvre_q_m2ps3=SITE_MANOEUVRE_Q_M2PS3, imm_switch_prob=SITE_SWITCH_PROB,
                   imm_return_prob=SITE_RETURN_PROB, score=ScoreParams())
        return replace(base, **overrides)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class MeasurementNoise:
    """Noise of one radar's plots: Cartesian sigma, or range/bearing sigmas about the sensor position."""

    sigma_m: float = 25.0
    sensor_xy: tuple[float, float] | None = None
    range_sigma_m: float | None = None
    bearing_sigma_deg: float | None = None
    cover_range_m: float | None = None   # with sensor_xy: tracks beyond this range are not "missed"

    @classmethod
    def from_sensor(cls, sensor: SensorConfig, sensor_xy: tuple[float, float]) -> MeasurementNoise:
        """``sensor_xy`` is the radar's position in the tracker's local frame."""
        if sensor.range_sigma_m is None or sensor.bearing_sigma_deg is None:
            return cls(sigma_m=sensor.range_sigma_m or 25.0, sensor_xy=sensor_xy, cover_range_m=sensor.range_m)
        return cls(sensor_xy=sensor_xy, range_sigma_m=sensor.range_sigma_m,
                   bearing_sigma_deg=sensor.bearing_sigma_deg, cover_range_m=sensor.range_m)

    def covers(self, xy: FloatArray) -> npt.NDArray[np.bool_] | None:
        """Which positions this sensor can see (None: all)."""
        if self.sensor_xy is None or self.cover_range_m is None:
            return None
        return np.hypot(xy[:, 0] - self.sensor_xy[0], xy[:, 1] - self.sensor_xy[1]) <= self.cover_range_m

    def cov_at(self, xy: FloatArray) -> FloatArray:
        """Plot covariance at positions xy: (2, 2) for Cartesian noise, (K, 2, 2) for polar."""
        if self.sensor_xy is None or self.range_sigma_m is None or self.bearing_sigma_deg is None:
            return np.array([[self.sigma_m**2, 0.0], [0.0, self.sigma_m**2]])
        return kalman.polar_noise_cov(np.asarray(self.sensor_xy), xy, self.range_sigma_m,
                                      self.bearing_sigma_deg)


@dataclass(frozen=True, slots=True)
class TrackTable:
    """The track picture after one step. Rows are live tracks plus, once, the tracks lost this step."""

    time_s: float
    track_id: Int64Array
    status: Int8Array          # TrackStatus values
    x: FloatArray              # (N, 4): x_m, y_m, vx_mps, vy_mps
    P: FloatArray              # (N, 4, 4)

    def __len__(self) -> int:
        return len(self.track_id)

    @property
    def confirmed(self) -> npt.NDArray[np.bool_]:
        """Confirmed or coasting tracks: the ones shown to an operator."""
        return (self.status == int(TrackStatus.CONFIRMED)) | (self.status == int(TrackStatus.COASTING))


class RadarTracker:
    """Multi-target tracker. ``step(time_s, plots_xy, noise)`` once per scan, in time order. With ``compiled``
    (default: unless SEAWATCH_NO_JIT=1), a scan of the configuration the pipeline runs is one compiled call
    (`step_kernel.scan`); otherwise, and for the other configurations, the numpy path below (the reference)."""

    def __init__(self, params: TrackerParams | None = None, compiled: bool = kernels.ENABLED) -> None:
        self.params = params or TrackerParams()
        self._imm = self.params.manoeuvre_q_m2ps3 is not None
        self._q_modes = np.array([self.params.q_m2ps3, self.params.manoeuvre_q_m2ps3 or self.params.q_m2ps3])
        self._llr_max = llr_bound(self.params.pd, self.params.clutter_density_per_m2)
        self._gate_d2 = self.params.gate_d2
        self._life_params = self.params.lifecycle
        self.time_s: float | None = None
        self.ids: Int64Array = np.empty(0, np.int64)
        self.x: FloatArray = np.empty((0, 4))
        self.P: FloatArray = np.empty((0, 4, 4))
        self.imm: imm_mod.ImmState | None = imm_mod.ImmState.empty() if self._imm else None
        self.life = LifecycleState.born(0)
        self.score = TrackScore.born(0)
        self._log_clutter = math.log(max(self.params.clutter_density_per_m2, 1e-300))
        self._next_id = 1
        self.n_late_plots = 0
        self.n_bad_plots = 0   # plots with a non-finite coordinate, dropped
        self.n_spliced = 0     # new tracks that continued a coasting one
        self.n_reacquired = 0  # new tracks that continued one lost less than splice.memory_s ago
        self.lost_memory = LostTracks.empty()
        sp = self.params.splice
        self._fast = (step_kernel.params_arrays(self.params, self._gate_d2, self._llr_max, self._log_clutter)
                      if compiled and self._imm and (sp is None or sp.memory_s <= 0) else None)
        self._noise_arrays: dict[MeasurementNoise, FloatArray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def step(self, time_s: float, plots_xy: FloatArray, noise: MeasurementNoise | None = None) -> TrackTable:
        p = self.params
        noise = noise or MeasurementNoise(sigma_m=p.meas_sigma_m)
        plots = np.asarray(plots_xy, dtype=np.float64).reshape(-1, 2)
        finite = np.isfinite(plots).all(axis=1)
        if not finite.all():
            self.n_bad_plots += int((~finite).sum())
            plots = plots[finite]
        if self.time_s is not None and time_s < self.time_s:
            # late batch: the picture has moved on; count it, do not rewind
            self.n_late_plots += len(plots)
            log.warning("dropped %s plots %.3f s older than the track picture", len(plots), self.time_s - time_s)
            return self._table(np.zeros(0, bool))
        dt = 0.0 if self.time_s is None else time_s - self.time_s
        self.time_s = time_s
        n, m = len(self.ids), len(plots)
        if self._fast is not None and n * m <= COMPILED_PAIRS:
            return self._step_compiled(time_s, dt, plots, noise)

        # predict
        predicted = bool(n and dt > 0)
        if predicted:
            if self.imm is not None:
                self.imm, self.x, self.P = imm_mod.predict_combined(self.imm, dt, self._q_modes, p.imm_switch_prob,
                                                                    p.imm_return_prob)
            else:
                # in place: the arrays of the previous step's TrackTable were copies
                kalman.predict_inplace(self.x, self.P, dt, p.q_m2ps3)

        # gate + assign
        zhat = self.x[:, :2]
        r_tracks, r_plots = _noise_covs(noise, zhat, plots)
        s = kalman.innovation_cov(self.P, r_tracks) if n else np.empty((0, 2, 2))
        pairs = gate(zhat, s, plots, gate_d2=self._gate_d2, llr_max=self._llr_max, max_radius_m=p.max_gate_radius_m)
        # established (confirmed / coasting) tracks choose first; tentative tracks share what is left, so a
        # track born next to a vessel cannot take the vessel's plot from its established track
        tentative = self.life.status[pairs.track] == _TENTATIVE
        first = ~tentative
        t1, p1 = gnn_assign(n, m, pairs.track[first], pairs.plot[first], pairs.cost[first])
        if tentative.any():
            used = np.zeros(m, bool)
            used[p1] = True
            second = tentative & ~used[pairs.plot]
            t2, p2 = gnn_assign(n, m, pairs.track[second], pairs.plot[second], pairs.cost[second])
            ti, pj = np.concatenate([t1, t2]), np.concatenate([p1, p2])
        else:
            ti, pj = t1, p1

        # update
        if len(ti):
            r = r_plots[pj] if r_plots.ndim == 3 else r_plots
            if self.imm is not None:
                self.imm = imm_mod.update(self.imm, ti, plots[pj], r)
                # in place. After a prediction every row was combined and only the updated rows changed;
                # without one (dt = 0: two radars' scans at one time) the tracks born last step are combined
                # for the first time too (their x is the birth plot, not yet the mixture of their modes)
                imm_mod.combine_rows(self.imm, ti if predicted else np.arange(n), self.x, self.P)
            else:
                self.x[ti], self.P[ti], _ = kalman.update(self.x[ti], self.P[ti], plots[pj], r)
        hit = np.zeros(n, bool)
        hit[ti] = True

        # lifecycle
        was_tentative = self.life.status == _TENTATIVE
        pos_sigma = np.sqrt(np.maximum(self.P[:, 0, 0], self.P[:, 1, 1])) if n else np.empty(0)
        observed = noise.covers(self.x[:, :2]) if n else None
        self.life = advance(self.life, hit, pos_sigma, self._life_params, observed, time_s)
        if p.score is not None and n:
            self._score(p.score, pairs, ti, pj, plots, first_round=p1, hit=hit, observed=observed,
                        was_tentative=was_tentative, pos_sigma=pos_sigma, time_s=time_s, noise=noise)
        sp = p.splice
        if sp is not None and n:
            if sp.memory_s > 0:
                self._remember(was_tentative, time_s, sp)
            if sp.window_scans > 0 and p.scan_period_s is not None:
                self._reacquire_window(was_tentative, pos_sigma, time_s, sp.window_scans * p.scan_period_s, sp)
        lost = self.life.status == int(TrackStatus.LOST)
        keep = ~lost
        n_reacquired = self.n_reacquired
        if sp is not None and n:
            keep &= ~self._splice(was_tentative, time_s, sp)
        if self.n_reacquired > n_reacquired:
            # a track lost this step and continued at once by a new one is not reported lost
            lost &= ~np.isin(self.ids, self.ids[keep])
        table_lost = self._rows(lost) if lost.any() else None
        if not keep.all():
            self.ids, self.x, self.P = self.ids[keep], self.x[keep], self.P[keep]
            self.life = self.life.take(keep)
            self.score = self.score.take(keep)
            if self.imm is not None:
                self.imm = self.imm.take(keep)

        # birth from unassigned plots
        free = np.ones(m, bool)
        free[pj] = False
        if free.any():
            self._birth(plots[free], r_plots[free] if r_plots.ndim == 3 else r_plots)
        table = self._all_rows()
        return table if table_lost is None else self._concat(table, table_lost)

    def evidence(self, track_ids: Int64Array) -> tuple[FloatArray, npt.NDArray[np.int32], FloatArray]:
        """Each track's score (NaN: not scored yet, or no score kept; see `lifecycle.TrackScore`), the plots
        associated with it since it was born, and the time of its birth (its first plot; a spliced track's is its
        older piece's), for tracks of the current picture; NaN, -1 and NaN for ids it does not hold (lost, or no
        radar track)."""
        ids = np.asarray(track_ids, np.int64)
        score, plots, born = np.full(len(ids), np.nan), np.full(len(ids), -1, np.int32), np.full(len(ids), np.nan)
        if not len(self.ids) or not len(ids):
            return score, plots, born
        at = KeyIndex(self.ids).find(ids)   # a spliced track takes an older id: self.ids is not always sorted
        found = at >= 0
        plots[found] = self.life.n_hits[at[found]]
        born[found] = self.life.born_s[at[found]]
        if self.params.score is not None:
            scored = np.flatnonzero(found)
            scored = scored[self.score.scored[at[scored]]]
            score[scored] = self.score.score[at[scored]]
        return score, plots, born

    # -- internals -------------------------------------------------------------------------------
    def _step_compiled(self, time_s: float, dt: float, plots: FloatArray, noise: MeasurementNoise) -> TrackTable:
        """``step`` after its checks, in one call of `step_kernel.scan` (the same result)."""
        p, st, life, sc = self.params, self.imm, self.life, self.score
        assert st is not None and self._fast is not None
        predicted = bool(len(self.ids) and dt > 0)
        if predicted:
            pi = imm_mod.transition_matrix(dt, p.imm_switch_prob, p.imm_return_prob)
            c = st.mu @ pi   # numpy's matmul (BLAS), as the reference
            q_unit = kalman.cv_process_noise(dt, 1.0)
        else:
            pi, c, q_unit = np.eye(2), st.mu, np.zeros((4, 4))
        nz = self._noise_arrays.get(noise)
        if nz is None:
            nz = self._noise_arrays[noise] = step_kernel.noise_array(noise)
        (self.ids, xm, pm, mu, self.x, self.P, status, hits, age, misses, n_hits, last_hit_s, born_s, score, peak,
         held, scored, t_ids, t_status, t_x, t_p, n_spliced, self._next_id) = step_kernel.scan(
            self.ids, st.xm, st.Pm, st.mu, self.x, self.P, life.status, life.hits, life.age, life.misses,
            life.n_hits, life.last_hit_s, life.born_s, sc.score, sc.peak, sc.held, sc.scored,
            np.ascontiguousarray(plots), float(time_s), float(dt), predicted, pi, np.ascontiguousarray(c), q_unit,
            self._q_modes, nz, self._fast[0], self._fast[1], self._next_id)
        self.imm = imm_mod.ImmState(xm, pm, mu)
        self.life = LifecycleState(status, hits, age, misses, n_hits, last_hit_s, born_s)
        self.score = TrackScore(score, peak, held, scored)
        self.n_spliced += n_spliced
        return TrackTable(float(time_s), t_ids, t_status, t_x, t_p)

    def _splice(self, was_tentative: npt.NDArray[np.bool_], time_s: float,
                params: SpliceParams) -> npt.NDArray[np.bool_]:
        """New tracks that continue a coasting one (or a recently lost one) take its id; returns the coasting
        rows to drop."""
        st = self.life.status
        drop = np.zeros(len(st), bool)
        new = np.flatnonzero(was_tentative & (st == _CONFIRMED))
        old = np.flatnonzero(st == _COASTING)
        mem = self.lost_memory
        if not len(new) or not (len(old) or len(mem)):
            return drop
        ni, oj = splice_pairs(self.x[new, :2], self.life.born_s[new],
                              np.concatenate([self.x[old, :2], mem.xy]),
                              np.concatenate([self.life.last_hit_s[old], mem.last_hit_s]), time_s, params)
        live = oj < len(old)
        if live.any():
            a, b = new[ni[live]], old[oj[live]]
            self.ids[a] = self.ids[b]
            self.life.n_hits[a] = np.maximum(self.life.n_hits[a], self.life.n_hits[b])
            self.life.born_s[a] = self.life.born_s[b]
            drop[b] = True
            self.n_spliced += len(a)
        if not live.all():
            a, k = new[ni[~live]], oj[~live] - len(old)
            self.ids[a] = mem.ids[k]
            self.life.n_hits[a] = np.maximum(self.life.n_hits[a], mem.n_hits[k])
            self.life.born_s[a] = mem.born_s[k]
            gone = np.zeros(len(mem), bool)
            gone[k] = True
            self.lost_memory = mem.keep(~gone)
            self.n_reacquired += len(a)
        return drop

    def _score(self, sp: ScoreParams, pairs: GatedPairs, ti: Int64Array, pj: Int64Array, plots: FloatArray, *,
               first_round: Int64Array, hit: npt.NDArray[np.bool_], observed: npt.NDArray[np.bool_] | None,
               was_tentative: npt.NDArray[np.bool_], pos_sigma: FloatArray, time_s: float,
               noise: MeasurementNoise) -> None:
        """Track score of this scan (``lifecycle.score_step``) and its confirmation / hold rules. The clutter
        density at a track's plot is the larger of the site's and this scan's: plots not taken by established
        tracks within ``clutter_radius_m`` of it (the plot itself not counted). A radar's plots and misses do
        not count for tracks within ``min_range_m`` of it."""
        n, m = len(self.ids), len(plots)
        cost = np.zeros(n)
        log_clutter = np.full(n, self._log_clutter)
        if len(ti):
            key = pairs.track.astype(np.int64) * m + pairs.plot
            order = np.argsort(key, kind="stable")
            at = order[np.searchsorted(key[order], ti.astype(np.int64) * m + pj)]
            cost[ti] = pairs.cost[at]
            free = np.ones(m, bool)
            free[first_round] = False
            if free.sum() > 1:
                count = _count_within(plots[free], plots[pj], sp.clutter_radius_m) - free[pj]
                local = count / (math.pi * sp.clutter_radius_m**2)
                log_clutter[ti] = np.log(np.maximum(local, math.exp(self._log_clutter)))
        if sp.min_range_m > 0.0 and noise.sensor_xy is not None:
            # close to the scanning radar a boat is seen on most scans (M-of-N confirms it) and sea clutter is
            # densest: the low-Pd hypothesis does not hold there, that radar's plots and misses do not count
            far = np.hypot(self.x[:, 0] - noise.sensor_xy[0], self.x[:, 1] - noise.sensor_xy[1]) >= sp.min_range_m
            seen = np.ones(n, bool) if observed is None else observed
            near = seen & ~far & self.score.scored   # a scored track inside: its plots are no evidence, a miss each scan
            hit = hit & far
            observed = seen & far
        else:
            near = np.zeros(n, bool)
        self.score = score_step(self.score, hit, cost, log_clutter, observed, sp)
        if near.any():
            self.score.score[near] += math.log1p(-sp.near_pd)
        self.life, self.score = score_rules(self.life, self.score, was_tentative, pos_sigma, time_s, sp,
                                            self.params.max_position_sigma_m)

    def _remember(self, was_tentative: npt.NDArray[np.bool_], time_s: float, params: SpliceParams) -> None:
        """Confirmed tracks lost this step join the memory; tracks without a plot for memory_s leave it."""
        mem = self.lost_memory
        if len(mem):
            mem = mem.keep(time_s - mem.last_hit_s <= params.memory_s)
        gone = np.flatnonzero(~was_tentative & (self.life.status == int(TrackStatus.LOST))
                              & (self.life.n_hits >= params.min_hits))
        if len(gone):
            mem = mem.add(self.ids[gone], self.x[gone, :2], self.life.last_hit_s[gone], self.life.n_hits[gone],
                          self.life.born_s[gone])
        self.lost_memory = mem

    def _reacquire_window(self, was_tentative: npt.NDArray[np.bool_], pos_sigma: FloatArray, time_s: float,
                          window_s: float, params: SpliceParams) -> None:
        """Tentative tracks within reach of a coasting or recently lost track count their confirmation window
        in time: not dropped for the misses of other radars' scans while it lasts, confirmed (to be spliced)
        with ``reacquire_hits`` plots."""
        life = self.life
        tent = np.flatnonzero(was_tentative & (time_s - life.born_s <= window_s))
        old = np.flatnonzero((life.status == _COASTING) & (life.n_hits >= params.min_hits))
        mem = self.lost_memory
        if not len(tent) or not (len(old) or len(mem)):
            return
        near = near_candidates(self.x[tent, :2], life.born_s[tent], np.concatenate([self.x[old, :2], mem.xy]),
                               np.concatenate([life.last_hit_s[old], mem.last_hit_s]), time_s, params)
        c = tent[near]
        if not len(c):
            return
        revive = c[(life.status[c] == int(TrackStatus.LOST)) & (pos_sigma[c] <= self.params.max_position_sigma_m)]
        life.status[revive] = _TENTATIVE
        life.status[c[(life.status[c] == _TENTATIVE) & (life.n_hits[c] >= params.reacquire_hits)]] = _CONFIRMED

    def _birth(self, z: FloatArray, r: FloatArray) -> None:
        """New tentative tracks at plots z with plot covariance r ((2, 2) or (K, 2, 2))."""
        k = len(z)
        xb = np.zeros((k, 4))
        xb[:, :2] = z
        pb = np.zeros((k, 4, 4))
        pb[:, :2, :2] = r
        pb[:, 2, 2] = pb[:, 3, 3] = self.params.init_speed_sigma_mps**2
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        self.ids = np.concatenate([self.ids, ids])
        self.x = np.concatenate([self.x, xb])
        self.P = np.concatenate([self.P, pb])
        self.life = LifecycleState.concat(self.life, LifecycleState.born(k, float(self.time_s or 0.0)))
        self.score = TrackScore.concat(self.score, TrackScore.born(k))
        if self.imm is not None:
            self.imm = self.imm.with_born(xb, pb)

    def _rows(self, mask: npt.NDArray[np.bool_]) -> TrackTable:
        return TrackTable(float(self.time_s or 0.0), self.ids[mask], self.life.status[mask], self.x[mask],
                          self.P[mask])

    def _table(self, mask: npt.NDArray[np.bool_]) -> TrackTable:
        return self._rows(mask)

    def _all_rows(self) -> TrackTable:
        """``_rows`` of every row (copies: the tracker goes on changing its arrays in place)."""
        return TrackTable(float(self.time_s or 0.0), self.ids.copy(), self.life.status.copy(), self.x.copy(),
                          self.P.copy())

    @staticmethod
    def _concat(a: TrackTable, b: TrackTable) -> TrackTable:
        if len(b) == 0:
            return a
        return TrackTable(a.time_s, np.concatenate([a.track_id, b.track_id]),
                          np.concatenate([a.status, b.status]), np.concatenate([a.x, b.x]),
                          np.concatenate([a.P, b.P]))


def _noise_covs(noise: MeasurementNoise, zhat: FloatArray, plots: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Plot covariance at the predicted track positions and at the plots, in one ``cov_at`` call: (2, 2) each
    for Cartesian noise, else (N, 2, 2) and (M, 2, 2)."""
    cov = noise.cov_at(np.concatenate([zhat, plots]))
    if cov.ndim == 2:
        return cov, cov
    return cov[:len(zhat)], cov[len(zhat):]


def warm_up_kernels() -> float:
    """Two scans of the pipeline's tracker configuration and one contested fusion assignment, so that numba
    compiles the compiled scan (`step_kernel.scan`) and the assignment (the first run after an install: ~30 s of
    CPU) or loads them from its cache (~0.3 s) now, not on a live feed's first radar scan. Returns the CPU
    seconds it took."""
    t = time.process_time()
    radar = MeasurementNoise(sensor_xy=(0.0, 0.0), range_sigma_m=25.0, bearing_sigma_deg=0.3, cover_range_m=40_000.0)
    tracker = RadarTracker(TrackerParams(q_m2ps3=SITE_QUIET_Q_M2PS3, manoeuvre_q_m2ps3=SITE_MANOEUVRE_Q_M2PS3,
                                         imm_switch_prob=SITE_SWITCH_PROB, imm_return_prob=SITE_RETURN_PROB,
                                         scan_period_s=2.5, min_coast_s=30.0, splice=SpliceParams(),
                                         score=ScoreParams()))
    plots = np.array([[12_000.0, 5_000.0], [12_040.0, 5_010.0], [20_000.0, -3_000.0]])
    tracker.step(0.0, plots, radar)
    tracker.step(2.5, plots + 5.0, radar)
    gnn_assign_compiled(2, 2, np.array([0, 0, 1], np.intp), np.array([0, 1, 0], np.intp), np.array([1.0, 2.0, 1.5]))
    return time.process_time() - t

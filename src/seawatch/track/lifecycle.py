"""Track lifecycle: M-of-N confirmation, coasting, deletion — on arrays, one row per track.

States: ``TENTATIVE`` (born from an unassigned plot), ``CONFIRMED`` (updated this scan),
``COASTING`` (confirmed, but missed this scan), ``LOST`` (to be removed; reported once).

- A tentative track is confirmed once it has at least ``confirm_m`` hits among its first
  ``confirm_n`` scans (the birth plot counts as the first hit); if it cannot reach that, it is lost.
- A confirmed track that misses goes coasting; a coasting track that is hit is confirmed again.
- A confirmed track is lost after ``delete_misses`` consecutive misses — or already after
  ``young_delete_misses`` while it has fewer than ``young_hits`` hits in all (a pair of clutter plots that
  happened to confirm stops being shown quickly; an established vessel is kept through a fade) — and any
  track once its position standard deviation (the larger axis) exceeds ``max_position_sigma_m``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from seawatch.model.contact import TrackStatus  # one status vocabulary, tracker to console
from seawatch.track import kernels

BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LifecycleParams:
    confirm_m: int = 2
    confirm_n: int = 3
    delete_misses: int = 5
    young_hits: int = 4
    young_delete_misses: int = 2
    max_position_sigma_m: float = 1_000.0
    # With several radars, misses come faster than scans of any one radar: when scan_period_s is set,
    # deletion is by time since the last plot instead of a count of misses — delete_misses (young:
    # young_delete_misses) × scan_period_s, and a confirmed track coasts at least min_coast_s.
    scan_period_s: float | None = None
    min_coast_s: float = 0.0

    def __post_init__(self) -> None:
        if not 1 <= self.confirm_m <= self.confirm_n <= 16:
            raise ValueError(f"need 1 <= confirm_m <= confirm_n <= 16, got {self.confirm_m}-of-{self.confirm_n}")
        if not 1 <= self.young_delete_misses <= self.delete_misses:
            raise ValueError("need 1 <= young_delete_misses <= delete_misses")


@dataclass(frozen=True, slots=True)
class LifecycleState:
    """Per-track lifecycle columns (all length N)."""

    status: Int8Array
    hits: Int32Array     # hit history of the first confirm_n scans, bit k = scan k after birth
    age: Int32Array      # scans since birth, the birth scan is 1
    misses: Int32Array   # consecutive misses
    n_hits: Int32Array   # hits since birth
    last_hit_s: FloatArray  # time of the latest plot
    born_s: FloatArray      # time of the first plot

    @staticmethod
    def born(n: int, time_s: float = 0.0) -> LifecycleState:
        return LifecycleState(np.full(n, int(TrackStatus.TENTATIVE), np.int8), np.ones(n, np.int32),
                              np.ones(n, np.int32), np.zeros(n, np.int32), np.ones(n, np.int32),
                              np.full(n, time_s), np.full(n, time_s))

    @staticmethod
    def concat(a: LifecycleState, b: LifecycleState) -> LifecycleState:
        return LifecycleState(np.concatenate([a.status, b.status]), np.concatenate([a.hits, b.hits]),
                              np.concatenate([a.age, b.age]), np.concatenate([a.misses, b.misses]),
                              np.concatenate([a.n_hits, b.n_hits]), np.concatenate([a.last_hit_s, b.last_hit_s]),
                              np.concatenate([a.born_s, b.born_s]))

    def take(self, idx: npt.NDArray[np.intp] | BoolArray) -> LifecycleState:
        return LifecycleState(self.status[idx], self.hits[idx], self.age[idx], self.misses[idx],
                              self.n_hits[idx], self.last_hit_s[idx], self.born_s[idx])

    def __len__(self) -> int:
        return len(self.status)


# plain ints: comparing arrays with IntEnum members goes through the enum machinery on every call
_TENTATIVE, _CONFIRMED, _COASTING, _LOST = (int(s) for s in TrackStatus)
_POPCOUNT16 = np.array([i.bit_count() for i in range(1 << 16)], dtype=np.int32)


def _popcount(v: Int32Array) -> Int32Array:
    """Number of set bits of values below 2**16."""
    return _POPCOUNT16[v & 0xFFFF]


def advance(state: LifecycleState, hit: BoolArray, position_sigma_m: FloatArray,
            params: LifecycleParams, observed: BoolArray | None = None, time_s: float = 0.0,
            jit: bool = kernels.ENABLED) -> LifecycleState:
    """One scan of the lifecycle for tracks that existed before this scan (newborns are not advanced).

    ``observed`` marks the tracks the scanning sensor could see (inside its cover); the others keep
    their hit/miss history — a radar cannot miss what is beyond its range — and are only checked for
    covariance growth. With ``jit``, in one compiled pass (``kernels.lifecycle_advance``, the same result).
    """
    if jit:
        return _advance_compiled(state, hit, position_sigma_m, params, observed, time_s)
    return advance_numpy(state, hit, position_sigma_m, params, observed, time_s)


def _advance_compiled(state: LifecycleState, hit: BoolArray, position_sigma_m: FloatArray,
                      params: LifecycleParams, observed: BoolArray | None, time_s: float) -> LifecycleState:
    n = len(state)
    out = LifecycleState(np.empty(n, np.int8), np.empty(n, np.int32), np.empty(n, np.int32),
                         np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n), state.born_s)
    kernels.lifecycle_advance(
        state.status, state.hits, state.age, state.misses, state.n_hits, state.last_hit_s,
        np.ascontiguousarray(hit, dtype=np.bool_), np.ascontiguousarray(position_sigma_m, dtype=np.float64),
        np.ones(n, np.bool_) if observed is None else np.ascontiguousarray(observed, dtype=np.bool_),
        float(time_s), params.confirm_m, params.confirm_n, params.young_hits, params.young_delete_misses,
        params.delete_misses, float(params.max_position_sigma_m),
        float("nan") if params.scan_period_s is None else float(params.scan_period_s), float(params.min_coast_s),
        out.status, out.hits, out.age, out.misses, out.n_hits, out.last_hit_s)
    return out


def advance_numpy(state: LifecycleState, hit: BoolArray, position_sigma_m: FloatArray, params: LifecycleParams,
                  observed: BoolArray | None = None, time_s: float = 0.0) -> LifecycleState:
    """The numpy reference of ``advance``."""
    if observed is not None and not observed.all():
        seen = advance_numpy(state, hit, position_sigma_m, params, time_s=time_s)
        status = np.where(observed, seen.status, state.status).astype(np.int8)
        status[position_sigma_m > params.max_position_sigma_m] = _LOST
        return LifecycleState(status, np.where(observed, seen.hits, state.hits).astype(np.int32),
                              np.where(observed, seen.age, state.age).astype(np.int32),
                              np.where(observed, seen.misses, state.misses).astype(np.int32),
                              np.where(observed, seen.n_hits, state.n_hits).astype(np.int32),
                              np.where(observed, seen.last_hit_s, state.last_hit_s), state.born_s)
    age = state.age + 1
    in_window = age <= params.confirm_n
    hits = np.where(in_window & hit, state.hits | (np.int32(1) << np.minimum(age - 1, 30)), state.hits)
    misses = np.where(hit, 0, state.misses + 1).astype(np.int32)
    status = state.status.copy()
    tent = status == _TENTATIVE
    n_hits = _popcount(hits)
    confirm = tent & (n_hits >= params.confirm_m)
    # cannot reach M any more: hits so far + scans left in the window < M
    hopeless = tent & ~confirm & (n_hits + np.maximum(params.confirm_n - age, 0) < params.confirm_m)
    status[confirm] = _CONFIRMED
    active = (status == _CONFIRMED) | (status == _COASTING)
    status[active & ~confirm & hit] = _CONFIRMED
    status[active & ~hit] = _COASTING
    n_total = state.n_hits + hit
    limit = np.where(n_total < params.young_hits, params.young_delete_misses, params.delete_misses)
    last_hit_s = np.where(hit, time_s, state.last_hit_s)
    if params.scan_period_s is None:
        gone = misses >= limit
    else:
        limit_s = limit * params.scan_period_s
        limit_s = np.where(n_total < params.young_hits, limit_s, np.maximum(limit_s, params.min_coast_s))
        gone = ~hit & (time_s - last_hit_s > limit_s + 1e-6)
    lost = hopeless | gone | (position_sigma_m > params.max_position_sigma_m)
    status[lost] = _LOST
    return LifecycleState(status, hits.astype(np.int32), age.astype(np.int32), misses,
                          n_total.astype(np.int32), last_hit_s, state.born_s)


# -- track score: sequential likelihood-ratio confirmation and hold of low-Pd tracks --------------------------
#
# M-of-N over a few scans cannot confirm a vessel detected on one scan in ten (a small boat in the swell):
# its tentative track is dropped before its second plot. The track score (Blackman & Popoli, the sequential
# probability ratio test of "a vessel detected with probability pd" against "clutter") sums, per scan of a
# radar that covers the track, ln(pd N(z; ẑ, S) / λ) for a plot (N the Gaussian density of the innovation,
# λ the clutter density around the plot) and ln(1 - pd) for a miss. Plots consistent in position and
# velocity raise it; scattered clutter (small N) and misses lower it. A tentative track whose score
# reaches ``confirm`` (with ``min_hits`` plots) is confirmed, whatever M-of-N says; while its score stays
# within ``drop`` of its peak and it has had a plot within ``max_gap_s`` it is kept (tentative, or coasting
# once confirmed this way) instead of being dropped for misses.


@dataclass(frozen=True, slots=True)
class ScoreParams:
    pd: float = 0.1                   # detection probability of the low-Pd hypothesis, per scan (a storm's go-fast:
    #                                   ~0.15 on the nearest radar, ~0 on a second one 30 km off whose misses count too)
    confirm: float = 12.0             # score that confirms a tentative track
    drop: float = 6.0                 # a held track is lost once its score falls this far below its peak
    min_hits: int = 3                 # plots (with the birth plot) a score-confirmed track needs
    max_gap_s: float = 60.0           # a held track is lost after this long without a plot
    clutter_radius_m: float = 1_500.0  # local clutter density: plots within this of a hit plot, this scan
    min_range_m: float = 10_000.0     # a radar's plots and misses closer than this to a track do not score it
    near_pd: float = 0.5              # a scored track within min_range_m of a radar: ln(1 - near_pd) per scan of it
    #                                   (pd: as far out). Close to a radar a boat is seen on most scans: a miss there says
    #                                   more than the low-Pd hypothesis far out does (near-radar sea clutter held by a
    #                                   far radar's score: storm high_speed / border_crossing false alarms at pd 0.1)

    def __post_init__(self) -> None:
        if not 0.0 < self.pd < 1.0:
            raise ValueError(f"need 0 < pd < 1, got {self.pd}")
        if not 0.0 < self.near_pd < 1.0:
            raise ValueError(f"need 0 < near_pd < 1, got {self.near_pd}")
        if self.drop <= 0.0 or self.confirm <= 0.0:
            raise ValueError("need confirm > 0 and drop > 0")


@dataclass(frozen=True, slots=True)
class TrackScore:
    """Per-track score columns (length N): score, its peak so far, whether the track was confirmed by it, and
    whether any scan has scored it (a track only radars within ``min_range_m`` see is M-of-N's alone)."""

    score: FloatArray
    peak: FloatArray
    held: BoolArray
    scored: BoolArray

    @staticmethod
    def born(n: int) -> TrackScore:
        return TrackScore(np.zeros(n), np.zeros(n), np.zeros(n, bool), np.zeros(n, bool))

    @staticmethod
    def concat(a: TrackScore, b: TrackScore) -> TrackScore:
        return TrackScore(np.concatenate([a.score, b.score]), np.concatenate([a.peak, b.peak]),
                          np.concatenate([a.held, b.held]), np.concatenate([a.scored, b.scored]))

    def take(self, idx: npt.NDArray[np.intp] | BoolArray) -> TrackScore:
        return TrackScore(self.score[idx], self.peak[idx], self.held[idx], self.scored[idx])

    def __len__(self) -> int:
        return len(self.score)


def score_step(ts: TrackScore, hit: BoolArray, hit_cost: FloatArray, log_clutter: FloatArray,
               observed: BoolArray | None, params: ScoreParams) -> TrackScore:
    """One scan of the score. ``hit_cost`` is the gate's ``d² + ln|2πS|`` of a track's plot (= -2 ln N),
    ``log_clutter`` ln λ around it (both read only where ``hit``); tracks the scanning radar does not cover
    (``observed`` False) keep their score."""
    miss = np.log1p(-params.pd)
    inc = np.where(hit, math.log(params.pd) - log_clutter - 0.5 * hit_cost, miss)
    if observed is not None:
        inc = np.where(observed | hit, inc, 0.0)
    score = ts.score + inc
    scored = np.ones(len(score), bool) if observed is None else ts.scored | observed | hit
    return TrackScore(score, np.maximum(ts.peak, score), ts.held.copy(), scored)


def score_rules(state: LifecycleState, ts: TrackScore, was_tentative: BoolArray, position_sigma_m: FloatArray,
                time_s: float, params: ScoreParams, max_position_sigma_m: float) -> tuple[LifecycleState, TrackScore]:
    """After ``advance``: tentative tracks whose score reached ``params.confirm`` are confirmed (and held);
    tentative and held tracks still within ``drop`` of their peak score and ``max_gap_s`` of their last plot
    are kept (tentative, or coasting) where ``advance`` dropped them; a track no scan has scored is left to
    M-of-N (its score of 0 is no evidence). Returns new state and score columns."""
    status = state.status.copy()
    held = ts.held.copy()
    alive = ((ts.score >= ts.peak - params.drop) & (time_s - state.last_hit_s <= params.max_gap_s)
             & (position_sigma_m <= max_position_sigma_m) & ts.scored)
    lost = status == _LOST
    status[was_tentative & lost & alive] = _TENTATIVE
    confirm = (was_tentative & (status == _TENTATIVE) & alive & (ts.score >= params.confirm)
               & (state.n_hits >= params.min_hits))
    status[confirm] = _CONFIRMED
    held |= confirm
    status[held & ~was_tentative & lost & alive] = _COASTING
    return (LifecycleState(status, state.hits, state.age, state.misses, state.n_hits, state.last_hit_s,
                           state.born_s), TrackScore(ts.score, ts.peak, held, ts.scored))

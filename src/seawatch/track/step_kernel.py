"""One radar scan of the tracker in one compiled call: predict, gate, assign, update, lifecycle, track score,
re-acquisition window, splice, deletion and birth.

`RadarTracker.step` in numpy calls ~150 small numpy functions and a dozen kernels per scan: ~1.1 ms on a
Caspian scan of ~50 plots and ~250 tracks, nearly all of it fixed cost, and the radar tracker was half of a
Caspian replay. Here the same scan is one call of `scan`, for the configuration the pipeline runs (the IMM,
the track score, splicing without the lost-track memory; `supported`); other configurations, and scans of more
than `gating.COMPILED_PAIRS` track x plot pairs, take the numpy path, which stays the reference
(`RadarTracker(compiled=False)`, or `SEAWATCH_NO_JIT=1`).

The arithmetic is the numpy path's, operation for operation (the per-step kernels of `kernels.py` are inlined
here). Two things differ in kind: the assignment (`assign_kernel.gnn`, the same optimum as scipy's) and the
transcendental functions (log, exp, sin, cos, atan2), which are the C library's here and numpy's loops there —
the same functions on CPUs where numpy has no SIMD version of them (no AVX-512). On a CPU with AVX-512 numpy's
log, exp and arctan2 differ from the C library's in the last bit, and so may the two paths' tables; the tests
run numpy without those loops (`tests/conftest.py`). `tests/track/test_step_kernel.py` runs both paths side by
side over recordings and compares every track table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from seawatch.ingest.nmea._jit import helper, jit_ieee
from seawatch.model.contact import TrackStatus
from seawatch.track import assign_kernel
from seawatch.track.imm import BIRTH_MODE_PROB
from seawatch.track.kernels import (
    _combine_row,
    _max_floor,
    gate_prep,
    gate_test,
    imm_predict,
    imm_update_modes,
    lifecycle_advance,
    near_any,
    polar_cov,
)

_TENTATIVE, _CONFIRMED, _COASTING, _LOST = (int(s) for s in TrackStatus)

# float parameters (`fp`) and int parameters (`ip`) of `scan`, by index
(F_GATE_D2, F_LLR_MAX, F_MAX_RADIUS, F_MAX_SIGMA, F_SCAN_PERIOD, F_MIN_COAST, F_LOG_CLUTTER, F_CLUTTER_FLOOR,
 F_CLUTTER_R2, F_CLUTTER_AREA, F_LOG_PD, F_MISS, F_MISS_NEAR, F_DROP, F_MAX_GAP, F_CONFIRM, F_MIN_RANGE, F_BASE_M,
 F_SPEED_MPS, F_WINDOW_S, F_INIT_VAR, N_FP) = range(22)
(I_CONFIRM_M, I_CONFIRM_N, I_YOUNG_HITS, I_YOUNG_MISSES, I_DELETE_MISSES, I_SCORE, I_SPLICE, I_REACQ,
 I_MIN_HITS, I_SPLICE_MIN_HITS, I_REACQ_HITS, N_IP) = range(12)
# the scanning radar (`nz`): polar noise?, has a position?, x, y, range variance, bearing sigma (rad), Cartesian
# variance, cover range (NaN: none)
Z_POLAR, Z_HAS_XY, Z_X, Z_Y, Z_RANGE_VAR, Z_BEARING, Z_VAR, Z_COVER, N_NZ = range(9)
_TWO_PI_SQ = (2.0 * np.pi) ** 2   # as numpy computes it in `gating._gate_compiled`
_BIRTH_MU0, _BIRTH_MU1 = (float(v) for v in BIRTH_MODE_PROB)


@jit_ieee
def scan(ids: np.ndarray, xm: np.ndarray, pm: np.ndarray, mu: np.ndarray, x: np.ndarray, p: np.ndarray,
         status: np.ndarray, hits: np.ndarray, age: np.ndarray, misses: np.ndarray, n_hits: np.ndarray,
         last_hit_s: np.ndarray, born_s: np.ndarray, score: np.ndarray, peak: np.ndarray, held: np.ndarray,
         scored: np.ndarray, plots: np.ndarray, time_s: float, dt: float, predicted: bool, pi: np.ndarray,
         c: np.ndarray, q_unit: np.ndarray, q_modes: np.ndarray, nz: np.ndarray, fp: np.ndarray, ip: np.ndarray,
         next_id: int) -> tuple:
    """One scan. The state arrays are read, not written; returns the state after the scan (ids, xm, pm, mu, x, p,
    status, hits, age, misses, n_hits, last_hit_s, born_s, score, peak, held, scored), the track table's rows (ids,
    status, x, p: the live tracks, then those lost this scan), the number of splices and the next free track id."""
    n, m = len(ids), len(plots)
    # -- predict (x, p: the moment-matched modes; without a prediction, as they were)
    if predicted:
        xm2, pm2 = np.empty_like(xm), np.empty_like(pm)
        x2, p2 = np.empty((n, 4)), np.empty((n, 4, 4))
        mu2 = c.copy()
        imm_predict(xm, pm, mu, pi, c, dt, q_unit, q_modes, xm2, pm2, x2, p2)
    else:
        xm2, pm2, mu2, x2, p2 = xm.copy(), pm.copy(), mu.copy(), x.copy(), p.copy()
    # -- plot noise at the tracks and at the plots (`tracker._noise_covs`), the innovation covariance, the gate
    # of the tracks that can gate a plot at all (one in the x band of the widest gate, `_gate`'s band test); the
    # others get no gate (a NaN radius: no pair), as their own, no wider, would find none
    near = _near_plot(x2, plots, fp[F_MAX_RADIUS])
    r_trk, r_plt = _noise_covs(nz, x2[near], plots)
    kn = len(near)
    s = np.empty((kn, 2, 2))
    for q in range(kn):
        for a in range(2):
            for b in range(2):
                s[q, a, b] = p2[near[q], a, b] + r_trk[q, a, b]
    s_inv_q, det_q, radius_q = np.empty((kn, 2, 2)), np.empty(kn), np.empty(kn)
    gate_prep(s, fp[F_GATE_D2], fp[F_MAX_RADIUS], s_inv_q, det_q, radius_q)
    s_inv, radius, log_norm = np.empty((n, 2, 2)), np.full(n, np.nan), np.full(n, np.nan)
    for q in range(kn):
        i = near[q]
        s_inv[i], radius[i] = s_inv_q[q], radius_q[q]
        log_norm[i] = math.log(_TWO_PI_SQ * det_q[q])   # `gating._gate_compiled`: ln|2 pi S|
    g_t, g_p, g_cost = _gate(x2, s_inv, log_norm, radius, plots, fp[F_GATE_D2], fp[F_LLR_MAX])
    # -- assign: established tracks first, tentative tracks share the plots left
    tent_pair = np.empty(len(g_t), np.bool_)
    for e in range(len(g_t)):
        tent_pair[e] = status[g_t[e]] == _TENTATIVE
    t1, p1 = assign_kernel.gnn(n, m, g_t, g_p, g_cost, ~tent_pair)
    used = np.zeros(m, np.bool_)
    for k in range(len(p1)):
        used[p1[k]] = True
    second = np.empty(len(g_t), np.bool_)
    any_second = False
    for e in range(len(g_t)):
        second[e] = tent_pair[e] and not used[g_p[e]]
        any_second |= second[e]
    if any_second:
        t2, p2_ = assign_kernel.gnn(n, m, g_t, g_p, g_cost, second)
        ti, pj = np.concatenate((t1, t2)), np.concatenate((p1, p2_))
    else:
        ti, pj = t1, p1
    # -- update both modes of the assigned tracks, their mode probabilities, their combination
    hit = np.zeros(n, np.bool_)
    hit_cost = np.zeros(n)
    plot_of = np.full(n, -1, np.intp)
    for k in range(len(ti)):
        hit[ti[k]] = True
        plot_of[ti[k]] = pj[k]
    for e in range(len(g_t)):   # the gate cost of each track's assigned pair
        if plot_of[g_t[e]] == g_p[e]:
            hit_cost[g_t[e]] = g_cost[e]
    _imm_update(xm2, pm2, mu2, ti, pj, plots, r_plt)
    if len(ti):
        if predicted:
            for k in range(len(ti)):
                _combine_row(xm2, pm2, mu2, ti[k], x2, p2)
        else:
            for i in range(n):
                _combine_row(xm2, pm2, mu2, i, x2, p2)
    # -- lifecycle
    was_tent = np.empty(n, np.bool_)
    sigma = np.empty(n)
    observed = np.ones(n, np.bool_)
    cover = nz[Z_COVER]
    for i in range(n):
        was_tent[i] = status[i] == _TENTATIVE
        sigma[i] = math.sqrt(_max_floor(p2[i, 0, 0], p2[i, 1, 1]))   # np.maximum: NaN from either side
        if nz[Z_HAS_XY] > 0.0 and not math.isnan(cover):
            observed[i] = np.hypot(x2[i, 0] - nz[Z_X], x2[i, 1] - nz[Z_Y]) <= cover
    st2, hits2, age2 = np.empty(n, np.int8), np.empty(n, np.int32), np.empty(n, np.int32)
    miss2, nh2, last2 = np.empty(n, np.int32), np.empty(n, np.int32), np.empty(n)
    lifecycle_advance(status, hits, age, misses, n_hits, last_hit_s, hit, sigma, observed, time_s,
                      ip[I_CONFIRM_M], ip[I_CONFIRM_N], ip[I_YOUNG_HITS], ip[I_YOUNG_MISSES], ip[I_DELETE_MISSES],
                      fp[F_MAX_SIGMA], fp[F_SCAN_PERIOD], fp[F_MIN_COAST], st2, hits2, age2, miss2, nh2, last2)
    score2, peak2, held2, scored2 = score.copy(), peak.copy(), held.copy(), scored.copy()
    if ip[I_SCORE] and n:
        _track_score(plots, pj, ti, p1, hit, hit_cost, observed, x2, nz, fp, ip, st2, nh2, last2, was_tent, sigma,
                     time_s, score2, peak2, held2, scored2)
    ids2, born2 = ids.copy(), born_s.copy()
    drop = np.zeros(n, np.bool_)
    n_spliced = 0
    if ip[I_SPLICE] and n:
        if ip[I_REACQ]:
            _reacquire(was_tent, sigma, x2, st2, nh2, born2, last2, time_s, fp, ip)
        n_spliced = _splice(was_tent, x2, st2, nh2, born2, last2, ids2, time_s, fp, drop)
    # -- the new state: kept rows, then tracks born at the plots no track took
    free = np.ones(m, np.bool_)
    for k in range(len(pj)):
        free[pj[k]] = False
    n_keep = 0
    n_lost = 0
    for i in range(n):
        if st2[i] == _LOST:
            n_lost += 1
        elif not drop[i]:
            n_keep += 1
    n_born = int(free.sum())
    size = n_keep + n_born
    o_ids, o_xm, o_pm, o_mu = np.empty(size, np.int64), np.empty((size, 2, 4)), np.empty((size, 2, 4, 4)), np.empty((size, 2))
    o_x, o_p = np.empty((size, 4)), np.empty((size, 4, 4))
    o_st, o_hits, o_age = np.empty(size, np.int8), np.empty(size, np.int32), np.empty(size, np.int32)
    o_miss, o_nh = np.empty(size, np.int32), np.empty(size, np.int32)
    o_last, o_born, o_score, o_peak = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    o_held, o_scored = np.empty(size, np.bool_), np.empty(size, np.bool_)
    t_ids, t_st = np.empty(size + n_lost, np.int64), np.empty(size + n_lost, np.int8)
    t_x, t_p = np.empty((size + n_lost, 4)), np.empty((size + n_lost, 4, 4))
    k = 0
    q = size
    i = 0
    while i < n:
        if st2[i] == _LOST:
            t_ids[q], t_st[q], t_x[q], t_p[q] = ids2[i], st2[i], x2[i], p2[i]
            q += 1
        if st2[i] == _LOST or drop[i]:
            i += 1
            continue
        e = i + 1   # the run of kept rows from i: copied block by block (most scans keep every row)
        while e < n and st2[e] != _LOST and not drop[e]:
            e += 1
        j = k + e - i
        o_ids[k:j], o_xm[k:j], o_pm[k:j], o_mu[k:j], o_x[k:j], o_p[k:j] = (ids2[i:e], xm2[i:e], pm2[i:e], mu2[i:e],
                                                                        x2[i:e], p2[i:e])
        o_st[k:j], o_hits[k:j], o_age[k:j], o_miss[k:j], o_nh[k:j] = st2[i:e], hits2[i:e], age2[i:e], miss2[i:e], nh2[i:e]
        o_last[k:j], o_born[k:j], o_score[k:j], o_peak[k:j] = last2[i:e], born2[i:e], score2[i:e], peak2[i:e]
        o_held[k:j], o_scored[k:j] = held2[i:e], scored2[i:e]
        k = j
        i = e
    for j in range(m):
        if not free[j]:
            continue
        o_ids[k] = next_id
        next_id += 1
        for a in range(4):
            o_x[k, a] = plots[j, a] if a < 2 else 0.0
            for b in range(4):
                o_p[k, a, b] = 0.0
        o_p[k, :2, :2] = r_plt[j]
        o_p[k, 2, 2] = o_p[k, 3, 3] = fp[F_INIT_VAR]
        for mode in range(2):
            o_xm[k, mode] = o_x[k]
            o_pm[k, mode] = o_p[k]
        o_mu[k, 0], o_mu[k, 1] = _BIRTH_MU0, _BIRTH_MU1
        o_st[k], o_hits[k], o_age[k], o_miss[k], o_nh[k] = _TENTATIVE, 1, 1, 0, 1
        o_last[k] = o_born[k] = time_s
        o_score[k] = o_peak[k] = 0.0
        o_held[k] = o_scored[k] = False
        k += 1
    t_ids[:size], t_st[:size], t_x[:size], t_p[:size] = o_ids, o_st, o_x, o_p
    return (o_ids, o_xm, o_pm, o_mu, o_x, o_p, o_st, o_hits, o_age, o_miss, o_nh, o_last, o_born, o_score, o_peak,
            o_held, o_scored, t_ids, t_st, t_x, t_p, n_spliced, next_id)


@helper()
def _noise_covs(nz: np.ndarray, x: np.ndarray, plots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`tracker._noise_covs`: the plot covariance at the tracks' positions and at the plots, (N, 2, 2) and
    (M, 2, 2): `kernels.polar_cov` from the scanning radar, or its Cartesian one."""
    n, m = len(x), len(plots)
    r = np.empty((n + m, 2, 2))
    if nz[Z_POLAR] > 0.0:
        d, sb, cb = np.empty((n + m, 2)), np.empty(n + m), np.empty(n + m)
        for k in range(n + m):
            px, py = (x[k, 0], x[k, 1]) if k < n else (plots[k - n, 0], plots[k - n, 1])
            d[k, 0], d[k, 1] = px - nz[Z_X], py - nz[Z_Y]
            brg = math.atan2(d[k, 0], d[k, 1])
            sb[k], cb[k] = math.sin(brg), math.cos(brg)
        polar_cov(d, sb, cb, nz[Z_RANGE_VAR], nz[Z_BEARING], r)
    else:
        for k in range(n + m):
            r[k, 0, 0] = r[k, 1, 1] = nz[Z_VAR]
            r[k, 0, 1] = r[k, 1, 0] = 0.0
    return r[:n], r[n:]


@helper()
def _near_plot(x: np.ndarray, plots: np.ndarray, max_radius: float) -> np.ndarray:
    """The tracks (rows of x) with a plot whose x lies within max_radius (and `_gate`'s hair) of theirs."""
    n = len(x)
    xs = np.sort(plots[:, 0])
    out = np.empty(n, np.intp)
    k = 0
    for i in range(n):
        zx = x[i, 0]
        if math.isfinite(zx):
            slack = 1e-9 * (abs(zx) + max_radius) + 1e-6
            lo = np.searchsorted(xs, zx - max_radius - slack, "left")
            if lo < len(xs) and xs[lo] <= zx + max_radius + slack:
                out[k] = i
                k += 1
    return out[:k]


@helper()
def _gate(x: np.ndarray, s_inv: np.ndarray, log_norm: np.ndarray, radius: np.ndarray, plots: np.ndarray,
          gate_d2: float, llr_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs `kernels.gate_pairs` finds, (track, plot, cost), each track tested only against the plots whose
    x lies within (a hair more than) its gate radius: the plots sorted by x, the band found by bisection. The
    pairs come track by track, a track's plots in x order (the assignment does not depend on the order)."""
    zhat = np.ascontiguousarray(x[:, :2])
    n, m = len(zhat), len(plots)
    order = np.argsort(plots[:, 0], kind="mergesort")
    xs = plots[order, 0]
    lo, hi = np.zeros(n, np.intp), np.zeros(n, np.intp)
    for i in range(n):
        zx, rad = zhat[i, 0], radius[i]
        if math.isfinite(zx) and math.isfinite(rad):   # otherwise no plot passes `gate_one`
            slack = 1e-9 * (abs(zx) + rad) + 1e-6
            lo[i] = np.searchsorted(xs, zx - rad - slack, "left")
            hi[i] = np.searchsorted(xs, zx + rad + slack, "right")
    size = min(n * m, 8 * (n + m))
    while True:
        ti, pj = np.empty(size, np.intp), np.empty(size, np.intp)
        d2, cost = np.empty(size), np.empty(size)
        k = 0
        for i in range(n):
            for q in range(lo[i], hi[i]):
                j = order[q]
                ok, d2_, cost_ = gate_test(plots[j, 0] - zhat[i, 0], plots[j, 1] - zhat[i, 1], radius[i],
                                           s_inv[i, 0, 0], s_inv[i, 0, 1], s_inv[i, 1, 0], s_inv[i, 1, 1], log_norm[i],
                                           gate_d2, llr_max)
                if ok:
                    if k < size:
                        ti[k], pj[k], d2[k], cost[k] = i, j, d2_, cost_
                    k += 1
        if k <= size:
            return ti[:k], pj[:k], cost[:k]
        size = k


@helper()
def _imm_update(xm: np.ndarray, pm: np.ndarray, mu: np.ndarray, ti: np.ndarray, pj: np.ndarray,
                plots: np.ndarray, r_plt: np.ndarray) -> None:
    """`imm.update` in place: both modes of tracks ti with plots pj, then the mode probabilities."""
    k = len(ti)
    if k == 0:
        return
    z, rr = np.empty((k, 2)), np.empty((k, 2, 2))
    for q in range(k):
        z[q] = plots[pj[q]]
        rr[q] = r_plt[pj[q]]
    d2, det = np.empty((k, 2)), np.empty((k, 2))
    imm_update_modes(xm, pm, ti, z, rr, d2, det)
    for q in range(k):   # `imm._update_mode_probs`
        l0 = -0.5 * (d2[q, 0] + math.log(det[q, 0]))
        l1 = -0.5 * (d2[q, 1] + math.log(det[q, 1]))
        top = _max_floor(l0, l1)
        t = ti[q]
        w0 = mu[t, 0] * math.exp(l0 - top)
        w1 = mu[t, 1] * math.exp(l1 - top)
        tot = w0 + w1
        mu[t, 0], mu[t, 1] = w0 / tot, w1 / tot


@helper()
def _track_score(plots: np.ndarray, pj: np.ndarray, ti: np.ndarray, p1: np.ndarray, hit: np.ndarray,
                 hit_cost: np.ndarray, observed: np.ndarray, x: np.ndarray, nz: np.ndarray, fp: np.ndarray,
                 ip: np.ndarray, status: np.ndarray, n_hits: np.ndarray, last_hit_s: np.ndarray,
                 was_tent: np.ndarray, sigma: np.ndarray, time_s: float, score: np.ndarray, peak: np.ndarray,
                 held: np.ndarray, scored: np.ndarray) -> None:
    """`RadarTracker._score`, `lifecycle.score_step` and `lifecycle.score_rules`, in place."""
    n, m = len(hit), len(plots)
    log_clutter = np.full(n, fp[F_LOG_CLUTTER])
    if len(ti):
        free = np.ones(m, np.bool_)
        for q in range(len(p1)):
            free[p1[q]] = False
        if free.sum() > 1:   # plots not taken by established tracks within the clutter radius of each hit plot
            for q in range(len(ti)):
                cx, cy = plots[pj[q], 0], plots[pj[q], 1]
                cnt = 0
                for j in range(m):
                    if free[j]:
                        dx, dy = cx - plots[j, 0], cy - plots[j, 1]
                        if dx * dx + dy * dy <= fp[F_CLUTTER_R2]:
                            cnt += 1
                local = (float(cnt) - (1.0 if free[pj[q]] else 0.0)) / fp[F_CLUTTER_AREA]
                log_clutter[ti[q]] = math.log(_max_floor(local, fp[F_CLUTTER_FLOOR]))
    ranged = fp[F_MIN_RANGE] > 0.0 and nz[Z_HAS_XY] > 0.0
    for i in range(n):
        h, obs, near = hit[i], observed[i], False
        if ranged:
            # close to the scanning radar its plots and misses do not count (a miss each scan for a scored track)
            far = np.hypot(x[i, 0] - nz[Z_X], x[i, 1] - nz[Z_Y]) >= fp[F_MIN_RANGE]
            near = obs and not far and scored[i]
            h, obs = h and far, obs and far
        inc = (fp[F_LOG_PD] - log_clutter[i]) - 0.5 * hit_cost[i] if h else fp[F_MISS]
        if not (obs or h):
            inc = 0.0
        score[i] = score[i] + inc
        scored[i] = scored[i] or obs or h
        peak[i] = _max_floor(peak[i], score[i])
        if near:
            score[i] += fp[F_MISS_NEAR]
    for i in range(n):   # score_rules
        alive = ((score[i] >= peak[i] - fp[F_DROP]) and (time_s - last_hit_s[i] <= fp[F_MAX_GAP])
                 and (sigma[i] <= fp[F_MAX_SIGMA]) and scored[i])
        lost = status[i] == _LOST
        if was_tent[i] and lost and alive:
            status[i] = _TENTATIVE
        if (was_tent[i] and status[i] == _TENTATIVE and alive and score[i] >= fp[F_CONFIRM]
                and n_hits[i] >= ip[I_MIN_HITS]):
            status[i] = _CONFIRMED
            held[i] = True
        if held[i] and not was_tent[i] and lost and alive:
            status[i] = _COASTING


@helper()
def _reacquire(was_tent: np.ndarray, sigma: np.ndarray, x: np.ndarray, status: np.ndarray, n_hits: np.ndarray,
               born_s: np.ndarray, last_hit_s: np.ndarray, time_s: float, fp: np.ndarray, ip: np.ndarray) -> None:
    """`RadarTracker._reacquire_window` (without the lost-track memory), in place."""
    tent = np.flatnonzero(was_tent & (time_s - born_s <= fp[F_WINDOW_S]))
    old = np.flatnonzero((status == _COASTING) & (n_hits >= ip[I_SPLICE_MIN_HITS]))
    if not len(tent) or not len(old):
        return
    near = np.empty(len(tent), np.bool_)
    near_any(np.ascontiguousarray(x[tent, :2]), born_s[tent], np.ascontiguousarray(x[old, :2]), last_hit_s[old],
             time_s, fp[F_BASE_M], fp[F_SPEED_MPS], near)
    for q in range(len(tent)):
        i = tent[q]
        if not near[q]:
            continue
        if status[i] == _LOST and sigma[i] <= fp[F_MAX_SIGMA]:
            status[i] = _TENTATIVE
        if status[i] == _TENTATIVE and n_hits[i] >= ip[I_REACQ_HITS]:
            status[i] = _CONFIRMED


@helper()
def _splice(was_tent: np.ndarray, x: np.ndarray, status: np.ndarray, n_hits: np.ndarray, born_s: np.ndarray,
            last_hit_s: np.ndarray, ids: np.ndarray, time_s: float, fp: np.ndarray, drop: np.ndarray) -> int:
    """`RadarTracker._splice` (without the lost-track memory), in place: new tracks take the id of the coasting
    track they continue, nearest first; marks the coasting rows in drop and returns how many were spliced."""
    new = np.flatnonzero(was_tent & (status == _CONFIRMED))
    old = np.flatnonzero(status == _COASTING)
    if not len(new) or not len(old):
        return 0
    na, nb = len(new), len(old)
    d = np.empty(na * nb)
    ok = np.zeros(na * nb, np.bool_)
    for a in range(na):
        for b in range(nb):
            i, j = new[a], old[b]
            d[a * nb + b] = np.hypot(x[i, 0] - x[j, 0], x[i, 1] - x[j, 1])
            reach = fp[F_BASE_M] + fp[F_SPEED_MPS] * _max_floor(time_s - last_hit_s[j], 0.0)
            ok[a * nb + b] = d[a * nb + b] <= reach and last_hit_s[j] <= born_s[i]
    cand = np.flatnonzero(ok)   # row-major, as np.nonzero
    order = cand[np.argsort(d[cand], kind="mergesort")]
    used_new = np.zeros(na, np.bool_)
    used_old = np.zeros(nb, np.bool_)
    count = 0
    for e in order:
        a, b = e // nb, e % nb
        if used_new[a] or used_old[b]:
            continue
        used_new[a] = used_old[b] = True
        i, j = new[a], old[b]
        ids[i] = ids[j]
        n_hits[i] = max(n_hits[i], n_hits[j])
        born_s[i] = born_s[j]
        drop[j] = True
        count += 1
    return count


def params_arrays(p: Any, gate_d2: float, llr_max: float, log_clutter: float) -> tuple[np.ndarray, np.ndarray]:
    """`scan`'s float and int parameters from a `TrackerParams` (with the tracker's derived gate constants)."""
    fp, ip = np.zeros(N_FP), np.zeros(N_IP, np.int64)
    fp[F_GATE_D2], fp[F_LLR_MAX], fp[F_MAX_RADIUS] = gate_d2, llr_max, p.max_gate_radius_m
    fp[F_MAX_SIGMA], fp[F_MIN_COAST] = p.max_position_sigma_m, p.min_coast_s
    fp[F_SCAN_PERIOD] = math.nan if p.scan_period_s is None else p.scan_period_s
    fp[F_LOG_CLUTTER], fp[F_CLUTTER_FLOOR] = log_clutter, math.exp(log_clutter)
    fp[F_INIT_VAR] = p.init_speed_sigma_mps**2
    ip[I_CONFIRM_M], ip[I_CONFIRM_N], ip[I_YOUNG_HITS] = p.confirm_m, p.confirm_n, p.young_hits
    ip[I_YOUNG_MISSES], ip[I_DELETE_MISSES] = p.young_delete_misses, p.delete_misses
    sc = p.score
    if sc is not None:
        ip[I_SCORE], ip[I_MIN_HITS] = 1, sc.min_hits
        fp[F_CLUTTER_R2], fp[F_CLUTTER_AREA] = sc.clutter_radius_m**2, math.pi * sc.clutter_radius_m**2
        fp[F_LOG_PD], fp[F_MISS], fp[F_MISS_NEAR] = math.log(sc.pd), float(np.log1p(-sc.pd)), math.log1p(-sc.near_pd)
        fp[F_DROP], fp[F_MAX_GAP], fp[F_CONFIRM], fp[F_MIN_RANGE] = sc.drop, sc.max_gap_s, sc.confirm, sc.min_range_m
    sp = p.splice
    if sp is not None:
        ip[I_SPLICE], ip[I_SPLICE_MIN_HITS], ip[I_REACQ_HITS] = 1, sp.min_hits, sp.reacquire_hits
        fp[F_BASE_M], fp[F_SPEED_MPS] = sp.base_m, sp.speed_mps
        if sp.window_scans > 0 and p.scan_period_s is not None:
            ip[I_REACQ], fp[F_WINDOW_S] = 1, sp.window_scans * p.scan_period_s
    return fp, ip


def noise_array(noise: Any) -> np.ndarray:
    """`scan`'s description of a `MeasurementNoise`."""
    nz = np.zeros(N_NZ)
    xy = noise.sensor_xy
    if xy is not None:
        nz[Z_HAS_XY], nz[Z_X], nz[Z_Y] = 1.0, float(xy[0]), float(xy[1])
    if xy is not None and noise.range_sigma_m is not None and noise.bearing_sigma_deg is not None:
        nz[Z_POLAR], nz[Z_RANGE_VAR] = 1.0, noise.range_sigma_m**2
        nz[Z_BEARING] = float(np.deg2rad(noise.bearing_sigma_deg))
    nz[Z_VAR] = noise.sigma_m**2
    nz[Z_COVER] = noise.cover_range_m if xy is not None and noise.cover_range_m is not None else math.nan
    return nz

"""Compiled (numba) kernels of the radar tracker's per-scan arithmetic, one loop over the tracks each.

A scan of the Caspian recordings has ~50 plots and a few hundred tracks: the numpy path (`imm.py`,
`kalman.py`, `gating.py`, `lifecycle.py`) spends most of a step in the fixed cost of ~200 small-array
calls, not in arithmetic. Each kernel here does what one of those functions does in one pass, and computes
exactly what its numpy reference computes, bit for bit: the same IEEE operations in the same order (numba
does not fuse a multiply and an add unless told to, and every einsum of the reference sums its two terms
from 0.0, as here). What the kernels do not do: a BLAS matmul (`mu @ pi`: OpenBLAS fuses multiply-adds)
and the transcendental functions whose numpy loops are numpy's own SIMD code on some CPUs (log, exp, sin,
cos, arctan2) stay in numpy, outside the kernels; `hypot` and `sqrt` are the C library's / IEEE in both.
`tests/track/test_kernels.py` holds every kernel to its reference on random and edge-case inputs.
`step_kernel.scan` calls them for a whole scan in one compiled call.
The tracker uses them unless `SEAWATCH_NO_JIT=1`. They are compiled once (~10 s of CPU) into numba's
on-disk cache (`seawatch.ingest.nmea._jit`), then loaded in a fraction of a second by each process.
"""

from __future__ import annotations

import math

import numpy as np

from seawatch.ingest.nmea._jit import ENABLED, inline, jit
from seawatch.model.contact import TrackStatus

__all__ = ["ENABLED"]

# plain ints, constants of the compiled code
_TENTATIVE, _CONFIRMED, _COASTING, _LOST = (int(s) for s in TrackStatus)


@inline
def _max_floor(v: float, floor: float) -> float:
    """np.maximum(v, floor): NaN propagates."""
    return v if (v >= floor or math.isnan(v)) else floor


@inline
def _min_cap(v: float, cap: float) -> float:
    """np.minimum(v, cap): NaN propagates."""
    return v if (v <= cap or math.isnan(v)) else cap


@jit
def imm_predict(xm: np.ndarray, pm: np.ndarray, mu: np.ndarray, pi: np.ndarray, c: np.ndarray, dt: float,
                q_unit: np.ndarray, q_modes: np.ndarray, xm_out: np.ndarray, pm_out: np.ndarray,
                x_out: np.ndarray, p_out: np.ndarray) -> None:
    """`imm.predict` then `imm.combine`: mix (weights mu_i pi_ij / c_j), predict each mode dt ahead (the
    2x2-block F P F^T of `kalman.predict`, plus q_j * q_unit), moment-match the modes with weights c.
    ``c = mu @ pi`` is computed by the caller (numpy's matmul)."""
    n = xm.shape[0]
    xmix = np.empty(4)
    pmix = np.empty((4, 4))
    for r in range(n):
        for j in range(2):
            cj = _max_floor(c[r, j], 1e-300)
            w0 = mu[r, 0] * pi[0, j] / cj
            w1 = mu[r, 1] * pi[1, j] / cj
            for a in range(4):
                xmix[a] = (0.0 + w0 * xm[r, 0, a]) + w1 * xm[r, 1, a]
            for a in range(4):
                d0a = xm[r, 0, a] - xmix[a]
                d1a = xm[r, 1, a] - xmix[a]
                for b in range(4):
                    d0b = xm[r, 0, b] - xmix[b]
                    d1b = xm[r, 1, b] - xmix[b]
                    pmix[a, b] = (0.0 + w0 * (pm[r, 0, a, b] + d0a * d0b)) + w1 * (pm[r, 1, a, b] + d1a * d1b)
            # kalman.predict on the 2x2 blocks
            for a in range(2):
                xm_out[r, j, a] = xmix[a] + dt * xmix[a + 2]
                xm_out[r, j, a + 2] = xmix[a + 2]
            qj = q_modes[j]
            for a in range(2):
                for b in range(2):
                    pvv = pmix[a + 2, b + 2]
                    pm_out[r, j, a, b] = ((pmix[a, b] + dt * (pmix[a, b + 2] + pmix[a + 2, b]))
                                          + (dt * dt) * pvv) + qj * q_unit[a, b]
                    pm_out[r, j, a, b + 2] = (pmix[a, b + 2] + dt * pvv) + qj * q_unit[a, b + 2]
                    pm_out[r, j, a + 2, b] = (pmix[a + 2, b] + dt * pvv) + qj * q_unit[a + 2, b]
                    pm_out[r, j, a + 2, b + 2] = pvv + qj * q_unit[a + 2, b + 2]
        _combine_row(xm_out, pm_out, c, r, x_out, p_out)


@inline
def _combine_row(xm: np.ndarray, pm: np.ndarray, mu: np.ndarray, r: int, x_out: np.ndarray,
                 p_out: np.ndarray) -> None:
    """`imm._moment_match` of row r with weights mu[r] into x_out[r], p_out[r]."""
    w0, w1 = mu[r, 0], mu[r, 1]
    for a in range(4):
        x_out[r, a] = (0.0 + w0 * xm[r, 0, a]) + w1 * xm[r, 1, a]
    for a in range(4):
        d0a = xm[r, 0, a] - x_out[r, a]
        d1a = xm[r, 1, a] - x_out[r, a]
        for b in range(4):
            d0b = xm[r, 0, b] - x_out[r, b]
            d1b = xm[r, 1, b] - x_out[r, b]
            p_out[r, a, b] = (0.0 + w0 * (pm[r, 0, a, b] + d0a * d0b)) + w1 * (pm[r, 1, a, b] + d1a * d1b)


@jit
def moment_match_rows(xm: np.ndarray, pm: np.ndarray, mu: np.ndarray, rows: np.ndarray, x_out: np.ndarray,
                      p_out: np.ndarray) -> None:
    """`imm.combine` of the given rows only, written into x_out / p_out (the other rows are left as they are)."""
    for k in range(len(rows)):
        _combine_row(xm, pm, mu, rows[k], x_out, p_out)


@jit
def imm_update_modes(xm: np.ndarray, pm: np.ndarray, idx: np.ndarray, z: np.ndarray, r: np.ndarray,
                     d2_out: np.ndarray, det_out: np.ndarray) -> None:
    """`kalman.update` of both modes of tracks idx with plots z (rows pair up) and plot covariances r (K, 2, 2),
    in place in xm / pm; the squared Mahalanobis distance and the innovation determinant of each (track,
    mode) into d2_out / det_out (K, 2)."""
    ph0 = np.empty(4)
    ph1 = np.empty(4)
    k0 = np.empty(4)
    k1 = np.empty(4)
    pn = np.empty((4, 4))
    for k in range(len(idx)):
        t = idx[k]
        for j in range(2):
            sa = pm[t, j, 0, 0] + r[k, 0, 0]
            sb = pm[t, j, 0, 1] + r[k, 0, 1]
            sc = pm[t, j, 1, 0] + r[k, 1, 0]
            sd = pm[t, j, 1, 1] + r[k, 1, 1]
            det = sa * sd - sb * sc
            si00, si01, si10, si11 = sd / det, -sb / det, -sc / det, sa / det
            for a in range(4):
                ph0[a] = pm[t, j, a, 0]
                ph1[a] = pm[t, j, a, 1]
            for a in range(4):
                k0[a] = ph0[a] * si00 + ph1[a] * si10
                k1[a] = ph0[a] * si01 + ph1[a] * si11
            y0 = z[k, 0] - xm[t, j, 0]
            y1 = z[k, 1] - xm[t, j, 1]
            for a in range(4):
                xm[t, j, a] = (xm[t, j, a] + k0[a] * y0) + k1[a] * y1
            for a in range(4):
                for b in range(4):
                    pn[a, b] = (pm[t, j, a, b] - k0[a] * ph0[b]) - k1[a] * ph1[b]
            for a in range(4):
                for b in range(4):
                    pm[t, j, a, b] = 0.5 * (pn[a, b] + pn[b, a])
            d2_out[k, j] = (si00 * (y0 * y0) + ((si01 + si10) * y0) * y1) + si11 * (y1 * y1)
            det_out[k, j] = det


@jit
def gate_prep(s: np.ndarray, gate_d2: float, max_radius_m: float, s_inv: np.ndarray, det_out: np.ndarray,
              radius_out: np.ndarray) -> None:
    """`kalman.inv2` of S, and the gate radius of `gating.gate`: sqrt(gate_d2 * largest eigenvalue of S),
    capped at max_radius_m."""
    for i in range(s.shape[0]):
        a, b, c, d = s[i, 0, 0], s[i, 0, 1], s[i, 1, 0], s[i, 1, 1]
        det = a * d - b * c
        s_inv[i, 0, 0] = d / det
        s_inv[i, 0, 1] = -b / det
        s_inv[i, 1, 0] = -c / det
        s_inv[i, 1, 1] = a / det
        det_out[i] = det
        tr = a + d
        disc = 0.25 * tr * tr - det
        lam_max = 0.5 * tr + math.sqrt(_max_floor(disc, 0.0))
        radius_out[i] = _min_cap(math.sqrt(gate_d2 * lam_max), max_radius_m)


@jit
def gate_pairs(zhat: np.ndarray, s_inv: np.ndarray, log_norm: np.ndarray, radius: np.ndarray, plots: np.ndarray,
               gate_d2: float, llr_max: float, ti_out: np.ndarray, pj_out: np.ndarray, d2_out: np.ndarray,
               cost_out: np.ndarray) -> int:
    """Every (track, plot) pair of `gating.gate`'s brute-force branch, then `_score`: inside the track's
    radius, d2 <= gate_d2 and d2 + log_norm[track] <= llr_max (log_norm = ln|2 pi S|). Writes the pairs in
    the reference's order (track-major) and returns how many there are: more than the outputs hold when they
    are too short (the caller then calls again with room for all)."""
    k = 0
    for i in range(zhat.shape[0]):
        for j in range(plots.shape[0]):
            ok, d2, cost = gate_test(plots[j, 0] - zhat[i, 0], plots[j, 1] - zhat[i, 1], radius[i], s_inv[i, 0, 0],
                                     s_inv[i, 0, 1], s_inv[i, 1, 0], s_inv[i, 1, 1], log_norm[i], gate_d2, llr_max)
            if ok:
                if k < len(ti_out):
                    ti_out[k] = i
                    pj_out[k] = j
                    d2_out[k] = d2
                    cost_out[k] = cost
                k += 1
    return k


@inline
def gate_test(y0: float, y1: float, rad: float, s00: float, s01: float, s10: float, s11: float, log_norm: float,
              gate_d2: float, llr_max: float) -> tuple[bool, float, float]:
    """`gate_pairs`' test of one pair, innovation (y0, y1): (passes?, d2, cost)."""
    # hypot >= |y0|, |y1| (it is rounded faithfully): the cheap test rejects most pairs exactly
    if abs(y0) > rad or abs(y1) > rad or not np.hypot(y0, y1) <= rad:
        return False, 0.0, 0.0
    d2 = s00 * (y0 * y0) + ((s01 + s10) * y0) * y1 + s11 * (y1 * y1)
    cost = d2 + log_norm
    return d2 <= gate_d2 and cost <= llr_max, d2, cost


@jit
def polar_cov(d: np.ndarray, sb: np.ndarray, cb: np.ndarray, s_r2: float, bearing_rad: float,
              r_out: np.ndarray) -> None:
    """The arithmetic of `kalman.polar_noise_cov` given the offsets d from the radar and the sine and cosine
    of each plot's bearing (numpy's)."""
    for i in range(d.shape[0]):
        rng = _max_floor(np.hypot(d[i, 0], d[i, 1]), 1.0)
        ct = rng * bearing_rad
        s_t2 = ct * ct
        s, c = sb[i], cb[i]
        r_out[i, 0, 0] = s_r2 * s * s + s_t2 * c * c
        r_out[i, 1, 1] = s_r2 * c * c + s_t2 * s * s
        off = (s_r2 - s_t2) * s * c
        r_out[i, 0, 1] = off
        r_out[i, 1, 0] = off


@jit
def lifecycle_advance(status: np.ndarray, hits: np.ndarray, age: np.ndarray, misses: np.ndarray,
                      n_hits: np.ndarray, last_hit_s: np.ndarray, hit: np.ndarray, sigma: np.ndarray,
                      observed: np.ndarray, time_s: float, confirm_m: int, confirm_n: int, young_hits: int,
                      young_delete_misses: int, delete_misses: int, max_sigma: float, scan_period_s: float,
                      min_coast_s: float, status_o: np.ndarray, hits_o: np.ndarray, age_o: np.ndarray,
                      misses_o: np.ndarray, n_hits_o: np.ndarray, last_hit_o: np.ndarray) -> None:
    """`lifecycle.advance`, row by row (scan_period_s NaN: deletion by a count of misses). Rows not
    ``observed`` keep their state and are only lost by covariance growth."""
    for i in range(len(status)):
        too_wide = sigma[i] > max_sigma
        if not observed[i]:
            status_o[i] = _LOST if too_wide else status[i]
            hits_o[i], age_o[i], misses_o[i] = hits[i], age[i], misses[i]
            n_hits_o[i], last_hit_o[i] = n_hits[i], last_hit_s[i]
            continue
        h = hit[i]
        a = age[i] + 1
        hb = hits[i]
        if a <= confirm_n and h:
            hb = hb | (np.int32(1) << min(a - 1, 30))
        st = status[i]
        tent = st == _TENTATIVE
        nh = 0
        v = hb & 0xFFFF
        while v:
            nh += v & 1
            v >>= 1
        confirm = tent and nh >= confirm_m
        hopeless = tent and not confirm and nh + max(confirm_n - a, 0) < confirm_m
        if confirm:
            st = _CONFIRMED
        active = st == _CONFIRMED or st == _COASTING
        if active and not confirm and h:
            st = _CONFIRMED
        if active and not h:
            st = _COASTING
        n_total = n_hits[i] + (1 if h else 0)
        limit = young_delete_misses if n_total < young_hits else delete_misses
        last = time_s if h else last_hit_s[i]
        m = 0 if h else misses[i] + 1
        if math.isnan(scan_period_s):
            gone = m >= limit
        else:
            limit_s = limit * scan_period_s
            if n_total >= young_hits and min_coast_s > limit_s:
                limit_s = min_coast_s
            gone = (not h) and time_s - last > limit_s + 1e-6
        if hopeless or gone or too_wide:
            st = _LOST
        status_o[i] = st
        hits_o[i], age_o[i], misses_o[i], n_hits_o[i], last_hit_o[i] = hb, a, m, n_total, last


@jit
def near_any(new_xy: np.ndarray, new_born_s: np.ndarray, old_xy: np.ndarray, old_last_hit_s: np.ndarray,
             time_s: float, base_m: float, speed_mps: float, out: np.ndarray) -> None:
    """`splice.near_candidates`: whether each new track lies within reach (base_m + speed_mps x time since
    the old track's last plot) of an old track that has had no plot since the new one was born."""
    for i in range(new_xy.shape[0]):
        found = False
        for j in range(old_xy.shape[0]):
            if old_last_hit_s[j] <= new_born_s[i]:
                reach = base_m + speed_mps * _max_floor(time_s - old_last_hit_s[j], 0.0)
                if np.hypot(new_xy[i, 0] - old_xy[j, 0], new_xy[i, 1] - old_xy[j, 1]) <= reach:
                    found = True
                    break
        out[i] = found


@jit
def pairs_within(a: np.ndarray, b: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (i, j) with row i of `a` and row j of `b` (x, y columns first; finite) at most r apart: the pairs
    `cKDTree(a).sparse_distance_matrix(cKDTree(b), r)` finds — the same test, the sum of the two squared
    differences against r * r — and their distances, ordered by i then j. `b` sorted by x, each row of `a`
    looks only at the band of `b` within r in x (a hair wider: the squared test decides)."""
    n = a.shape[0]
    order = np.argsort(b[:, 0], kind="mergesort")
    bx = b[order, 0]
    r2 = r * r
    band = r * (1.0 + 1e-9) + 1e-9
    cnt = np.zeros(n, np.int64)
    for i in range(n):
        lo = np.searchsorted(bx, a[i, 0] - band, side="left")
        hi = np.searchsorted(bx, a[i, 0] + band, side="right")
        for q in range(lo, hi):
            j = order[q]
            dx, dy = a[i, 0] - b[j, 0], a[i, 1] - b[j, 1]
            if dx * dx + dy * dy <= r2:
                cnt[i] += 1
    total = int(cnt.sum())
    oi, oj, od = np.empty(total, np.intp), np.empty(total, np.intp), np.empty(total)
    k = 0
    for i in range(n):
        if cnt[i] == 0:
            continue
        lo = np.searchsorted(bx, a[i, 0] - band, side="left")
        hi = np.searchsorted(bx, a[i, 0] + band, side="right")
        start = k
        for q in range(lo, hi):
            j = order[q]
            dx, dy = a[i, 0] - b[j, 0], a[i, 1] - b[j, 1]
            d2 = dx * dx + dy * dy
            if d2 <= r2:
                oi[k], oj[k], od[k] = i, j, math.sqrt(d2)
                k += 1
        seg = np.argsort(oj[start:k], kind="mergesort")   # this row's partners in index order
        oj[start:k], od[start:k] = oj[start:k][seg], od[start:k][seg]
    return oi, oj, od


@inline
def _pair_d2(tp: np.ndarray, ap: np.ndarray, i: int, j: int, extra_var: float, d0: float, d1: float) -> float:
    """The squared Mahalanobis length of (d0, d1) under the sum of the position covariances of track row i and
    AIS row j plus extra_var on the diagonal, as numpy computes it in `fusion` (the sum, then + extra_var * I)."""
    s00 = (tp[i, 0, 0] + ap[j, 0, 0]) + extra_var
    s01 = (tp[i, 0, 1] + ap[j, 0, 1]) + 0.0
    s10 = (tp[i, 1, 0] + ap[j, 1, 0]) + 0.0
    s11 = (tp[i, 1, 1] + ap[j, 1, 1]) + extra_var
    det = s00 * s11 - s01 * s10
    return (s11 * (d0 * d0) - (s01 + s10) * d0 * d1 + s00 * (d1 * d1)) / det


@jit
def fusion_gate(ti: np.ndarray, aj: np.ndarray, tx: np.ndarray, tp: np.ndarray, ax: np.ndarray, ap: np.ndarray,
                fresh: np.ndarray, extra_var: float, gate_d2: float, max_dv: float) -> np.ndarray:
    """`fusion.RadarAisFusion._pairs`' tests of the pregated pairs (ti[e], aj[e]) in one pass: the AIS vessel
    fresh, the squared Mahalanobis distance of the positions (covariance: the sum of both plus extra_var on
    the diagonal) within gate_d2, the velocities at most max_dv apart. Returns each pair's d² where it passes,
    NaN where not (a NaN d² fails the numpy test too)."""
    out = np.empty(len(ti))
    for e in range(len(ti)):
        i, j = ti[e], aj[e]
        out[e] = np.nan
        if not fresh[j]:
            continue
        d0, d1 = tx[i, 0] - ax[j, 0], tx[i, 1] - ax[j, 1]
        d2 = _pair_d2(tp, ap, i, j, extra_var, d0, d1)
        dv = math.hypot(tx[i, 2] - ax[j, 2], tx[i, 3] - ax[j, 3])
        if d2 <= gate_d2 and dv <= max_dv:
            out[e] = d2
    return out


@jit
def duplicate_best(ti: np.ndarray, aj: np.ndarray, tx: np.ndarray, tp: np.ndarray, ax: np.ndarray, ap: np.ndarray,
                   hull_m: np.ndarray, extra_var: float, gate_d2: float, max_out_m: float,
                   max_dv: float) -> tuple[np.ndarray, np.ndarray]:
    """`fusion.RadarAisFusion._duplicates`' pair tests and choice in one pass, over the pregated (track row ti[e],
    AIS row aj[e]) pairs in track-then-vessel order: `fusion.hull_residual_d2` of each pair (covariance: the
    sum of both plus extra_var on the diagonal), kept when within gate_d2, at most max_out_m outside the hull and
    the velocities at most max_dv apart; per track the kept pair of least d² (the first of equals). Returns per
    row of tx the chosen AIS row (-1: none) and its d² (inf: none)."""
    n = tx.shape[0]
    best_a, best_d2 = np.full(n, -1, np.int64), np.full(n, np.inf)
    dims = np.empty(4)
    for e in range(len(ti)):
        i, j = ti[e], aj[e]
        for c in range(4):
            h = hull_m[j, c]
            dims[c] = h if (math.isfinite(h) and h > 0) else 0.0
        o0, o1 = tx[i, 0] - ax[j, 0], tx[i, 1] - ax[j, 1]
        v0, v1 = ax[j, 2], ax[j, 3]
        speed = math.hypot(v0, v1)
        if speed >= 0.5:
            u0, u1 = v0 / speed, v1 / speed
            s0, s1 = u1, -u0
            along = (0.0 + o0 * u0) + o1 * u1
            across = (0.0 + o0 * s0) + o1 * s1
            ra = along - min(max(along, -dims[1]), dims[0])
            rc = across - min(max(across, -dims[2]), dims[3])
            r0, r1 = ra * u0 + rc * s0, ra * u1 + rc * s1
        else:
            dist = math.hypot(o0, o1)
            big = max(max(dims[0], dims[1]), max(dims[2], dims[3]))
            shrink = max(dist - big, 0.0) / (dist if dist > 0 else 1.0)
            r0, r1 = o0 * shrink, o1 * shrink
        d2 = _pair_d2(tp, ap, i, j, extra_var, r0, r1)
        out_m = math.hypot(r0, r1)
        dv = math.hypot(tx[i, 2] - ax[j, 2], tx[i, 3] - ax[j, 3])
        if d2 <= gate_d2 and out_m <= max_out_m and dv <= max_dv and d2 < best_d2[i]:
            best_a[i], best_d2[i] = j, d2
    return best_a, best_d2

"""Gating: which plots may belong to which track.

Two stages, both vectorised: a spatial pre-gate (a k-d tree over the predicted track positions and one
over the plots, queried pairwise within the largest gate radius), then the Mahalanobis gate on the
innovation covariance of each candidate pair, with a likelihood-ratio bound that tightens the gate when
clutter is dense:

    accept (i, j)  iff  d2_ij <= gate_d2  and  d2_ij + ln|2 pi S_i| <= 2 ln(Pd / ((1 - Pd) * clutter_density))

The second inequality is "the plot is more likely from the track than clutter while the track missed".
The assignment cost of a gated pair is ``d2 + ln|2 pi S|`` (the negative log-likelihood, up to a constant).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from seawatch.track import kernels
from seawatch.track.kalman import FloatArray, inv2

IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class GatedPairs:
    """Candidate (track, plot) pairs that passed the gate, with their assignment cost."""

    track: IntArray
    plot: IntArray
    d2: FloatArray
    cost: FloatArray

    def __len__(self) -> int:
        return len(self.track)


BRUTE_FORCE_PAIRS = 20_000  # below this many track x plot pairs, gate every pair without a KD-tree
COMPILED_PAIRS = 1_000_000  # the same, in the compiled kernel (a few ns per pair: faster than a tree below this)


def llr_bound(pd: float, clutter_density_per_m2: float) -> float:
    """Right-hand side of the likelihood-ratio gate (inf when there is no clutter)."""
    if clutter_density_per_m2 <= 0.0 or pd >= 1.0:
        return float("inf")
    return float(2.0 * np.log(pd / ((1.0 - pd) * clutter_density_per_m2)))


def gate(zhat: FloatArray, s: FloatArray, plots_xy: FloatArray, *, gate_d2: float,
         llr_max: float = float("inf"), max_radius_m: float = 5_000.0, jit: bool = kernels.ENABLED) -> GatedPairs:
    """Gate N predicted positions ``zhat (N, 2)`` with innovation covariances ``s (N, 2, 2)`` (one per
    track, the measurement noise at the track's position already added) against plots ``(M, 2)``.
    With ``jit`` (the default unless SEAWATCH_NO_JIT=1), a scan of up to ``COMPILED_PAIRS`` pairs is gated in
    one compiled pass: what the brute-force branch finds (``kernels.gate_pairs``: the same pairs in the same
    order, the same costs), and, above ``BRUTE_FORCE_PAIRS``, the pairs the k-d tree branches find, in
    track order rather than the tree's (the assignment does not depend on the order of the pairs)."""
    n, m = len(zhat), len(plots_xy)
    empty = GatedPairs(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0), np.empty(0))
    if n == 0 or m == 0:
        return empty
    if jit and n * m <= COMPILED_PAIRS:
        return _gate_compiled(zhat, s, plots_xy, gate_d2, llr_max, max_radius_m)
    s_inv, det = inv2(s)
    # radius of the gate ellipse: sqrt(gate_d2 * largest eigenvalue of S)
    tr = s[:, 0, 0] + s[:, 1, 1]
    lam_max = 0.5 * tr + np.sqrt(np.maximum(0.25 * tr * tr - det, 0.0))
    radius = np.minimum(np.sqrt(gate_d2 * lam_max), max_radius_m)
    r_all = float(radius.max())
    if n * m <= BRUTE_FORCE_PAIRS:
        # a few hundred tracks against one scan's plots: every pair at once costs less than a tree
        ti, pj = np.nonzero(np.hypot(plots_xy[None, :, 0] - zhat[:, None, 0],
                                     plots_xy[None, :, 1] - zhat[:, None, 1]) <= radius[:, None])
        return _score(zhat, s_inv, det, plots_xy, ti.astype(np.intp), pj.astype(np.intp), gate_d2, llr_max)
    tree = cKDTree(plots_xy)
    if r_all > 2.0 * float(np.median(radius)):
        # a few wide gates (coasting tracks): each track searches its own radius, so they do not widen
        # everybody's search
        lists = tree.query_ball_point(zhat, r=radius, return_sorted=False)
        counts = np.fromiter((len(x) for x in lists), np.intp, count=n)
        ti = np.repeat(np.arange(n, dtype=np.intp), counts)
        pj = np.fromiter((j for x in lists for j in x), np.intp, count=int(counts.sum()))
        return _score(zhat, s_inv, det, plots_xy, ti, pj, gate_d2, llr_max)
    # similar gates: the k nearest plots of each track within the largest radius; k grows until no
    # track has k candidates (so none is cut off)
    k = min(4, m)
    while True:
        dist, idx = tree.query(zhat, k=k, distance_upper_bound=r_all)
        dist, idx = dist.reshape(n, k), idx.reshape(n, k)
        if k == m or not np.isfinite(dist[:, -1]).any():
            break
        k = min(2 * k, m)
    keep = dist <= radius[:, None]
    ti = np.nonzero(keep)[0].astype(np.intp)
    pj = idx[keep].astype(np.intp)
    return _score(zhat, s_inv, det, plots_xy, ti, pj, gate_d2, llr_max)


def _score(zhat: FloatArray, s_inv: FloatArray, det: FloatArray, plots_xy: FloatArray,
           ti: npt.NDArray[np.intp], pj: npt.NDArray[np.intp], gate_d2: float, llr_max: float) -> GatedPairs:
    """Mahalanobis distance and likelihood-ratio cost of the candidate pairs; the pairs inside both gates."""
    y = plots_xy[pj] - zhat[ti]
    si = s_inv[ti]
    d2 = si[:, 0, 0] * y[:, 0] ** 2 + (si[:, 0, 1] + si[:, 1, 0]) * y[:, 0] * y[:, 1] + si[:, 1, 1] * y[:, 1] ** 2
    cost = d2 + np.log((2.0 * np.pi) ** 2 * det[ti])
    ok = (d2 <= gate_d2) & (cost <= llr_max)
    return GatedPairs(ti[ok], pj[ok], d2[ok], cost[ok])


def _gate_compiled(zhat: FloatArray, s: FloatArray, plots_xy: FloatArray, gate_d2: float, llr_max: float,
                   max_radius_m: float) -> GatedPairs:
    """The brute-force branch of ``gate`` and ``_score`` in two kernels; ln|2 pi S| in numpy (numpy's log)."""
    n, m = len(zhat), len(plots_xy)
    s = np.ascontiguousarray(s, dtype=np.float64)
    s_inv, det, radius = np.empty((n, 2, 2)), np.empty(n), np.empty(n)
    kernels.gate_prep(s, float(gate_d2), float(max_radius_m), s_inv, det, radius)
    log_norm = np.log((2.0 * np.pi) ** 2 * det)
    zhat = np.ascontiguousarray(zhat, dtype=np.float64)
    plots_xy = np.ascontiguousarray(plots_xy, dtype=np.float64)
    size = min(n * m, 8 * (n + m))   # room for a few candidates per track; all of them if there are more
    while True:
        ti, pj = np.empty(size, np.intp), np.empty(size, np.intp)
        d2, cost = np.empty(size), np.empty(size)
        k = kernels.gate_pairs(zhat, s_inv, log_norm, radius, plots_xy, float(gate_d2), float(llr_max),
                               ti, pj, d2, cost)
        if k <= size:
            return GatedPairs(ti[:k], pj[:k], d2[:k], cost[:k])
        size = k

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


def llr_bound(pd: float, clutter_density_per_m2: float) -> float:
    """Right-hand side of the likelihood-ratio gate (inf when there is no clutter)."""
    if clutter_density_per_m2 <= 0.0 or pd >= 1.0:
        return float("inf")
    return float(2.0 * np.log(pd / ((1.0 - pd) * clutter_density_per_m2)))


def gate(zhat: FloatArray, s: FloatArray, plots_xy: FloatArray, *, gate_d2: float,
         llr_max: float = float("inf"), max_radius_m: float = 5_000.0) -> GatedPairs:
    """Gate N predicted positions ``zhat (N, 2)`` with innovation covariances ``s (N, 2, 2)`` (one per
    track, the measurement noise at the track's position already added) against plots ``(M, 2)``."""
    n, m = len(zhat), len(plots_xy)
    empty = GatedPairs(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0), np.empty(0))
    if n == 0 or m == 0:
        return empty
    s_inv, det = inv2(s)
    # radius of the gate ellipse: sqrt(gate_d2 * largest eigenvalue of S)
    tr = s[:, 0, 0] + s[:, 1, 1]
    lam_max = 0.5 * tr + np.sqrt(np.maximum(0.25 * tr * tr - det, 0.0))
    radius = np.minimum(np.sqrt(gate_d2 * lam_max), max_radius_m)
    r_all = float(radius.max())
    # pre-gate: the k nearest plots of each track within the largest gate radius; k grows until no
    # track has k candidates (so none is cut off)
    tree = cKDTree(plots_xy)
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
    y = plots_xy[pj] - zhat[ti]
    si = s_inv[ti]
    d2 = si[:, 0, 0] * y[:, 0] ** 2 + (si[:, 0, 1] + si[:, 1, 0]) * y[:, 0] * y[:, 1] + si[:, 1, 1] * y[:, 1] ** 2
    cost = d2 + np.log((2.0 * np.pi) ** 2 * det[ti])
    ok = (d2 <= gate_d2) & (cost <= llr_max)
    return GatedPairs(ti[ok], pj[ok], d2[ok], cost[ok])

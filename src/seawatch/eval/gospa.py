"""GOSPA — generalised optimal sub-pattern assignment metric (Rahmathullah, García-Fernández, Svensson,
2017) between a set of true positions and a set of estimated positions at one instant.

With alpha = 2 (the default, and the value for which GOSPA splits into localisation, missed and false
parts), for cut-off c and order p:

    GOSPA^p = min over assignments  sum_assigned d(x, y)^p  +  c^p / 2 * (n_missed + n_false)

where only pairs closer than c may be assigned. Because a pair at distance >= c costs the same as leaving
both unassigned, the optimal assignment decomposes over connected components of the "closer than c"
graph; each component is solved exactly with ``scipy.optimize.linear_sum_assignment``, so thousands of
objects cost little more than their number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Gospa:
    """GOSPA at one instant. ``localisation``, ``missed`` and ``false`` are the three parts of GOSPA^p."""

    distance: float
    localisation: float
    missed: float
    false: float
    n_assigned: int
    n_missed: int
    n_false: int


def gospa(truth_xy: FloatArray, est_xy: FloatArray, c: float = 100.0, p: float = 1.0,
          alpha: float = 2.0) -> Gospa:
    """GOSPA between truth (n, 2) and estimates (m, 2), Euclidean distance. Only alpha = 2 is supported."""
    if alpha != 2.0:
        raise ValueError("only alpha = 2 is implemented (the decomposable GOSPA)")
    if c <= 0 or p < 1:
        raise ValueError("need c > 0 and p >= 1")
    truth = np.asarray(truth_xy, dtype=np.float64).reshape(-1, 2)
    est = np.asarray(est_xy, dtype=np.float64).reshape(-1, 2)
    n, m = len(truth), len(est)
    loc = 0.0
    n_assigned = 0
    if n and m:
        pairs = cKDTree(truth).sparse_distance_matrix(cKDTree(est), c, output_type="ndarray")
        close = pairs[pairs["v"] < c]
        if len(close):
            ti, ej, dist = close["i"].astype(np.intp), close["j"].astype(np.intp), close["v"]
            # a pair whose truth and estimate have no other partner within c is assigned as is
            simple = (np.bincount(ti, minlength=n)[ti] == 1) & (np.bincount(ej, minlength=m)[ej] == 1)
            loc += float((dist[simple] ** p).sum())
            n_assigned += int(simple.sum())
            rest = ~simple
            if rest.any():
                l_, a_ = _contested(ti[rest], ej[rest], dist[rest] ** p, c**p)
                loc += l_
                n_assigned += a_
    missed = c**p / 2.0 * (n - n_assigned)
    false = c**p / 2.0 * (m - n_assigned)
    return Gospa(float((loc + missed + false) ** (1.0 / p)), loc, missed, false, n_assigned,
                 n - n_assigned, m - n_assigned)


def _contested(ti: npt.NDArray[np.intp], ej: npt.NDArray[np.intp], cost: FloatArray,
               cp: float) -> tuple[float, int]:
    """Optimal assignment of the contested pairs, one exact LSA per connected component."""
    ut, a = np.unique(ti, return_inverse=True)
    ue, b = np.unique(ej, return_inverse=True)
    nt = len(ut)
    graph = coo_matrix((np.ones(len(a)), (a, b + nt)), shape=(nt + len(ue), nt + len(ue)))
    _, label = connected_components(graph, directed=False)
    edge_label = label[a]
    order = np.argsort(edge_label, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_label[order])) + 1
    loc, n_assigned = 0.0, 0
    for grp in np.split(order, bounds):
        ga, ra = np.unique(a[grp], return_inverse=True)
        gb, rb = np.unique(b[grp], return_inverse=True)
        mat = np.full((len(ga), len(gb)), cp)
        mat[ra, rb] = cost[grp]
        r, col = linear_sum_assignment(mat)
        real = mat[r, col] < cp
        loc += float(mat[r[real], col[real]].sum())
        n_assigned += int(real.sum())
    return loc, n_assigned

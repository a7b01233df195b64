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
    _check(c, p, alpha)
    truth = np.asarray(truth_xy, dtype=np.float64).reshape(-1, 2)
    est = np.asarray(est_xy, dtype=np.float64).reshape(-1, 2)
    n, m = len(truth), len(est)
    _, _, dist = assign(truth, est, c, p)
    n_assigned = len(dist)
    loc = float((dist**p).sum())
    missed = c**p / 2.0 * (n - n_assigned)
    false = c**p / 2.0 * (m - n_assigned)
    return Gospa(float((loc + missed + false) ** (1.0 / p)), loc, missed, false, n_assigned,
                 n - n_assigned, m - n_assigned)


def _check(c: float, p: float, alpha: float) -> None:
    if alpha != 2.0:
        raise ValueError("only alpha = 2 is implemented (the decomposable GOSPA)")
    if c <= 0 or p < 1:
        raise ValueError("need c > 0 and p >= 1")


def assign(truth_xy: FloatArray, est_xy: FloatArray, c: float = 100.0, p: float = 1.0,
           truth_group: npt.NDArray[np.int64] | None = None,
           est_group: npt.NDArray[np.int64] | None = None) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp],
                                                                     FloatArray]:
    """The GOSPA-optimal assignment: (truth index, estimate index, distance) of every assigned pair.

    With `truth_group` / `est_group` (e.g. the time step of each point) many instants are solved in one
    call: only a truth and an estimate of the same group can be assigned.
    """
    truth = np.asarray(truth_xy, dtype=np.float64).reshape(-1, 2)
    est = np.asarray(est_xy, dtype=np.float64).reshape(-1, 2)
    n, m = len(truth), len(est)
    none = (np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0))
    if not n or not m:
        return none
    if truth_group is not None and est_group is not None:
        # a third coordinate that keeps groups further apart than the cut-off
        sep = 4.0 * c
        truth = np.column_stack([truth, np.asarray(truth_group, np.float64) * sep])
        est = np.column_stack([est, np.asarray(est_group, np.float64) * sep])
    pairs = cKDTree(truth).sparse_distance_matrix(cKDTree(est), c, output_type="ndarray")
    close = pairs[pairs["v"] < c]
    if not len(close):
        return none
    ti, ej, dist = close["i"].astype(np.intp), close["j"].astype(np.intp), close["v"].astype(np.float64)
    # a pair whose truth and estimate have no other partner within c is assigned as is
    simple = (np.bincount(ti, minlength=n)[ti] == 1) & (np.bincount(ej, minlength=m)[ej] == 1)
    out_t, out_e, out_d = [ti[simple]], [ej[simple]], [dist[simple]]
    rest = ~simple
    if rest.any():
        ct, ce, cd = _contested(ti[rest], ej[rest], dist[rest], p, c**p)
        out_t.append(ct)
        out_e.append(ce)
        out_d.append(cd)
    return np.concatenate(out_t), np.concatenate(out_e), np.concatenate(out_d)


def _contested(ti: npt.NDArray[np.intp], ej: npt.NDArray[np.intp], dist: FloatArray, p: float,
               cp: float) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Optimal assignment of the contested pairs, one exact LSA per connected component."""
    ut, a = np.unique(ti, return_inverse=True)
    ue, b = np.unique(ej, return_inverse=True)
    nt = len(ut)
    graph = coo_matrix((np.ones(len(a)), (a, b + nt)), shape=(nt + len(ue), nt + len(ue)))
    _, label = connected_components(graph, directed=False)
    edge_label = label[a]
    order = np.argsort(edge_label, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_label[order])) + 1
    out_t: list[npt.NDArray[np.intp]] = []
    out_e: list[npt.NDArray[np.intp]] = []
    out_d: list[FloatArray] = []
    for grp in np.split(order, bounds):
        ga, ra = np.unique(a[grp], return_inverse=True)
        gb, rb = np.unique(b[grp], return_inverse=True)
        mat = np.full((len(ga), len(gb)), cp)
        dmat = np.full((len(ga), len(gb)), np.inf)
        mat[ra, rb] = dist[grp] ** p
        dmat[ra, rb] = dist[grp]
        r, col = linear_sum_assignment(mat)
        real = mat[r, col] < cp
        out_t.append(ut[ga[r[real]]])
        out_e.append(ue[gb[col[real]]])
        out_d.append(dmat[r[real], col[real]])
    return np.concatenate(out_t), np.concatenate(out_e), np.concatenate(out_d)

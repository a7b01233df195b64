"""Global nearest neighbour assignment, solved per connected cluster of gated pairs.

The gated (track, plot) pairs form a sparse bipartite graph. Pairs whose track and plot have no other
candidate (the vast majority at sea) are assigned directly; the remaining pairs are split into connected
components and each component is solved with ``scipy.optimize.linear_sum_assignment`` on its small dense
cost matrix (or, while the contested tracks and plots are few, all components in one small matrix:
the components are independent, so the optimum is the same); a component with a single track or a single
plot simply takes its cheapest pair, vectorised over all such components. Pairs that are not gated cost ``_NO_EDGE`` so that the number of assignments is maximised
first and the summed cost minimised second; they are never returned.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from seawatch.track import assign_kernel, kernels
from seawatch.track.gating import FloatArray, IntArray

_NO_EDGE = 1e9
_ONE_MATRIX = 2_500   # contested tracks x plots up to which one dense matrix is solved


def gnn_assign(n_tracks: int, n_plots: int, track: IntArray, plot: IntArray,
               cost: FloatArray) -> tuple[IntArray, IntArray]:
    """Return (track_idx, plot_idx) of the GNN assignment; each track and plot appears at most once."""
    if len(track) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    t_deg = np.bincount(track, minlength=n_tracks)
    p_deg = np.bincount(plot, minlength=n_plots)
    simple = (t_deg[track] == 1) & (p_deg[plot] == 1)
    out_t = [track[simple]]
    out_p = [plot[simple]]
    rest = ~simple
    if rest.any():
        rt, rp, rc = track[rest], plot[rest], cost[rest]
        ut, t_loc = _unique_inverse(rt, n_tracks)
        up, p_loc = _unique_inverse(rp, n_plots)
        if len(ut) * len(up) <= _ONE_MATRIX:
            # the clusters are independent, so one small matrix over all of them has the same optimum
            a_t, a_p = _solve_numbered(t_loc, p_loc, rc, len(ut), len(up), _NO_EDGE)
        else:
            a_t, a_p = _solve_by_cluster(t_loc, p_loc, rc, len(ut), len(up))
        out_t.append(ut[a_t])
        out_p.append(up[a_p])
    return np.concatenate(out_t).astype(np.intp), np.concatenate(out_p).astype(np.intp)


def gnn_assign_compiled(n_tracks: int, n_plots: int, track: IntArray, plot: IntArray,
                        cost: FloatArray) -> tuple[IntArray, IntArray]:
    """``gnn_assign`` in compiled code (`assign_kernel.gnn`: the same optimum) unless SEAWATCH_NO_JIT=1."""
    if not kernels.ENABLED or len(track) == 0:
        return gnn_assign(n_tracks, n_plots, track, plot, cost)
    return assign_kernel.gnn(n_tracks, n_plots, np.ascontiguousarray(track, dtype=np.intp),
                             np.ascontiguousarray(plot, dtype=np.intp), np.ascontiguousarray(cost, dtype=np.float64),
                             np.ones(len(track), np.bool_))


def solve_dense(t_loc: IntArray, p_loc: IntArray, cost: FloatArray,
                no_edge: float = _NO_EDGE) -> tuple[IntArray, IntArray]:
    """One dense LSA over the given edges (any numbering): the (row, column) pairs assigned. A missing edge
    costs `no_edge` (huge: as many pairs as possible; a finite cut-off: a pair is kept only if cheaper)."""
    ct, ti = _unique_inverse(t_loc)
    cp, pi = _unique_inverse(p_loc)
    r, c = _solve_numbered(ti, pi, cost, len(ct), len(cp), no_edge)
    return ct[r], cp[c]


def _solve_numbered(ti: IntArray, pi: IntArray, cost: FloatArray, nt: int, npl: int,
                    no_edge: float) -> tuple[IntArray, IntArray]:
    """``solve_dense`` of edges already numbered 0..nt-1 (tracks) and 0..npl-1 (plots), every number used."""
    # imported here: scipy.optimize takes ~0.3 s to import and the compiled tracker (assign_kernel) does not
    # need it, nor does an AIS-only site
    from scipy.optimize import linear_sum_assignment

    mat = np.full((nt, npl), no_edge)
    mat[ti, pi] = cost
    r, c = linear_sum_assignment(mat)
    real = mat[r, c] < no_edge
    return r[real], c[real]


def _unique_inverse(v: IntArray, bound: int | None = None) -> tuple[IntArray, IntArray]:
    """``np.unique(v, return_inverse=True)`` of non-negative integers (below ``bound``, when known), by
    counting instead of sorting while the values are small: the same two arrays, a fraction of the cost on a
    scan's few pairs."""
    size = (int(v.max()) + 1 if len(v) else 0) if bound is None else bound
    if size > 4 * len(v) + 4096 or (len(v) and int(v.min()) < 0):
        u, inv = np.unique(v, return_inverse=True)
        return u, inv
    present = np.zeros(size, np.bool_)
    present[v] = True
    u = np.flatnonzero(present)
    rank = np.empty(size, np.intp)
    rank[u] = np.arange(len(u))
    return u.astype(v.dtype, copy=False), rank[v]


def _solve_by_cluster(t_loc: IntArray, p_loc: IntArray, cost: FloatArray, nt: int,
                      npl: int) -> tuple[IntArray, IntArray]:
    """Connected components; a component with a single track or a single plot (a star) takes its cheapest
    edge, vectorised; the others are solved one LSA each."""
    graph = coo_matrix((np.ones(len(t_loc)), (t_loc, p_loc + nt)), shape=(nt + npl, nt + npl))
    n_comp, node_label = connected_components(graph, directed=False)
    label = node_label[t_loc]
    n_tracks = np.bincount(node_label[:nt], minlength=n_comp)
    n_plots = np.bincount(node_label[nt:], minlength=n_comp)
    star = (n_tracks[label] == 1) | (n_plots[label] == 1)
    out_t, out_p = [], []
    if star.any():
        se = np.flatnonzero(star)
        order = se[np.lexsort((cost[se], label[se]))]
        first = np.r_[True, label[order][1:] != label[order][:-1]]
        best = order[first]
        out_t.append(t_loc[best])
        out_p.append(p_loc[best])
    pair = ~star & (n_tracks[label] == 2) & (n_plots[label] == 2)
    if pair.any():
        a_t, a_p = _solve_two_by_two(t_loc[pair], p_loc[pair], cost[pair], label[pair])
        out_t.append(a_t)
        out_p.append(a_p)
    hard = np.flatnonzero(~star & ~pair)
    if len(hard):
        order = hard[np.argsort(label[hard], kind="stable")]
        bounds = np.flatnonzero(np.diff(label[order])) + 1
        for grp in np.split(order, bounds):
            a_t, a_p = solve_dense(t_loc[grp], p_loc[grp], cost[grp])
            out_t.append(a_t)
            out_p.append(a_p)
    if not out_t:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    return np.concatenate(out_t), np.concatenate(out_p)


def _solve_two_by_two(t_loc: IntArray, p_loc: IntArray, cost: FloatArray,
                      label: IntArray) -> tuple[IntArray, IntArray]:
    """All components of two tracks and two plots at once: the cheaper of the two full matchings (with
    ``_NO_EDGE`` for missing pairs, as the LSA would), missing pairs then dropped."""
    order = np.argsort(label, kind="stable")
    t_loc, p_loc, cost, label = t_loc[order], p_loc[order], cost[order], label[order]
    comp, start = np.unique(label, return_index=True)
    k = len(comp)
    ci = np.repeat(np.arange(k), np.diff(np.r_[start, len(label)]))
    # the two tracks / plots of each component: min and max of its local numbers
    t_lo = np.minimum.reduceat(t_loc, start)
    t_hi = np.maximum.reduceat(t_loc, start)
    p_lo = np.minimum.reduceat(p_loc, start)
    p_hi = np.maximum.reduceat(p_loc, start)
    ti = (t_loc == t_hi[ci]).astype(np.intp)
    pi = (p_loc == p_hi[ci]).astype(np.intp)
    c = np.full((k, 2, 2), _NO_EDGE)
    c[ci, ti, pi] = cost
    diag = c[:, 0, 0] + c[:, 1, 1] <= c[:, 0, 1] + c[:, 1, 0]
    tracks = np.concatenate([t_lo, t_hi])
    plots = np.concatenate([np.where(diag, p_lo, p_hi), np.where(diag, p_hi, p_lo)])
    costs = np.concatenate([np.where(diag, c[:, 0, 0], c[:, 0, 1]), np.where(diag, c[:, 1, 1], c[:, 1, 0])])
    real = costs < _NO_EDGE
    return tracks[real], plots[real]

"""Global nearest neighbour assignment, solved per connected cluster of gated pairs.

The gated (track, plot) pairs form a sparse bipartite graph. Pairs whose track and plot have no other
candidate (the vast majority at sea) are assigned directly; the remaining pairs are split into connected
components and each component is solved with ``scipy.optimize.linear_sum_assignment`` on its small dense
cost matrix (or, while the contested tracks and plots are few, all components in one small matrix:
the components are independent, so the optimum is the same). Pairs that are not gated cost ``_NO_EDGE`` so that the number of assignments is maximised
first and the summed cost minimised second; they are never returned.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from seawatch.track.gating import FloatArray, IntArray

_NO_EDGE = 1e9
_ONE_MATRIX = 40_000   # contested tracks x plots up to which one dense matrix is solved


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
        ut, t_loc = np.unique(rt, return_inverse=True)
        up, p_loc = np.unique(rp, return_inverse=True)
        if len(ut) * len(up) <= _ONE_MATRIX:
            # the clusters are independent, so one small matrix over all of them has the same optimum
            groups = [(t_loc, p_loc, rc)]
        else:
            groups = _clusters(t_loc, p_loc, rc)
        for gt, gp, gc in groups:
            ct, ti = np.unique(gt, return_inverse=True)
            cp, pi = np.unique(gp, return_inverse=True)
            mat = np.full((len(ct), len(cp)), _NO_EDGE)
            mat[ti, pi] = gc
            r, c = linear_sum_assignment(mat)
            real = mat[r, c] < _NO_EDGE
            out_t.append(ut[ct[r[real]]])
            out_p.append(up[cp[c[real]]])
    return np.concatenate(out_t).astype(np.intp), np.concatenate(out_p).astype(np.intp)


def _clusters(t_loc: IntArray, p_loc: IntArray, cost: FloatArray) -> list[tuple[IntArray, IntArray, FloatArray]]:
    """Split edges (compact track / plot numbers) into connected components of the bipartite graph."""
    nt, n_nodes = int(t_loc.max()) + 1, int(t_loc.max()) + int(p_loc.max()) + 2
    graph = coo_matrix((np.ones(len(t_loc)), (t_loc, p_loc + nt)), shape=(n_nodes, n_nodes))
    _, node_label = connected_components(graph, directed=False)
    label = node_label[t_loc]
    order = np.argsort(label, kind="stable")
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    return [(t_loc[g], p_loc[g], cost[g]) for g in np.split(order, bounds)]

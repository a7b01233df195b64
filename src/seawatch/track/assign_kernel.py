"""Global nearest neighbour assignment in compiled code, for the tracker's compiled scan (`step_kernel.py`).

What `assign.gnn_assign` does with numpy and scipy, in one pass: pairs whose track and plot have no other
candidate are assigned directly; the contested rest is solved as a linear sum assignment — one dense matrix
over all contested tracks and plots while it is small (`_ONE_MATRIX`), else one per connected component —
with a missing pair costing `_NO_EDGE` (as many pairs as possible first, the least summed cost second).

The solver is the shortest augmenting path method (Jonker-Volgenant, in the form of D. F. Crouse, "On
implementing 2D rectangular assignment algorithms", IEEE Trans. AES 52(4), 2016), which is also what
`scipy.optimize.linear_sum_assignment` implements: both find an optimal assignment, so the two agree wherever
the optimum is unique (gate costs are real numbers, ties do not happen in practice); columns are scanned in
the same order, so a tie is broken the same way. `tests/track/test_assign_kernel.py` holds it to scipy.
"""

from __future__ import annotations

import numpy as np

from seawatch.ingest.nmea._jit import helper, jit

NO_EDGE = 1e9
ONE_MATRIX = 2_500   # contested tracks x plots up to which one dense matrix is solved (as `assign._ONE_MATRIX`)


@helper()
def lsa_rows(cost: np.ndarray) -> np.ndarray:
    """Column of each row of an optimal assignment of the dense matrix ``cost`` (rows <= columns)."""
    nr, nc = cost.shape
    c = cost   # the method needs no shift to non-negative costs (scipy, since 1.9, does not shift either)
    u = np.zeros(nr)
    v = np.zeros(nc)
    col4row = np.full(nr, -1, np.intp)
    row4col = np.full(nc, -1, np.intp)
    dist = np.empty(nc)
    prev = np.empty(nc, np.intp)
    row_seen = np.empty(nr, np.bool_)
    col_done = np.empty(nc, np.bool_)
    todo = np.empty(nc, np.intp)
    for start in range(nr):
        # Dijkstra over the reduced costs from row `start` until a free column is reached
        dist[:] = np.inf
        row_seen[:] = False
        col_done[:] = False
        n_todo = nc
        for k in range(nc):
            todo[k] = nc - 1 - k   # last column first: a constant matrix gives the identity
        i = start
        reached = 0.0
        sink = -1
        while sink < 0:
            row_seen[i] = True
            best = np.inf
            at = -1
            for k in range(n_todo):
                j = todo[k]
                r = reached + c[i, j] - u[i] - v[j]
                if r < dist[j]:
                    prev[j] = i
                    dist[j] = r
                if dist[j] < best or (dist[j] == best and row4col[j] < 0):
                    best = dist[j]
                    at = k
            reached = best
            j = todo[at]
            if row4col[j] < 0:
                sink = j
            else:
                i = row4col[j]
            col_done[j] = True
            n_todo -= 1
            todo[at] = todo[n_todo]
        # duals, then flip the path
        u[start] += reached
        for r_ in range(nr):
            if row_seen[r_] and r_ != start:
                u[r_] += reached - dist[col4row[r_]]
        for j in range(nc):
            if col_done[j]:
                v[j] -= reached - dist[j]
        j = sink
        while True:
            i = prev[j]
            row4col[j] = i
            j, col4row[i] = col4row[i], j
            if i == start:
                break
    return col4row


@helper()
def solve_dense(t_loc: np.ndarray, p_loc: np.ndarray, cost: np.ndarray, nt: int,
                npl: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges numbered 0..nt-1 (tracks) x 0..npl-1 (plots), every number used: the assigned (track, plot) pairs
    that are real edges, in track order."""
    mat = np.full((nt, npl), NO_EDGE)
    for e in range(len(t_loc)):
        mat[t_loc[e], p_loc[e]] = cost[e]
    if nt <= npl:
        cols = lsa_rows(mat)
        rows = np.arange(nt)
    else:
        rows_of_col = lsa_rows(mat.T.copy())
        order = np.argsort(rows_of_col)
        rows = rows_of_col[order]
        cols = order
    keep = np.empty(len(rows), np.bool_)
    for k in range(len(rows)):
        keep[k] = mat[rows[k], cols[k]] < NO_EDGE
    return rows[keep], cols[keep]


@jit
def gnn(n_tracks: int, n_plots: int, track: np.ndarray, plot: np.ndarray, cost: np.ndarray,
        use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`assign.gnn_assign` of the pairs where ``use``: (track index, plot index) of the assignment, the
    uncontested pairs first."""
    t_deg = np.zeros(n_tracks, np.intp)
    p_deg = np.zeros(n_plots, np.intp)
    for e in range(len(track)):
        if use[e]:
            t_deg[track[e]] += 1
            p_deg[plot[e]] += 1
    out_t = np.empty(min(n_tracks, n_plots), np.intp)
    out_p = np.empty(min(n_tracks, n_plots), np.intp)
    k = 0
    rest = 0
    for e in range(len(track)):
        if use[e]:
            if t_deg[track[e]] == 1 and p_deg[plot[e]] == 1:
                out_t[k] = track[e]
                out_p[k] = plot[e]
                k += 1
            else:
                rest += 1
    if rest == 0:
        return out_t[:k], out_p[:k]
    sel = np.empty(rest, np.intp)
    r = 0
    for e in range(len(track)):
        if use[e] and not (t_deg[track[e]] == 1 and p_deg[plot[e]] == 1):
            sel[r] = e
            r += 1
    ut, up, rt, rp = _renumber(track[sel], plot[sel], n_tracks, n_plots)
    rc = cost[sel]
    nt, npl = len(ut), len(up)
    if nt * npl <= ONE_MATRIX:
        a_t, a_p = solve_dense(rt, rp, rc, nt, npl)
    else:
        a_t, a_p = _by_component(rt, rp, rc, nt, npl)
    for q in range(len(a_t)):
        out_t[k] = ut[a_t[q]]
        out_p[k] = up[a_p[q]]
        k += 1
    return out_t[:k], out_p[:k]


@helper()
def _renumber(t: np.ndarray, p: np.ndarray, nt: int, npl: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """Edges (t, p) among tracks 0..nt-1 and plots 0..npl-1: the tracks and plots they use, ascending, and each
    edge's track and plot numbered by its place among those."""
    t_num = np.full(nt, -1, np.intp)
    p_num = np.full(npl, -1, np.intp)
    for e in range(len(t)):
        t_num[t[e]] = 0
        p_num[p[e]] = 0
    ut = np.flatnonzero(t_num == 0)
    up = np.flatnonzero(p_num == 0)
    for a in range(len(ut)):
        t_num[ut[a]] = a
    for a in range(len(up)):
        p_num[up[a]] = a
    t_loc, p_loc = np.empty(len(t), np.intp), np.empty(len(t), np.intp)
    for e in range(len(t)):
        t_loc[e], p_loc[e] = t_num[t[e]], p_num[p[e]]
    return ut, up, t_loc, p_loc


@helper()
def _find(parent: np.ndarray, a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@helper()
def _by_component(rt: np.ndarray, rp: np.ndarray, rc: np.ndarray, nt: int,
                  npl: int) -> tuple[np.ndarray, np.ndarray]:
    """`solve_dense` of each connected component of the contested edges (tracks 0..nt-1, plots nt..)."""
    parent = np.arange(nt + npl)
    for e in range(len(rt)):
        a, b = _find(parent, rt[e]), _find(parent, nt + rp[e])
        if a != b:
            parent[max(a, b)] = min(a, b)
    root = np.empty(len(rt), np.intp)
    for e in range(len(rt)):
        root[e] = _find(parent, rt[e])
    order = np.argsort(root, kind="mergesort")
    out_t = np.empty(min(nt, npl), np.intp)
    out_p = np.empty(min(nt, npl), np.intp)
    k = 0
    s = 0
    while s < len(order):
        f = s
        while f < len(order) and root[order[f]] == root[order[s]]:
            f += 1
        grp = order[s:f]
        gt, gp = rt[grp], rp[grp]
        ct, cp, lt, lp = _renumber(gt, gp, nt, npl)
        a_t, a_p = solve_dense(lt, lp, rc[grp], len(ct), len(cp))
        for q in range(len(a_t)):
            out_t[k] = ct[a_t[q]]
            out_p[k] = cp[a_p[q]]
            k += 1
        s = f
    return out_t[:k], out_p[:k]

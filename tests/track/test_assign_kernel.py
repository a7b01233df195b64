"""The compiled GNN assignment (`track/assign_kernel.py`) against scipy's linear sum assignment and the numpy
`assign.gnn_assign`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from seawatch.track import assign_kernel
from seawatch.track.assign import gnn_assign


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 7), (7, 4), (12, 12), (30, 25)])
def test_the_solver_finds_the_assignment_scipy_finds(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    for _ in range(50):
        cost = rng.normal(0.0, 5.0, shape)
        cost[rng.random(shape) < 0.4] = assign_kernel.NO_EDGE
        t_loc, p_loc = np.nonzero(cost < assign_kernel.NO_EDGE)
        if not len(t_loc):
            continue
        used_t, used_p = np.unique(t_loc, return_inverse=True), np.unique(p_loc, return_inverse=True)
        sub = cost[np.ix_(used_t[0], used_p[0])]
        r, c = linear_sum_assignment(sub)
        real = sub[r, c] < assign_kernel.NO_EDGE
        got_t, got_p = assign_kernel.solve_dense(used_t[1].astype(np.intp), used_p[1].astype(np.intp),
                                                 cost[t_loc, p_loc], len(used_t[0]), len(used_p[0]))
        assert sorted(zip(got_t.tolist(), got_p.tolist())) == sorted(zip(r[real].tolist(), c[real].tolist()))


def test_a_constant_matrix_is_solved_as_scipy_solves_it() -> None:
    for shape in [(3, 3), (2, 5), (5, 2)]:
        r, c = linear_sum_assignment(np.ones(shape))
        t, p = np.nonzero(np.ones(shape))
        got_t, got_p = assign_kernel.solve_dense(t.astype(np.intp), p.astype(np.intp), np.ones(t.size), *shape)
        assert got_t.tolist() == r.tolist() and got_p.tolist() == c.tolist()


@pytest.mark.parametrize("seed", range(8))
def test_gnn_assigns_what_the_numpy_gnn_assigns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 120)), int(rng.integers(5, 120))
    k = int(rng.integers(1, 3 * (n + m)))
    pairs = np.unique(np.column_stack([rng.integers(0, n, k), rng.integers(0, m, k)]), axis=0)
    track, plot = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    cost = rng.normal(0.0, 4.0, len(track))
    use = rng.random(len(track)) < 0.8
    want = gnn_assign(n, m, track[use], plot[use], cost[use])
    got = assign_kernel.gnn(n, m, track, plot, cost, use)
    assert sorted(zip(*[a.tolist() for a in got])) == sorted(zip(*[a.tolist() for a in want]))


def test_gnn_solves_many_contested_pairs_component_by_component() -> None:
    """Over `ONE_MATRIX` contested tracks x plots: solved per connected component, the same assignment."""
    rng = np.random.default_rng(7)
    groups = []
    for g in range(40):   # 40 clusters of 3 tracks x 3 plots, every pair gated
        t, p = np.meshgrid(np.arange(3) + 3 * g, np.arange(3) + 3 * g, indexing="ij")
        groups.append(np.column_stack([t.ravel(), p.ravel()]))
    pairs = np.concatenate(groups)
    track, plot = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
    cost = rng.normal(0.0, 4.0, len(track))
    want = gnn_assign(120, 120, track, plot, cost)
    got = assign_kernel.gnn(120, 120, track, plot, cost, np.ones(len(track), np.bool_))
    assert len(got[0]) == 120
    assert sorted(zip(*[a.tolist() for a in got])) == sorted(zip(*[a.tolist() for a in want]))


def test_a_tie_between_two_vessels_at_one_position_is_broken_as_scipy_breaks_it() -> None:
    """Fusion's costs on cigarette-run (2 h, 16:41): two AIS vessels reported at the same spot give two radar
    tracks equal costs to either; the missing pairs cost 1e9 and some costs are negative. Shifting the costs
    to be non-negative first (as scipy did before 1.9) rounds the 1e9 entries differently and picks the other of
    the two equal assignments."""
    cost = np.load(Path(__file__).parent.parent / "fixtures" / "fusion-tie-costs.npy")
    _, want = linear_sum_assignment(cost)
    assert assign_kernel.lsa_rows(cost).tolist() == want.tolist()

"""Global nearest neighbour assignment per cluster of gated pairs."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.track.assign import gnn_assign
from seawatch.track.gating import gate


def _pairs(ti: list[int], pj: list[int], cost: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.array(ti, np.intp), np.array(pj, np.intp), np.array(cost)


def test_isolated_pairs_are_assigned_directly() -> None:
    t, p = gnn_assign(3, 3, *_pairs([0, 1, 2], [2, 0, 1], [1.0, 2.0, 3.0]))
    assert dict(zip(t.tolist(), p.tolist())) == {0: 2, 1: 0, 2: 1}


def test_crossing_targets_get_the_assignment_of_least_total_cost() -> None:
    # two tracks crossing: each plot is gated by both tracks; greedy on track 0 would take plot 0
    t, p = gnn_assign(2, 2, *_pairs([0, 0, 1, 1], [0, 1, 0, 1], [1.0, 2.0, 1.5, 9.0]))
    assert dict(zip(t.tolist(), p.tolist())) == {0: 1, 1: 0}


def test_two_tracks_and_one_plot_leave_one_track_unassigned() -> None:
    t, p = gnn_assign(2, 1, *_pairs([0, 1], [0, 0], [3.0, 1.0]))
    assert t.tolist() == [1] and p.tolist() == [0]


def test_a_clutter_plot_near_a_track_loses_to_the_vessel_plot() -> None:
    zhat = np.array([[0.0, 0.0], [5_000.0, 0.0]])
    s = np.repeat(np.eye(2)[None] * 35.0**2, 2, axis=0)
    plots = np.array([[80.0, 20.0], [10.0, -5.0], [5_030.0, 0.0]])   # 0 = clutter, 1 = vessel, 2 = vessel
    g = gate(zhat, s, plots, gate_d2=13.8)
    t, p = gnn_assign(2, 3, g.track, g.plot, g.cost)
    assert dict(zip(t.tolist(), p.tolist())) == {0: 1, 1: 2}


def test_separate_clusters_are_solved_independently_even_when_many() -> None:
    # 300 clusters of 2 tracks x 2 plots (forces the per-cluster path), each a crossing
    ti, pj, c = [], [], []
    for k in range(300):
        a, b = 2 * k, 2 * k + 1
        ti += [a, a, b, b]
        pj += [a, b, a, b]
        c += [1.0, 2.0, 1.5, 9.0]
    t, p = gnn_assign(600, 600, *_pairs(ti, pj, c))
    got = dict(zip(t.tolist(), p.tolist()))
    assert len(got) == 600
    assert all(got[2 * k] == 2 * k + 1 and got[2 * k + 1] == 2 * k for k in range(300))


def test_the_clustered_solution_equals_one_big_assignment_on_random_scenes() -> None:
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(8)
    for _ in range(5):
        n, m = 400, 420
        ti = rng.integers(0, n, 700)
        pj = np.clip(ti + rng.integers(-2, 3, 700), 0, m - 1)      # local structure: many small clusters
        key = np.unique(ti * m + pj)
        ti, pj = key // m, key % m
        cost = rng.uniform(0.0, 20.0, len(ti))
        t, p = gnn_assign(n, m, ti.astype(np.intp), pj.astype(np.intp), cost)
        assert len(set(t.tolist())) == len(t) and len(set(p.tolist())) == len(p)
        lookup = {(a, b): c for a, b, c in zip(ti.tolist(), pj.tolist(), cost.tolist())}
        got = sum(lookup[(a, b)] for a, b in zip(t.tolist(), p.tolist()))
        big = np.full((n, m), 1e9)
        big[ti, pj] = cost
        r, c = linear_sum_assignment(big)
        real = big[r, c] < 1e9
        assert len(t) == int(real.sum())
        assert got == pytest.approx(float(big[r[real], c[real]].sum()))

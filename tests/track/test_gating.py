"""Gating: the spatial pre-gate finds every candidate, the Mahalanobis and likelihood gates decide."""

from __future__ import annotations

import numpy as np

from seawatch.track.gating import gate, llr_bound

S_35M = np.array([[35.0**2, 0.0], [0.0, 35.0**2]])


def test_a_plot_inside_the_ellipse_passes_and_one_outside_does_not() -> None:
    zhat = np.array([[0.0, 0.0]])
    plots = np.array([[100.0, 0.0], [140.0, 0.0], [5_000.0, 0.0]])   # d2 = 8.2, 16.0, huge
    g = gate(zhat, S_35M[None], plots, gate_d2=13.8)
    assert g.plot.tolist() == [0]
    np.testing.assert_allclose(g.d2, [(100 / 35) ** 2])


def test_the_gate_follows_an_elongated_covariance() -> None:
    s = np.array([[[400.0**2, 0.0], [0.0, 20.0**2]]])   # long along x (cross-range), short along y
    plots = np.array([[1_000.0, 0.0], [0.0, 100.0]])
    g = gate(np.zeros((1, 2)), s, plots, gate_d2=13.8)
    assert g.plot.tolist() == [0]


def test_a_track_with_many_plots_in_its_gate_gets_all_of_them() -> None:
    plots = np.array([[10.0 * k, 0.0] for k in range(9)])
    g = gate(np.zeros((1, 2)), S_35M[None], plots, gate_d2=13.8)
    assert sorted(g.plot.tolist()) == list(range(9))


def test_dense_clutter_tightens_the_gate_through_the_likelihood_ratio() -> None:
    plots = np.array([[100.0, 0.0]])
    sparse = gate(np.zeros((1, 2)), S_35M[None], plots, gate_d2=13.8, llr_max=llr_bound(0.9, 1e-8))
    dense = gate(np.zeros((1, 2)), S_35M[None], plots, gate_d2=13.8, llr_max=llr_bound(0.9, 1e-4))
    assert len(sparse) == 1 and len(dense) == 0


def test_no_clutter_means_no_likelihood_bound() -> None:
    assert llr_bound(0.9, 0.0) == float("inf")

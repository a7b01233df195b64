"""GOSPA (c = 100 m, p = 1, alpha = 2) against a hand-computed case and against Stone Soup."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from seawatch.eval.gospa import gospa


def test_a_hand_computed_scene_splits_into_localisation_missed_and_false() -> None:
    truth = np.array([[0.0, 0.0], [1_000.0, 0.0], [2_000.0, 0.0]])
    est = np.array([[3.0, 4.0],            # 5 m from truth 0
                    [1_060.0, 80.0],       # 100 m from truth 1: at the cut-off, so not assigned
                    [2_000.0, 30.0],       # 30 m from truth 2
                    [9_000.0, 9_000.0]])   # false
    g = gospa(truth, est, c=100.0, p=1.0)
    assert g.localisation == pytest.approx(35.0)
    assert g.n_assigned == 2 and g.n_missed == 1 and g.n_false == 2
    assert g.missed == 50.0 and g.false == 100.0
    assert g.distance == pytest.approx(185.0)


def test_the_assignment_is_optimal_not_greedy() -> None:
    # greedy from truth 0 takes the estimate 10 m away and leaves truth 1 70 m from the other (80 in all)
    truth = np.array([[0.0, 0.0], [20.0, 0.0]])
    est = np.array([[10.0, 0.0], [-50.0, 0.0]])
    g = gospa(truth, est)
    assert g.distance == pytest.approx(10.0 + 50.0)


def test_empty_sets_cost_half_the_cut_off_per_object() -> None:
    assert gospa(np.empty((0, 2)), np.zeros((3, 2))).distance == 150.0
    assert gospa(np.zeros((2, 2)), np.empty((0, 2))).distance == 100.0
    assert gospa(np.empty((0, 2)), np.empty((0, 2))).distance == 0.0


def test_p_two_is_the_root_of_the_summed_squares() -> None:
    g = gospa(np.array([[0.0, 0.0]]), np.array([[30.0, 40.0], [500.0, 0.0]]), c=100.0, p=2.0)
    assert g.distance == pytest.approx(np.sqrt(50.0**2 + 100.0**2 / 2))


def test_agrees_with_stone_soup_gospa_on_random_scenes() -> None:
    ospametric = pytest.importorskip("stonesoup.metricgenerator.ospametric",
                                     reason="Stone Soup is a bench extra: pip install '.[bench]'")
    from stonesoup.types.state import State

    rng = np.random.default_rng(11)
    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    metric = ospametric.GOSPAMetric(c=100.0, p=1.0)
    for _ in range(20):
        truth = rng.uniform(0, 1_000, (rng.integers(1, 15), 2))
        est = np.concatenate([truth[rng.random(len(truth)) < 0.8],
                              rng.uniform(0, 1_000, (rng.integers(0, 5), 2))])
        est = est + rng.normal(0, 40, est.shape)
        ours = gospa(truth, est)
        ref, _ = metric.compute_gospa_metric([State(e.reshape(2, 1), timestamp=t) for e in est],
                                             [State(x.reshape(2, 1), timestamp=t) for x in truth])
        assert ours.distance == pytest.approx(ref.value["distance"])
        assert ours.localisation == pytest.approx(ref.value["localisation"])
        assert ours.missed == pytest.approx(ref.value["missed"])
        assert ours.false == pytest.approx(ref.value["false"])

"""The tracker's compiled kernels compute bit for bit what their numpy references compute.

Each test runs the numpy reference (``jit=False``, what ``SEAWATCH_NO_JIT=1`` selects) and the kernel on the
same inputs — random track pictures, and the edge cases of a real one: tracks just born (both modes equal,
zero velocity, mode probabilities 0.8 / 0.2), a mode probability of exactly 0 or 1, huge and tiny
covariances — and compares the raw bytes, not values within a tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.track import assign, imm, kalman, lifecycle
from seawatch.track.gating import BRUTE_FORCE_PAIRS, gate, llr_bound
from seawatch.track.lifecycle import LifecycleParams, LifecycleState
from seawatch.track.splice import SpliceParams, near_candidates

pytestmark = pytest.mark.skipif(not imm.kernels.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernels are off")


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def random_picture(n: int, seed: int) -> imm.ImmState:
    """n tracks: positions tens of km out, speeds up to 20 m/s, covariances from 1 m to 1 km."""
    rng = np.random.default_rng(seed)
    xm = np.concatenate([rng.normal(0, 4e4, (n, 2, 2)), rng.normal(0, 8, (n, 2, 2))], axis=2)
    a = rng.normal(size=(n, 2, 4, 4)) * 10 ** rng.uniform(0, 3, (n, 2, 1, 1))
    pm = a @ np.swapaxes(a, 2, 3) + np.eye(4)
    mu = rng.uniform(0.0, 1.0, (n, 1))
    return imm.ImmState(xm, pm, np.hstack([mu, 1.0 - mu]))


def with_edge_cases(st: imm.ImmState) -> imm.ImmState:
    """Append newborn tracks (a plot, zero velocity, equal modes) and tracks certain of one mode."""
    z = np.array([[-76583.0899774, -113513.07881084], [0.0, 0.0], [-0.0, 12.5]])
    born = imm.ImmState.born(np.hstack([z, np.zeros((3, 2))]),
                             np.repeat(np.diag([625.0, 625.0, 64.0, 64.0])[None], 3, axis=0))
    certain = random_picture(2, 99)
    certain.mu[:] = [[1.0, 0.0], [0.0, 1.0]]
    return imm.ImmState.concat(imm.ImmState.concat(st, born), certain)


@pytest.mark.parametrize(("n", "dt_s"), [(1, 2.5), (7, 0.001), (300, 2.5), (300, 37.0)])
def test_the_compiled_imm_prediction_and_combination_equal_the_numpy_ones_bit_for_bit(n: int, dt_s: float) -> None:
    st = with_edge_cases(random_picture(n, n))
    q_modes = np.array([0.005, 1.0])
    ref, x_ref, p_ref = imm.predict_combined(st, dt_s, q_modes, 0.001, 0.1, jit=False)
    out, x, p = imm.predict_combined(st, dt_s, q_modes, 0.001, 0.1, jit=True)
    assert same_bits(out.xm, ref.xm) and same_bits(out.Pm, ref.Pm) and same_bits(out.mu, ref.mu)
    assert same_bits(x, x_ref) and same_bits(p, p_ref)


def test_the_compiled_imm_update_equals_the_numpy_one_for_polar_and_cartesian_plot_noise() -> None:
    st = with_edge_cases(random_picture(200, 5))
    rng = np.random.default_rng(6)
    idx = np.sort(rng.choice(len(st.mu), 120, replace=False)).astype(np.intp)
    z = st.xm[idx, 0, :2] + rng.normal(0, 50, (len(idx), 2))
    polar = kalman.polar_noise_cov(np.array([1000.0, -2000.0]), z, 25.0, 0.3)
    for r in (polar, np.diag([625.0, 625.0])):
        with np.errstate(invalid="ignore"):   # a track certain of one mode may get 0/0 (NaN) in both
            ref = imm.update(st, idx, z, r, jit=False)
            out = imm.update(st, idx, z, r, jit=True)
        assert same_bits(out.xm, ref.xm) and same_bits(out.Pm, ref.Pm) and same_bits(out.mu, ref.mu)
    assert not np.shares_memory(out.xm, st.xm)   # the input state is left as it was


def test_combining_some_rows_in_place_equals_combining_the_whole_state() -> None:
    st = with_edge_cases(random_picture(50, 8))
    x_all, p_all = imm.combine(st)
    rows = np.array([0, 3, 51, 52, 54], np.intp)
    for jit in (False, True):
        x, p = np.zeros_like(x_all), np.zeros_like(p_all)
        imm.combine_rows(st, rows, x, p, jit=jit)
        assert same_bits(x[rows], x_all[rows]) and same_bits(p[rows], p_all[rows])
        assert not x[1].any()   # rows not asked for are not written


def test_a_newborn_track_combined_is_not_exactly_its_birth_plot() -> None:
    # why the tracker recombines last step's newborns when a scan comes at the same time (no prediction):
    # 0.8 x + 0.2 x is not always x in floating point, and the reference recombined every row
    st = with_edge_cases(random_picture(0, 1))
    x, _ = imm.combine(st)
    assert x[0, 1] != st.xm[0, 0, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_compiled_gate_finds_the_same_pairs_in_the_same_order_with_the_same_costs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 180, 60
    zhat = rng.uniform(-3e4, 3e4, (n, 2))
    a = rng.normal(size=(n, 2, 2)) * 10 ** rng.uniform(1, 3.5, (n, 1, 1))
    s = a @ np.swapaxes(a, 1, 2) + 100 * np.eye(2)
    plots = np.concatenate([zhat[:40] + rng.normal(0, 80, (40, 2)), rng.uniform(-3e4, 3e4, (m - 40, 2))])
    plots[0] = zhat[0]   # a plot exactly on a prediction
    assert n * m <= BRUTE_FORCE_PAIRS
    for llr in (float("inf"), llr_bound(0.9, 4e-9)):
        ref = gate(zhat, s, plots, gate_d2=18.4, llr_max=llr, max_radius_m=5000.0, jit=False)
        out = gate(zhat, s, plots, gate_d2=18.4, llr_max=llr, max_radius_m=5000.0, jit=True)
        assert len(ref) > 40
        for a_, b_ in ((out.track, ref.track), (out.plot, ref.plot), (out.d2, ref.d2), (out.cost, ref.cost)):
            assert same_bits(a_, b_)


def test_the_compiled_gate_caps_the_radius_and_keeps_nothing_from_a_nan_covariance() -> None:
    zhat = np.array([[0.0, 0.0], [100.0, 0.0]])
    s = np.array([[[1e9, 0.0], [0.0, 1e9]], [[np.nan, 0.0], [0.0, 1.0]]])
    plots = np.array([[4000.0, 0.0], [6000.0, 0.0], [100.0, 0.0]])
    ref = gate(zhat, s, plots, gate_d2=18.4, max_radius_m=5000.0, jit=False)
    out = gate(zhat, s, plots, gate_d2=18.4, max_radius_m=5000.0, jit=True)
    assert out.track.tolist() == ref.track.tolist() == [0, 0]
    assert out.plot.tolist() == ref.plot.tolist() == [0, 2]


def test_the_compiled_polar_plot_noise_equals_the_numpy_one_at_the_antenna_and_out_to_range() -> None:
    rng = np.random.default_rng(11)
    sensor = np.array([-28102.144516972723, 65561.0440641947])
    plots = np.concatenate([sensor + rng.uniform(-4e4, 4e4, (500, 2)),
                            [sensor, sensor + [0.3, 0.0], sensor + [0.0, -25.0], sensor + [-1e4, 0.0]]])
    ref = kalman.polar_noise_cov(sensor, plots, 25.0, 0.3, jit=False)
    out = kalman.polar_noise_cov(sensor, plots, 25.0, 0.3, jit=True)
    assert same_bits(out, ref)
    assert same_bits(kalman.polar_noise_cov(sensor, plots[:0], 25.0, 0.3, jit=True), ref[:0])


def lifecycle_states(n: int, seed: int) -> tuple[LifecycleState, np.ndarray, np.ndarray, np.ndarray]:
    """Tracks in every status and at every age around the M-of-N window, with hits, misses, wide covariances
    and radar cover drawn at random."""
    rng = np.random.default_rng(seed)
    st = LifecycleState(rng.integers(1, 4, n).astype(np.int8), rng.integers(0, 8, n).astype(np.int32),
                        rng.integers(1, 7, n).astype(np.int32), rng.integers(0, 7, n).astype(np.int32),
                        rng.integers(1, 9, n).astype(np.int32), 1000.0 - rng.uniform(0, 40, n), np.zeros(n))
    return st, rng.random(n) < 0.5, rng.uniform(10, 1100, n), rng.random(n) < 0.8


@pytest.mark.parametrize("params", [LifecycleParams(), LifecycleParams(delete_misses=4, scan_period_s=2.5,
                                                                       min_coast_s=30.0),
                                    LifecycleParams(confirm_m=3, confirm_n=5, young_delete_misses=1)])
def test_the_compiled_lifecycle_step_equals_the_numpy_one_with_and_without_radar_cover(
        params: LifecycleParams) -> None:
    st, hit, sigma, observed = lifecycle_states(2000, 4)
    for obs in (None, observed):
        ref = lifecycle.advance(st, hit, sigma, params, obs, 1000.0, jit=False)
        out = lifecycle.advance(st, hit, sigma, params, obs, 1000.0, jit=True)
        for name in ("status", "hits", "age", "misses", "n_hits", "last_hit_s", "born_s"):
            assert same_bits(getattr(out, name), getattr(ref, name)), name
    assert set(np.unique(ref.status).tolist()) == {1, 2, 3, 4}   # every status is reached


def test_unique_by_counting_gives_what_numpy_unique_gives() -> None:
    rng = np.random.default_rng(2)
    for dtype, hi, bound in ((np.intp, 50, 50), (np.int64, 300, None), (np.int32, 10**7, None)):
        v = rng.integers(0, hi, 60).astype(dtype)
        u, inv = assign._unique_inverse(v, bound)
        u_ref, inv_ref = np.unique(v, return_inverse=True)
        assert same_bits(u, u_ref) and inv.tolist() == inv_ref.tolist()


def test_the_compiled_reach_test_equals_the_numpy_one() -> None:
    rng = np.random.default_rng(12)
    params = SpliceParams(base_m=300.0, speed_mps=25.0)
    new_xy, old_xy = rng.uniform(-5e3, 5e3, (300, 2)), rng.uniform(-5e3, 5e3, (40, 2))
    new_born_s, old_last_hit_s = rng.uniform(0, 60, 300), rng.uniform(0, 60, 40)
    old_last_hit_s[:3] = 70.0   # a plot after the time of the step: no negative reach
    old_xy[5] = new_xy[7] + [300.0, 0.0]   # exactly at the reach of a track last hit at the step's time
    old_last_hit_s[5], new_born_s[7] = 60.0, 60.0
    ref = near_candidates(new_xy, new_born_s, old_xy, old_last_hit_s, 60.0, params, jit=False)
    out = near_candidates(new_xy, new_born_s, old_xy, old_last_hit_s, 60.0, params, jit=True)
    assert out.tolist() == ref.tolist()
    assert out[7] and 0 < out.sum() < len(out)


def test_appending_newborns_to_the_imm_state_equals_concatenating_a_born_state() -> None:
    st = random_picture(20, 3)
    x = np.hstack([np.random.default_rng(4).normal(0, 1e4, (5, 2)), np.zeros((5, 2))])
    p = np.repeat(np.diag([625.0, 625.0, 64.0, 64.0])[None], 5, axis=0)
    ref = imm.ImmState.concat(st, imm.ImmState.born(x, p))
    out = st.with_born(x, p)
    assert same_bits(out.xm, ref.xm) and same_bits(out.Pm, ref.Pm) and same_bits(out.mu, ref.mu)


def sorted_pairs(g: object) -> list[tuple[int, int, bytes, bytes]]:
    return sorted((int(t), int(p), d.tobytes(), c.tobytes())
                  for t, p, d, c in zip(g.track, g.plot, g.d2, g.cost, strict=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize("wide", [False, True])
def test_above_the_brute_force_size_the_compiled_gate_finds_the_pairs_of_the_kd_tree(wide: bool) -> None:
    # wide: a few coasting tracks with gates far wider than the rest (the tree's per-track radius branch)
    rng = np.random.default_rng(21)
    n, m = 400, 120
    zhat = rng.uniform(-2e4, 2e4, (n, 2))
    s = np.repeat(np.diag([900.0, 900.0])[None], n, axis=0) * rng.uniform(0.5, 2.0, (n, 1, 1))
    if wide:
        s[:5] *= 400.0
    plots = np.concatenate([zhat[:100] + rng.normal(0, 40, (100, 2)), rng.uniform(-2e4, 2e4, (m - 100, 2))])
    assert n * m > BRUTE_FORCE_PAIRS
    ref = gate(zhat, s, plots, gate_d2=18.4, max_radius_m=5000.0, jit=False)
    out = gate(zhat, s, plots, gate_d2=18.4, max_radius_m=5000.0, jit=True)
    assert len(ref) >= 90   # nearly every track with a plot next to it
    assert sorted_pairs(out) == sorted_pairs(ref)


def test_the_compiled_gate_keeps_every_pair_when_a_crowd_shares_its_gates() -> None:
    # 60 tracks and 60 plots within 10 m: 3,600 pairs, more than the first guess of room (8 per track and plot)
    rng = np.random.default_rng(22)
    zhat, plots = rng.normal(0, 5, (60, 2)), rng.normal(0, 5, (60, 2))
    s = np.repeat(np.diag([2500.0, 2500.0])[None], 60, axis=0)
    out = gate(zhat, s, plots, gate_d2=18.4, jit=True)
    ref = gate(zhat, s, plots, gate_d2=18.4, jit=False)
    assert len(out) == 3600
    assert same_bits(out.track, ref.track) and same_bits(out.plot, ref.plot) and same_bits(out.cost, ref.cost)


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_pregate_finds_the_pairs_two_kd_trees_find_with_the_same_distances(seed: int) -> None:
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    for _ in range(60):
        n, m = int(rng.integers(1, 600)), int(rng.integers(1, 300))
        a = rng.uniform(-60_000.0, 60_000.0, (n, 2))
        b = np.round(rng.uniform(-60_000.0, 60_000.0, (m, 2)), int(rng.integers(-3, 3)))   # on a grid: ties
        a[: min(n, m, 5)] = b[: min(n, m, 5)]              # the same spot
        b[-1] = a[0] + np.array([3000.0, 0.0])             # exactly the radius away
        i, j, d = imm.kernels.pairs_within(a, b, 3000.0)
        p = cKDTree(a).sparse_distance_matrix(cKDTree(b), 3000.0, output_type="ndarray")
        o = np.lexsort((p["j"], p["i"]))
        assert np.array_equal(i, p["i"][o]) and np.array_equal(j, p["j"][o])
        assert d.tobytes() == np.asarray(p["v"][o], np.float64).tobytes()

"""seawatch.arrays: member is np.isin of integer keys, fill_nan is np.nan_to_num bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.arrays import fill_nan, member


def test_member_answers_as_np_isin_for_integer_keys_with_repeats_negatives_and_empty_sides() -> None:
    rng = np.random.default_rng(3)
    for _ in range(500):
        a = rng.integers(-5, 30, rng.integers(0, 40))
        b = rng.integers(-5, 30, rng.integers(0, 8))
        assert member(a, b).tolist() == np.isin(a, b).tolist()


def test_member_of_mmsis_against_a_watch_list() -> None:
    mmsi = np.array([273_000_001, -1, 423_000_002, 273_000_001], np.int64)
    assert member(mmsi, np.array([273_000_001, 999_999_999])).tolist() == [True, False, False, True]
    assert member(mmsi, np.empty(0, np.int64)).tolist() == [False] * 4


@pytest.mark.parametrize("nan", [0.0, 9.0, -np.inf, np.inf])
def test_fill_nan_matches_nan_to_num_bit_for_bit_including_infinities_and_signed_zeros(nan: float) -> None:
    rng = np.random.default_rng(7)
    for n in (0, 1, 5, 300):
        a = rng.normal(scale=1e3, size=n)
        u = rng.random(n)
        a[u < 0.2] = np.nan
        a[(u >= 0.2) & (u < 0.3)] = np.inf
        a[(u >= 0.3) & (u < 0.35)] = -np.inf
        a[(u >= 0.35) & (u < 0.4)] = -0.0
        want, got = np.nan_to_num(a, nan=nan), fill_nan(a, nan=nan)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_fill_nan_leaves_its_input_untouched() -> None:
    a = np.array([1.0, np.nan, np.inf])
    fill_nan(a)
    assert np.isnan(a[1]) and np.isinf(a[2])


@pytest.mark.parametrize("strict", [False, True])
def test_near_any_answers_as_a_kd_tree_with_points_exactly_at_the_radius_and_on_both_sides_of_the_brute_limit(
        strict: bool) -> None:
    from scipy.spatial import cKDTree

    from seawatch.arrays import near_any

    rng = np.random.default_rng(4)
    for _ in range(400):
        q = rng.uniform(-2000, 2000, (int(rng.integers(0, 40)), 2))
        p = rng.uniform(-2000, 2000, (int(rng.integers(1, 900)), 2))
        r = float(rng.uniform(1, 600))
        if len(q):
            p[0] = q[0] + [r, 0.0]   # exactly at the radius: in for a ball (d <= r), out for a bounded query
            p[-1] = q[-1] - [0.0, r]
        tree = cKDTree(p)
        want = (np.isfinite(tree.query(q, distance_upper_bound=r)[0]) if strict
                else tree.query_ball_point(q, r, return_length=True) > 0) if len(q) else np.zeros(0, bool)
        got = near_any(q[:, 0], q[:, 1], p[:, 0], p[:, 1], r, strict=strict)
        assert got.dtype == bool and np.array_equal(got, want)

"""detect/core.py helpers: member is np.isin of integer keys."""

from __future__ import annotations

import numpy as np

from seawatch.detect.core import member


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

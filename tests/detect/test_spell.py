"""detect/spell.py helpers: fill_nan is np.nan_to_num bit for bit, on the arrays the rules pass it."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.detect.spell import fill_nan


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

"""The AIS state's compiled Kalman kernels agree with their numpy reference (to rounding, not bit for bit)."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.track import ais_filter as af

pytestmark = pytest.mark.skipif(not af.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernels are off")


def _states(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.column_stack([rng.uniform(-1e5, 1e5, (n, 2)), rng.normal(0, 6, (n, 2))])
    a = rng.normal(0, 1, (n, 4, 4)) * np.array([30.0, 30.0, 1.0, 1.0])[None, :, None]
    p = a @ np.swapaxes(a, 1, 2) + np.eye(4) * 1e-3   # symmetric positive definite, metres and m/s scales
    return x, p


def test_prediction_matches_the_reference_for_gaps_from_zero_to_an_hour() -> None:
    rng = np.random.default_rng(1)
    x, p = _states(rng, 500)
    dt = np.concatenate([[0.0, 1e-3, 3600.0], rng.uniform(0, 600, 497)])
    xr, pr = af.predict_varying_np(x, p, dt, 0.05)
    xk, pk = af.predict_varying(x, p, dt, 0.05)
    np.testing.assert_allclose(xk, xr, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(pk, pr, rtol=1e-10, atol=1e-9)


def test_update_matches_the_reference_with_and_without_velocity() -> None:
    rng = np.random.default_rng(2)
    x, p = _states(rng, 500)
    z = x + np.column_stack([rng.normal(0, 30, (500, 2)), rng.normal(0, 0.5, (500, 2))])
    sig = np.where(rng.random(500) < 0.5, 10.0, 30.0)
    has_v = rng.random(500) < 0.7
    xr, pr = af.update_ais_np(x, p, z, sig, has_v, 0.3)
    xk, pk = af.update_ais(x, p, z, sig, has_v, 0.3)
    np.testing.assert_allclose(xk, xr, rtol=1e-10, atol=1e-7)
    np.testing.assert_allclose(pk, pr, rtol=1e-8, atol=1e-7)
    assert np.array_equal(pk, np.swapaxes(pk, 1, 2))


def test_a_report_without_velocity_leaves_the_velocity_estimate_nearly_alone() -> None:
    x = np.array([[0.0, 0.0, 5.0, 0.0]])
    p = np.diag([100.0, 100.0, 1.0, 1.0])[None]
    z = np.array([[50.0, 0.0, -5.0, 0.0]])   # its velocity columns are ignored: has_v is False
    xk, pk = af.update_ais(x, p, z, np.array([10.0]), np.array([False]), 0.3)
    assert xk[0, 2] == pytest.approx(5.0, abs=1e-9)
    assert 0.0 < xk[0, 0] < 50.0 and pk[0, 0, 0] < 100.0


def test_the_in_place_step_on_rows_is_bit_for_bit_gathering_predicting_updating_and_scattering() -> None:
    rng = np.random.default_rng(3)
    x, p = _states(rng, 400)
    rows = rng.permutation(400)[:300]
    dt = rng.uniform(0, 600, 300)
    z = x[rows] + rng.normal(0, 20, (300, 4))
    sig = np.where(rng.random(300) < 0.5, 10.0, 30.0)
    has_v = rng.random(300) < 0.7
    xs, ps = af.predict_varying(x[rows], p[rows], dt, 0.05)
    x_ref, p_ref = af.update_ais(xs, ps, z, sig, has_v, 0.3)
    x2, p2 = x.copy(), p.copy()
    af.predict_update_rows(x2, p2, rows, dt, 0.05, z, sig, has_v, 0.3)
    assert np.array_equal(x2[rows], x_ref) and np.array_equal(p2[rows], p_ref)
    others = np.setdiff1d(np.arange(400), rows)
    assert np.array_equal(x2[others], x[others]) and np.array_equal(p2[others], p[others])


def test_predicting_rows_in_place_is_bit_for_bit_predicting_the_gathered_rows() -> None:
    rng = np.random.default_rng(5)
    x, p = _states(rng, 300)
    rows = rng.permutation(300)[:120]
    dt = rng.uniform(0, 900, 120)
    xr, pr = af.predict_rows(x, p, rows, dt, 0.05)
    xs, ps = af.predict_varying(x[rows], p[rows], dt, 0.05)
    assert np.array_equal(xr, xs) and np.array_equal(pr, ps)
    e = np.empty(0, np.intp)
    assert af.predict_rows(x, p, e, np.empty(0), 0.05)[1].shape == (0, 4, 4)

"""The batched nearly-constant-velocity Kalman filter against hand-computed matrices."""

from __future__ import annotations

import numpy as np

from seawatch.track import kalman


def test_predict_moves_position_by_velocity_times_dt_and_grows_covariance_as_computed_by_hand() -> None:
    x = np.array([[100.0, 200.0, 3.0, -4.0]])
    p = np.diag([100.0, 100.0, 4.0, 4.0])[None]
    xn, pn = kalman.predict(x, p, dt_s=2.0, q_m2ps3=0.5)
    np.testing.assert_allclose(xn, [[106.0, 192.0, 3.0, -4.0]])
    # F P F^T: pos 100 + dt^2 * 4 = 116, pos-vel dt * 4 = 8, vel 4;  Q: q dt^3/3 = 4/3, q dt^2/2 = 1, q dt = 1
    expected = np.array([[116 + 4 / 3, 0, 9, 0],
                         [0, 116 + 4 / 3, 0, 9],
                         [9, 0, 5, 0],
                         [0, 9, 0, 5]])
    np.testing.assert_allclose(pn[0], expected)


def test_predict_equals_the_dense_transition_for_every_track_of_a_batch() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 4, 4))
    p = a @ np.swapaxes(a, 1, 2) + np.eye(4)
    x = rng.normal(size=(5, 4))
    f, q = kalman.cv_transition(2.5), kalman.cv_process_noise(2.5, 0.1)
    xn, pn = kalman.predict(x, p, 2.5, 0.1)
    np.testing.assert_allclose(xn, x @ f.T)
    np.testing.assert_allclose(pn, f @ p @ f.T + q)


def test_update_blends_prediction_and_plot_by_their_variances() -> None:
    x = np.array([[0.0, 0.0, 1.0, 2.0]])
    p = np.diag([100.0, 100.0, 4.0, 4.0])[None]
    r = np.diag([25.0, 25.0])
    xn, pn, d2 = kalman.update(x, p, np.array([[10.0, -5.0]]), r)
    # S = 125 I, K = [0.8 I; 0]: the state moves 80 % of the way, the velocity is uncorrelated so stays
    np.testing.assert_allclose(xn, [[8.0, -4.0, 1.0, 2.0]])
    np.testing.assert_allclose(pn[0], np.diag([20.0, 20.0, 4.0, 4.0]))
    assert d2[0] == np.float64(125.0 / 125.0)


def test_update_matches_the_textbook_gain_formula_with_correlated_covariance() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=(6, 4, 4))
    p = a @ np.swapaxes(a, 1, 2) * 10 + np.eye(4)
    x, z = rng.normal(size=(6, 4)), rng.normal(size=(6, 2))
    r = np.array([[4.0, 1.0], [1.0, 9.0]])
    h = np.hstack([np.eye(2), np.zeros((2, 2))])
    xn, pn, _ = kalman.update(x, p, z, r)
    for i in range(6):
        s = h @ p[i] @ h.T + r
        k = p[i] @ h.T @ np.linalg.inv(s)
        np.testing.assert_allclose(xn[i], x[i] + k @ (z[i] - h @ x[i]))
        np.testing.assert_allclose(pn[i], (np.eye(4) - k @ h) @ p[i], atol=1e-9)


def test_polar_noise_of_a_plot_due_north_is_range_along_y_and_cross_range_along_x() -> None:
    r = kalman.polar_noise_cov(np.array([0.0, 0.0]), np.array([[0.0, 10_000.0], [10_000.0, 0.0]]),
                               range_sigma_m=25.0, bearing_sigma_deg=0.3)
    cross = (10_000.0 * np.deg2rad(0.3)) ** 2
    np.testing.assert_allclose(r[0], np.diag([cross, 625.0]), atol=1e-9)
    np.testing.assert_allclose(r[1], np.diag([625.0, cross]), atol=1e-9)


def test_the_in_place_prediction_equals_the_copying_one() -> None:
    rng = np.random.default_rng(5)
    a = rng.normal(size=(8, 4, 4))
    p = a @ np.swapaxes(a, 1, 2)
    x = rng.normal(size=(8, 4))
    xe, pe = kalman.predict(x, p, 1.5, 0.2)
    kalman.predict_inplace(x, p, 1.5, 0.2)
    np.testing.assert_allclose(x, xe)
    np.testing.assert_allclose(p, pe)

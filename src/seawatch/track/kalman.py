"""Nearly-constant-velocity Kalman filter, batched over every track at once.

State per track: ``[x_m, y_m, vx_mps, vy_mps]`` in a local metric frame (x east, y north); arrays are
``x (N, 4)`` and ``P (N, 4, 4)``. Measurements are positions ``z (M, 2)`` with covariance ``R`` of shape
``(2, 2)`` (one for all) or ``(M, 2, 2)`` (one per plot, e.g. from range/bearing noise).

The motion model is the continuous white-noise acceleration model (Bar-Shalom's "CWNA", Stone Soup's
``ConstantVelocity``): ``q_m2ps3`` is the power spectral density of the acceleration in each axis.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seawatch.track import kernels

FloatArray = npt.NDArray[np.float64]

STATE_DIM = 4
POS = slice(0, 2)
VEL = slice(2, 4)


def cv_transition(dt_s: float) -> FloatArray:
    """F for one time step of dt_s seconds (state order x, y, vx, vy)."""
    f = np.eye(STATE_DIM)
    f[0, 2] = f[1, 3] = dt_s
    return f


def cv_process_noise(dt_s: float, q_m2ps3: float) -> FloatArray:
    """Q of the continuous white-noise acceleration model over dt_s."""
    dt = float(dt_s)
    qp, qpv, qv = q_m2ps3 * dt**3 / 3.0, q_m2ps3 * dt**2 / 2.0, q_m2ps3 * dt
    return np.array([[qp, 0.0, qpv, 0.0],
                     [0.0, qp, 0.0, qpv],
                     [qpv, 0.0, qv, 0.0],
                     [0.0, qpv, 0.0, qv]])


def predict(x: FloatArray, p: FloatArray, dt_s: float, q_m2ps3: float | FloatArray) -> tuple[FloatArray,
                                                                                             FloatArray]:
    """Predict every track dt_s seconds ahead. Returns new (x, P); the inputs are not modified.

    ``q_m2ps3`` is a scalar or one value per track (N,), e.g. the per-mode noise of an IMM.
    """
    dt = float(dt_s)
    xn = x.copy()
    xn[:, POS] += dt * x[:, VEL]
    # F P F^T written out on the 2x2 blocks: no 4x4 matmul per track.
    ppp, ppv, pvp, pvv = p[:, POS, POS], p[:, POS, VEL], p[:, VEL, POS], p[:, VEL, VEL]
    pn = np.empty_like(p)
    pn[:, POS, POS] = ppp + dt * (ppv + pvp) + dt * dt * pvv
    pn[:, POS, VEL] = ppv + dt * pvv
    pn[:, VEL, POS] = pvp + dt * pvv
    pn[:, VEL, VEL] = pvv
    q = np.asarray(q_m2ps3, dtype=np.float64)
    if q.ndim == 0:
        pn += cv_process_noise(dt, float(q))
    else:
        pn += q[:, None, None] * cv_process_noise(dt, 1.0)
    return xn, pn


def predict_inplace(x: FloatArray, p: FloatArray, dt_s: float, q_m2ps3: float) -> None:
    """``predict`` for one scalar q, overwriting x and P (the tracker's hot path: no new arrays)."""
    dt = float(dt_s)
    x[:, POS] += dt * x[:, VEL]
    pvv = p[:, VEL, VEL]
    p[:, POS, POS] += dt * (p[:, POS, VEL] + p[:, VEL, POS]) + (dt * dt) * pvv
    p[:, POS, VEL] += dt * pvv
    p[:, VEL, POS] += dt * pvv
    p += cv_process_noise(dt, q_m2ps3)


def innovation_cov(p: FloatArray, r: FloatArray) -> FloatArray:
    """S = H P H^T + R for position measurements, (N, 2, 2). ``r`` is (2, 2) or (N, 2, 2)."""
    return p[:, POS, POS] + r


def inv2(s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Inverse and determinant of a stack of 2x2 matrices (closed form)."""
    a, b, c, d = s[:, 0, 0], s[:, 0, 1], s[:, 1, 0], s[:, 1, 1]
    det = a * d - b * c
    inv = np.empty_like(s)
    inv[:, 0, 0] = d / det
    inv[:, 0, 1] = -b / det
    inv[:, 1, 0] = -c / det
    inv[:, 1, 1] = a / det
    return inv, det


def update(x: FloatArray, p: FloatArray, z: FloatArray, r: FloatArray) -> tuple[FloatArray, FloatArray,
                                                                              FloatArray]:
    """Kalman update of each track i with position measurement z[i] (rows pair up).

    Returns (x, P, d2) where d2 is the squared Mahalanobis distance of each innovation.
    """
    s = innovation_cov(p, r)
    si, _ = inv2(s)
    ph = p[:, :, POS]                                   # P H^T, (N, 4, 2)
    ph0, ph1 = ph[:, :, 0], ph[:, :, 1]
    k0 = ph0 * si[:, None, 0, 0] + ph1 * si[:, None, 1, 0]   # gain K = P H^T S^-1, columns (N, 4)
    k1 = ph0 * si[:, None, 0, 1] + ph1 * si[:, None, 1, 1]
    y = z - x[:, POS]
    y0, y1 = y[:, 0:1], y[:, 1:2]
    xn = x + k0 * y0 + k1 * y1
    # P - K H P, with H P = (P H^T)^T
    pn = p - k0[:, :, None] * ph0[:, None, :] - k1[:, :, None] * ph1[:, None, :]
    pn = 0.5 * (pn + np.swapaxes(pn, 1, 2))
    d2 = (si[:, 0, 0] * y0[:, 0] ** 2 + (si[:, 0, 1] + si[:, 1, 0]) * y0[:, 0] * y1[:, 0]
          + si[:, 1, 1] * y1[:, 0] ** 2)
    return xn, pn, d2


def polar_noise_cov(sensor_xy: FloatArray, plots_xy: FloatArray, range_sigma_m: float,
                    bearing_sigma_deg: float, jit: bool = kernels.ENABLED) -> FloatArray:
    """Cartesian covariance (M, 2, 2) of plots measured in range/bearing from a radar at sensor_xy.

    Bearing is true (clockwise from north); x east, y north. A floor of 1 m keeps it positive definite
    at the antenna. With ``jit``: bearing, sine and cosine in numpy, the rest in one compiled pass (the same
    numbers).
    """
    d = plots_xy - sensor_xy
    if jit:
        brg = np.arctan2(d[:, 0], d[:, 1])
        r = np.empty((len(plots_xy), 2, 2))
        kernels.polar_cov(np.ascontiguousarray(d), np.sin(brg), np.cos(brg), range_sigma_m**2,
                          float(np.deg2rad(bearing_sigma_deg)), r)
        return r
    rng = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1.0)
    brg = np.arctan2(d[:, 0], d[:, 1])
    sb, cb = np.sin(brg), np.cos(brg)
    s_r2 = range_sigma_m**2
    s_t2 = (rng * np.deg2rad(bearing_sigma_deg)) ** 2   # cross-range variance
    # radial unit vector u = (sin b, cos b), cross-range unit vector v = (cos b, -sin b)
    r = np.empty((len(plots_xy), 2, 2))
    r[:, 0, 0] = s_r2 * sb * sb + s_t2 * cb * cb
    r[:, 1, 1] = s_r2 * cb * cb + s_t2 * sb * sb
    r[:, 0, 1] = r[:, 1, 0] = (s_r2 - s_t2) * sb * cb
    return r

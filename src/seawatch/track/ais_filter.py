"""The AIS state's Kalman filter: nearly-constant-velocity prediction with a different dt per vessel, and the
update with an AIS report (position, plus velocity where SOG and COG are present). State [x, y, vx, vy] in the
site frame (m, m/s), covariance 4x4.

Two implementations of the same arithmetic:
- the numpy reference (`predict_varying_np`, `update_ais_np`): batched 4x4 matrix products and
  `np.linalg.solve`, a dozen small-array calls per batch;
- compiled kernels (numba, one loop over the vessels): F P F^T written out for the block structure of F,
  the gain from a 4x4 Cholesky factorisation of S = P + R. They agree with the reference to rounding (a
  relative 1e-12 on the tested inputs, `tests/track/test_ais_filter.py`), not bit for bit: numpy's matmul
  goes through BLAS, whose fused multiply-adds the kernels do not reproduce.

`predict_varying` / `update_ais` pick the kernels unless `SEAWATCH_NO_JIT=1` (then the reference). An AIS
position is 10-30 m of noise; the difference between the two is ~1e-9 m. `predict_update_rows` is the two in
place on rows of the state's arrays (the AIS state's per-report step): the compiled path runs the same row
functions (`_predict_row`, `_update_row`, inlined) one row after the other, bit for bit what gathering the
rows, predicting, updating and scattering gives.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import ENABLED, inline, jit

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ABSENT_VEL_VAR = 1e12  # variance given to the velocity "measurement" of a report without SOG/COG


def predict_varying_np(x: FloatArray, p: FloatArray, dt_s: FloatArray, q: float) -> tuple[FloatArray, FloatArray]:
    """NCV prediction with a different dt per row (numpy reference)."""
    dt = np.asarray(dt_s, dtype=np.float64)
    xn = x.copy()
    xn[:, :2] += dt[:, None] * x[:, 2:]
    f = np.broadcast_to(np.eye(4), (len(dt), 4, 4)).copy()
    f[:, 0, 2] = f[:, 1, 3] = dt
    q1 = np.zeros((len(dt), 4, 4))
    q1[:, 0, 0] = q1[:, 1, 1] = q * dt**3 / 3
    q1[:, 0, 2] = q1[:, 2, 0] = q1[:, 1, 3] = q1[:, 3, 1] = q * dt**2 / 2
    q1[:, 2, 2] = q1[:, 3, 3] = q * dt
    return xn, f @ p @ np.swapaxes(f, 1, 2) + q1


def update_ais_np(x: FloatArray, p: FloatArray, z: FloatArray, sig_p: FloatArray, has_v: BoolArray,
                  vel_sigma_mps: float) -> tuple[FloatArray, FloatArray]:
    """Update with position (+ velocity where SOG/COG are present): H = I4, velocity rows given a huge
    variance where absent (equivalent to a position-only update). numpy reference."""
    n = len(x)
    r = np.zeros((n, 4, 4))
    r[:, 0, 0] = r[:, 1, 1] = sig_p**2
    r[:, 2, 2] = r[:, 3, 3] = np.where(has_v, vel_sigma_mps**2, ABSENT_VEL_VAR)
    zz = np.where(has_v[:, None], z, np.column_stack([z[:, :2], x[:, 2:]]))
    s = p + r
    k = np.linalg.solve(s, p).swapaxes(1, 2)            # K = P S^-1 (S, P symmetric)
    xn = x + np.einsum("nij,nj->ni", k, zz - x)
    pn = p - k @ p
    return xn, 0.5 * (pn + np.swapaxes(pn, 1, 2))


@inline
def _predict_row(x: np.ndarray, p: np.ndarray, r: int, t: float, q: float, xo: np.ndarray, po: np.ndarray,
                 ro: int) -> None:
    """Row r of (x, p) dt = t ahead, into row ro of (xo, po): F P F^T + Q, F = [[I, dt I], [0, I]]; with blocks
    A = P[:2,:2], B = P[:2,2:], C = P[2:,:2], D = P[2:,2:]: A' = A + dt (B + C) + dt^2 D, B' = B + dt D,
    C' = C + dt D, D' = D."""
    xo[ro, 0] = x[r, 0] + t * x[r, 2]
    xo[ro, 1] = x[r, 1] + t * x[r, 3]
    xo[ro, 2] = x[r, 2]
    xo[ro, 3] = x[r, 3]
    for i in range(2):
        for j in range(2):
            a = p[r, i, j]
            b = p[r, i, j + 2]
            c = p[r, i + 2, j]
            d = p[r, i + 2, j + 2]
            po[ro, i, j] = a + t * (b + c) + t * t * d
            po[ro, i, j + 2] = b + t * d
            po[ro, i + 2, j] = c + t * d
            po[ro, i + 2, j + 2] = d
    q3, q2, q1 = q * t ** 3 / 3.0, q * t ** 2 / 2.0, q * t
    po[ro, 0, 0] += q3
    po[ro, 1, 1] += q3
    po[ro, 0, 2] += q2
    po[ro, 2, 0] += q2
    po[ro, 1, 3] += q2
    po[ro, 3, 1] += q2
    po[ro, 2, 2] += q1
    po[ro, 3, 3] += q1


@inline
def _update_row(x: np.ndarray, p: np.ndarray, r: int, z: np.ndarray, zr: int, sig_p: float, has_v: bool,
                vel_var: float, absent_var: float, xo: np.ndarray, po: np.ndarray, ro: int, s: np.ndarray,
                low: np.ndarray, kt: np.ndarray, nu: np.ndarray) -> None:
    """Row r of (x, p) updated with report row zr of z, into row ro of (xo, po): K = P S^-1 with S = P + R
    (R diagonal), by a Cholesky factorisation of S; x + K (z - x); P - K P, symmetrised. s, low, kt (K^T =
    S^-1 P): 4x4 scratch, nu: 4."""
    rv = vel_var if has_v else absent_var
    rp = sig_p * sig_p
    for i in range(4):
        for j in range(4):
            s[i, j] = p[r, i, j]
    s[0, 0] += rp
    s[1, 1] += rp
    s[2, 2] += rv
    s[3, 3] += rv
    for j in range(4):  # Cholesky: S = L L^T
        acc = s[j, j]
        for k in range(j):
            acc -= low[j, k] * low[j, k]
        ljj = math.sqrt(acc)
        low[j, j] = ljj
        for i in range(j + 1, 4):
            acc = s[i, j]
            for k in range(j):
                acc -= low[i, k] * low[j, k]
            low[i, j] = acc / ljj
        for i in range(j):
            low[i, j] = 0.0
    for c in range(4):  # solve S kt[:, c] = P[:, c]
        for i in range(4):  # forward: L y = b
            acc = p[r, i, c]
            for k in range(i):
                acc -= low[i, k] * kt[k, c]
            kt[i, c] = acc / low[i, i]
        for i in range(3, -1, -1):  # back: L^T k = y
            acc = kt[i, c]
            for k in range(i + 1, 4):
                acc -= low[k, i] * kt[k, c]
            kt[i, c] = acc / low[i, i]
    for i in range(4):
        zi = z[zr, i] if (i < 2 or has_v) else x[r, i]
        nu[i] = zi - x[r, i]
    for i in range(4):  # K[i, j] = kt[j, i]
        acc = x[r, i]
        for j in range(4):
            acc += kt[j, i] * nu[j]
        xo[ro, i] = acc
    for i in range(4):
        for j in range(i, 4):
            kp_ij = 0.0
            kp_ji = 0.0
            for k in range(4):
                kp_ij += kt[k, i] * p[r, k, j]
                kp_ji += kt[k, j] * p[r, k, i]
            v = 0.5 * ((p[r, i, j] - kp_ij) + (p[r, j, i] - kp_ji))
            po[ro, i, j] = v
            po[ro, j, i] = v


@jit
def _predict_kernel(x: np.ndarray, p: np.ndarray, dt: np.ndarray, q: float, xo: np.ndarray,
                    po: np.ndarray) -> None:
    """`_predict_row` of every row."""
    for r in range(x.shape[0]):
        _predict_row(x, p, r, dt[r], q, xo, po, r)


@jit
def _predict_rows_kernel(x: np.ndarray, p: np.ndarray, rows: np.ndarray, dt: np.ndarray, q: float, xo: np.ndarray,
                         po: np.ndarray) -> None:
    """`_predict_row` of the rows `rows`, into rows 0.. of (xo, po)."""
    for i in range(rows.shape[0]):
        _predict_row(x, p, rows[i], dt[i], q, xo, po, i)


@jit
def _update_kernel(x: np.ndarray, p: np.ndarray, z: np.ndarray, sig_p: np.ndarray, has_v: np.ndarray,
                   vel_var: float, absent_var: float, xo: np.ndarray, po: np.ndarray) -> None:
    """`_update_row` of every row."""
    s = np.empty((4, 4))
    low = np.empty((4, 4))
    kt = np.empty((4, 4))
    nu = np.empty(4)
    for r in range(x.shape[0]):
        _update_row(x, p, r, z, r, sig_p[r], has_v[r], vel_var, absent_var, xo, po, r, s, low, kt, nu)


@jit
def row_scratch() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scratch arrays for one row's predict + update (`_predict_row`, `_update_row`): S, its Cholesky factor,
    the gain's transpose, the innovation, and the one-row predicted state and covariance."""
    return (np.empty((4, 4)), np.empty((4, 4)), np.empty((4, 4)), np.empty(4), np.empty((1, 4)),
            np.empty((1, 4, 4)))


@jit
def _predict_update_rows_kernel(x: np.ndarray, p: np.ndarray, rows: np.ndarray, dt: np.ndarray, q: float,
                                z: np.ndarray, sig_p: np.ndarray, has_v: np.ndarray, vel_var: float,
                                absent_var: float) -> None:
    """x[rows], p[rows] predicted by dt then updated with z, in place: the two kernels' rows one after the
    other, through a one-row scratch state, without gathering and scattering whole (N, 4, 4) blocks."""
    s, low, kt, nu, xp, pp = row_scratch()
    for i in range(rows.shape[0]):
        r = rows[i]
        _predict_row(x, p, r, dt[i], q, xp, pp, 0)
        _update_row(xp, pp, 0, z, i, sig_p[i], has_v[i], vel_var, absent_var, x, p, r, s, low, kt, nu)


def predict_update_rows(x: FloatArray, p: FloatArray, rows: npt.NDArray[np.intp], dt_s: FloatArray, q: float,
                        z: FloatArray, sig_p: FloatArray, has_v: BoolArray, vel_sigma_mps: float) -> None:
    """In place: the rows `rows` (distinct) of the state (x, P) predicted dt_s ahead (`predict_varying`), then
    updated with one report each (`update_ais`; z, sig_p, has_v aligned with rows)."""
    if len(rows) == 0:
        return
    inplace = (x.dtype == np.float64 and p.dtype == np.float64 and x.flags.c_contiguous and p.flags.c_contiguous)
    if not ENABLED or not inplace:
        xs, ps = predict_varying(x[rows], p[rows], dt_s, q)
        x[rows], p[rows] = update_ais(xs, ps, z, sig_p, has_v, vel_sigma_mps)
        return
    _predict_update_rows_kernel(x, p, np.ascontiguousarray(rows, np.int64), np.ascontiguousarray(dt_s, np.float64),
                                float(q), np.ascontiguousarray(z, np.float64), np.ascontiguousarray(sig_p, np.float64),
                                np.ascontiguousarray(has_v, np.bool_), float(vel_sigma_mps) ** 2, ABSENT_VEL_VAR)


def predict_varying(x: FloatArray, p: FloatArray, dt_s: FloatArray, q: float) -> tuple[FloatArray, FloatArray]:
    """NCV prediction with a different dt per row: (x, P) dt_s ahead."""
    if not ENABLED or len(x) == 0:
        return predict_varying_np(x, p, dt_s, q)
    xo, po = np.empty_like(x), np.empty_like(p)
    _predict_kernel(np.ascontiguousarray(x, np.float64), np.ascontiguousarray(p, np.float64),
                    np.ascontiguousarray(dt_s, np.float64), float(q), xo, po)
    return xo, po


def predict_rows(x: FloatArray, p: FloatArray, rows: npt.NDArray[np.intp], dt_s: FloatArray,
                 q: float) -> tuple[FloatArray, FloatArray]:
    """`predict_varying(x[rows], p[rows], dt_s, q)`, without gathering the rows first (the same numbers)."""
    inplace = (x.dtype == np.float64 and p.dtype == np.float64 and x.flags.c_contiguous and p.flags.c_contiguous)
    if not ENABLED or not inplace or len(rows) == 0:
        return predict_varying(x[rows], p[rows], dt_s, q)
    xo, po = np.empty((len(rows), 4)), np.empty((len(rows), 4, 4))
    _predict_rows_kernel(x, p, np.ascontiguousarray(rows, np.int64), np.ascontiguousarray(dt_s, np.float64),
                         float(q), xo, po)
    return xo, po


def update_ais(x: FloatArray, p: FloatArray, z: FloatArray, sig_p: FloatArray, has_v: BoolArray,
               vel_sigma_mps: float) -> tuple[FloatArray, FloatArray]:
    """The filtered state after one report per row (z: x, y, vx, vy; the velocity, of standard deviation
    vel_sigma_mps per axis, used where has_v; sig_p: the position's standard deviation per axis)."""
    if not ENABLED or len(x) == 0:
        return update_ais_np(x, p, z, sig_p, has_v, vel_sigma_mps)
    xo, po = np.empty_like(x), np.empty_like(p)
    _update_kernel(np.ascontiguousarray(x, np.float64), np.ascontiguousarray(p, np.float64),
                   np.ascontiguousarray(z, np.float64), np.ascontiguousarray(sig_p, np.float64),
                   np.ascontiguousarray(has_v, np.bool_), float(vel_sigma_mps) ** 2, ABSENT_VEL_VAR, xo, po)
    return xo, po

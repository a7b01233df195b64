"""One round of AIS position reports applied to the AIS state's rows in one compiled pass.

`AisVesselState._apply` decides which reports are late and which belong to a twin (numpy, vectorised), then
hands the rest here: per report (rows distinct), a new vessel's state is initialised from the report, a known
one is predicted over the gap and updated (`ais_filter._predict_row`, `_update_row`: the filter's row
functions), its own reporting interval smoothed, and the report's time, type, status, heading and ITU-R
M.1371 nominal interval stored. The numpy code of `_apply` is the reference (`SEAWATCH_NO_JIT=1`); the kernel
does the same arithmetic in the same order, so the state is the same bit for bit (the report's velocity
components come in computed by numpy: its sine and cosine are not libm's).

On a sparse feed (the Florida day: ~17 reports per 5 s step) the numpy version is some forty small-array
calls per step; the kernel is one call.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from seawatch.ingest.nmea._jit import ENABLED, helper, jit
from seawatch.track.ais_filter import ABSENT_VEL_VAR, _predict_row, _update_row, row_scratch

if TYPE_CHECKING:
    from seawatch.track.ais_state import AisVesselState

FloatArray = npt.NDArray[np.float64]

@helper()
def apply_one(x: np.ndarray, p: np.ndarray, t_s: np.ndarray, n_reports: np.ndarray, msg_type_s: np.ndarray,
              nav_status_s: np.ndarray, heading_s: np.ndarray, obs_int: np.ndarray, nom_int: np.ndarray, r: int,
              i: int, t: float, t_prev: float, z: np.ndarray, sig_p: float, has_v: bool, mt: int, st: int,
              heading: float, rot: float, sog: float, q: float, vel_var: float, vel_sigma: float,
              init_speed_sigma: float, absent_var: float, smoothing: float, kn: float, s: np.ndarray,
              low: np.ndarray, kt: np.ndarray, nu: np.ndarray, xp: np.ndarray, pp: np.ndarray) -> None:
    """Report i (z row i) applied to state row r whose previous report was at t_prev (NaN: a new vessel)."""
    if math.isfinite(t_prev):
        gap = t - t_prev
        _predict_row(x, p, r, gap, q, xp, pp, 0)
        _update_row(xp, pp, 0, z, i, sig_p, has_v, vel_var, absent_var, x, p, r, s, low, kt, nu)
        # own reporting interval: exponentially smoothed, outlier gaps (> 3x the estimate) clipped
        prev = obs_int[r]
        if math.isfinite(prev):
            g = min(gap, 3.0 * prev)
            obs_int[r] = (1.0 - smoothing) * prev + smoothing * g
        else:
            obs_int[r] = gap
    else:   # a new vessel (or twin): initialised from the report
        x[r, 0] = z[i, 0]
        x[r, 1] = z[i, 1]
        x[r, 2] = z[i, 2] if has_v else 0.0
        x[r, 3] = z[i, 3] if has_v else 0.0
        for a in range(4):
            for b in range(4):
                p[r, a, b] = 0.0
        p[r, 0, 0] = sig_p * sig_p
        p[r, 1, 1] = sig_p * sig_p
        sv = vel_sigma if has_v else init_speed_sigma
        p[r, 2, 2] = sv * sv
        p[r, 3, 3] = sv * sv
    t_s[r] = t
    n_reports[r] += 1
    msg_type_s[r] = mt
    nav_status_s[r] = st
    heading_s[r] = heading
    # nominal_interval_s of this report
    sog_kn = sog / kn
    known = math.isfinite(sog_kn)
    turn = math.isfinite(rot) and abs(rot) > 5.0
    if mt == 18 or mt == 19:
        nom = 180.0 if (known and sog_kn <= 2) else 30.0
    else:
        nom = 10.0 / 3.0 if turn else 10.0
        if known and sog_kn > 14:
            nom = 2.0 if turn else 6.0
        if known and sog_kn > 23:
            nom = 2.0
        if (st == 1 or st == 5) and known and sog_kn <= 3:
            nom = 180.0
    nom_int[r] = nom


@jit
def _apply_kernel(x: np.ndarray, p: np.ndarray, t_s: np.ndarray, n_reports: np.ndarray, msg_type_s: np.ndarray,
                  nav_status_s: np.ndarray, heading_s: np.ndarray, obs_int: np.ndarray, nom_int: np.ndarray,
                  rows: np.ndarray, t: np.ndarray, t_prev: np.ndarray, z: np.ndarray, sig_p: np.ndarray,
                  has_v: np.ndarray, msg_type: np.ndarray, nav_status: np.ndarray, heading: np.ndarray,
                  rot: np.ndarray, sog: np.ndarray, q: float, vel_sigma: float, init_speed_sigma: float,
                  absent_var: float, smoothing: float, kn: float) -> None:
    s, low, kt, nu, xp, pp = row_scratch()
    vel_var = vel_sigma * vel_sigma
    for i in range(rows.shape[0]):
        apply_one(x, p, t_s, n_reports, msg_type_s, nav_status_s, heading_s, obs_int, nom_int, rows[i], i, t[i],
                  t_prev[i], z, sig_p[i], has_v[i], msg_type[i], nav_status[i], heading[i], rot[i], sog[i], q,
                  vel_var, vel_sigma, init_speed_sigma, absent_var, smoothing, kn, s, low, kt, nu, xp, pp)


def compiled(x: FloatArray, p: FloatArray) -> bool:
    """Whether `apply_rows` can write the state's arrays in place (else the caller's numpy reference runs)."""
    return (ENABLED and x.dtype == np.float64 and p.dtype == np.float64 and x.flags.c_contiguous
            and p.flags.c_contiguous)


def apply_rows(st: AisVesselState, rows: npt.NDArray[np.intp], t: FloatArray, t_prev: FloatArray, z: FloatArray,
               sig_p: FloatArray, has_v: npt.NDArray[np.bool_], msg_type: npt.NDArray[np.int16],
               nav_status: npt.NDArray[np.int16], heading: FloatArray, rot: FloatArray, sog: FloatArray,
               q: float, vel_sigma: float, init_speed_sigma: float, smoothing: float, kn: float) -> None:
    """The kernel on an `AisVesselState`'s arrays (rows distinct; t_prev NaN: a new vessel)."""
    _apply_kernel(st.x, st.P, st.t_s, st.n_reports, st.msg_type, st.nav_status, st.heading_deg,
                  st.observed_interval_s, st.nominal_interval_s,
                  np.ascontiguousarray(rows, np.int64), np.ascontiguousarray(t, np.float64),
                  np.ascontiguousarray(t_prev, np.float64), np.ascontiguousarray(z, np.float64),
                  np.ascontiguousarray(sig_p, np.float64), np.ascontiguousarray(has_v, np.bool_),
                  np.ascontiguousarray(msg_type, np.int16), np.ascontiguousarray(nav_status, np.int16),
                  np.ascontiguousarray(heading, np.float64), np.ascontiguousarray(rot, np.float64),
                  np.ascontiguousarray(sog, np.float64), float(q), float(vel_sigma), float(init_speed_sigma),
                  ABSENT_VEL_VAR, float(smoothing), float(kn))

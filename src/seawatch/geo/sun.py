"""The sun's elevation (night is below -6 degrees: civil twilight)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def sun_elevation_deg(t: F64, lat: F64, lon: F64) -> F64:
    """Approximate solar elevation (degrees; NOAA low-precision formulas, ~0.5° accurate)."""
    days = np.asarray(t, np.float64) / 86400.0 - 10957.5  # days since J2000.0
    g = np.radians((357.529 + 0.98560028 * days) % 360.0)
    q = (280.459 + 0.98564736 * days) % 360.0
    lam = np.radians(q + 1.915 * np.sin(g) + 0.020 * np.sin(2 * g))
    eps = np.radians(23.439 - 0.00000036 * days)
    dec = np.arcsin(np.sin(eps) * np.sin(lam))
    ra = np.degrees(np.arctan2(np.cos(eps) * np.sin(lam), np.cos(lam)))
    gmst = (280.46061837 + 360.98564736629 * days) % 360.0
    ha = np.radians(gmst + np.asarray(lon, np.float64) - ra)
    la = np.radians(np.asarray(lat, np.float64))
    return np.degrees(np.arcsin(np.sin(la) * np.sin(dec) + np.cos(la) * np.cos(dec) * np.cos(ha)))

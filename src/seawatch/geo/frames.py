"""Geodesy on WGS84 and local metric frames, vectorised over numpy arrays.

`LocalFrame` is an azimuthal equidistant projection centred on a site: x east, y north, metres. Distances
and bearings from the centre are exact, and within a coastal radar's reach (< 100 km) the distortion
elsewhere stays far below radar noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import Geod, Transformer

WGS84 = Geod(ellps="WGS84")
FloatArray = npt.NDArray[np.float64]


def destination(lat: Any, lon: Any, range_m: Any, bearing_deg: Any) -> tuple[FloatArray, FloatArray]:
    """Point(s) at range_m along true bearing_deg from (lat, lon). Vectorised."""
    lat_a, lon_a, r, b = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat, lon, range_m,
                                                                                           bearing_deg)))
    lon2, lat2, _ = WGS84.fwd(lon_a, lat_a, b, r)
    return np.asarray(lat2, dtype=np.float64), np.asarray(lon2, dtype=np.float64)


def inverse(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> tuple[FloatArray, FloatArray]:
    """(distance_m, initial true bearing_deg in [0, 360)) from point 1 to point 2. Vectorised."""
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lat1, lon1, lat2, lon2)))
    az, _, dist = WGS84.inv(a[1], a[0], a[3], a[2])
    return np.asarray(dist, dtype=np.float64), np.mod(np.asarray(az, dtype=np.float64), 360.0)


class LocalFrame:
    """x (east) / y (north) metres around a centre point."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = float(lat0), float(lon0)
        proj = f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +ellps=WGS84 +units=m +no_defs"
        self._fwd = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        self._inv = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)

    def to_xy(self, lat: Any, lon: Any) -> tuple[FloatArray, FloatArray]:
        x, y = self._fwd.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_latlon(self, x: Any, y: Any) -> tuple[FloatArray, FloatArray]:
        lon, lat = self._inv.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


def site_frame(site: Any) -> LocalFrame:
    """A site's local metric frame: its `[site]` reference point, else the centre of its positioned sensors."""
    if site.site.lat is not None and site.site.lon is not None:
        return LocalFrame(site.site.lat, site.site.lon)
    pts = [(s.lat, s.lon) for s in site.sensors if s.lat is not None and s.lon is not None]
    if not pts:
        return LocalFrame(0.0, 0.0)
    lat, lon = np.mean(np.array(pts, dtype=np.float64), axis=0)
    return LocalFrame(float(lat), float(lon))

"""The simulated world's geometry: the sea polygon, a vectorised land test, and short-range flat-earth maths.

Positions are WGS84 degrees. Within the reach of a coastal sensor (< ~100 km) the simulator uses a local
flat-earth approximation on the WGS84 ellipsoid (meridian and prime-vertical radii at the mid latitude),
whose error is of order (d / R)^2: about 2 m at 40 km, far below radar noise. It is cheap arithmetic,
which is what lets every vessel be moved and measured with numpy on every time step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

FloatArray = npt.NDArray[np.float64]

A_WGS84 = 6378137.0
E2_WGS84 = 6.69437999014e-3

SITE_DIR = Path(__file__).resolve().parent.parent / "sites" / "caspian"
SEA_FILE = SITE_DIR / "sea.geojson"


def radii_m(lat_deg: Any) -> tuple[FloatArray, FloatArray]:
    """(meridian radius M, prime-vertical radius N × cos(lat)) in metres per radian at lat_deg."""
    phi = np.radians(np.asarray(lat_deg, dtype=np.float64))
    s2 = np.sin(phi) ** 2
    w = np.sqrt(1.0 - E2_WGS84 * s2)
    m = A_WGS84 * (1.0 - E2_WGS84) / (w ** 3)
    n = A_WGS84 / w
    return m, n * np.cos(phi)


def offset_m(lat0: Any, lon0: Any, lat1: Any, lon1: Any) -> tuple[FloatArray, FloatArray]:
    """East/north metres from point 0 to point 1 (flat earth at the mid latitude). Vectorised."""
    lat0 = np.asarray(lat0, dtype=np.float64)
    lat1 = np.asarray(lat1, dtype=np.float64)
    m, nc = radii_m(0.5 * (lat0 + lat1))
    dx = np.radians(np.asarray(lon1, dtype=np.float64) - lon0) * nc
    dy = np.radians(lat1 - lat0) * m
    return dx, dy


def range_bearing(lat0: Any, lon0: Any, lat1: Any, lon1: Any) -> tuple[FloatArray, FloatArray]:
    """(range_m, initial true bearing_deg in [0, 360)) from point 0 to point 1, short-range approximation.

    The flat-earth direction is the one at the mid point; the initial bearing at point 0 differs from it by
    half the meridian convergence, Δλ·sin(φm)/2, which is added back (0.16° at 40 km east of 40°N).
    """
    dx, dy = offset_m(lat0, lon0, lat1, lon1)
    lat_m = 0.5 * (np.asarray(lat0, dtype=np.float64) + np.asarray(lat1, dtype=np.float64))
    conv = 0.5 * (np.asarray(lon1, dtype=np.float64) - lon0) * np.sin(np.radians(lat_m))
    return np.hypot(dx, dy), np.mod(np.degrees(np.arctan2(dx, dy)) - conv, 360.0)


def displace(lat: Any, lon: Any, east_m: Any, north_m: Any) -> tuple[FloatArray, FloatArray]:
    """Move (lat, lon) by east/north metres (small steps). Vectorised."""
    lat = np.asarray(lat, dtype=np.float64)
    m, nc = radii_m(lat + 0.5 * np.degrees(np.asarray(north_m) / A_WGS84))
    return lat + np.degrees(north_m / m), np.asarray(lon, dtype=np.float64) + np.degrees(east_m / nc)


def polar_to_latlon(lat0: float, lon0: float, range_m: Any, bearing_deg: Any) -> tuple[FloatArray, FloatArray]:
    """Point at range / initial bearing from (lat0, lon0): the inverse of `range_bearing` (short range)."""
    r = np.asarray(range_m, dtype=np.float64)
    b0 = np.asarray(bearing_deg, dtype=np.float64)
    lat1 = np.full(np.broadcast(r, b0).shape, float(lat0))
    lon1 = np.full_like(lat1, float(lon0))
    for _ in range(3):  # fixed point: the mid-latitude radii and the convergence depend on the end point
        lat_m = 0.5 * (lat0 + lat1)
        bm = np.radians(b0 + 0.5 * (lon1 - lon0) * np.sin(np.radians(lat_m)))
        m, nc = radii_m(lat_m)
        lat1 = lat0 + np.degrees(r * np.cos(bm) / m)
        lon1 = lon0 + np.degrees(r * np.sin(bm) / nc)
    return lat1, lon1


class Sea:
    """The sea polygon with a vectorised `is_sea(lat, lon)` test."""

    def __init__(self, polygon: BaseGeometry) -> None:
        self.polygon = polygon
        shapely.prepare(self.polygon)

    @classmethod
    @lru_cache(maxsize=4)
    def from_geojson(cls, path: Path = SEA_FILE) -> Sea:
        """The sea of a GeoJSON file (cached: the same Sea, with its cached radar shadow maps, per path)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        geoms = [shape(f["geometry"]) for f in data["features"]]
        return cls(shapely.union_all(geoms) if len(geoms) > 1 else geoms[0])

    def is_sea(self, lat: Any, lon: Any) -> npt.NDArray[np.bool_]:
        return np.asarray(shapely.contains_xy(self.polygon, np.asarray(lon, dtype=np.float64),
                                              np.asarray(lat, dtype=np.float64)), dtype=bool)

    def segment_at_sea(self, lat0: float, lon0: float, lat1: float, lon1: float, clearance_m: float = 0.0) -> bool:
        """True when the straight segment stays in the sea (with clearance_m from the coast)."""
        seg = LineString([(lon0, lat0), (lon1, lat1)])
        poly = self.polygon
        if clearance_m > 0:
            poly = self.shrunk(clearance_m)
        return bool(poly.contains(seg))

    @lru_cache(maxsize=8)  # noqa: B019 - a few long-lived sea geometries per process; the cache holds them anyway
    def shrunk(self, clearance_m: float) -> BaseGeometry:
        """The sea minus a band of clearance_m along every shore (degrees scaled at 40°N)."""
        deg = clearance_m / 85_000.0  # 1° of longitude ≈ 85 km at 40°N; latitude is stricter, so conservative
        g = self.polygon.buffer(-deg, quad_segs=2)
        shapely.prepare(g)
        return g

    def nearest_sea_point(self, lat: float, lon: float, clearance_m: float = 300.0) -> tuple[float, float]:
        """The sea point nearest (lat, lon) with clearance_m of water around it: a berth for a port on land."""
        p = Point(lon, lat)
        poly = self.shrunk(clearance_m)
        if poly.contains(p):
            return lat, lon
        q = nearest_points(poly, p)[0]
        # step a hair further inside so the point is strictly at sea
        dx, dy = q.x - lon, q.y - lat
        norm = max(float(np.hypot(dx, dy)), 1e-12)
        return float(q.y + dy / norm * 1e-4), float(q.x + dx / norm * 1e-4)

    def shadow_ranges(self, lat0: float, lon0: float, max_range_m: float, n_bearings: int = 1440,
                      near_land_m: float = 3000.0) -> tuple[FloatArray, FloatArray]:
        """Per bearing bin (n_bearings over 360°), the ranges (from, to) of open water a coastal sensor sees.

        Along each ray from the sensor, the sensor's own shore (land within near_land_m) is skipped; the
        first land met after the first stretch of water ends the view. Bins with no water at all are (0, 0).
        """
        bearings = (np.arange(n_bearings) + 0.5) * 360.0 / n_bearings
        lat1, lon1 = polar_to_latlon(lat0, lon0, np.full(n_bearings, max_range_m), bearings)
        out = np.zeros(n_bearings)
        near = np.zeros(n_bearings)
        pad = 0.01
        local = self.polygon.intersection(shapely.box(float(lon1.min()) - pad, float(lat1.min()) - pad,
                                                      float(lon1.max()) + pad, float(lat1.max()) + pad))
        coords = np.stack([np.stack([np.full(n_bearings, lon0), lon1], axis=1),
                           np.stack([np.full(n_bearings, lat0), lat1], axis=1)], axis=2)  # [n, 2 pts, (x, y)]
        rays = shapely.linestrings(coords)
        water = shapely.intersection(rays, local)
        origin = Point(lon0, lat0)
        for i in range(n_bearings):
            w = water[i]
            parts = [g for g in getattr(w, "geoms", [w]) if isinstance(g, LineString) and not g.is_empty]
            if not parts:
                continue
            ranges = []
            for g in parts:
                a, b = g.coords[0], g.coords[-1]
                da, db = origin.distance(Point(a)), origin.distance(Point(b))
                ranges.append((min(da, db), max(da, db)))
            ranges.sort()
            total = float(rays[i].length)
            start, end = ranges[0]
            if start / total * max_range_m > near_land_m:
                continue  # no water near the sensor on this bearing: it looks over land
            near[i] = start / total * max_range_m
            out[i] = end / total * max_range_m
        return near, out

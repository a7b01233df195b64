"""Zones of a site (DESIGN.md's GeoJSON contract) in the site's local metric frame, indexed for batches.

Every query takes whole arrays of positions (x east / y north metres of `LocalFrame`) and answers with
numpy arrays; geometry is shapely 2 (vectorised ufuncs, STRtree). Platforms become discs of `radius_m`
(default 500 m, UNCLOS art. 60), pipelines corridors of `buffer_m` either side, polygons stay polygons.
The border is a line with a domestic side (`inside` = left/right walking from the first vertex to the
last); the coast is split into short pieces so that distance and ray queries touch only nearby shore.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree
from shapely.geometry import shape

from seawatch.errors import ConfigError
from seawatch.geo import LocalFrame

logger = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
KINDS = ("platform", "pipeline", "restricted", "border", "port", "anchorage", "coast")
AREA_KINDS = ("platform", "pipeline", "restricted", "port", "anchorage")
COAST_PIECE_VERTICES = 32
_CACHE: dict[tuple[str, float, float, float], ZoneIndex] = {}


DENSIFY_DEG = 0.005   # an edge is cut into pieces this long (~500 m) before projecting (`_project`)
END_TOL_M = 1e-6   # a point projected this close to a border's end is beyond it (`ZoneIndex.border_side`)
JOIN_M = 1.0   # border features whose ends are this close are one line (`border_chains`)
BORDER_CHUNK = 2048   # points measured against a border's segments at once (points x segments arrays)


@dataclass(frozen=True)
class BorderChain:
    """Border features joined end to start into one line (a boundary drawn in pieces), inside on its left:
    a contact near a joint has a side, and a move across it is a crossing (not beyond the ends of two lines)."""

    coords: F64             # vertices (n x 2, local metres)
    features: I64           # per segment (n - 1): the index in ZoneIndex.borders of the feature it belongs to
    closed: bool = False    # a ring (an island's limit): no ends, every point near it has a side


def border_chains(borders: list[Zone], join_m: float = JOIN_M) -> tuple[list[BorderChain], I64]:
    """The chains of these border features, and each feature's chain. A feature is followed by the one that
    starts within join_m of where it ends (both oriented inside-left), when that joint is theirs alone."""
    lines = [np.asarray(z.geom.coords, np.float64) for z in borders]
    lines = [c if z.inside == "left" else c[::-1] for c, z in zip(lines, borders)]
    n = len(lines)
    meets = np.array([[a != b and float(np.hypot(*(lines[b][0] - lines[a][-1]))) <= join_m for b in range(n)]
                      for a in range(n)], bool).reshape(n, n)
    nxt = {a: int(np.flatnonzero(meets[a])[0]) for a in range(n)
           if meets[a].sum() == 1 and meets[:, np.flatnonzero(meets[a])[0]].sum() == 1}
    chains: list[BorderChain] = []
    chain_of = np.full(n, -1, np.int64)
    heads = [a for a in range(n) if a not in nxt.values()]
    for start in [*heads, *range(n)]:   # (what no head reaches is a ring of features: from its first one)
        if chain_of[start] >= 0:
            continue
        order = [start]
        while order[-1] in nxt and nxt[order[-1]] not in order:
            order.append(nxt[order[-1]])
        coords = np.concatenate([lines[order[0]]] + [lines[k][1:] for k in order[1:]])
        chain_of[order] = len(chains)
        closed = len(coords) > 3 and float(np.hypot(*(coords[-1] - coords[0]))) <= join_m
        chains.append(BorderChain(coords, np.concatenate([np.full(len(lines[k]) - 1, k, np.int64) for k in order]),
                                  closed))
    return chains, chain_of


def _to_polyline(c: F64, x: F64, y: F64) -> tuple[F64, F64, F64, float, I64]:
    """Each point against the polyline of vertices c: (distance, distance along the line to the point's
    projection, cross product of the nearest segment and the point (> 0: left of it), the line's length, the
    nearest segment). Of equally near segments (a point projecting onto a vertex), the one it is farthest off."""
    ax, ay, dx, dy = c[:-1, 0], c[:-1, 1], np.diff(c[:, 0]), np.diff(c[:, 1])
    seg_m = np.hypot(dx, dy)
    cum = np.concatenate([[0.0], np.cumsum(seg_m)])
    px, py = x[:, None] - ax, y[:, None] - ay
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.clip(np.nan_to_num((px * dx + py * dy) / (dx * dx + dy * dy)), 0.0, 1.0)
    d2 = (px - f * dx) ** 2 + (py - f * dy) ** 2
    # equally near segments (the point's nearest point is a vertex they share): the side is the one the point
    # is farther off (the sign of the sum of both unit normals, the vertex's pseudo-normal); the first one's
    # side is wrong beyond the point of a turn sharper than 90 deg
    with np.errstate(invalid="ignore", divide="ignore"):
        off = np.abs(dx * py - dy * px) / seg_m
    tie = d2 <= d2.min(axis=1, keepdims=True) * (1.0 + 1e-9) + 1e-9
    k = np.argmax(np.where(tie, np.nan_to_num(off), -1.0), axis=1)
    i = np.arange(len(x))
    cross = dx[k] * py[i, k] - dy[k] * px[i, k]
    return np.sqrt(d2[i, k]), cum[k] + f[i, k] * seg_m[k], cross, float(cum[-1]), k


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    kind: str
    geom: Any  # shapely geometry in local x/y metres (Point for platforms, LineString for lines)
    area: Any  # the region a vessel is "in" (disc, corridor, polygon); None for border and coast lines
    authorized_mmsi: frozenset[int]
    radius_m: float | None = None
    buffer_m: float | None = None
    inside: str | None = None  # border only: "left" | "right"


def _project(geom: Any, frame: LocalFrame) -> Any:
    """Into the site's local frame. An edge is straight in lon/lat (GeoJSON, RFC 7946: a border given as two points
    on a parallel follows the parallel), not in the frame: edges are cut every DENSIFY_DEG before projecting (the
    chord of a 115 km parallel strays up to 210 m from it)."""
    def tf(coords: F64) -> F64:
        x, y = frame.to_xy(coords[:, 1], coords[:, 0])
        return np.column_stack([x, y])
    return shapely.transform(shapely.segmentize(geom, DENSIFY_DEG), tf)


def load_zones(path: str | Path, frame: LocalFrame) -> list[Zone]:
    """Read a zones GeoJSON FeatureCollection; errors name the file, the feature and the fix."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{p}: cannot read the zones GeoJSON ({err})") from err
    zones: list[Zone] = []
    for i, feat in enumerate(doc.get("features", [])):
        props = feat.get("properties") or {}
        kind = props.get("kind")
        zid = str(props.get("id") or f"zone-{i}")
        if kind not in KINDS:
            raise ConfigError(f"{p}: feature {zid!r} has kind {kind!r}; use one of {', '.join(KINDS)}")
        try:
            geom = _project(shape(feat["geometry"]), frame)
        except (KeyError, ValueError, TypeError, AttributeError) as err:
            raise ConfigError(f"{p}: feature {zid!r} has no valid geometry ({err})") from err
        auth = frozenset(int(m) for m in (props.get("authorized_mmsi") or []))
        radius = buffer = None
        inside = None
        area: Any = None
        if kind == "platform":
            radius = float(props.get("radius_m", 500.0))
            area = geom.buffer(radius, 32) if geom.geom_type == "Point" else geom
        elif kind == "pipeline":
            buffer = float(props.get("buffer_m", 500.0))
            area = geom.buffer(buffer, 8) if "LineString" in geom.geom_type else geom
        elif kind in ("restricted", "port", "anchorage"):
            if geom.geom_type == "Point":
                radius = float(props.get("radius_m", 1000.0))
                area = geom.buffer(radius, 32)
            else:
                area = geom
        elif kind == "border":
            inside = str(props.get("inside", "left"))
            if inside not in ("left", "right") or geom.geom_type != "LineString":
                raise ConfigError(f"{p}: border {zid!r} must be a LineString with inside = left or right")
        zones.append(Zone(zid, str(props.get("name", zid)), kind, geom, area, auth, radius, buffer, inside))
    return zones


class ZoneIndex:
    """Vectorised zone queries over arrays of local x/y positions."""

    def __init__(self, zones: list[Zone]) -> None:
        self.zones = zones
        self._centres: dict[tuple[str, ...], F64] = {}
        self._areas: dict[str, tuple[STRtree, I64]] = {}
        for kind in AREA_KINDS:
            idx = np.array([i for i, z in enumerate(zones) if z.kind == kind and z.area is not None], np.int64)
            if len(idx):
                geoms = [zones[i].area for i in idx]
                for g in geoms:
                    shapely.prepare(g)
                self._areas[kind] = (STRtree(geoms), idx)
        self.borders = [z for z in zones if z.kind == "border"]
        self.chains, self.chain_of = border_chains(self.borders)
        self._chain_lines = [shapely.linestrings(ch.coords) for ch in self.chains]
        pieces: list[Any] = []
        for z in zones:
            if z.kind != "coast":
                continue
            lines = [z.geom.exterior] if z.geom.geom_type == "Polygon" else list(
                getattr(z.geom, "geoms", [z.geom]))
            for line in lines:
                if line.geom_type == "Polygon":
                    line = line.exterior
                c = np.asarray(line.coords)
                for a in range(0, len(c) - 1, COAST_PIECE_VERTICES):
                    pieces.append(shapely.linestrings(c[a:a + COAST_PIECE_VERTICES + 1]))
        land = [z.geom for z in zones if z.kind == "coast" and z.geom.geom_type in ("Polygon", "MultiPolygon")]
        self._land = shapely.union_all(land) if land else None
        if self._land is not None:
            shapely.prepare(self._land)
        self._coast = np.array(pieces, dtype=object)
        self._coast_tree = STRtree(self._coast) if len(pieces) else None
        self.authorized = {i: z.authorized_mmsi for i, z in enumerate(zones)}
        self._envelopes: dict[tuple[tuple[str, ...], float], Any] = {}

    @classmethod
    def from_file(cls, path: str | Path, frame: LocalFrame) -> ZoneIndex:
        """Built once per (file, modification time, frame centre) and shared: indexes are read-only."""
        p = Path(path).resolve()
        key = (str(p), p.stat().st_mtime if p.exists() else 0.0, frame.lat0, frame.lon0)
        idx = _CACHE.get(key)
        if idx is None:
            idx = _CACHE[key] = cls(load_zones(p, frame))
        return idx

    @property
    def has_coast(self) -> bool:
        return self._coast_tree is not None

    def has_areas(self, kinds: tuple[str, ...]) -> bool:
        """Is there an area of one of these kinds (else every area query of them answers nothing)?"""
        return any(k in self._areas for k in kinds)

    # ---- areas -------------------------------------------------------------------------------------
    def inside(self, x: F64, y: F64, kinds: tuple[str, ...]) -> tuple[I64, I64]:
        """(point index, zone index) pairs of points inside zones of these kinds."""
        pts = shapely.points(x, y)
        out_p, out_z = [], []
        for kind in kinds:
            if kind not in self._areas:
                continue
            tree, idx = self._areas[kind]
            pairs = tree.query(pts, predicate="intersects")
            out_p.append(pairs[0])
            out_z.append(idx[pairs[1]])
        if not out_p:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(out_p).astype(np.int64), np.concatenate(out_z).astype(np.int64)

    def near(self, x: F64, y: F64, kinds: tuple[str, ...], distance_m: float) -> tuple[I64, I64, F64]:
        """(point, zone, distance_m to the zone's area) for every area of these kinds within distance_m.

        The tree gives the areas whose box comes within distance_m of a point; the areas' prepared geometries
        say which of those are within it and which contain the point (distance 0), so that an exact distance is
        computed only on the rim (a pipeline corridor of ~700 vertices: ~5 times faster than the tree's
        unprepared `dwithin`, the same pairs in the same order)."""
        sel = np.flatnonzero(self.any_within(x, y, kinds, distance_m + 1.0))
        if not len(sel):
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        xs, ys = x[sel], y[sel]
        boxes = shapely.box(xs - distance_m, ys - distance_m, xs + distance_m, ys + distance_m)
        out_p, out_z, out_d = [], [], []
        for kind in kinds:
            if kind not in self._areas:
                continue
            tree, idx = self._areas[kind]
            pairs = tree.query(boxes)
            if pairs.shape[1] == 0:
                continue
            geoms = tree.geometries.take(pairs[1])   # prepared (__init__)
            px, py = xs[pairs[0]], ys[pairs[0]]
            pts = shapely.points(px, py)
            within = np.asarray(shapely.dwithin(geoms, pts, distance_m), bool)
            pairs, geoms, px, py, pts = pairs[:, within], geoms[within], px[within], py[within], pts[within]
            d = np.zeros(len(px))
            rim = ~np.asarray(shapely.contains_xy(geoms, px, py), bool)
            d[rim] = shapely.distance(pts[rim], geoms[rim])
            out_p.append(sel[pairs[0]])
            out_z.append(idx[pairs[1]])
            out_d.append(d)
        if not out_p:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return (np.concatenate(out_p).astype(np.int64), np.concatenate(out_z).astype(np.int64),
                np.concatenate(out_d).astype(np.float64))

    def _envelope(self, kinds: tuple[str, ...], distance_m: float) -> Any:
        """The union of these kinds' areas grown by distance_m, prepared (cached)."""
        key = (kinds, round(distance_m, 3))
        g = self._envelopes.get(key)
        if g is None:
            areas = [z.area for z in self.zones if z.kind in kinds and z.area is not None]
            g = shapely.union_all([a.buffer(distance_m, 8) if distance_m > 0 else a for a in areas]) if areas \
                else shapely.Point()
            shapely.prepare(g)
            self._envelopes[key] = g
        return g

    def any_within(self, x: F64, y: F64, kinds: tuple[str, ...], distance_m: float) -> npt.NDArray[np.bool_]:
        """Per point: inside or within distance_m of any area of these kinds."""
        if len(x) == 0:
            return np.zeros(0, bool)
        g = self._envelope(kinds, distance_m)
        if g.is_empty:
            return np.zeros(len(x), bool)
        return np.asarray(shapely.contains_xy(g, x, y), bool)

    def centres_within(self, x: F64, y: F64, kinds: tuple[str, ...], distance_m: float) -> npt.NDArray[np.bool_]:
        """Per point: within distance_m of the centre (centroid) of any area of these kinds."""
        c = self._centres.get(kinds)
        if c is None:   # the centroids of these kinds' areas, computed once (shapely per call is slow)
            cs = [(z.area.centroid.x, z.area.centroid.y) for z in self.zones if z.kind in kinds and z.area is not None]
            c = self._centres[kinds] = np.asarray(cs, dtype=np.float64).reshape(len(cs), 2)
        if not len(c) or len(x) == 0:
            return np.zeros(len(x), bool)
        d2 = np.min((x[:, None] - c[None, :, 0]) ** 2 + (y[:, None] - c[None, :, 1]) ** 2, axis=1)
        return d2 <= distance_m ** 2

    def nearest_area(self, x: F64, y: F64, kinds: tuple[str, ...], max_m: float) -> tuple[I64, F64]:
        """Per point: the nearest area of these kinds within max_m (-1 / inf when none)."""
        return nearest_of(len(x), *self.near(x, y, kinds, max_m))

    # ---- border ------------------------------------------------------------------------------------
    def border_side(self, x: F64, y: F64, band_m: float) -> tuple[I64, I64, F64]:
        """Per point: (border feature index or -1, side +1 inside / -1 outside / 0 unknown, distance to the line).

        Side is taken against the nearest segment of the nearest chain of features (`border_chains`: a joint
        between two features is no end); points farther than band_m from every border, or beyond a chain's
        ends, have side 0. The sides of features of one chain are one domestic side."""
        n = len(x)
        which = np.full(n, -1, np.int64)
        side = np.zeros(n, np.int64)
        dist = np.full(n, np.inf)
        if not self.borders or n == 0:
            return which, side, dist
        for ch in self.chains:
            c = ch.coords
            x0, y0 = c[:, 0].min() - band_m, c[:, 1].min() - band_m
            x1, y1 = c[:, 0].max() + band_m, c[:, 1].max() + band_m
            rows = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            for a in range(0, len(rows), BORDER_CHUNK):
                r = rows[a:a + BORDER_CHUNK]
                d, s_along, cross, length, seg = _to_polyline(c, x[r], y[r])
                # projected onto an end (within rounding): beyond the line, no side (a ring has no end)
                beyond = ((s_along <= END_TOL_M) | (s_along >= length - END_TOL_M)) & (not ch.closed)
                take = (d < dist[r]) & (d <= band_m) & ~beyond
                which[r[take]] = ch.features[seg[take]]
                side[r[take]] = np.sign(cross[take]).astype(np.int64)
                dist[r[take]] = d[take]
        return which, side, dist

    def crosses_border(self, b: int, x0: F64, y0: F64, x1: F64, y1: F64) -> tuple[npt.NDArray[np.bool_], F64,
                                                                                  F64, F64, I64]:
        """Does each move (x0,y0)->(x1,y1) cut the chain of border feature b? Also the fraction along the move,
        the point, and the feature cut there (the first cut along the move)."""
        ch = int(self.chain_of[b])
        line = self._chain_lines[ch]
        moves = shapely.linestrings(np.stack([np.column_stack([x0, x1]), np.column_stack([y0, y1])], axis=-1))
        hit = shapely.intersects(moves, line)
        frac = np.full(len(x0), np.nan)
        cx, cy = np.full(len(x0), np.nan), np.full(len(x0), np.nan)
        feature = np.full(len(x0), b, np.int64)
        for i in np.flatnonzero(hit):
            pts = shapely.get_coordinates(shapely.intersection(moves[i], line))
            if len(pts) == 0:
                continue
            d = np.hypot(pts[:, 0] - x0[i], pts[:, 1] - y0[i])
            j = int(np.argmin(d))
            cx[i], cy[i] = pts[j, 0], pts[j, 1]
            length = float(np.hypot(x1[i] - x0[i], y1[i] - y0[i]))
            frac[i] = float(d[j]) / length if length > 0 else 0.0
            seg = _to_polyline(self.chains[ch].coords, cx[i:i + 1], cy[i:i + 1])[4]
            feature[i] = int(self.chains[ch].features[seg[0]])
        return hit, frac, cx, cy, feature

    # ---- coast -------------------------------------------------------------------------------------
    def coast_within(self, x: F64, y: F64, distance_m: float) -> npt.NDArray[np.bool_]:
        """Per point: within distance_m of the shoreline (a prepared buffer of the coast, cached) or landward of it
        (inside a land polygon: a berth up a river or canal is at the coast however far the beach is)."""
        if self._coast_tree is None or len(x) == 0:
            return np.zeros(len(x), bool)
        if self._land is not None:
            return self._near_shore(x, y, distance_m) | self.on_land(x, y)
        return self._near_shore(x, y, distance_m)

    def _near_shore(self, x: F64, y: F64, distance_m: float) -> npt.NDArray[np.bool_]:
        key = (("coast",), round(distance_m, 3))
        g = self._envelopes.get(key)
        if g is None:  # simplified (tolerance 5 %) and grown by the tolerance: a slight over-approximation
            tol = 0.05 * distance_m
            g = shapely.union_all(shapely.buffer(shapely.simplify(self._coast, tol), distance_m + tol,
                                                 quad_segs=2))
            shapely.prepare(g)
            self._envelopes[key] = g
        return np.asarray(shapely.contains_xy(g, x, y), bool)

    def on_land(self, x: F64, y: F64) -> npt.NDArray[np.bool_]:
        """Per point: inside a `coast` land Polygon (landward of the shoreline: rivers, canals and marinas
        behind the beach count as land here). A coast given only as a line has no landward side: all False."""
        if self._land is None or len(x) == 0:
            return np.zeros(len(x), bool)
        return np.asarray(shapely.contains_xy(self._land, x, y), bool)

    def coast_distance(self, x: F64, y: F64, max_m: float) -> F64:
        """Per point: distance to the shoreline (inf beyond max_m or without a coast)."""
        out = np.full(len(x), np.inf)
        if self._coast_tree is None or len(x) == 0:
            return out
        sel = np.flatnonzero(self._near_shore(x, y, max_m))
        if len(sel) == 0:
            return out
        pts = shapely.points(x[sel], y[sel])
        pairs = self._coast_tree.query(pts, predicate="dwithin", distance=max_m)
        if pairs.shape[1]:
            d = shapely.distance(pts[pairs[0]], self._coast[pairs[1]])
            np.minimum.at(out, sel[pairs[0]], d)
        return out

    def coast_ray(self, x: F64, y: F64, cog_deg: F64, length_m: F64) -> tuple[F64, F64, F64]:
        """Cast a ray from each point along its course: (distance to the first shore hit or NaN, hit x, y)."""
        n = len(x)
        dist = np.full(n, np.nan)
        hx, hy = np.full(n, np.nan), np.full(n, np.nan)
        if self._coast_tree is None or n == 0:
            return dist, hx, hy
        a = np.radians(cog_deg)
        ex, ey = x + np.sin(a) * length_m, y + np.cos(a) * length_m
        rays = shapely.linestrings(np.stack([np.column_stack([x, ex]), np.column_stack([y, ey])], axis=-1))
        pairs = self._coast_tree.query(rays, predicate="intersects")
        if pairs.shape[1] == 0:
            return dist, hx, hy
        inter = shapely.intersection(rays[pairs[0]], self._coast[pairs[1]])
        for k, g in zip(pairs[0], inter):
            pts = shapely.get_coordinates(g)
            if len(pts) == 0:
                continue
            d = np.hypot(pts[:, 0] - x[k], pts[:, 1] - y[k])
            j = int(np.argmin(d))
            if np.isnan(dist[k]) or d[j] < dist[k]:
                dist[k], hx[k], hy[k] = d[j], pts[j, 0], pts[j, 1]
        return dist, hx, hy


def nearest_of(n: int, p: I64, z: I64, d: F64) -> tuple[I64, F64]:
    """Of (point, zone, distance) pairs (`ZoneIndex.near`), each of n points' nearest zone and its distance
    (-1 / inf when it has none)."""
    zone = np.full(n, -1, np.int64)
    dist = np.full(n, np.inf)
    if len(p):
        order = np.lexsort((d, p))
        p, z, d = p[order], z[order], d[order]
        first = np.concatenate([[True], p[1:] != p[:-1]])
        zone[p[first]] = z[first]
        dist[p[first]] = d[first]
    return zone, dist

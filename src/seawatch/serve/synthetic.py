"""A small generated contact stream for the console's tests, benchmark and a stand-alone look at it.

`SyntheticFeed(n)` places n vessels on the site's sea (fused, AIS-only and dark radar-only contacts with
plausible identities), moves them in straight lines and hands out `ContactBatch` updates and alerts in
DESIGN's Alerts JSONL shape. This is not the simulator (seawatch.sim): no sensors, no physics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import iso_utc

SEA = Path(__file__).parent.parent / "sites" / "caspian" / "sea.geojson"
NAMES = ("ASTARA", "KHAZAR", "ABSHERON", "SHIRVAN", "GILAN", "MUGAN", "NEFTCHI", "GUBA", "LANKARAN", "TALYSH")


class SyntheticFeed:
    def __init__(self, n: int, t0: float, seed: int = 7, bbox: tuple[float, float, float, float] = (
            48.9, 38.6, 51.4, 41.0)) -> None:
        from shapely import contains_xy
        from shapely.geometry import shape

        rng = np.random.default_rng(seed)
        sea = shape(json.loads(SEA.read_text(encoding="utf-8"))["features"][0]["geometry"])
        lon: list[float] = []
        lat: list[float] = []
        while len(lon) < n:
            x = rng.uniform(bbox[0], bbox[2], 4 * n)
            y = rng.uniform(bbox[1], bbox[3], 4 * n)
            ok = contains_xy(sea, x, y)
            lon.extend(x[ok].tolist())
            lat.extend(y[ok].tolist())
        self.n, self.t = n, t0
        self.lat, self.lon = np.array(lat[:n]), np.array(lon[:n])
        self.sog_mps = rng.uniform(0.5, 9.0, n)
        self.cog_deg = rng.uniform(0, 360, n)
        self.kind = rng.choice([ContactKind.FUSED, ContactKind.AIS_ONLY, ContactKind.RADAR_ONLY], n,
                               p=[0.6, 0.28, 0.12]).astype("u1")
        dark = self.kind == ContactKind.RADAR_ONLY
        mids = rng.choice([423, 422, 273, 436, 434, 351, 636], n, p=[0.5, 0.12, 0.12, 0.08, 0.08, 0.05, 0.05])
        self.mmsi = np.where(dark, -1, mids * 1_000_000 + rng.integers(100_000, 999_999, n))
        self.imo = np.where(dark | (rng.random(n) < 0.4), -1, rng.integers(9_000_000, 9_999_999, n))
        self.name = np.array([None if d else f"{NAMES[i % len(NAMES)]} {i}" for i, d in enumerate(dark)],
                             dtype=object)
        self.callsign = np.array([None if d else f"4J{i:04d}" for i, d in enumerate(dark)], dtype=object)
        self.ship_type = np.where(dark, -1, rng.choice([30, 52, 60, 70, 80], n))
        self.length_m = np.where(dark, np.nan, rng.uniform(12, 180, n))
        self.ids = np.arange(1, n + 1, dtype="i8")
        self._sensors = np.empty(n, dtype=object)
        for i, k in enumerate(self.kind):
            self._sensors[i] = {ContactKind.FUSED: ("radar-shikhov", "ais-baku"),
                                ContactKind.AIS_ONLY: ("ais-baku",)}.get(ContactKind(k), ("radar-shikhov",))

    def step(self, dt_s: float = 1.0) -> ContactBatch:
        """Advance every vessel by dt_s and return one update per vessel."""
        self.t += dt_s
        d_m = self.sog_mps * dt_s
        rad = np.radians(self.cog_deg)
        self.lat = self.lat + d_m * np.cos(rad) / 111_320.0
        self.lon = self.lon + d_m * np.sin(rad) / (111_320.0 * np.cos(np.radians(self.lat)))
        return ContactBatch({
            "contact_id": self.ids, "t": np.full(self.n, self.t), "kind": self.kind,
            "status": np.full(self.n, TrackStatus.CONFIRMED, dtype="u1"), "lat": self.lat, "lon": self.lon,
            "sog_mps": self.sog_mps, "cog_deg": self.cog_deg, "heading_deg": self.cog_deg,
            "mmsi": self.mmsi, "imo": self.imo, "name": self.name, "callsign": self.callsign,
            "ship_type": self.ship_type, "length_m": self.length_m,
            "sensors": self._sensors,
        })

    def alert(self, index: int, type_: str, severity: str, start: float | None = None,
              end: float | None = None) -> dict[str, Any]:
        """An alert on vessel `index`, in the Alerts JSONL shape."""
        mmsi = int(self.mmsi[index])
        return {
            "id": f"{type_}-{int(self.ids[index])}", "type": type_, "severity": severity,
            "start": iso_utc(start if start is not None else self.t), "end": None if end is None else iso_utc(end),
            "lat": float(self.lat[index]), "lon": float(self.lon[index]), "track_ids": [int(self.ids[index])],
            "mmsi": [] if mmsi < 0 else [mmsi], "zone": None, "score": {"critical": 0.9, "high": 0.7}.get(severity, 0.3),
            "summary": f"{type_.replace('_', ' ')} by contact {int(self.ids[index])}",
            "evidence": {"sog_mps": float(self.sog_mps[index])},
        }

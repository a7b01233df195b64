"""Rebuilds zones.geojson of the built-in Caspian site (run from the repo root:
`python src/seawatch/sites/caspian/make_zones.py`). Kept so that every zone's origin is reproducible;
the sources of each coordinate are in ATTRIBUTION.md and CASPIAN_FACTS.md."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from shapely.geometry import LineString, MultiLineString, box, mapping

from seawatch.sim.geometry import Sea, polar_to_latlon
from seawatch.sim.identity import field_fleet
from seawatch.sim.lanes import ANCHORAGES, PORTS, berth

HERE = Path(__file__).resolve().parent
COAST_BBOX = (48.6, 37.9, 51.6, 41.95)  # lon_min, lat_min, lon_max, lat_max: the Azerbaijani sector

# (id, name, lat, lon, approximate?) — see ATTRIBUTION.md: only the field reference points are sourced
PLATFORMS = (
    ("neft-daslari", "Neft Daşları (Oil Rocks)", 40.23611, 50.85833, False),
    ("acg-chirag-1", "ACG Chirag-1", 40.2197, 51.0977, True),
    ("acg-west-chirag", "ACG West Chirag", 40.2380, 51.0550, True),
    ("acg-dwg", "ACG Deepwater Gunashli", 40.1700, 50.9600, True),
    ("acg-west-azeri", "ACG West Azeri", 40.1550, 51.1200, True),
    ("acg-central-azeri", "ACG Central Azeri", 40.1300, 51.1700, True),
    ("acg-east-azeri", "ACG East Azeri", 40.1000, 51.2400, True),
    ("sd-alpha", "Shah Deniz Alpha", 39.9370, 50.3770, True),
    ("sd-bravo", "Shah Deniz Bravo", 39.9050, 50.4300, True),
)

PIPELINES = (
    ("pl-acg-sangachal", "ACG–Sangachal export pipelines (oil 30\", gas 28\") — schematic corridor",
     [(40.1300, 51.1700), (40.1000, 50.6000), (40.0800, 50.0000), (40.1750, 49.5100)]),
    ("pl-sd-sangachal", "Shah Deniz–Sangachal subsea lines — schematic corridor",
     [(39.9370, 50.3770), (40.0300, 49.9000), (40.1700, 49.5100)]),
    ("pl-nd-sangachal", "Neft Daşları–Dubendi/Sangachal oil line — schematic corridor",
     [(40.23611, 50.85833), (40.1600, 50.4000), (40.1000, 50.0500), (40.1750, 49.5150)]),
)

BORDER_MOUTH = (38.44222, 48.88111)  # Astarachay mouth, CASPIAN_FACTS.md
BORDER_END_LON = 50.2


def _circle(lat: float, lon: float, radius_m: float, n: int = 32) -> list[list[float]]:
    b = np.linspace(0.0, 360.0, n, endpoint=False)
    la, lo = polar_to_latlon(lat, lon, np.full(n, radius_m), b)
    ring = [[round(float(x), 5), round(float(y), 5)] for x, y in zip(lo, la)]
    return ring + [ring[0]]


def _feature(props: dict[str, object], geom: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": geom}


def build() -> dict[str, object]:
    sea = Sea.from_geojson()
    feats: list[dict[str, object]] = []
    authorised = sorted(v.mmsi for v in field_fleet())
    for pid, name, lat, lon, approx in PLATFORMS:
        props: dict[str, object] = {"id": pid, "name": name, "kind": "platform", "radius_m": 500,
                                    "authorized_mmsi": authorised}
        if approx:
            props["position_note"] = "approximate: laid out around the sourced field reference point"
        feats.append(_feature(props, {"type": "Point", "coordinates": [lon, lat]}))
    for pid, name, pts in PIPELINES:
        feats.append(_feature({"id": pid, "name": name, "kind": "pipeline", "buffer_m": 500,
                               "authorized_mmsi": authorised},
                              {"type": "LineString", "coordinates": [[lo, la] for la, lo in pts]}))
    feats.append(_feature(
        {"id": "border-az-ir", "name": "Azerbaijan–Iran maritime boundary (simplified: the parallel of the "
         "Astarachay mouth; the Caspian boundary is not agreed)", "kind": "border", "inside": "left"},
        {"type": "LineString", "coordinates": [[BORDER_MOUTH[1], BORDER_MOUTH[0]],
                                               [BORDER_END_LON, BORDER_MOUTH[0]]]}))
    for port in PORTS:
        bl, bo = berth(sea, port)
        feats.append(_feature({"id": port.id, "name": port.name, "kind": "port", "radius_m": 2500,
                               "country": port.country},
                              {"type": "Polygon", "coordinates": [_circle(bl, bo, 2500.0)]}))
    for aid, (name, lat, lon, radius) in ANCHORAGES.items():
        feats.append(_feature({"id": aid, "name": name, "kind": "anchorage", "radius_m": radius},
                              {"type": "Polygon", "coordinates": [_circle(lat, lon, radius)]}))
    coast = sea.polygon.boundary.intersection(box(*COAST_BBOX))
    lines = list(coast.geoms) if isinstance(coast, MultiLineString) else [coast]
    k = 0
    for line in lines:
        if not isinstance(line, LineString) or line.length < 0.01:
            continue
        k += 1
        feats.append(_feature({"id": f"coast-{k}", "name": "shoreline (OSM, ODbL)", "kind": "coast"},
                              mapping(line.simplify(0.0005))))
    return {"type": "FeatureCollection", "features": feats}


if __name__ == "__main__":
    out = HERE / "zones.geojson"
    out.write_text(json.dumps(build(), separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")

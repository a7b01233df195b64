"""The Caspian world: the site file, zones, lanes and every simulated position at sea."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from shapely.geometry import Point
from sim_helpers import read_truth, run

from seawatch.config import load_site
from seawatch.geo.frames import inverse
from seawatch.sim.geometry import SITE_DIR, Sea, polar_to_latlon, range_bearing
from seawatch.sim.lanes import ALL_NODES, EDGES, HARBOUR_EDGES, NODES, PORTS, LaneGraph, berth


def test_the_builtin_site_file_validates_and_has_five_radars_and_base_stations() -> None:
    site = load_site(SITE_DIR / "site.toml")
    assert {r.id for r in site.radars} >= {"radar-astara", "radar-lankaran", "radar-shikhov",
                                            "radar-neft-daslari", "radar-sangachal"}
    stations = [s for s in site.sensors if s.kind == "ais"]
    assert len(stations) >= 5 and all(s.lat is not None and s.height_m > 0 for s in stations)


def test_radar_and_base_station_sites_are_on_land_near_the_shore() -> None:
    sea = Sea.from_geojson()
    for s in load_site(SITE_DIR / "site.toml").sensors:
        if "platform" in s.name:  # a base station on an offshore platform
            assert sea.is_sea(s.lat, s.lon), s.id
            continue
        assert not sea.is_sea(s.lat, s.lon), s.id
        assert sea.polygon.exterior.distance(Point(s.lon, s.lat)) < 0.05 or \
            min(h.distance(Point(s.lon, s.lat)) for h in sea.polygon.interiors) < 0.05, s.id


def test_zones_follow_the_design_contract() -> None:
    zones = json.loads((SITE_DIR / "zones.geojson").read_text())["features"]
    kinds = {f["properties"]["kind"] for f in zones}
    assert kinds == {"platform", "pipeline", "border", "port", "anchorage", "coast"}
    for f in zones:
        p, g = f["properties"], f["geometry"]
        assert p["id"] and p["name"]
        if p["kind"] == "platform":
            assert g["type"] == "Point" and p["radius_m"] == 500 and p["authorized_mmsi"]
        if p["kind"] == "pipeline":
            assert g["type"] == "LineString" and p["buffer_m"] > 0
    border = next(f for f in zones if f["properties"]["kind"] == "border")
    (lon0, lat0), (lon1, _) = border["geometry"]["coordinates"][0], border["geometry"]["coordinates"][-1]
    # starts at the Astarachay mouth (CASPIAN_FACTS.md) and runs seaward (east); Azerbaijan (north) is on the left
    assert abs(lat0 - 38.44222) < 1e-4 and abs(lon0 - 48.88111) < 1e-4 and lon1 > lon0 + 1
    assert border["properties"]["inside"] == "left"
    ids = [f["properties"]["id"] for f in zones]
    assert len(ids) == len(set(ids))


def test_the_packaged_geometry_is_small() -> None:
    size = sum(p.stat().st_size for p in Path(SITE_DIR).iterdir() if p.is_file())
    assert size < 300_000


def test_lane_nodes_and_legs_keep_clear_of_the_shore() -> None:
    sea = Sea.from_geojson()
    clear = sea.shrunk(1500.0)
    for name, (lat, lon) in NODES.items():
        assert clear.contains(Point(lon, lat)), name
    for a, b in EDGES:
        assert sea.segment_at_sea(*ALL_NODES[a], *ALL_NODES[b], 1500.0), (a, b)
    for a, b in HARBOUR_EDGES:
        assert sea.segment_at_sea(*ALL_NODES[a], *ALL_NODES[b], 30.0), (a, b)


def test_every_port_berth_is_at_sea_and_reaches_its_lane_node() -> None:
    sea = Sea.from_geojson()
    graph = LaneGraph()
    for port in PORTS:
        bl, bo = berth(sea, port)
        assert sea.is_sea(bl, bo)
        assert sea.segment_at_sea(bl, bo, *ALL_NODES[port.node], 100.0), port.id
        assert graph.route(port.node, "alat_app")[-1] == "alat_app"


def test_flat_earth_range_and_bearing_agree_with_the_geodesic_within_a_few_metres() -> None:
    rng = np.random.default_rng(0)
    r = rng.uniform(1000, 48000, 500)
    b = rng.uniform(0, 360, 500)
    lat, lon = polar_to_latlon(40.3, 49.8, r, b)
    d_geo, b_geo = inverse(40.3, 49.8, lat, lon)
    d_flat, b_flat = range_bearing(40.3, 49.8, lat, lon)
    assert np.max(np.abs(d_flat - d_geo)) < 5.0
    assert np.max(np.abs((b_flat - b_geo + 180) % 360 - 180)) < 0.005


def test_no_vessel_of_a_full_traffic_day_is_ever_on_land(tmp_path: Path) -> None:
    run("caspian-day", tmp_path, duration_s=1800.0)
    t = read_truth(tmp_path)
    assert len(np.unique(t["vessel_id"])) >= 300
    sea = Sea.from_geojson()
    assert sea.is_sea(t["lat"], t["lon"]).all()

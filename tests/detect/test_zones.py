"""Zones from the Caspian site's GeoJSON: areas, the border's sides and crossings, the coast."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from detect_helpers import FUSED, border_line, border_site, caspian, coastal_site, end_of, leg, of_type, run

from seawatch.detect.engine import DetectionEngine
from seawatch.detect.zones import ZoneIndex
from seawatch.geo import site_frame
from seawatch.model.units import KN_TO_MPS


def index() -> tuple[ZoneIndex, object]:
    site = caspian()
    fr = site_frame(site)
    zp = site.zones_path()
    assert zp is not None
    return ZoneIndex.from_file(zp, fr), fr


def test_a_point_100_m_from_a_platform_is_inside_its_safety_zone_and_one_at_700_m_is_not() -> None:
    z, fr = index()
    # ACG Central Azeri at 40.13 N 51.17 E; 100 m and 700 m north of it
    x, y = fr.to_xy(np.array([40.13 + 100 / 111_000, 40.13 + 700 / 111_000]), np.array([51.17, 51.17]))  # type: ignore[attr-defined]
    p, zi = z.inside(x, y, ("platform",))
    assert list(p) == [0] and z.zones[int(zi[0])].id == "acg-central-azeri"
    _zone, dist = z.nearest_area(x, y, ("platform",), 5000.0)
    assert dist[0] == 0.0 and 150 < dist[1] < 250


def test_the_border_side_is_domestic_north_of_the_astara_parallel_and_foreign_south_of_it() -> None:
    z, fr = index()
    x, y = fr.to_xy(np.array([38.50, 38.40, 38.50]), np.array([49.0, 49.0, 51.0]))  # type: ignore[attr-defined]
    _which, side, _ = z.border_side(x, y, 30_000.0)
    assert list(side[:2]) == [1, -1]
    assert side[2] == 0  # east of the line's end: no side


def test_a_move_across_the_border_is_found_with_the_crossing_point_on_the_line() -> None:
    z, fr = index()
    x0, y0 = fr.to_xy(np.array([38.40, 38.50]), np.array([49.0, 49.0]))  # type: ignore[attr-defined]
    x1, y1 = fr.to_xy(np.array([38.50, 38.52]), np.array([49.0, 49.0]))  # type: ignore[attr-defined]
    hit, frac, cx, cy, cut = z.crosses_border(0, x0, y0, x1, y1)
    assert list(hit) == [True, False] and cut[0] == 0
    lat, _ = fr.to_latlon(cx[0], cy[0])  # type: ignore[attr-defined]
    assert abs(float(lat) - 38.44222) < 1e-3 and 0.3 < frac[0] < 0.5


def test_a_ray_toward_the_lankaran_coast_hits_the_shore_and_one_out_to_sea_does_not() -> None:
    z, fr = index()
    x, y = fr.to_xy(np.array([38.66, 38.66]), np.array([49.00, 49.00]))  # type: ignore[attr-defined]
    dist, _, _ = z.coast_ray(x, y, np.array([270.0, 90.0]), np.array([30_000.0, 30_000.0]))
    assert 5_000 < dist[0] < 20_000 and np.isnan(dist[1])
    assert z.coast_distance(x[:1], y[:1], 30_000.0)[0] <= dist[0]


def test_ports_and_anchorages_are_found_with_a_margin() -> None:
    z, fr = index()
    x, y = fr.to_xy(np.array([40.27, 39.50]), np.array([49.93, 50.50]))  # type: ignore[attr-defined]
    near = z.any_within(x, y, ("port", "anchorage"), 500.0)
    assert list(near) == [True, False]


def test_a_point_up_a_river_inside_a_land_polygon_is_at_the_coast_and_one_offshore_is_not(tmp_path: Path) -> None:
    site = coastal_site(tmp_path)
    zp = site.zones_path()
    assert zp is not None
    fr = site_frame(site)
    z = ZoneIndex.from_file(zp, fr)
    # 4.4 km landward of the beach at 48.95 E, 4.4 km seaward of it
    x, y = fr.to_xy(np.array([38.45, 38.45]), np.array([48.90, 49.00]))  # type: ignore[attr-defined]
    assert list(z.on_land(x, y)) == [True, False]
    assert list(z.coast_within(x, y, 2000.0)) == [True, False]
    assert np.isfinite(z.coast_distance(x, y, 5000.0)).tolist() == [True, True]


def test_a_contact_without_a_position_is_in_no_learned_anchorage_and_raises_no_warning() -> None:
    import warnings

    from seawatch.detect.anchorages import LearnedAnchorages

    anchorages = LearnedAnchorages(cell_m=1000.0)
    anchorages.learned.add((0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # casting nan to a cell index warned before
        inside = anchorages.contains(np.array([10.0, np.nan, 5_000.0]), np.array([10.0, 20.0, 5_000.0]))
    assert inside.tolist() == [True, False, False]


def test_a_square_where_three_vessels_stopped_once_is_an_anchorage_for_a_week_not_for_ever() -> None:
    """On a live run of months, a spot where three vessels once stopped must not shield every meeting there for
    good; one stopped at every day stays an anchorage."""
    from types import SimpleNamespace

    from seawatch.detect.anchorages import LearnedAnchorages

    day = 86_400.0
    anchorages = LearnedAnchorages(cell_m=1000.0)
    once, daily = (500.0, 500.0), (20_500.0, 500.0)

    def stops(t: float, where: list[tuple[float, float]], mmsi: list[int]) -> None:
        anchorages.observe(SimpleNamespace(now=t, mmsi=np.array(mmsi), sog_mps=np.zeros(len(mmsi)),
                                           x=np.array([p[0] for p in where]), y=np.array([p[1] for p in where])))

    def learned() -> list[bool]:
        return anchorages.contains(np.array([once[0], daily[0]]), np.array([once[1], daily[1]])).tolist()

    stops(0.0, [once] * 3, [422000001, 422000002, 422000003])
    assert learned() == [True, False]
    for k in range(12):
        stops(k * day + 3600.0, [daily] * 3, [422000010 + k, 422000030 + k, 422000050 + k])
        if k == 6:
            assert learned() == [True, True]   # within the week
    assert learned() == [False, True]


# ---- found by stop 26's review of the zone rules (each failed on the code before) -----------------------------


def _zone(e: DetectionEngine, zid: str) -> Any:
    return next(z for z in e.zones.zones if z.id == zid)   # type: ignore[union-attr]


def test_a_zone_entry_alert_names_the_zone_it_is_about_when_the_vessel_passes_to_the_next_platform() -> None:
    e = DetectionEngine(caspian(), rules=("zone_entry",))
    a_, b_ = _zone(e, "acg-west-chirag").geom, _zone(e, "acg-chirag-1").geom
    dx, dy = b_.x - a_.x, b_.y - a_.y
    cog, dur = math.degrees(math.atan2(dx, dy)) % 360, math.hypot(dx, dy) / (30 * KN_TO_MPS)
    lat, lon = e.frame.to_latlon(a_.x, a_.y)
    a = leg(70, (float(lat), float(lon)), duration_s=300, speed_kn=0.0, cog_deg=cog, kind=FUSED, mmsi=422000070)
    b = leg(70, end_of(a), t0=310, duration_s=dur, speed_kn=30, cog_deg=cog, kind=FUSED, mmsi=422000070)
    c = leg(70, end_of(b), t0=320 + dur, duration_s=600, speed_kn=0.0, cog_deg=cog, kind=FUSED, mmsi=422000070)
    run(e, a, b, c)
    assert [al["zone"] for al in of_type(e, "zone_entry") if "Chirag-1" in al["summary"]] == ["acg-chirag-1"]


def test_a_crew_boat_on_its_round_of_two_platforms_is_one_alert_whose_evidence_and_summary_are_the_second_ones() -> None:
    """As PATRICK's round of the San Pedro Bay platforms (stop 43): stopped at one platform's centre, across to the
    next (its alert closes and re-opens within the merge gap: one alert), stopped 300-400 m from that one's centre,
    then away at 3 kn. The alert names the second platform: its closest approach is to that one (not the first
    one's 0 m), and its last update, ~520 m out in the 50 m exit margin, is not "inside" the 500 m zone."""
    e = DetectionEngine(caspian(), rules=("zone_entry",))
    a_, b_ = _zone(e, "acg-west-chirag").geom, _zone(e, "acg-chirag-1").geom
    dx, dy = b_.x - a_.x, b_.y - a_.y
    cog, gap_m = math.degrees(math.atan2(dx, dy)) % 360, math.hypot(dx, dy)
    dur = (gap_m - 300.0) / (20 * KN_TO_MPS)
    lat, lon = e.frame.to_latlon(a_.x, a_.y)
    a = leg(71, (float(lat), float(lon)), duration_s=300, speed_kn=0.0, cog_deg=cog, kind=FUSED, mmsi=422000071)
    b = leg(71, end_of(a), t0=310, duration_s=dur, speed_kn=20, cog_deg=cog, kind=FUSED, mmsi=422000071)
    c = leg(71, end_of(b), t0=320 + dur, duration_s=600, speed_kn=0.0, cog_deg=cog, kind=FUSED, mmsi=422000071)
    d = leg(71, end_of(c), t0=930 + dur, duration_s=600, speed_kn=3.0, cog_deg=cog + 90, kind=FUSED, mmsi=422000071)
    run(e, a, b, c, d)
    stop_m = math.hypot(*(np.array(e.frame.to_xy(*end_of(c))) - (b_.x, b_.y)))
    assert 300.0 <= stop_m < 420.0   # (b's last row is up to 10 s short of its end)
    alerts = of_type(e, "zone_entry")
    assert len(alerts) == 1 and alerts[0]["zone"] == "acg-chirag-1" and alerts[0]["end"] is not None
    ev = alerts[0]["evidence"]
    assert ev["closest_m"] == pytest.approx(stop_m, abs=1.0)
    assert ev["radius_m"] < ev["distance_m"] <= ev["radius_m"] + 50.0
    assert "inside" not in alerts[0]["summary"] and "ACG Chirag-1" in alerts[0]["summary"]


def test_the_closest_approach_is_a_number_once_a_pipeline_alert_moves_into_a_platform_zone() -> None:
    """A pipeline has no centre distance (NaN): the running minimum stuck at NaN for good."""
    e = DetectionEngine(caspian(), rules=("zone_entry",))
    c = _zone(e, "acg-central-azeri").geom
    lat, lon = e.frame.to_latlon(c.x - 900.0, c.y)
    a = leg(60, (float(lat), float(lon)), duration_s=900, speed_kn=0.0, cog_deg=90)
    b = leg(60, end_of(a), t0=910, duration_s=900, speed_kn=1.2, cog_deg=90)
    run(e, a, b, leg(60, end_of(b), t0=1820, duration_s=900, speed_kn=0.0, cog_deg=90))
    ev = of_type(e, "zone_entry")[0]["evidence"]
    assert ev["zone_kind"] == "platform" and ev["closest_m"] is not None


def test_a_dark_boat_stopped_on_a_pipeline_with_a_jittering_track_is_slow() -> None:
    """Its filtered speed reads 2-4 kn, its position goes nowhere (made good ~0): slow, as loitering judges."""
    e = DetectionEngine(caspian(), rules=("zone_entry",))
    p = shapely.line_interpolate_point(_zone(e, "pl-acg-sangachal").geom, 0.45, normalized=True)
    rng = np.random.default_rng(7)
    n = 241
    lat, lon = e.frame.to_latlon(p.x + rng.normal(0, 15, n), p.y + rng.normal(0, 15, n))
    jit = leg(500, (40.0, 50.0), duration_s=2400, speed_kn=0, cog_deg=0)
    jit.update(lat=lat, lon=lon, sog_mps=rng.uniform(2, 4, n) * KN_TO_MPS, cog_deg=rng.uniform(0, 360, n))
    run(e, jit)
    assert len(of_type(e, "zone_entry")) == 1


def test_a_dark_echo_lying_with_two_identified_boats_moored_on_a_pipeline_is_theirs_but_a_lone_one_is_raised() -> None:
    """Held-out caspian-day 99: two class B boats (12 m, at rest: a report every 3 min) moored together on the
    ACG-Sangachal corridor, each fused with a radar track of its own, and a third, dark track 50 m off them: the
    radar's view of the pair. It was raised as a dark boat stopped on the pipeline; dark_target already judged it
    one of the moored cluster. Alone, the same dark track is raised."""
    def alerts(with_boats: bool) -> list[dict[str, Any]]:
        e = DetectionEngine(caspian(), rules=("zone_entry",))
        p = shapely.line_interpolate_point(_zone(e, "pl-acg-sangachal").geom, 0.45, normalized=True)
        at = [tuple(float(v) for v in e.frame.to_latlon(p.x + dx, p.y)) for dx in (-25.0, 0.0, 25.0)]
        echo = leg(5, at[1], duration_s=1500, speed_kn=0, cog_deg=0, radar_track_id=5)
        boats = [leg(10_423_000_000 + k, at[2 * k], duration_s=1500, speed_kn=0, cog_deg=0, kind=FUSED,
                     mmsi=423_000_000 + k, length_m=12.0, radar_track_id=4 + 2 * k) for k in (0, 1)]
        run(e, echo, *(boats if with_boats else []))
        return of_type(e, "zone_entry")
    assert alerts(with_boats=True) == []
    assert [a["track_ids"] for a in alerts(with_boats=False)] == [[5]]


def test_a_ship_of_unknown_speed_sailing_along_a_pipeline_is_not_taken_for_a_stopped_one() -> None:
    e = DetectionEngine(caspian(), rules=("zone_entry",))
    a, b = np.array(e.frame.to_xy(40.1, 50.6)), np.array(e.frame.to_xy(40.08, 50.0))
    cog = math.degrees(math.atan2(*(b - a))) % 360
    lat, lon = e.frame.to_latlon(*(a + (b - a) * 0.2))
    ship = leg(601, (float(lat), float(lon)), duration_s=1500, speed_kn=8, cog_deg=cog, kind=FUSED, mmsi=422000601,
               length_m=120.0)
    ship["sog_mps"][:] = np.nan
    run(e, ship)
    assert of_type(e, "zone_entry") == []


def test_zone_loiter_holds_through_a_few_fixes_just_beyond_its_distance() -> None:
    """Stopped ~2,970 m from the platform zone, 8 of 361 fixes just over 3 km: one alert (it stays to 3.5 km)."""
    e = DetectionEngine(caspian(), rules=("zone_loiter",))
    c = _zone(e, "acg-central-azeri").geom
    rng = np.random.default_rng(1)
    n = 361
    lat, lon = e.frame.to_latlon(c.x + rng.normal(0, 15, n), c.y + 3470 + rng.normal(0, 15, n))
    lg = leg(80, (40.13, 51.17), duration_s=3600, speed_kn=0.5, cog_deg=0, kind=FUSED, mmsi=422000080)
    lg.update(lat=lat, lon=lon)
    run(e, lg)
    assert len(of_type(e, "zone_loiter")) == 1


def test_zone_loiter_measures_from_the_safety_zones_edge_and_zone_entry_from_the_platforms_centre() -> None:
    """A vessel stopped 1,500 m north of a platform whose safety zone is 500 m: 1,000 m outside the zone
    (`zone_loiter`); one stopped 200 m from the platform: 200 m from its centre, inside (`zone_entry`). Each
    summary says which."""
    e = DetectionEngine(caspian(), rules=("zone_entry", "zone_loiter"))
    z = _zone(e, "acg-central-azeri")
    assert z.radius_m == 500.0
    out = e.frame.to_latlon(z.geom.x, z.geom.y + 1_500.0)
    inside = e.frame.to_latlon(z.geom.x, z.geom.y + 200.0)
    run(e, leg(81, (float(out[0]), float(out[1])), duration_s=1800, speed_kn=0.0, cog_deg=0, kind=FUSED,
               mmsi=422000081),
        leg(82, (float(inside[0]), float(inside[1])), duration_s=300, speed_kn=0.0, cog_deg=0, kind=FUSED,
            mmsi=422000082))
    (zl,) = of_type(e, "zone_loiter")
    assert zl["track_ids"] == [81] and "distance_m" not in zl["evidence"]
    assert zl["evidence"]["edge_distance_m"] == pytest.approx(1_000.0, abs=5.0)
    assert zl["evidence"]["closest_edge_m"] <= zl["evidence"]["edge_distance_m"]
    assert "1000 m outside the safety zone of" in zl["summary"]
    (ze,) = of_type(e, "zone_entry")
    assert ze["track_ids"] == [82] and ze["evidence"]["distance_m"] == pytest.approx(200.0, abs=1.0)
    assert "200 m from the platform's centre" in ze["summary"]


def test_a_restricted_area_given_as_a_point_and_radius_says_its_distance_is_to_the_areas_centre(tmp_path: Path) -> None:
    """Found by a review: the summary said "from the platform's centre" for every zone given as a point."""
    site = border_site(tmp_path, [{"type": "Feature", "properties": {"id": "r1", "name": "Firing range",
                                                                      "kind": "restricted", "radius_m": 2000},
                                   "geometry": {"type": "Point", "coordinates": [49.3, 38.5]}}])
    e = DetectionEngine(site, rules=("zone_entry",))
    x, y = e.frame.to_xy(38.5, 49.3)
    start = e.frame.to_latlon(x, y + 800.0)
    run(e, leg(5, (float(start[0]), float(start[1])), duration_s=300, speed_kn=0.0, cog_deg=0, kind=FUSED,
               mmsi=422000005, site=site))
    (a,) = of_type(e, "zone_entry")
    assert "(800 m from the area's centre" in a["summary"] and "platform" not in a["summary"]


def test_an_authorised_standby_vessels_own_radar_track_is_no_unauthorised_dark_intruder() -> None:
    e = DetectionEngine(caspian(), rules=("zone_entry", "zone_loiter"))
    c = _zone(e, "acg-central-azeri")
    allowed = min(c.authorized_mmsi)
    lat, lon = e.frame.to_latlon(c.geom.x, c.geom.y + 200)
    fused = leg(10_000_000_000 + allowed, (float(lat), float(lon)), duration_s=300, speed_kn=0.2, cog_deg=0,
                kind=FUSED, mmsi=allowed, radar_track_id=77)
    run(e, fused, leg(77, end_of(fused), t0=310, duration_s=1800, speed_kn=0.2, cog_deg=0, radar_track_id=77))
    assert of_type(e, "zone_entry") == [] and of_type(e, "zone_loiter") == []


def test_sailing_round_the_end_of_the_border_is_no_crossing(tmp_path: Path) -> None:
    site = border_site(tmp_path, [border_line("border", [[49.0, 38.44222], [50.0, 38.44222]])])
    e = DetectionEngine(site, rules=("border_crossing",))
    a = leg(310, (38.50, 49.15), duration_s=1500, speed_kn=20, cog_deg=270, site=site)   # west past its end
    b = leg(310, end_of(a), t0=1510, duration_s=1200, speed_kn=20, cog_deg=180, site=site)
    c = leg(310, end_of(b), t0=2720, duration_s=1500, speed_kn=20, cog_deg=90, site=site)   # back east, south of it
    run(e, a, b, c)
    assert of_type(e, "border_crossing") == []


def test_a_crossing_at_the_joint_of_two_border_features_is_raised_naming_the_feature_it_cut(tmp_path: Path) -> None:
    """A boundary drawn in two pieces (the second one walked the other way, inside on its right) is one line:
    a boat crossing 50 m from the joint had no side on either piece (beyond the end of each) and was missed."""
    west = border_line("west", [[49.0, 38.44222], [49.5, 38.44222]])
    east = border_line("east", [[50.0, 38.50], [49.5, 38.44222]], inside="right")
    site = border_site(tmp_path, [west, east])
    e = DetectionEngine(site, rules=("border_crossing",))
    z = e.zones
    assert z is not None and len(z.chains) == 1 and list(z.chain_of) == [0, 0]
    lon = 49.5 + 50 / 87_000   # 50 m east of the joint, where the east piece rises north-east
    a = leg(320, (38.50, lon), duration_s=1200, speed_kn=20, cog_deg=180, site=site)
    run(e, a)
    alerts = of_type(e, "border_crossing")
    assert len(alerts) == 1 and alerts[0]["evidence"]["direction"] == "outbound" and alerts[0]["zone"] == "east"
    # a boat crossing the west piece far from the joint is named by that piece
    e2 = DetectionEngine(site, rules=("border_crossing",))
    run(e2, leg(321, (38.40, 49.2), duration_s=1200, speed_kn=20, cog_deg=0, site=site))
    alerts = of_type(e2, "border_crossing")
    assert len(alerts) == 1 and alerts[0]["evidence"]["direction"] == "inbound" and alerts[0]["zone"] == "west"


def test_border_pieces_that_do_not_meet_or_disagree_on_the_inside_stay_apart(tmp_path: Path) -> None:
    a = border_line("a", [[49.0, 38.44222], [49.5, 38.44222]])
    b = border_line("b", [[49.5, 38.44222], [50.0, 38.50]], inside="right")   # meets a, but inside is south
    c = border_line("c", [[50.5, 38.50], [51.0, 38.50]])                     # 40 km from both
    e = DetectionEngine(border_site(tmp_path, [a, b, c]), rules=("border_crossing",))
    assert e.zones is not None and len(e.zones.chains) == 3


def test_the_border_follows_the_parallel_the_site_gives_and_has_no_side_beyond_its_end() -> None:
    """A two-point line on a parallel is straight in lon/lat (RFC 7946): its chord in the local frame strayed 210 m
    north of it; and a point 4 km east of the end was given a side by a rounding of the line's length."""
    e = DetectionEngine(caspian(), rules=("border_crossing",))
    x, y = e.frame.to_xy(np.array([38.44222 + 120 / 111_195, 38.50]), np.array([49.5, 50.25]))
    _, side, _ = e.zones.border_side(x, y, 30_000.0)   # type: ignore[union-attr]
    assert side.tolist() == [1, 0]


def test_near_gives_every_area_within_the_distance_with_geos_distance_to_it() -> None:
    """`near` decides with prepared geometries and measures only the rim; the answer is the plain one: every
    (point, area) pair with shapely's distance <= the margin, with that distance."""
    z, _fr = index()
    kinds = ("platform", "pipeline", "port")
    rng = np.random.default_rng(7)
    areas = [(i, zz.area) for i, zz in enumerate(z.zones) if zz.kind in kinds and zz.area is not None]
    edge = np.concatenate([shapely.get_coordinates(shapely.segmentize(a.exterior, 50.0)) for _, a in areas])
    pts = edge[rng.integers(0, len(edge), 4000)] + rng.normal(0, 120, (4000, 2))
    p, zi, d = z.near(pts[:, 0], pts[:, 1], kinds, 100.0)
    got = {(int(a), int(b)): float(c) for a, b, c in zip(p, zi, d)}
    geoms = shapely.points(pts)
    want = {}
    for i, area in areas:
        dist = shapely.distance(area, geoms)
        for k in np.flatnonzero(dist <= 100.0):
            want[(int(k), i)] = float(dist[k])
    assert len(want) > 1000 and sum(v == 0.0 for v in want.values()) > 300
    assert got.keys() == want.keys()
    assert max(abs(got[k] - want[k]) for k in want) < 1e-6


def test_the_distance_to_the_border_is_geos_distance_to_its_line() -> None:
    z, _fr = index()
    line = z.borders[0].geom
    c = np.asarray(line.coords)
    rng = np.random.default_rng(5)
    pts = c[rng.integers(0, len(c), 3000)] + rng.normal(0, 400, (3000, 2))
    which, side, dist = z.border_side(pts[:, 0], pts[:, 1], 500.0)
    ref = shapely.distance(line, shapely.points(pts))
    seen = which >= 0
    assert seen.sum() > 1000 and (side[seen] != 0).all()
    assert np.allclose(dist[seen], ref[seen], atol=1e-6)
    assert (ref[seen] <= 500.0).all()
    # a point without a side within the band projects onto one of the line's ends
    along = shapely.line_locate_point(line, shapely.points(pts[~seen & (ref <= 500.0)]))
    assert np.all((along < 1e-3) | (along > line.length - 1e-3))


def test_a_border_crossing_opened_and_closed_at_once_has_a_risk_score(tmp_path: Path) -> None:
    """An instant alert (open and closed in one cycle) was exported with score 0.0: only open alerts were
    scored. A dark boat crossing inbound scores at least its own weight (0.5 x high 0.85) and its darkness."""
    site = border_site(tmp_path, [border_line("border", [[49.0, 38.44222], [50.0, 38.44222]])])
    e = DetectionEngine(site, rules=("border_crossing",))
    run(e, leg(330, (38.40, 49.5), duration_s=1200, speed_kn=20, cog_deg=0, site=site))
    (alert,) = of_type(e, "border_crossing")
    assert alert["end"] == alert["start"]
    assert abs(alert["score"] - (1 - (1 - 0.5 * 0.85) * (1 - 0.25))) < 1e-3


def test_an_island_limit_drawn_as_a_ring_of_two_features_has_a_side_all_round_its_closing_joint() -> None:
    """The ring's closing joint was an 'end': outside its corner no point had a side, and a boat crossing there
    was missed."""
    from shapely.geometry import LineString

    from seawatch.detect.zones import Zone

    def border(zid: str, coords: list[tuple[float, float]]) -> Zone:
        return Zone(zid, zid, "border", LineString(coords), None, frozenset(), inside="left")

    ring = ZoneIndex([border("a", [(0, 0), (10_000, 0), (10_000, 10_000)]),
                      border("b", [(10_000, 10_000), (0, 10_000), (0, 0)])])
    assert len(ring.chains) == 1 and ring.chains[0].closed
    corners = np.array([[-1500.0, -1500.0], [-300.0, -3000.0], [11_500.0, -1500.0], [200.0, 500.0]])
    _, side, dist = ring.border_side(corners[:, 0], corners[:, 1], 30_000.0)
    assert side.tolist() == [-1, -1, -1, 1] and np.all(np.isfinite(dist))

"""Zones from the Caspian site's GeoJSON: areas, the border's sides and crossings, the coast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from detect_helpers import caspian, coastal_site

from seawatch.detect.zones import ZoneIndex
from seawatch.geo import site_frame


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
    hit, frac, cx, cy = z.crosses_border(0, x0, y0, x1, y1)
    assert list(hit) == [True, False]
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

    from seawatch.detect.core import LearnedAnchorages

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

    from seawatch.detect.core import LearnedAnchorages

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

"""zone_entry (more in test_rules.py): where harbours do and do not excuse an intrusion."""

from __future__ import annotations

from pathlib import Path

from detect_helpers import (
    FUSED,
    border_site,
    end_of,
    leg,
    of_type,
    run,
)

from seawatch.detect.engine import DetectionEngine


def _square(lon0: float, lat0: float, lon1: float, lat1: float) -> list[list[list[float]]]:
    return [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]


def test_an_intruder_in_a_restricted_area_next_to_a_harbour_is_raised_and_stays_raised(tmp_path: Path) -> None:
    """A naval restricted area (49.291-49.310 E) beside the commercial harbour (49.270-49.291 E). Boat 5 sails in
    from the east and stops 850 m inside the area (800 m from the harbour's edge) for 15 min; boat 6 leaves the
    harbour and stops 500 m inside the area. Both are unauthorised and identified (no dark-track holds)."""
    naval = {"type": "Feature", "properties": {"id": "naval", "name": "Naval base", "kind": "restricted"},
             "geometry": {"type": "Polygon", "coordinates": _square(49.291, 38.60, 49.31, 38.62)}}
    harbour = {"type": "Feature", "properties": {"id": "hbr", "name": "Harbour", "kind": "port"},
               "geometry": {"type": "Polygon", "coordinates": _square(49.27, 38.60, 49.291, 38.62)}}
    site = border_site(tmp_path, [naval, harbour])
    e = DetectionEngine(site, rules=("zone_entry",))
    a = leg(5, (38.61, 49.315), duration_s=250, speed_kn=10, cog_deg=270, kind=FUSED, mmsi=423000005, site=site)
    b = leg(5, end_of(a), t0=260, duration_s=900, speed_kn=0.0, cog_deg=270, kind=FUSED, mmsi=423000005, site=site)
    c = leg(6, (38.605, 49.285), duration_s=200, speed_kn=10, cog_deg=90, kind=FUSED, mmsi=423000006, site=site)
    d = leg(6, end_of(c), t0=210, duration_s=1000, speed_kn=0.0, cog_deg=90, kind=FUSED, mmsi=423000006, site=site)
    run(e, a, b, c, d)
    assert 49.295 < end_of(a)[1] < 49.305 and 49.294 < end_of(c)[1] < 49.3   # both stopped inside the naval area
    alerts = {al["track_ids"][0]: al for al in of_type(e, "zone_entry")}
    assert sorted(alerts) == [5, 6]                                     # boat 6: no alert at all
    assert alerts[5]["end"] is None and alerts[6]["end"] is None        # boat 5: closed at 16:03:40, still inside

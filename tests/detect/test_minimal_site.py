"""The smallest site file of DESIGN.md (one radar, one AIS feed, no zones) runs every rule."""

from __future__ import annotations

from pathlib import Path

from detect_helpers import FUSED, leg, run

from seawatch.config.loader import load_site
from seawatch.detect.engine import DetectionEngine

MINIMAL = """
[site]
name = "Astara approaches"

[[sensors]]
id = "radar-astara"
kind = "radar"
lat = 38.45
lon = 48.90
height_m = 40
range_m = 40000
scan_period_s = 2.5
range_sigma_m = 25
bearing_sigma_deg = 0.3

[[sensors]]
id = "ais"
kind = "ais"
"""


def test_a_site_without_zones_still_raises_the_zone_free_alerts(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text(MINIMAL, encoding="utf-8")
    site = load_site(tmp_path / "site.toml")
    e = DetectionEngine(site)
    assert e.zones is None and len(e.rules) == 10  # all but the watchlist (empty)
    fast_dark = leg(1, (38.60, 49.10), duration_s=600, speed_kn=35, cog_deg=45, site=site)
    ship = leg(2, (38.70, 49.20), duration_s=600, speed_kn=12, cog_deg=0, kind=FUSED, mmsi=423000002, site=site)
    run(e, fast_dark, ship)
    types = sorted({a["type"] for a in e.finish()})
    assert types == ["dark_target", "high_speed"]


def test_an_ais_station_without_a_height_covers_small_craft_over_its_whole_range(tmp_path: Path) -> None:
    # its range is all that is known: no line of sight is made up from a default height
    import numpy as np

    station = '[site]\nname = "box"\n\n[[sensors]]\nid = "ais"\nkind = "ais"\nlat = 25.8\nlon = -79.8\nrange_m = 80000\n'
    covered = {}
    for label, extra in (("no height", ""), ("10 m", "height_m = 10\n")):
        (tmp_path / "site.toml").write_text(station + extra, encoding="utf-8")
        e = DetectionEngine(load_site(tmp_path / "site.toml"), rules=("ais_gap",))
        x, y = e.frame.to_xy(np.array([25.8]), np.array([-79.8 + 0.6]))   # 60 km east of the station
        covered[label] = bool(e.coverage.ais_small_craft(x, y, 3.0, 0.85)[0])
    assert covered == {"no height": True, "10 m": False}   # a 10 m mast hears a 3 m antenna to ~20 km

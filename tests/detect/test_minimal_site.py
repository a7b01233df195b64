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

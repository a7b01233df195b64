"""What the pipeline tests share: a site with one radar and an AIS receiver."""

from __future__ import annotations

from seawatch.config import validate_site_dict

SITE = validate_site_dict({
    "site": {"name": "test", "lat": 38.45, "lon": 48.90},
    "sensors": [
        {"id": "radar-a", "kind": "radar", "lat": 38.45, "lon": 48.90, "height_m": 40, "range_m": 40000,
         "scan_period_s": 2.5, "range_sigma_m": 20, "bearing_sigma_deg": 0.2, "pd": 0.95, "clutter_per_scan": 2},
        {"id": "ais", "kind": "ais"},
    ],
})

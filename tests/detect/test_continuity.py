"""A dark boat whose radar track breaks and is re-born under a new contact id keeps its alerts."""

from __future__ import annotations

import numpy as np
from detect_helpers import caspian, end_of, leg, of_type, run

from seawatch.detect.engine import DetectionEngine
from seawatch.geo import site_frame
from seawatch.model.contact import TrackStatus

OFF_LANKARAN = (38.80, 49.10)
KN = 0.514444


def _lost_at_end(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rows["status"][-1] = int(TrackStatus.LOST)
    return rows


def _ahead(start: tuple[float, float], cog_deg: float, dist_m: float, side_m: float = 0.0) -> tuple[float, float]:
    fr = site_frame(caspian())
    x, y = fr.to_xy(start[0], start[1])
    a = np.radians(cog_deg)
    lat, lon = fr.to_latlon(x + np.sin(a) * dist_m + np.cos(a) * side_m, y + np.cos(a) * dist_m - np.sin(a) * side_m)
    return float(lat), float(lon)


def _runs(side_m: float) -> list[dict]:
    first = _lost_at_end(leg(41, OFF_LANKARAN, t0=600, duration_s=400, speed_kn=30, cog_deg=120))
    # 150 s without a track, then a new one where the boat has got to (or side_m off it)
    reborn = _ahead(end_of(first), 120, 30 * KN * 160, side_m)
    second = leg(42, reborn, t0=1160, duration_s=600, speed_kn=30, cog_deg=120)
    return [first, second]


def test_a_go_fast_whose_track_breaks_and_is_reborn_ahead_keeps_one_high_speed_alert() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, *_runs(side_m=0.0))
    alerts = of_type(e, "high_speed")
    assert len(alerts) == 1
    assert alerts[0]["track_ids"] == [41, 42] and alerts[0]["end"] is None


def test_a_new_dark_contact_far_from_where_the_lost_one_would_be_is_an_alert_of_its_own() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, *_runs(side_m=3000.0))
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41], [42]]

"""border_crossing (more in test_rules.py and test_zones.py): crossings across a track break, near a sharp turn of the line, and in and out again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from detect_helpers import (
    border_line,
    border_site,
    end_of,
    leg,
    of_type,
    run,
)

from seawatch.detect.engine import DetectionEngine
from seawatch.geo import site_frame
from seawatch.model.contact import TrackStatus
from seawatch.model.units import KN_TO_MPS

ASTARA = [[49.0, 38.44222], [50.0, 38.44222]]   # the border: the parallel of the Astarachay mouth


def _astara(tmp_path: Path) -> tuple[DetectionEngine, Any, Callable[[float], tuple[float, float]]]:
    """An engine on a site with the Astara parallel as its border, its site, and the (lat, lon) dy metres north of
    the line at 49.5 E."""
    site = border_site(tmp_path, [border_line("border", ASTARA)])
    e = DetectionEngine(site, rules=("border_crossing",))
    x, y = e.frame.to_xy(38.44222, 49.5)

    def at(dy: float) -> tuple[float, float]:
        lat, lon = e.frame.to_latlon(x, y + dy)
        return float(lat), float(lon)

    return e, site, at


def test_a_dark_boat_crossing_the_border_while_its_radar_track_breaks_is_raised(tmp_path: Path) -> None:
    """A dark boat at 20 kn runs north across the Astara parallel; its track is lost 300 m short of the line and
    a new one is born 60 s later 300 m beyond it (where the boat is): the crossing was never raised."""
    e, site, at = _astara(tmp_path)
    v = 20 * KN_TO_MPS
    a = leg(300, at(-6000), duration_s=5700 / v, speed_kn=20, cog_deg=0, site=site)
    a["status"][-1] = int(TrackStatus.LOST)
    b = leg(301, at(300), t0=float(a["t"][-1] - a["t"][0]) + 60, duration_s=1200, speed_kn=20, cog_deg=0, site=site)
    run(e, a, b)
    crossings = of_type(e, "border_crossing")
    assert len(crossings) == 1 and crossings[0]["evidence"]["direction"] == "inbound"


def test_a_crossing_close_to_a_sharp_turn_of_the_border_is_raised(tmp_path: Path) -> None:
    """The line runs east to a point and turns back north-west (a 135 deg turn): the domestic side is the wedge
    between its legs. A dark boat from the east, 100 m north of the first leg's line, runs west into the wedge
    (crossing the second leg ~140 m from the point) and on 3 km: no crossing was raised. Beyond the point both
    legs are equally near (the point itself), and the first leg's side (north of it: 'domestic') was taken."""
    fr = site_frame(border_site(tmp_path, []))
    vx, vy = fr.to_xy(38.60, 49.50)

    def ll(dx: float, dy: float) -> list[float]:
        lat, lon = fr.to_latlon(vx + dx, vy + dy)
        return [float(lon), float(lat)]

    site = border_site(tmp_path, [border_line("v", [ll(-10_000, 0), ll(0, 0), ll(-10_000, 10_000)])])
    z = DetectionEngine(site, rules=("border_crossing",)).zones
    assert z is not None
    # 1 km east of the point and 300 m north of the first leg's line: outside the wedge, foreign
    _, side, _ = z.border_side(np.array([vx + 1000.0]), np.array([vy + 300.0]), 30_000.0)
    assert side.tolist() == [-1]
    e = DetectionEngine(site, rules=("border_crossing",))
    start = ll(3000, 100)
    run(e, leg(400, (start[1], start[0]), duration_s=6000 / (20 * KN_TO_MPS), speed_kn=20, cog_deg=270, site=site))
    assert [a["evidence"]["direction"] for a in of_type(e, "border_crossing")] == ["inbound"]


def test_a_boat_that_crosses_in_and_back_out_within_five_minutes_says_both(tmp_path: Path) -> None:
    """One alert for crossings within the merge gap is fine, but it read 'crossed border outbound', evidence
    direction 'outbound' only: the incursion into domestic waters vanished from the summary and evidence."""
    site = border_site(tmp_path, [border_line("border", [[49.0, 38.44222], [50.0, 38.44222]])])
    e = DetectionEngine(site, rules=("border_crossing",))
    a = leg(330, (38.41, 49.5), duration_s=700, speed_kn=12, cog_deg=0, site=site)   # in at ~16:09:40
    b = leg(330, end_of(a), t0=710, duration_s=900, speed_kn=12, cog_deg=180, site=site)   # out at ~16:13:50
    run(e, a, b)
    (al,) = of_type(e, "border_crossing")
    assert "inbound" in al["summary"] and "outbound" in al["summary"]


def test_slow_clutter_lost_and_born_again_across_the_line_is_no_crossing(tmp_path: Path) -> None:
    """Sea clutter by the coast at Astara in the storm: a dark track at 3 kn 150 m south of the line is lost, and one
    is born 150 m north of it a minute later (the matrix of stop 34's first fix: 30 crossings in 12 storm runs). Only
    a track that ran like a boat hands its side on."""
    e, site, at = _astara(tmp_path)
    a = leg(500, at(-150), duration_s=300, speed_kn=3, cog_deg=90, site=site)
    a["status"][-1] = int(TrackStatus.LOST)
    ax, ay = e.frame.to_xy(*end_of(a))
    lat, lon = e.frame.to_latlon(ax + 100.0, ay + 300.0)   # where it would be by then, 300 m on: across the line
    b = leg(501, (float(lat), float(lon)), t0=360, duration_s=600, speed_kn=3, cog_deg=90, site=site)
    run(e, a, b)
    assert of_type(e, "border_crossing") == []

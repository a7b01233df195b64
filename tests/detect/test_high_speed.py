"""high_speed (more in test_rules.py): the course it states; the company of a dark boat found through a k-d tree."""

from __future__ import annotations

import numpy as np
from detect_helpers import FUSED, MID_SEA, caspian, leg, of_type, run

from seawatch.detect.engine import DetectionEngine
from seawatch.detect.identity import same_motion
from seawatch.detect.rules.high_speed import HighSpeed


def test_a_go_fast_due_north_a_hair_west_of_it_is_on_course_0_not_360() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, leg(1, MID_SEA, duration_s=400, speed_kn=35, cog_deg=359.7))
    (a,) = of_type(e, "high_speed")
    assert "course 0°" in a["summary"], a["summary"]


def test_the_vessels_in_a_dark_boats_company_are_those_every_pair_judged_would_find() -> None:
    """`_note_company` takes only the pairs within handover_m from a k-d tree (it compared every vessel with every
    dark row each cycle, helper review, stop 35): 150 vessels and 150 dark tracks, a third of the tracks running
    beside a vessel, give the same company times as the pairwise `same_motion` judgement."""
    rng = np.random.default_rng(7)
    e = DetectionEngine(caspian(), rules=("high_speed",))
    legs = []
    for k in range(150):
        start = (38.9 + rng.uniform(0, 0.6), 49.6 + rng.uniform(0, 0.6))
        cog = float(rng.uniform(0, 360))
        legs.append(leg(10_423_000_000 + k, start, duration_s=120, speed_kn=12, cog_deg=cog, kind=FUSED,
                        mmsi=423000000 + k, radar_track_id=100_000 + k, dt=5.0))
        beside = k % 3 == 0
        d_start = (start[0] + (0.003 if beside else rng.uniform(-0.2, 0.2)), start[1] + (0.0 if beside else 0.1))
        legs.append(leg(1 + k, d_start, duration_s=120, speed_kn=12 if beside else float(rng.uniform(5, 20)),
                        cog_deg=cog if beside else float(rng.uniform(0, 360)), radar_track_id=1 + k, dt=5.0))
    run(e, *legs, step_s=5.0)
    rule = e.rules[0]
    assert isinstance(rule, HighSpeed)
    mem = e.memory
    vessels = mem.find(np.array([10_423_000_000 + k for k in range(150)], np.int64))
    dark = mem.find(np.arange(1, 151, dtype=np.int64))
    f = mem.f
    _, ok = same_motion(f["x"][vessels], f["y"][vessels], f["sog_mps"][vessels], f["cog_deg"][vessels],
                        f["x"][dark], f["y"][dark], f["sog_mps"][dark], f["cog_deg"][dark],
                        within_m=rule.p["handover_m"], speed_tol_mps=rule.p["handover_speed_tol_kn"] * 0.514444,
                        course_tol_deg=rule.p["handover_course_tol_deg"])
    expected = ok.any(axis=1)
    found = rule.company_t[vessels] == f["last_t"][vessels]
    assert expected.sum() >= 40
    assert (found == expected).all(), (np.flatnonzero(found != expected))

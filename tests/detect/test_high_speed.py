"""high_speed (more in test_rules.py): the course it states; the company of a dark boat found through a k-d tree."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from detect_helpers import FUSED, MID_SEA, caspian, leg, of_type, run

from seawatch.detect.engine import DetectionEngine
from seawatch.detect.identity import same_motion
from seawatch.detect.rules.high_speed import HighSpeed
from seawatch.model.units import KN_TO_MPS


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


def _lined_up(cid: int, *, score: float, plots_per_cycle: float) -> dict[str, np.ndarray]:
    """A dark track at 32 kn for 5 min, shown every 5 s (two scans of the Caspian radars' 2.5 s)."""
    rows = leg(cid, MID_SEA, duration_s=300, speed_kn=32, cog_deg=90, radar_track_id=cid, dt=5.0)
    n = len(rows["t"])
    rows["track_score"] = np.full(n, score)
    rows["track_plots"] = (3 + np.floor(np.arange(n) * plots_per_cycle)).astype(np.int32)
    return rows


def test_a_storms_clutter_lined_up_into_a_steady_fast_track_is_no_go_fast_until_its_plots_show_a_vessel() -> None:
    """storm seed 17: a plot every ~6 scans, score 5 (never above 13), steady at 31 kn for 2 min. A go-fast far
    out with as few plots but a score of 40 (a calm sea: clutter is sparse around its plots) is one, and so is a
    track without a score seen on most scans (close to a radar)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, _lined_up(1, score=5.0, plots_per_cycle=0.35), _lined_up(2, score=40.0, plots_per_cycle=0.35),
        _lined_up(3, score=np.nan, plots_per_cycle=1.8), _lined_up(4, score=np.nan, plots_per_cycle=0.35),
        step_s=5.0)
    assert sorted(a["track_ids"][0] for a in of_type(e, "high_speed")) == [2, 3]


def test_a_clutter_line_scored_just_past_confirmation_is_no_go_fast_a_runner_seen_as_rarely_is() -> None:
    """held-out storm 103: 8 plots in 4 min on a straight line at 37-41 kn, score 21-23 (past dark_target's bar of 20);
    the runners of seeds 102-113, seen on one scan in five to ten, opened at 44-106."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, _lined_up(1, score=23.0, plots_per_cycle=0.12), _lined_up(2, score=44.0, plots_per_cycle=0.12), step_s=5.0)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[2]]


def test_a_dark_track_from_a_tracker_that_gives_no_plot_count_is_judged_by_its_motion_alone() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    rows = _lined_up(1, score=np.nan, plots_per_cycle=0.0)
    rows["track_plots"][:] = -1
    run(e, rows, step_s=5.0)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[1]]


def _read_fast(cid: int, start: tuple[float, float], *, made_good_kn: float, reads_kn: float,
               sigma_m: float, duration_s: float = 300.0) -> dict[str, np.ndarray]:
    """A dark track for 5 min making good `made_good_kn` while its filter reads `reads_kn`, its position uncertain
    by `sigma_m` (1 sigma, each axis)."""
    rows = leg(cid, start, duration_s=duration_s, speed_kn=made_good_kn, cog_deg=90, dt=5.0)
    n = len(rows["t"])
    rows["sog_mps"] = np.full(n, reads_kn * KN_TO_MPS)
    rows["var_e_m2"] = rows["var_n_m2"] = np.full(n, sigma_m**2)
    return rows


def test_a_track_making_good_25_4_kn_is_no_go_fast_while_its_position_noise_could_make_that_of_a_slower_boat() -> None:
    """held-out seeds 24-29: pleasure boats at 24.6-24.7 kn coming in from beyond AIS reception, their radar
    tracks 30 km out (sigma 54-87 m) reading 26 kn and making good 25.4-25.7 kn over 2 min. The same track known
    to 5 m is one, and so is a 30 kn go-fast known to 80 m, raised as early."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, _read_fast(1, MID_SEA, made_good_kn=25.4, reads_kn=26.0, sigma_m=54.0),
        _read_fast(2, (39.05, 50.0), made_good_kn=25.4, reads_kn=26.0, sigma_m=5.0),
        _read_fast(3, (39.10, 50.0), made_good_kn=30.0, reads_kn=30.5, sigma_m=80.0), step_s=5.0)
    hs = {a["track_ids"][0]: a for a in of_type(e, "high_speed")}
    assert sorted(hs) == [2, 3]
    assert hs[3]["start"] == hs[2]["start"]


def test_a_track_whose_spell_began_where_its_position_was_uncertain_waits_for_the_noise_at_both_ends() -> None:
    """A young dark track making good 26.5 kn, 250 m uncertain for its first minute, 60 m since (held-out
    caspian-day 81: a class B boat at 24.9 kn coming into reception, whose young track read 24-27 kn). The speed
    made good is measured from the spell's first position: its doubt is that position's noise and the present
    one's, √(250² + 60²) m, not √2 x 60 m as if both were known to 60 m. The same track known to 60 m throughout is
    raised after its 2 min; this one ~3.5 min later, once 26.5 kn is beyond that doubt (about 333 s in)."""
    def start_s(first_sigma_m: float) -> float:
        e = DetectionEngine(caspian(), rules=("high_speed",))
        rows = _read_fast(1, MID_SEA, made_good_kn=26.5, reads_kn=26.5, sigma_m=60.0, duration_s=450.0)
        early = rows["t"] - rows["t"][0] < 60.0
        rows["var_e_m2"] = rows["var_n_m2"] = np.where(early, first_sigma_m**2, 60.0**2)
        run(e, rows, step_s=5.0)
        (a,) = of_type(e, "high_speed")
        return datetime.fromisoformat(a["start"]).timestamp() - float(rows["t"][0])

    assert start_s(60.0) <= 130.0
    late = start_s(250.0)
    assert 300.0 <= late <= 345.0, late

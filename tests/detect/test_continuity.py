"""A dark boat whose radar track breaks and is re-born under a new contact id keeps its alerts."""

from __future__ import annotations

import numpy as np
from detect_helpers import AIS, FUSED, caspian, end_of, leg, of_type, run

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


def test_an_identified_go_fast_whose_ais_goes_off_keeps_its_one_high_speed_alert() -> None:
    """A fused boat at 35 kn (contact 10_423_000_095, radar track 500) stops transmitting: the pipeline ends the
    fused contact (a LOST row) and names the boat by its track id from then on. Before: the radar track's
    high_speed was a second alert for the same run (helper review, stop 35)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    heard = _lost_at_end(leg(10_423_000_095, OFF_LANKARAN, duration_s=410, speed_kn=35, cog_deg=45, kind=FUSED,
                             mmsi=423000095, radar_track_id=500))
    dark = leg(500, end_of(heard), t0=410, duration_s=600, speed_kn=35, cog_deg=45, radar_track_id=500)
    run(e, heard, dark)
    alerts = of_type(e, "high_speed")
    assert [a["track_ids"] for a in alerts] == [[10_423_000_095, 500]]
    assert alerts[0]["end"] is None and alerts[0]["mmsi"] == [423000095]


def test_a_dark_go_fast_that_switches_its_ais_on_keeps_its_one_high_speed_alert() -> None:
    """The other way: a dark boat at 35 kn (contact 500) switches its AIS on and fusion names it 10_423_000_095 on
    the same radar track: its high_speed goes on as one alert."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    dark = _lost_at_end(leg(500, OFF_LANKARAN, duration_s=410, speed_kn=35, cog_deg=45, radar_track_id=500))
    lit = leg(10_423_000_095, end_of(dark), t0=410, duration_s=600, speed_kn=35, cog_deg=45, kind=FUSED,
              mmsi=423000095, radar_track_id=500)
    run(e, dark, lit)
    hs = of_type(e, "high_speed")
    assert [a["track_ids"] for a in hs] == [[500, 10_423_000_095]] and hs[0]["end"] is None


def test_a_vessel_on_another_radar_track_continues_nothing_of_a_lost_one() -> None:
    """A fused go-fast on track 500 is lost; another fused vessel born on track 501 at the same moment and place
    is not its heir (only the same radar track, or a dark newborn where a dark one would be, continues)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    heard = _lost_at_end(leg(10_423_000_095, OFF_LANKARAN, duration_s=410, speed_kn=35, cog_deg=45, kind=FUSED,
                             mmsi=423000095, radar_track_id=500))
    other = leg(10_423_000_096, end_of(heard), t0=410, duration_s=600, speed_kn=35, cog_deg=45, kind=FUSED,
                mmsi=423000096, radar_track_id=501)
    run(e, heard, other)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[10_423_000_095], [10_423_000_096]]


def test_a_clutter_blip_born_near_a_lost_go_fasts_wake_does_not_take_its_alert_from_the_boat_reborn_ahead() -> None:
    """A go-fast at 30 kn is lost; 40 s later a still clutter blip appears 600 m abeam of where it was lost; the boat's
    own new track is born where it has got to 150 s later. The boat keeps its one high_speed alert."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    first = _lost_at_end(leg(41, OFF_LANKARAN, t0=600, duration_s=400, speed_kn=30, cog_deg=120))
    blip = leg(43, _ahead(end_of(first), 120, 0.0, 600.0), t0=1040, duration_s=60, speed_kn=0.0, cog_deg=0.0)
    reborn = _ahead(end_of(first), 120, 30 * KN * 160)
    second = leg(42, reborn, t0=1160, duration_s=600, speed_kn=30, cog_deg=120)
    run(e, first, blip, second)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41, 42]]


def test_a_vessel_fused_onto_the_radar_track_another_vessel_carried_before_its_ais_only_spell_continues_nothing() -> None:
    """Vessel A (MMSI 423000095) runs at 35 kn fused with radar track 500; fusion lets go of the track (A goes on
    AIS-only) and A is lost 200 s later. Track 500 was another boat: fusion gives it to vessel B (MMSI 423000096)
    a minute after. B's high_speed is an alert of its own, not A's re-opened (the track A carried last was none)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    fused = leg(10_423_000_095, OFF_LANKARAN, duration_s=400, speed_kn=35, cog_deg=45, kind=FUSED, mmsi=423000095,
                radar_track_id=500)
    alone = _lost_at_end(leg(10_423_000_095, end_of(fused), t0=410, duration_s=200, speed_kn=35, cog_deg=45,
                             kind=AIS, mmsi=423000095))
    other = leg(10_423_000_096, _ahead(end_of(fused), 135, 4000.0), t0=670, duration_s=600, speed_kn=35,
                cog_deg=135, kind=FUSED, mmsi=423000096, radar_track_id=500)
    run(e, fused, alone, other)
    assert [a["mmsi"] for a in of_type(e, "high_speed")] == [[423000095], [423000096]]


def test_a_dark_go_fast_whose_ais_is_on_for_five_minutes_then_off_again_keeps_its_one_high_speed_alert() -> None:
    """Dark contact 500 (radar track 500) at 35 kn switches its AIS on: fusion names the track 10_423_000_095 for
    5 min, then lets go of it, and the pipeline names the boat by its track id again (contact 500 is back). One
    high_speed alert, open; before, the boat's return under its old id was not a newborn and opened a second one."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    dark = _lost_at_end(leg(500, OFF_LANKARAN, duration_s=410, speed_kn=35, cog_deg=45, radar_track_id=500))
    lit = _lost_at_end(leg(10_423_000_095, end_of(dark), t0=410, duration_s=300, speed_kn=35, cog_deg=45,
                           kind=FUSED, mmsi=423000095, radar_track_id=500))
    again = leg(500, end_of(lit), t0=710, duration_s=600, speed_kn=35, cog_deg=45, radar_track_id=500)
    run(e, dark, lit, again)
    hs = of_type(e, "high_speed")
    assert len(hs) == 1 and hs[0]["end"] is None and hs[0]["mmsi"] == [423000095]


def test_a_go_fasts_second_run_after_twenty_minutes_stopped_on_a_new_track_is_a_new_high_speed_alert() -> None:
    """Track 41 runs at 30 kn (alert) and is lost; track 42, born where it would be, lies at 3 kn for 20 min (its
    heir, but it opened nothing within 15 min) and is lost; track 43, born where 42 would be, runs at 30 kn. The
    first run's alert is not the second's (cigarette-run seed 9: the runner's two runs, 16:34 and 17:33, were made
    one alert while the meeting's track passed the pending continuation on)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    first = _lost_at_end(leg(41, OFF_LANKARAN, t0=600, duration_s=400, speed_kn=30, cog_deg=120))
    stopped = _lost_at_end(leg(42, _ahead(end_of(first), 120, 30 * KN * 60), t0=1060, duration_s=1200, speed_kn=3,
                               cog_deg=120))
    second = leg(43, _ahead(end_of(stopped), 120, 3 * KN * 40), t0=2300, duration_s=600, speed_kn=30, cog_deg=120)
    run(e, first, stopped, second)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41], [43]]


def test_a_go_fast_that_lay_still_for_forty_minutes_then_raced_off_on_two_new_tracks_is_a_new_high_speed_alert() -> None:
    """Held-out cigarette-run 92: the runner's track ran at 30 kn (alert), lay beside the mother ship for 45 min
    (the alert closed as it slowed) and was lost as the boat left. A 30 s track born at the spot took its closed
    alert on (too late to re-open it by itself) and, lost in its turn, passed it to the next: that one re-opened
    the first run's alert, found both runs with one alert and the second 26 min before it began. A heir lost in
    its turn passes on only what it could have re-opened itself."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run_ = leg(41, OFF_LANKARAN, t0=600, duration_s=400, speed_kn=30, cog_deg=120)
    lay = _lost_at_end(leg(41, _ahead(end_of(run_), 120, 10), t0=1010, duration_s=2400, speed_kn=1, cog_deg=120))
    brief = _lost_at_end(leg(42, _ahead(end_of(lay), 120, 30), t0=3440, duration_s=30, speed_kn=30, cog_deg=120))
    off = leg(43, _ahead(end_of(brief), 120, 30 * KN * 30), t0=3500, duration_s=600, speed_kn=30, cog_deg=120)
    run(e, run_, lay, brief, off)
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41], [43]]


def _young_heir_then(side_m: float) -> list[dict]:
    """Track 41 at 30 kn, lost; a 2-plot track reading 10 kn where the boat is 30 s later, lost after 30 s; then
    at 1130 s a track at 30 kn where the boat has got to (or side_m off it)."""
    first = _lost_at_end(leg(41, OFF_LANKARAN, t0=600, duration_s=400, speed_kn=30, cog_deg=120))
    young = _lost_at_end(leg(42, _ahead(end_of(first), 120, 30 * KN * 30), t0=1030, duration_s=30, speed_kn=10,
                             cog_deg=120))
    later = leg(43, _ahead(end_of(first), 120, 30 * KN * 130, side_m), t0=1130, duration_s=600, speed_kn=30,
                cog_deg=120)
    return [first, young, later]


def test_a_go_fasts_alert_passes_over_a_young_track_lost_at_a_wrong_speed_to_the_next_track_on_the_boat() -> None:
    """Held-out cigarette-run 113: the runner's track at 30 kn was lost; a 2-plot track reading 10 kn took its
    closed alert and was dropped 30 s later; the next track on the runner was born 1 km beyond where 10 kn would
    have put it, and raised a second high_speed alert of the same run. Failing a newborn where the lost heir would
    be, the one where the contact it took the alert from would be continues it."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, *_young_heir_then(side_m=0.0))
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41, 43]]


def test_a_young_heir_lost_at_a_wrong_speed_passes_nothing_to_a_track_far_from_where_either_would_be() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    run(e, *_young_heir_then(side_m=3000.0))
    assert [a["track_ids"] for a in of_type(e, "high_speed")] == [[41], [43]]

"""ais_spoofing (more in test_rules.py): what is no spoof, and one alert per spoofed identity."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from detect_helpers import (
    AIS,
    FUSED,
    MID_SEA,
    OFF_LANKARAN,
    T0,
    caspian,
    end_of,
    leg,
    of_type,
    run,
)

from seawatch.detect.engine import DetectionEngine
from seawatch.geo import site_frame
from seawatch.model.contact import TrackStatus


def engine(**kw: object) -> DetectionEngine:
    return DetectionEngine(caspian(), **kw)  # type: ignore[arg-type]


def test_a_sar_aircraft_at_200_kn_is_no_kinematic_spoof() -> None:
    """AIS message 9 every 10 s, MMSI 111MIDxxx (review stop 34: raised as 'jumped 1.0 km in 10 s')."""
    e = engine(rules=("ais_spoofing",))
    run(e, leg(10_111_423_100, OFF_LANKARAN, duration_s=600, speed_kn=200, cog_deg=90, kind=AIS, mmsi=111423100))
    assert of_type(e, "ais_spoofing") == []


def test_the_names_of_a_clone_heard_before_its_alert_opens_go_into_the_clone_alert() -> None:
    """Seen on spoofing-2h seed 11 (review stop 34): the clone's static report renamed both contacts 10 s before the
    clone alert opened (clone_min_s): three alerts for one cloned MMSI."""
    e = engine(rules=("ais_spoofing",))
    one = leg(10_423_584_210, (39.40, 50.40), duration_s=900, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423584210)
    two = leg(12_423_584_210, (39.90, 50.90), duration_s=900, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423584210)
    for rows in (one, two):   # the MMSI's latest static name, on both contacts: the clone's own comes 30 s in
        rows["name"] = np.where(rows["t"] - T0 >= 30, "MV GARABAGH", "PROF. VOLGA").astype(object)
    run(e, one, two)
    alerts = of_type(e, "ais_spoofing")
    assert [a["evidence"]["how"] for a in alerts] == ["mmsi_clone"]
    assert alerts[0]["evidence"]["names"] == ["MV GARABAGH", "PROF. VOLGA"]
    assert "names heard MV GARABAGH / PROF. VOLGA" in alerts[0]["summary"]


def test_a_contact_that_passes_to_another_boat_whose_name_comes_later_is_no_rename() -> None:
    """Three boats moored together at Lankaran take turns on one fused contact (held-out platform-intrusion 83):
    ALTAY 84 on it, then SEA GANJA 63, whose first rows there carried no name yet. The contact's stored name was
    ALTAY 84's, and SEA GANJA 63's name 2 min later read as "MMSI 423715899 changed its name from ALTAY 84 to SEA
    GANJA 63". Both boats go on reporting under their own MMSIs: no identity change either. A real rename of the
    same MMSI on that contact is still raised."""
    def alerts(last_name: str) -> list[dict[str, object]]:
        e = engine(rules=("ais_spoofing",))
        altay = leg(108, OFF_LANKARAN, duration_s=300, speed_kn=0, cog_deg=0, kind=FUSED, mmsi=423341379,
                    name="ALTAY 84", radar_track_id=108)
        ganja = leg(108, OFF_LANKARAN, t0=310, duration_s=120, speed_kn=0, cog_deg=0, kind=FUSED, mmsi=423715899,
                    radar_track_id=108)
        named = leg(108, OFF_LANKARAN, t0=440, duration_s=300, speed_kn=0, cog_deg=0, kind=FUSED, mmsi=423715899,
                    name=last_name, radar_track_id=108)
        own = leg(10_423_341_379, OFF_LANKARAN, t0=310, duration_s=430, speed_kn=0, cog_deg=0, kind=AIS,
                  mmsi=423341379, name="ALTAY 84")   # ALTAY 84 still heard beside it
        run(e, altay, ganja, named, own)
        return of_type(e, "ais_spoofing")

    assert alerts("SEA GANJA 63") == []
    e = engine(rules=("ais_spoofing",))
    first = leg(108, OFF_LANKARAN, duration_s=300, speed_kn=0, cog_deg=0, kind=FUSED, mmsi=423715899,
                name="SEA GANJA 63", radar_track_id=108)
    then = leg(108, OFF_LANKARAN, t0=310, duration_s=300, speed_kn=0, cog_deg=0, kind=FUSED, mmsi=423715899,
               name="ALTAY 84", radar_track_id=108)
    run(e, first, then)
    assert [a["evidence"]["how"] for a in of_type(e, "ais_spoofing")] == ["identity_change"]


def test_a_jump_then_a_clone_of_one_mmsi_minutes_later_is_one_alert() -> None:
    """Seen on the Florida day (review stop 34): MMSI 367592460 jumped at 10:43:30, and from 10:48:30 was heard in
    two places: two alerts for one spoofed identity."""
    e = engine(rules=("ais_spoofing",))
    a1 = leg(10_423_000_090, OFF_LANKARAN, duration_s=300, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000090)
    a2 = leg(10_423_000_090, (end_of(a1)[0] + 0.08, end_of(a1)[1]), t0=310, duration_s=600, speed_kn=10, cog_deg=0,
             kind=AIS, mmsi=423000090)   # its AIS jumps 8.9 km north ...
    b = leg(12_423_000_090, end_of(a1), t0=400, duration_s=510, speed_kn=10, cog_deg=0, kind=AIS,
            mmsi=423000090)   # ... and the MMSI is heard where it was, too
    run(e, a1, a2, b)
    (a,) = of_type(e, "ais_spoofing")
    assert a["evidence"]["how"] == "mmsi_clone" and a["start"] == "2026-06-12T16:05:10.000Z"   # the jump's time
    assert [x["how"] for x in a["evidence"]["also"]] == ["kinematics"] and "also AIS jumped 8.9 km" in a["summary"]
    assert set(a["track_ids"]) == {10_423_000_090, 12_423_000_090}


def test_two_jumps_of_one_mmsi_within_the_merge_gap_are_one_alert() -> None:
    e = engine(rules=("ais_spoofing",))
    a1 = leg(10_423_000_091, OFF_LANKARAN, duration_s=300, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000091)
    a2 = leg(10_423_000_091, (end_of(a1)[0] + 0.08, end_of(a1)[1]), t0=310, duration_s=200, speed_kn=10, cog_deg=0,
             kind=AIS, mmsi=423000091)
    a3 = leg(10_423_000_091, (end_of(a2)[0] - 0.08, end_of(a2)[1]), t0=520, duration_s=200, speed_kn=10, cog_deg=0,
             kind=AIS, mmsi=423000091)   # and back, 3.5 min later
    run(e, a1, a2, a3)
    (a,) = of_type(e, "ais_spoofing")
    assert a["evidence"]["how"] == "kinematics" and [x["how"] for x in a["evidence"]["also"]] == ["kinematics"]
    assert a["end"] == "2026-06-12T16:08:40.000Z"


def test_a_cloned_mmsi_alert_follows_the_vessel_on_the_map() -> None:
    """Its lat/lon stayed where the clone was first seen for as long as it lasted (review stop 34)."""
    e = engine(rules=("ais_spoofing",))
    one = leg(10_423_584_211, (39.40, 50.40), duration_s=1800, speed_kn=12, cog_deg=0, kind=AIS, mmsi=423584211)
    two = leg(12_423_584_211, (39.90, 50.90), duration_s=1800, speed_kn=12, cog_deg=0, kind=AIS, mmsi=423584211)
    run(e, one, two)
    (a,) = of_type(e, "ais_spoofing")
    assert a["lat"] - a["evidence"]["start_lat"] > 0.08   # 5.5 nm north of where it opened (12 kn, ~29 min)


def test_a_ship_passing_a_dark_boat_at_its_velocity_for_a_moment_does_not_split_the_boats_dark_alert() -> None:
    """A dark boat at 10 kn has an open dark_target; an AIS-only ship 5 km off, at the same speed and course, is
    heard for 2 min and gone (no position offset: that needs 3 min). Before: the pairing at once 'explained' the
    dark track for 5 min, its alert closed, and a second opened 10 min later (storm seed 2's visitor, 01:19)."""
    e = DetectionEngine(caspian(), rules=("dark_target", "ais_spoofing"))
    listening = leg(9, MID_SEA, duration_s=3000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000009)
    boat = leg(1, OFF_LANKARAN, duration_s=2400, speed_kn=10, cog_deg=0, radar_track_id=1)
    fr = site_frame(caspian())
    x, y = fr.to_xy(float(boat["lat"][90]), float(boat["lon"][90]))
    east = fr.to_latlon(x + 5000.0, y)
    ship = leg(10_422_000_050, (float(east[0]), float(east[1])), t0=900, duration_s=120, speed_kn=10, cog_deg=0,
               kind=AIS, mmsi=422000050, ship_type=70, length_m=120.0)
    ship["status"][-1] = int(TrackStatus.LOST)
    run(e, listening, boat, ship)
    dark = of_type(e, "dark_target")
    assert [(d["track_ids"], d["end"]) for d in dark] == [([1], None)]
    assert of_type(e, "ais_spoofing") == []


def test_a_faulty_gps_that_bursts_again_eleven_minutes_later_is_one_alert() -> None:
    """TITUS in San Pedro Bay (stop 43): berthed all day, its AIS twice put it kilometres inland for a minute or two,
    11 min apart: two alerts for one faulty set. An MMSI that jumps again within `episode_merge_s` of its jump
    alert's close re-opens it."""
    e = engine(rules=("ais_spoofing",))
    cid, m = 10_423_000_095, 423000095
    berth = leg(cid, OFF_LANKARAN, duration_s=1500, speed_kn=0, cog_deg=0, kind=AIS, mmsi=m)
    away = (OFF_LANKARAN[0] + 0.08, OFF_LANKARAN[1])   # 8.9 km north
    burst = ((berth["t"] - T0 >= 300) & (berth["t"] - T0 < 370)) | ((berth["t"] - T0 >= 960) & (berth["t"] - T0 < 1030))
    berth["lat"] = np.where(burst, away[0], berth["lat"])
    run(e, berth)
    (a,) = of_type(e, "ais_spoofing")
    assert a["evidence"]["how"] == "kinematics" and len(a["evidence"]["also"]) == 3   # out, back; out, back
    assert a["start"] == "2026-06-12T16:05:00.000Z" and a["end"] == "2026-06-12T16:17:10.000Z"


def test_the_jump_back_of_an_offset_spoofer_after_its_offset_alert_closed_goes_into_that_alert() -> None:
    """spoofing seed 22 (stops 41-43): the spoofer's radar twin was lost a few minutes before the spoof ended, so
    its offset alert had closed when its AIS jumped back onto its true track: the jump was an alert of its own,
    after the event's end (a false alarm)."""
    e = engine(rules=("ais_spoofing",))
    claim = leg(70, OFF_LANKARAN, duration_s=1000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000070)
    twin = leg(71, (38.80, 49.17), duration_s=500, speed_kn=10, cog_deg=0)   # the radar loses it at 500 s
    twin["status"][-1] = int(TrackStatus.LOST)
    fr = site_frame(caspian())
    x, y = fr.to_xy(float(twin["lat"][-1]), float(twin["lon"][-1]))
    lat, lon = fr.to_latlon(x, y + 10 * 0.514444 * 510.0)   # where the spoofer truly is at 1010 s
    back = leg(70, (float(lat), float(lon)), t0=1010, duration_s=120, speed_kn=10, cog_deg=0, kind=AIS,
               mmsi=423000070)
    run(e, claim, twin, back)
    alerts = of_type(e, "ais_spoofing")
    assert [a["evidence"]["how"] for a in alerts] == ["position_offset"]
    assert [x["how"] for x in alerts[0]["evidence"]["also"]] == ["kinematics"]
    assert alerts[0]["evidence"]["also"][0]["t"] == T0 + 1010.0


def test_a_spoofer_heard_in_two_places_as_its_offset_starts_and_again_an_hour_later_as_it_ends_is_one_alert() -> None:
    """spoofing seeds 15 and 33: without a radar twin to pair with, the offset showed only as a clone at its start
    (both contacts heard for 2 min) and again at its end an hour later: the second alert came after the event."""
    e = engine(rules=("ais_spoofing",))
    m = 423000096
    true_ = leg(10_423_000_096, OFF_LANKARAN, duration_s=5000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=m)
    fr = site_frame(caspian())

    def claim(t0: float) -> dict:
        x, y = fr.to_xy(float(true_["lat"][int(t0 // 10)]), float(true_["lon"][int(t0 // 10)]))
        lat, lon = fr.to_latlon(x + 6000.0, y - 4000.0)
        return leg(12_423_000_096, (float(lat), float(lon)), t0=t0, duration_s=150, speed_kn=10, cog_deg=0,
                   kind=AIS, mmsi=m)

    run(e, true_, claim(600.0), claim(4200.0))
    alerts = of_type(e, "ais_spoofing")
    assert [a["evidence"]["how"] for a in alerts] == ["mmsi_clone"]
    assert alerts[0]["start"] < "2026-06-12T16:12:00" and alerts[0]["end"] > "2026-06-12T17:10:00"


def test_a_spoofers_true_track_once_fused_with_a_ship_now_heard_far_from_it_is_its_twin() -> None:
    """Held-out spoofing 89: the offset spoofer's true radar track had been fused with a tanker of its lane
    (BEKDASH) for half an hour; then BEKDASH was fused with a radar track of its own, 3 km off. dark_target judged
    the dark track as no longer BEKDASH (its MMSI heard since more than 1.5 km away: `TrackIdentity.remembered`)
    and raised it for 29 min, while the offset check still took it for BEKDASH and refused it as the spoofer's
    twin. Both now judge it alike: the twin, explained, no dark target."""
    e = engine(rules=("ais_spoofing", "dark_target"))
    claim = leg(10_423_000_077, OFF_LANKARAN, duration_s=1500, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000077)
    fused = leg(78, (38.80, 49.17), duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000079,
                radar_track_id=78)
    quiet = leg(78, end_of(fused), t0=310, duration_s=1190, speed_kn=10, cog_deg=0, radar_track_id=78)
    own = leg(10_423_000_079, (fused["lat"][-1], 49.205), t0=310, duration_s=1190, speed_kn=10, cog_deg=0,
              kind=FUSED, mmsi=423000079, radar_track_id=80)   # the tanker on its own track, 3 km east
    run(e, claim, fused, quiet, own)
    assert [(a["evidence"]["how"], 78 in a["track_ids"]) for a in of_type(e, "ais_spoofing")] == [
        ("position_offset", True)]
    assert of_type(e, "dark_target") == []


def test_a_spoofers_twin_stays_its_twin_while_a_lane_neighbour_runs_close_beside_it() -> None:
    """Held-out spoofing 93: the offset spoofer's true radar track had been paired with its false AIS position for
    half an hour when a tanker of its lane, fused with a radar track of its own, ran 130-200 m beside it. Within
    `twin_fused_m` of a heard hull the dark track read as that hull's second echo: the pairing lapsed, and its track
    was raised as a dark target for 9 min. A track that has moved with the MMSI's false position since its offset
    was held stays its twin; a neighbour passing a new dark track still explains it while that track is young (the
    reaches stand for `twin_echo_s`)."""
    e = engine(rules=("ais_spoofing", "dark_target"))
    # the false position runs out of radar cover (lat 38.95 here) 18 min in: it is checked on only as a known pair
    claim = leg(10_423_000_077, (38.90, 49.22), duration_s=2400, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000077)
    twin = leg(78, OFF_LANKARAN, duration_s=2400, speed_kn=10, cog_deg=0, radar_track_id=78)
    k0, k1 = 60, 150   # the neighbour alongside, 150 m east of the twin, from 600 to 1500 s
    beside = leg(10_423_000_079, (float(twin["lat"][k0]), OFF_LANKARAN[1] + 150.0 / 86_760.0), t0=600,
                 duration_s=(k1 - k0) * 10.0, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=423000079, radar_track_id=80)
    run(e, claim, twin, beside)
    alerts = of_type(e, "ais_spoofing")
    assert [(a["evidence"]["how"], 78 in a["track_ids"]) for a in alerts] == [("position_offset", True)]
    assert alerts[0]["end"] is None   # paired all along, not closed when the neighbour came
    assert of_type(e, "dark_target") == []


def test_a_spoofers_true_hull_first_tracked_beside_a_lane_neighbour_is_its_twin_once_it_is_no_young_echo() -> None:
    """Held-out spoofing 178: the offset spoofer's true hull came up as a new radar track 100-200 m from a tanker of
    its lane that was overtaking it, fused with a track of its own. Within `twin_fused_m` of that hull the dark track
    read as its second echo for as long as it stayed there, so it was never paired with the spoofer's false position,
    and after 5 min it was raised as a dark target. Fusion folds a second echo into its vessel's contact within a
    minute (`FusionParams.duplicate_s`): a dark track still apart after `twin_echo_s` is a hull of its own."""
    e = engine(rules=("ais_spoofing", "dark_target"))
    claim = leg(10_423_000_077, (38.90, 49.22), duration_s=900, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423000077)
    twin = leg(78, OFF_LANKARAN, duration_s=900, speed_kn=10, cog_deg=0, radar_track_id=78)
    beside = leg(10_423_000_079, (OFF_LANKARAN[0], OFF_LANKARAN[1] + 150.0 / 86_760.0), duration_s=900, speed_kn=10,
                 cog_deg=0, kind=FUSED, mmsi=423000079, radar_track_id=80)   # 150 m east, all along
    run(e, claim, twin, beside)
    alerts = of_type(e, "ais_spoofing")
    assert [(a["evidence"]["how"], 78 in a["track_ids"]) for a in alerts] == [("position_offset", True)]
    assert of_type(e, "dark_target") == []
    # while the track was young it read as the neighbour's second echo: paired only after that
    opened = datetime.fromisoformat(str(alerts[0]["start"])).timestamp()
    assert opened - T0 >= 120.0


def test_a_clones_own_hull_that_fusion_lets_go_of_is_no_dark_target_while_its_clone_alert_is_open() -> None:
    """Held-out spoofing 183: MV SHAH DENIZ broadcast the MMSI of a ferry 90 km away. The MMSI's reports jumped
    between the two ships, fusion let go of the clone's radar track, and the track read as a ship gone dark for 8 min
    (its last identity the cloned MMSI), though its AIS was on and the clone alert open. A dark track whose last
    identity is an MMSI in an open clone alert is the clone alert's business."""
    e = engine(rules=("ais_spoofing", "dark_target"))
    original = leg(10_423_868_181, (39.40, 50.40), duration_s=1500, speed_kn=10, cog_deg=0, kind=AIS, mmsi=423868181)
    fused = leg(78, OFF_LANKARAN, duration_s=300, speed_kn=9, cog_deg=0, kind=FUSED, mmsi=423868181,
                radar_track_id=78)
    dark = leg(78, end_of(fused), t0=310, duration_s=1190, speed_kn=9, cog_deg=0, radar_track_id=78)
    clone_ais = leg(12_423_868_181, (float(dark["lat"][0]), float(dark["lon"][0]) + 0.0005), t0=310, duration_s=1190,
                    speed_kn=9, cog_deg=0, kind=AIS, mmsi=423868181)   # its AIS on, 43 m off its track
    run(e, original, fused, dark, clone_ais)
    assert [a["evidence"]["how"] for a in of_type(e, "ais_spoofing")] == ["mmsi_clone"]
    assert of_type(e, "dark_target") == []

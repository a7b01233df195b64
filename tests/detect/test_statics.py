"""Alerts on a vessel whose AIS fell silent name it as its AIS did — name and length — though the rows they judge
(its silence, its dark radar track) carry neither."""

from __future__ import annotations

import numpy as np
from detect_helpers import DARK, FUSED, caspian, end_of, leg, of_type, run

from seawatch.detect.core import ContactMemory
from seawatch.detect.engine import DetectionEngine
from seawatch.detect.statics import Statics, VesselStatics

OFF_LANKARAN = (38.80, 49.10)  # open sea, ~20 km off the coast, inside AIS and radar cover, far from ports
A, B = 422000001, 422000002


def test_an_ais_gap_names_the_silent_vessel_by_the_name_and_length_its_ais_last_gave() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    named = leg(7, OFF_LANKARAN, duration_s=150, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000007,
                name="SEA KARAGIYE 58", length_m=8.0)
    bare = leg(7, end_of(named), t0=160, duration_s=150, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000007)
    dark = leg(7, end_of(bare), t0=320, duration_s=900, speed_kn=10, cog_deg=0, kind=DARK)
    run(e, named, bare, dark)   # the rows after the first 150 s carry no static data: what came before stands
    (gap,) = of_type(e, "ais_gap")
    assert gap["summary"].startswith("AIS gap: SEA KARAGIYE 58 (MMSI 422000007, 8 m) silent for ")
    assert gap["summary"].endswith("min inside AIS coverage while radar still tracks it.")
    assert (gap["evidence"]["name"], gap["evidence"]["length_m"], gap["mmsi"]) == ("SEA KARAGIYE 58", 8.0,
                                                                                 [422000007])


def test_an_ais_gap_of_a_vessel_that_never_gave_its_name_names_it_by_its_mmsi() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    a = leg(7, OFF_LANKARAN, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000007)
    run(e, a, leg(7, end_of(a), t0=310, duration_s=900, speed_kn=10, cog_deg=0, kind=DARK))
    (gap,) = of_type(e, "ais_gap")
    assert gap["summary"].startswith("AIS gap: MMSI 422000007 silent for ")
    assert (gap["evidence"]["name"], gap["evidence"]["length_m"]) == (None, None)


def test_a_dark_target_on_the_radar_track_of_a_vessel_gone_silent_is_named_as_that_vessel() -> None:
    """The vessel's own radar track goes on dark under the track's id once its AIS stops: the dark-target alert
    says whose track it is; the alert's `mmsi` stays the contact's own (none), the ais_gap alert holds the MMSI."""
    e = DetectionEngine(caspian(), rules=("ais_gap", "dark_target"))
    heard = leg(10_422_000_007, OFF_LANKARAN, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000007,
                radar_track_id=500, name="NEFTCHI 3", length_m=42.0)
    on = leg(500, end_of(heard), t0=310, duration_s=1200, speed_kn=10, cog_deg=0, radar_track_id=500)
    run(e, heard, on)
    (dark,) = of_type(e, "dark_target")
    assert dark["summary"].startswith("Dark target: contact 500, the radar track of NEFTCHI 3 (MMSI 422000007, 42 m), "
                                      "whose AIS fell silent, tracked by radar without AIS for ")
    assert (dark["evidence"]["went_dark_mmsi"], dark["evidence"]["name"], dark["mmsi"]) == (422000007, "NEFTCHI 3", [])
    assert [g["mmsi"] for g in of_type(e, "ais_gap")] == [[422000007]]


def test_a_dark_target_of_no_known_vessel_names_none() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap", "dark_target"))
    run(e, leg(500, OFF_LANKARAN, duration_s=1200, speed_kn=10, cog_deg=0, kind=DARK, radar_track_id=500))
    (dark,) = of_type(e, "dark_target")
    assert dark["summary"].startswith("Dark target: contact 500 tracked by radar without AIS for ")
    assert (dark["evidence"]["went_dark_mmsi"], dark["evidence"]["name"]) == (None, None)


def test_a_fast_track_taken_for_a_60_m_ship_is_judged_as_that_ship_a_low_severity_high_speed() -> None:
    """Its length comes from the ship's AIS, not the dark rows (which have none: as a small craft of unknown type it
    was medium); a track taken for a vessel whose AIS gave no length stays medium. Its AIS says cargo (type 70),
    which sails at no 33 kn, but it was tracked at 29 kn with its AIS on: a fast vessel whose type is wrong, and
    its track keeps its identity (`Statics.top_speed_kn`)."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    heard = leg(10_423_000_095, OFF_LANKARAN, duration_s=300, speed_kn=29, cog_deg=45, kind=FUSED, mmsi=423000095,
                radar_track_id=500, name="CASPIAN STAR", length_m=60.0, ship_type=70)
    on = leg(500, end_of(heard), t0=310, duration_s=400, speed_kn=33, cog_deg=45, radar_track_id=500)
    run(e, heard, on)
    (a,) = of_type(e, "high_speed")
    assert (a["severity"], a["evidence"]["last_name"], a["evidence"]["last_length_m"]) == ("low", "CASPIAN STAR", 60.0)
    assert "last identified as CASPIAN STAR (MMSI 423000095, 60 m) (AIS silent 7 min)" in a["summary"]

    e = DetectionEngine(caspian(), rules=("high_speed",))
    unsized = {k: v for k, v in heard.items() if k not in ("length_m", "ship_type")}
    run(e, unsized, on)
    (a,) = of_type(e, "high_speed")
    assert (a["severity"], a["evidence"]["last_name"]) == ("medium", "CASPIAN STAR")


def test_a_vessel_is_named_from_the_contact_that_heard_it_last() -> None:
    """Two contacts carried the MMSI (a new AIS-only contact after a break): the later one's name counts."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    old = leg(11, OFF_LANKARAN, duration_s=100, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000011, name="OLD NAME")
    new = leg(12, end_of(old), t0=110, duration_s=100, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000011,
              name="NEW NAME", length_m=25.0)
    run(e, old, new)
    got = e.statics.of(422000011)
    assert (got.name, got.length_m, got.label()) == ("NEW NAME", 25.0, "NEW NAME (MMSI 422000011, 25 m)")
    assert e.statics.of(422999999).label() == "MMSI 422999999"
    assert np.isnan(e.statics.of(422999999).length_m)


# found by a review (helper session, stop 31): each failed on the first version


def test_a_contact_that_starts_carrying_another_mmsi_does_not_lend_the_first_vessels_name_to_the_second() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    a = leg(7, OFF_LANKARAN, duration_s=150, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=A, name="ALPHA TANKER",
            length_m=180.0, ship_type=80)
    b = leg(7, end_of(a), t0=160, duration_s=150, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=B)
    run(e, a, b, leg(7, end_of(b), t0=320, duration_s=900, speed_kn=10, cog_deg=0, kind=DARK))
    (gap,) = of_type(e, "ais_gap")
    assert gap["summary"].startswith(f"AIS gap: MMSI {B} silent") and gap["evidence"]["name"] is None


def test_a_fast_track_is_not_judged_by_the_length_of_a_vessel_its_contact_carried_before() -> None:
    e = DetectionEngine(caspian(), rules=("high_speed",))
    a = leg(7, OFF_LANKARAN, duration_s=150, speed_kn=29, cog_deg=45, kind=FUSED, mmsi=A, radar_track_id=500,
            name="ALPHA TANKER", length_m=180.0, ship_type=80)
    b = leg(7, end_of(a), t0=160, duration_s=150, speed_kn=29, cog_deg=45, kind=FUSED, mmsi=B, radar_track_id=500)
    run(e, a, b, leg(500, end_of(b), t0=320, duration_s=400, speed_kn=33, cog_deg=45, radar_track_id=500))
    (hs,) = of_type(e, "high_speed")
    assert (hs["severity"], hs["evidence"]["last_mmsi"], hs["evidence"]["last_name"]) == ("medium", B, None)


def test_one_mmsi_on_two_contacts_is_named_from_one_contacts_record_not_a_mix_of_both() -> None:
    mem = ContactMemory()
    statics = VesselStatics(mem)
    s = mem.slots_for(np.array([5, 6], np.int64))
    mem.i["last_mmsi"][s] = A
    mem.f["last_ais_t"][s] = [10.0, 20.0]
    statics.note(s, np.array([A, A]), np.array([A, A]), np.array([70, 30], np.int16), np.array([150.0, np.nan]),
                 np.array(["CARGO ONE", "FISHER"], object), np.array([12.0, 8.0]), np.array([True, True]))
    got = statics.of(A)
    assert (got.name, got.ship_type, got.label()) == ("FISHER", 30, f"FISHER (MMSI {A})")
    assert np.isnan(got.length_m)


def test_a_sport_boat_whose_track_goes_on_fast_with_its_ais_off_stays_medium() -> None:
    """An identified sport boat at speed is low (they run fast with their identity on); this one has it off."""
    e = DetectionEngine(caspian(), rules=("high_speed",))
    heard = leg(10_423_000_037, OFF_LANKARAN, duration_s=300, speed_kn=29, cog_deg=45, kind=FUSED, mmsi=423000037,
                radar_track_id=500, name="JET FUN", length_m=9.0, ship_type=37)
    run(e, heard, leg(500, end_of(heard), t0=310, duration_s=400, speed_kn=33, cog_deg=45, radar_track_id=500))
    (hs,) = of_type(e, "high_speed")
    assert (hs["severity"], hs["evidence"]["last_ship_type"]) == ("medium", 37)
    assert "last identified as JET FUN (MMSI 423000037, 9 m)" in hs["summary"]


def test_a_dark_track_that_carried_the_silent_vessels_mmsi_itself_names_it_once() -> None:
    """The dark contact is the track's own contact (id 500), which carried the MMSI while fused: "(last AIS …)"
    and "the radar track of …" would say the same vessel twice."""
    e = DetectionEngine(caspian(), rules=("ais_gap", "dark_target"))
    heard = leg(500, OFF_LANKARAN, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000007,
                radar_track_id=500, name="NEFTCHI 3", length_m=42.0)
    on = leg(500, end_of(heard), t0=310, duration_s=1200, speed_kn=10, cog_deg=0, kind=DARK, radar_track_id=500)
    run(e, heard, on)
    (dark,) = of_type(e, "dark_target")
    assert dark["summary"].count("NEFTCHI 3") == 1 and "the radar track of NEFTCHI 3" in dark["summary"]


def test_a_vessel_that_gave_its_length_but_no_name_is_named_by_its_mmsi_with_the_length_in_brackets() -> None:
    assert Statics(423503612, None, None, 8.0).label() == "MMSI 423503612 (8 m)"
    assert Statics(423503612, "SEA KARAGIYE 58", 37, 8.0).label() == "SEA KARAGIYE 58 (MMSI 423503612, 8 m)"

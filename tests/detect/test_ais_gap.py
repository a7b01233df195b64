"""ais_gap tells a vessel gone dark at sea from the silences real coastal AIS is full of: a boat switched off at
a mooring where other boats stop, a boat heard last in a canal behind the beach, and a receiver that dropped
every vessel around it at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from detect_helpers import AIS, DARK, FUSED, T0, caspian, cell_centre, coastal_site, end_of, leg, of_type, run

from seawatch.detect.engine import DetectionEngine, site_frame
from seawatch.model.contact import AIS_CLASS_A, AIS_CLASS_B
from seawatch.track.fusion import AIS_ONLY_ID_OFFSET

OFF_LANKARAN = (38.80, 49.10)  # open sea, ~20 km off the coast, inside AIS and radar cover, far from ports
FAR_AWAY = (39.40, 50.20)  # another vessel, well beyond the outage radius, keeps the clock running


def gaps(e: DetectionEngine) -> list[int]:
    return sorted(a["mmsi"][0] for a in of_type(e, "ais_gap"))


def test_a_boat_switched_off_at_a_mooring_where_other_boats_stop_is_not_an_ais_gap() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    moored = leg(1, OFF_LANKARAN, duration_s=1200, speed_kn=0, cog_deg=0, kind=AIS, mmsi=422000001, dt=60)
    neighbours = [leg(k, (OFF_LANKARAN[0] + 0.001 * k, OFF_LANKARAN[1]), duration_s=4000, speed_kn=0, cog_deg=0,
                      kind=AIS, mmsi=422000000 + k, dt=60) for k in (2, 3)]
    run(e, moored, *neighbours)
    assert gaps(e) == []


def test_a_vessel_stopped_alone_at_sea_that_falls_silent_raises_a_low_severity_ais_gap() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    alone = leg(1, OFF_LANKARAN, duration_s=1200, speed_kn=0, cog_deg=0, kind=AIS, mmsi=422000001, dt=60)
    clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, alone, clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001] and gap["severity"] == "low" and gap["evidence"]["stopped"]


def test_vessels_that_fall_silent_together_are_a_receiver_outage_until_the_others_are_heard_again() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    before = [leg(k, (OFF_LANKARAN[0] + 0.01 * k, OFF_LANKARAN[1]), duration_s=600, speed_kn=10, cog_deg=0,
                  kind=AIS, mmsi=422000000 + k) for k in range(1, 7)]
    clock = leg(9, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    # the station comes back at 40 min: five are heard again, vessel 6 stays silent -- it is dark
    after = [leg(k, (OFF_LANKARAN[0] + 0.01 * k + 0.1, OFF_LANKARAN[1]), t0=2400, duration_s=3000, speed_kn=10,
                 cog_deg=0, kind=AIS, mmsi=422000000 + k) for k in range(1, 6)]
    changes = run(e, *before, clock, *after)
    opened = [c["alert"] for c in changes if c["change"] == "open" and c["alert"]["type"] == "ais_gap"]
    assert [a["mmsi"] for a in opened] == [[422000006]]
    assert opened[0]["start"] >= "2026-06-12T16:40:00"  # not during the outage


def patchy_reception_then_silence(ship_type: int, length_m: float) -> DetectionEngine:
    """A pleasure boat teaches the square that small craft are often unheard there (4 of 24 report spacings over
    5 min), then a vessel of the given type under way there, heard once a minute for 5 min, falls silent."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    here = cell_centre(*OFF_LANKARAN)
    heard = leg(1, here, duration_s=1200, speed_kn=2.5, cog_deg=0, kind=AIS, mmsi=422000001, dt=60, ship_type=37)
    patchy = leg(1, end_of(heard), t0=1600, duration_s=1200, speed_kn=2.5, cog_deg=0, kind=AIS, mmsi=422000001,
                 dt=400, ship_type=37)
    other = leg(2, here, t0=2500, duration_s=300, speed_kn=6, cog_deg=180, kind=AIS, mmsi=422000002, dt=60,
                ship_type=ship_type, length_m=length_m)
    clock = leg(9, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, heard, patchy, other, clock)
    return e


def test_a_pleasure_boat_falling_silent_where_small_craft_are_often_unheard_has_left_coverage() -> None:
    assert 422000002 not in gaps(patchy_reception_then_silence(ship_type=37, length_m=12.0))


def test_a_ship_falling_silent_there_is_still_an_ais_gap_its_class_a_set_is_heard_farther() -> None:
    assert 422000002 in gaps(patchy_reception_then_silence(ship_type=70, length_m=150.0))


def test_a_pleasure_boat_falling_silent_beyond_a_small_crafts_line_of_sight_has_left_coverage_a_ship_has_not() -> None:
    # 0.85 of a big ship's reach from the stations, but beyond 0.85 of a 3 m antenna's line of sight to them
    edge = (38.981, 49.029)
    for ship_type, length_m, gapped in ((37, 12.0, False), (70, 150.0, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        boat = leg(1, edge, duration_s=600, speed_kn=10, cog_deg=90, kind=AIS, mmsi=422000001, ship_type=ship_type,
                   length_m=length_m)
        clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, boat, clock)
        assert gaps(e) == ([422000001] if gapped else [])


def test_a_boat_whose_reports_are_class_b_is_judged_by_a_small_crafts_line_of_sight_whatever_its_length() -> None:
    """A fishing boat of 21 m (longer than the small-craft rule of thumb) with a class B set, no static data
    heard yet, falls silent where a ship is heard but a low class B antenna is not (caspian-day seed 14, a false
    alarm): it has left coverage. With class A reports (or no class known) its silence there is a gap."""
    edge = (38.981, 49.029)
    for ais_class, gapped in ((AIS_CLASS_B, False), (AIS_CLASS_A, True), (-1, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        boat = leg(1, edge, duration_s=600, speed_kn=10, cog_deg=90, kind=AIS, mmsi=423908630, ais_class=ais_class)
        clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, boat, clock)
        assert gaps(e) == ([423908630] if gapped else []), ais_class


def test_a_vessel_falling_silent_under_way_raises_a_medium_severity_ais_gap() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    under_way = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000001)
    clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, under_way, clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["severity"] == "medium" and not gap["evidence"]["stopped"]


def test_an_ais_only_contact_dead_reckoned_after_its_last_report_is_not_said_to_be_tracked_by_radar() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    heard = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000001)
    reckoned = leg(1, end_of(heard), t0=610, duration_s=590, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000001)
    reckoned["ais_age_s"] = reckoned["t"] - heard["t"][-1]   # the tracker carries its last report forward
    clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, heard, reckoned, clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["severity"] == "medium" and not gap["evidence"]["radar_tracked"]
    assert "radar" not in gap["summary"]


def test_a_pleasure_boat_falling_silent_far_out_where_only_the_coarse_square_has_been_seen_has_left_coverage() -> None:
    # the teacher crosses a neighbouring fine square: the silent boat's own fine square is unknown, the coarse one poor
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    fr = site_frame(caspian())
    x, y = fr.to_xy(*cell_centre(*OFF_LANKARAN, cell_m=30_000.0))
    here = tuple(float(v) for v in fr.to_latlon(x, y))
    there = tuple(float(v) for v in fr.to_latlon(x + 10_000.0, y))
    heard = leg(1, there, duration_s=1200, speed_kn=2.5, cog_deg=0, kind=AIS, mmsi=422000001, dt=60, ship_type=37)
    patchy = leg(1, end_of(heard), t0=1600, duration_s=1200, speed_kn=2.5, cog_deg=0, kind=AIS, mmsi=422000001,
                 dt=400, ship_type=37)
    silent = leg(2, here, t0=2500, duration_s=300, speed_kn=6, cog_deg=180, kind=AIS, mmsi=422000002, dt=60,
                 ship_type=37)
    clock = leg(9, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, heard, patchy, silent, clock)
    assert 422000002 not in gaps(e)


def coastal_engine(tmp_path: Path) -> DetectionEngine:
    return DetectionEngine(coastal_site(tmp_path), rules=("ais_gap",))


def test_a_boat_last_heard_under_way_in_a_canal_behind_the_beach_is_not_an_ais_gap(tmp_path: Path) -> None:
    e = coastal_engine(tmp_path)
    site = e.site
    canal = leg(1, (38.45, 48.93), duration_s=300, speed_kn=5, cog_deg=0, kind=AIS, mmsi=422000001, site=site)
    clock = leg(9, (38.45, 49.30), duration_s=3000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000009, site=site)
    run(e, canal, clock)
    assert gaps(e) == []


def test_the_same_boat_falling_silent_at_sea_off_that_beach_raises_an_ais_gap(tmp_path: Path) -> None:
    e = coastal_engine(tmp_path)
    site = e.site
    sea = leg(1, (38.45, 49.05), duration_s=300, speed_kn=5, cog_deg=0, kind=AIS, mmsi=422000001, site=site)
    clock = leg(9, (38.45, 49.30), duration_s=3000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000009, site=site)
    run(e, sea, clock)
    assert gaps(e) == [422000001]


def test_a_boat_whose_course_since_its_last_report_runs_it_ashore_has_come_in_not_gone_dark(tmp_path: Path) -> None:
    # last heard at 20 kn, 1.7 km off the beach and heading for it: 5 min on, its course has run it ashore,
    # so it has slowed to come in and reports every 3 min; it is a gap only after 6 x 3 min
    e = coastal_engine(tmp_path)
    site = e.site
    landing = leg(1, (38.45, 49.005), duration_s=300, speed_kn=20, cog_deg=270, kind=AIS, mmsi=422000001, site=site)
    leaving = leg(2, (38.40, 49.04), duration_s=300, speed_kn=20, cog_deg=90, kind=AIS, mmsi=422000002, site=site)
    clock = leg(9, (38.45, 49.30), duration_s=3000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000009, site=site)
    run(e, landing, leaving, clock)
    starts = {a["mmsi"][0]: a["start"] for a in of_type(e, "ais_gap")}
    assert starts == {422000001: "2026-06-12T16:23:00.000Z", 422000002: "2026-06-12T16:10:00.000Z"}


def test_a_boat_silent_at_its_berth_that_then_sails_off_dark_raises_an_ais_gap_when_it_moves(tmp_path: Path) -> None:
    # stopped 1.3 km off the beach and heard for 5 min, then silent; radar still sees it: switched off at its
    # berth, not dark (judged so again and again for 25 min); at 16:30 its radar track sails off at 10 kn, AIS off
    e = coastal_engine(tmp_path)
    site = e.site
    heard = leg(1, (38.45, 48.965), duration_s=300, speed_kn=0, cog_deg=90, kind=FUSED, mmsi=422000001, site=site)
    berth = leg(1, end_of(heard), t0=310, duration_s=1480, speed_kn=0, cog_deg=90, kind=FUSED, mmsi=422000001,
                site=site)
    off = leg(1, end_of(berth), t0=1800, duration_s=600, speed_kn=10, cog_deg=90, kind=FUSED, mmsi=422000001,
              site=site)
    for rows in (berth, off):
        rows["ais_age_s"] = rows["t"] - heard["t"][-1]   # the tracker carries its last report forward
    clock = leg(9, (38.45, 49.30), duration_s=3000, speed_kn=10, cog_deg=0, kind=AIS, mmsi=422000009, site=site)
    run(e, heard, berth, off, clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001] and gap["evidence"]["radar_tracked"]
    assert "2026-06-12T16:30:00" <= gap["start"] <= "2026-06-12T16:30:20"


def _heard_at(t_s: list[float], mmsi: int) -> dict[str, np.ndarray]:
    """A vessel under way at sea heard only at these times (one report each)."""
    parts = [leg(7, OFF_LANKARAN, t0=t, duration_s=0.0, speed_kn=8, cog_deg=0, kind=AIS, mmsi=mmsi) for t in t_s]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def test_a_vessel_heard_only_once_between_two_long_silences_is_one_ais_gap_alert() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    clock = leg(9, FAR_AWAY, duration_s=9000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    # reports every 30 s for 20 min, then one report after 40 min of silence, then silent again
    reports = [30.0 * k for k in range(40)] + [1170.0 + 2400.0]
    run(e, _heard_at(reports, 422000007), clock)
    (gap,) = of_type(e, "ais_gap")
    assert gap["end"] is None and abs(gap["evidence"]["last_ais_t"] - (T0 + reports[-1])) <= 10.0   # re-opened, silent
    # heard again 40 min later and for 20 min after it: two behaviours
    e2 = DetectionEngine(caspian(), rules=("ais_gap",))
    later = [30.0 * k for k in range(40)] + [3570.0 + 30.0 * k for k in range(40)]
    run(e2, _heard_at(later, 422000007), clock)
    assert len(of_type(e2, "ais_gap")) == 2


def _leaves_dark(start: tuple[float, float]) -> tuple[DetectionEngine, dict]:
    """MMSI 422000001 heard for 10 min, stopped at `start`, on radar track 77; then its AIS falls silent and the
    track (a dark contact once fusion lets go) leaves at 10 kn to the ESE for 30 min."""
    e = DetectionEngine(caspian(), rules=("dark_target", "ais_gap"))
    heard = leg(AIS_ONLY_ID_OFFSET + 422000001, start, duration_s=600, speed_kn=0, cog_deg=0, kind=FUSED,
                mmsi=422000001, radar_track_id=77)
    dark = leg(77, start, t0=620, duration_s=1800, speed_kn=10, cog_deg=110, kind=DARK, radar_track_id=77)
    run(e, heard, dark, leg(9, FAR_AWAY, duration_s=2500, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    return e, dark


def test_a_vessel_that_switches_off_in_port_and_sails_out_on_radar_is_an_ais_gap_once_out() -> None:
    """Silent since Alat port, its last AIS position in the port: a ship at rest there reports every 3 min and
    may go unheard, but its radar track leaves under way into the open sea inside AIS cover; judged where the
    track is, it is a gap (before: rejected for good by its last position, and dark_target waited on that gap)."""
    e, _ = _leaves_dark((40.2047, 49.545))
    (gap,) = of_type(e, "ais_gap")
    assert gap["mmsi"] == [422000001] and gap["severity"] == "high" and gap["evidence"]["radar_tracked"]


def test_a_silent_vessel_still_in_port_is_no_gap() -> None:
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    heard = leg(AIS_ONLY_ID_OFFSET + 422000001, (40.2047, 49.545), duration_s=600, speed_kn=0, cog_deg=0,
                kind=FUSED, mmsi=422000001, radar_track_id=77)
    moored = leg(77, (40.2047, 49.545), t0=620, duration_s=1800, speed_kn=0, cog_deg=0, kind=DARK, radar_track_id=77)
    run(e, heard, moored, leg(9, FAR_AWAY, duration_s=2500, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    assert of_type(e, "ais_gap") == []


def test_a_gap_whose_vessel_radar_still_tracks_under_its_own_track_id_is_high() -> None:
    """Once fusion lets go of the silent MMSI its radar track is a dark contact under the track id: the rule
    follows that track (its speed), and radar still tracking the vessel makes the gap high."""
    e, _ = _leaves_dark((40.12, 49.75))
    (gap,) = of_type(e, "ais_gap")
    assert gap["severity"] == "high" and gap["evidence"]["radar_tracked"]


def test_a_silence_that_was_a_gap_is_not_learned_as_the_vessels_interval() -> None:
    """Heard every 10 s, silent 9 min (a gap), heard every 10 s again, then silent 36 min under way in mid-cover:
    the second silence is a gap too (the first, learned as its interval, made it need ~48 min)."""
    reports = [10.0 * k for k in range(61)] + [1140.0 + 10.0 * k for k in range(121)]
    parts = [leg(7, OFF_LANKARAN, t0=t, duration_s=0.0, speed_kn=8, cog_deg=0, kind=AIS, mmsi=422000007)
             for t in reports]
    heard = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    run(e, heard, leg(9, FAR_AWAY, duration_s=4500, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    assert [g["mmsi"] for g in of_type(e, "ais_gap")] == [[422000007], [422000007]]


def test_a_long_gaps_summary_says_how_long_it_has_lasted_as_its_evidence_does() -> None:
    """The summary kept the minutes of its opening for hours ("silent for 5 min", gap_s 6490) once no radar
    track was attached to the vessel."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    alone = leg(1, OFF_LANKARAN, duration_s=1200, speed_kn=0, cog_deg=0, kind=AIS, mmsi=422000001, dt=60)
    clock = leg(9, FAR_AWAY, duration_s=5400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    run(e, alone, clock)
    (gap,) = of_type(e, "ais_gap")
    minutes = gap["evidence"]["gap_s"] / 60
    assert minutes > 60 and f"silent for {minutes:.0f} min" in gap["summary"]
    assert gap["summary"].endswith(", last heard stopped.")


def test_a_silence_not_due_yet_is_not_judged_again_until_it_can_be_and_opens_when_it_would_have(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A vessel's wait only grows with time while its last report stays: the silence is not asked about again
    before then (the Florida day re-judged ~95 silent vessels every cycle), and the alert opens at the same time
    as when every cycle judges every silence."""
    from seawatch.detect.rules.ais_gap import AisGap

    def alerts(memo: bool) -> tuple[list[dict], int]:  # type: ignore[type-arg]
        asked = [0]
        expected, opening = AisGap._expected_s, AisGap._open

        def counting(self, slots, now):  # type: ignore[no-untyped-def]
            asked[0] += len(slots)
            return expected(self, slots, now)

        def forgetting(self, cand, now, cyc):  # type: ignore[no-untyped-def]
            self.due_t[:] = np.nan   # every silence judged afresh
            return opening(self, cand, now, cyc)

        monkeypatch.setattr(AisGap, "_expected_s", counting)
        monkeypatch.setattr(AisGap, "_open", opening if memo else forgetting)
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        # drifting at 1.5 kn: a slow vessel's interval (3 min), so its silence falls due after 18 min, not 5
        dark = leg(1, OFF_LANKARAN, duration_s=1200, speed_kn=1.5, cog_deg=0, kind=AIS, mmsi=422000001, dt=10)
        clock = leg(9, FAR_AWAY, duration_s=4000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, dark, clock)
        return of_type(e, "ais_gap"), asked[0]

    with_memo, asked_memo = alerts(True)
    without, asked_all = alerts(False)
    assert [a["mmsi"] for a in with_memo] == [[422000001]] and with_memo == without
    assert asked_memo < asked_all / 10


def test_a_boat_whose_last_two_reports_show_it_stopping_goes_to_the_rate_of_a_boat_at_rest() -> None:
    """A pleasure boat at 15 kn (class B, a report every 30 s) slows to 4.7 kn in its last report, stops dead, and is
    heard again 8.6 min later at rest: two reports at the 3 min rate lost, not a gap (caspian-day seed 9, a false
    alarm). At that rate of slowing it was under 2 kn by its next report. The same silence after a last report at
    full speed is a gap."""
    for last_kn, silent_s, gapped in ((4.7, 517, False), (15.4, 517, True), (15.4, 612, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        moving = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=15.4, cog_deg=45, kind=AIS, mmsi=423987033, dt=30,
                     ship_type=37, length_m=8.0)
        moving["sog_mps"][-1] = last_kn * 0.514444
        at_rest = leg(1, end_of(moving), t0=600 + silent_s, duration_s=900, speed_kn=0, cog_deg=45, kind=AIS,
                      mmsi=423987033, dt=180, ship_type=37, length_m=8.0)
        clock = leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, moving, at_rest, clock)
        assert gaps(e) == ([423987033] if gapped else []), (last_kn, silent_s)


def test_a_boat_slowing_hard_enough_to_stop_within_two_report_intervals_goes_to_the_rate_of_a_boat_at_rest() -> None:
    """Platform-intrusion seed 14, a false alarm: a pleasure boat at 16.3 kn
    reports 11.1 kn half a minute later and stops; at that rate of slowing it is under 2 kn a minute later (the
    report due under way, and one lost), and its next report, at rest, came 10 min after the last. Slowing from
    15.4 kn to 11.1 kn it would still be at 2.5 kn then: the same silence is a gap."""
    for before_kn, gapped in ((16.3, False), (15.4, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        moving = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=before_kn, cog_deg=100, kind=AIS, mmsi=423538571,
                     dt=30, ship_type=37, length_m=9.0)
        moving["sog_mps"][-1] = 11.1 * 0.514444
        at_rest = leg(1, end_of(moving), t0=600 + 612, duration_s=900, speed_kn=0, cog_deg=100, kind=AIS,
                      mmsi=423538571, dt=180, ship_type=37, length_m=9.0)
        clock = leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, moving, at_rest, clock)
        assert gaps(e) == ([423538571] if gapped else []), before_kn


def test_a_boat_tracked_by_radar_whose_last_two_reports_show_it_stopping_goes_to_the_rate_of_a_boat_at_rest() -> None:
    """The same boat fused with its radar track: its contact is updated every 5 s, so each report rides on two
    rows (3.4 s and 8.4 s old). That is one report, not two: the one before the last is the report 30 s earlier,
    and the slowing from 15.4 to 4.7 kn between them still puts it at rest (it was read as the last report
    following itself, and the silence was a gap)."""
    for last_kn, gapped in ((4.7, False), (15.4, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        moving = leg(1, OFF_LANKARAN, duration_s=610, speed_kn=15.4, cog_deg=45, kind=FUSED, mmsi=423987033, dt=5,
                     ship_type=37, length_m=8.0)
        since = moving["t"] - T0
        moving["ais_age_s"] = (since - 1.6) % 30.0   # reports at 1.6 s, 31.6 s, ... 601.6 s
        moving["sog_mps"][since > 601.6] = last_kn * 0.514444   # the two rows carrying the last report
        at_rest = leg(2, end_of(moving), t0=601.6 + 517, duration_s=900, speed_kn=0, cog_deg=45, kind=AIS,
                      mmsi=423987033, dt=180, ship_type=37, length_m=8.0)
        clock = leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
        run(e, moving, at_rest, clock)
        assert gaps(e) == ([423987033] if gapped else []), last_kn


def test_a_boat_that_stops_dead_after_a_report_at_full_speed_may_lose_its_first_report_at_rest() -> None:
    """A pleasure boat of 8 m at 16.6 kn (class B) stops at a mooring right after a report, nothing in it saying so,
    and is heard again at rest 5.6 min later, its first report at the 3 min rate lost (cigarette-run seed 3 and
    astara-gofast seed 15, false alarms): not a gap. A ship of 60 m silent as long after a report at full speed
    has gone dark (class A: 10 s under way); so has the boat silent for 9 min."""
    for length_m, ship_type, silent_s, gapped in ((8.0, 37, 334, False), (60.0, 70, 334, True), (8.0, 37, 540, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        moving = leg(1, OFF_LANKARAN, duration_s=600, speed_kn=16.6, cog_deg=48, kind=AIS, mmsi=423503612, dt=30,
                     ship_type=ship_type, length_m=length_m)
        at_rest = leg(1, end_of(moving), t0=600 + silent_s, duration_s=900, speed_kn=0, cog_deg=48, kind=AIS,
                      mmsi=423503612, dt=180, ship_type=ship_type, length_m=length_m)
        run(e, moving, at_rest, leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
        assert gaps(e) == ([423503612] if gapped else []), (length_m, silent_s)
    # the boat on radar, its track going on at 16.6 kn after its last report: it did not stop, 5.6 min is a gap
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    fused = leg(AIS_ONLY_ID_OFFSET + 423503612, OFF_LANKARAN, duration_s=600, speed_kn=16.6, cog_deg=48, kind=FUSED,
                mmsi=423503612, dt=30, ship_type=37, length_m=8.0, radar_track_id=77)
    dark = leg(77, end_of(fused), t0=610, duration_s=900, speed_kn=16.6, cog_deg=48, kind=DARK, radar_track_id=77)
    heard = leg(AIS_ONLY_ID_OFFSET + 423503612, end_of(dark), t0=600 + 334, duration_s=60, speed_kn=16.6, cog_deg=48,
                kind=AIS, mmsi=423503612, dt=30, ship_type=37, length_m=8.0)
    run(e, fused, dark, heard, leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    assert gaps(e) == [423503612]


def test_a_small_craft_last_heard_just_above_its_rest_rate_may_have_stopped_a_faster_one_has_gone_dark() -> None:
    """A fishing boat of 18 m (class B) at 2.9 kn stops after its last report and is heard again at rest 7.9 min
    later, two reports at the 3 min rate lost (cigarette-run seed 13, a false alarm): at 3 kn it may be at rest, and
    a boat at rest has 18 min. The same silence of a boat last heard at 6 kn (the storm's trawler) is a gap, and
    so is that of a ship of 60 m at 2.9 kn (class A: 10 s under way)."""
    for kn, length_m, gapped in ((2.9, 18.0, False), (6.0, 18.0, True), (2.9, 60.0, True)):
        e = DetectionEngine(caspian(), rules=("ais_gap",))
        moving = leg(1, OFF_LANKARAN, duration_s=900, speed_kn=kn, cog_deg=10, kind=AIS, mmsi=423440325, dt=30,
                     ship_type=30, length_m=length_m)
        at_rest = leg(1, end_of(moving), t0=900 + 473, duration_s=900, speed_kn=0, cog_deg=10, kind=AIS,
                      mmsi=423440325, dt=180, ship_type=30, length_m=length_m)
        run(e, moving, at_rest, leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
        assert gaps(e) == ([423440325] if gapped else []), (kn, length_m)


def _stopped_fishing_boat_on_radar(track_then: list[tuple[float, float, float]]) -> DetectionEngine:
    """A fishing boat of 18 m (class B) at 2.6 kn on radar track 77, fused, reporting every 30 s for 10 min, then
    silent for 7.4 min (its first two reports at rest lost) while its track, a dark contact now, goes on as
    `track_then` says: legs of (seconds, knots, course), measured every 5 s to σ 30 m (a storm's sea)."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    noise = {"var_e_m2": 900.0, "var_n_m2": 900.0}
    fused = leg(AIS_ONLY_ID_OFFSET + 423459324, OFF_LANKARAN, duration_s=600, speed_kn=2.6, cog_deg=110, kind=FUSED,
                mmsi=423459324, dt=5, ship_type=30, length_m=18.0, ais_class=AIS_CLASS_B, radar_track_id=77, **noise)
    legs, at, t0 = [fused], end_of(fused), 605.0
    for duration_s, kn, cog in track_then:
        legs.append(leg(77, at, t0=t0, duration_s=duration_s, speed_kn=kn, cog_deg=cog, kind=DARK, dt=5,
                        radar_track_id=77, **noise))
        at, t0 = end_of(legs[-1]), t0 + duration_s + 5
    heard = leg(AIS_ONLY_ID_OFFSET + 423459324, at, t0=600 + 446, duration_s=600, speed_kn=0, cog_deg=110, kind=AIS,
                mmsi=423459324, dt=180, ship_type=30, length_m=18.0, ais_class=AIS_CLASS_B)
    run(e, *legs, heard, leg(9, FAR_AWAY, duration_s=2400, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    return e


def test_a_stopped_boats_radar_track_wandering_in_a_storms_sea_has_not_shown_it_under_way() -> None:
    """Held-out storm 132 (a false ais_gap and dark_target): the boat stopped to fish; in sea state 5 its track
    wandered south at 2.4-2.8 kn for 2 min, 3-5 min into the silence, and the rule took the boat for under way
    (class B: 30 s, a gap after 5 min). Made good ~2.2 kn over the last 1-2.5 min with σ 30 m at both ends is
    within two σ of standing still: the boat may be at rest (18 min). A track that sails off at 6 kn has shown
    it is under way."""
    wander = [(180.0, 0.0, 0.0), (150.0, 2.8, 166.0), (300.0, 0.0, 0.0)]
    assert gaps(_stopped_fishing_boat_on_radar(wander)) == []
    assert gaps(_stopped_fishing_boat_on_radar([(900.0, 6.0, 166.0)])) == [423459324]


def test_a_gap_whose_vessel_radar_tracks_under_its_own_track_id_follows_the_track_and_says_so() -> None:
    """Heard stopped on radar track 77, then silent while the track (a dark contact once fusion lets go) sails off
    ESE at 10 kn for 30 min: the open alert's position follows the track, and its summary keeps saying that radar
    still tracks it (it said so when it opened, then dropped it at the first refresh and stayed pinned where the
    AIS was last heard, 9 km behind)."""
    e = DetectionEngine(caspian(), rules=("ais_gap",))
    start = (40.12, 49.75)
    heard = leg(AIS_ONLY_ID_OFFSET + 422000001, start, duration_s=600, speed_kn=0, cog_deg=0, kind=FUSED,
                mmsi=422000001, radar_track_id=77)
    dark = leg(77, start, t0=620, duration_s=1800, speed_kn=10, cog_deg=110, kind=DARK, radar_track_id=77)
    run(e, heard, dark, leg(9, FAR_AWAY, duration_s=2420, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    (gap,) = of_type(e, "ais_gap")
    assert gap["end"] is None and "while radar still tracks it" in gap["summary"]
    assert abs(gap["lat"] - dark["lat"][-1]) < 0.005 and abs(gap["lon"] - dark["lon"][-1]) < 0.005

"""The engine forgets contacts long gone (`forget_s`), so a live run of months keeps a bounded memory, and
forgetting them changes no alert: an open alert keeps the contacts and MMSIs it refers to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from detect_helpers import DARK, FUSED, caspian, leg, of_type, run

from seawatch.detect.engine import DetectionEngine
from seawatch.detect.identity import TrackIdentity
from seawatch.detect.slots import SlotState
from seawatch.model.contact import TrackStatus
from seawatch.track.fusion import AIS_ONLY_ID_OFFSET

OFF_LANKARAN = (38.80, 49.10)   # open sea inside AIS and radar cover, far from ports
FAR_AWAY = (39.40, 50.20)


def _short_tracks(n: int, every_s: float = 120.0) -> list[dict[str, np.ndarray]]:
    """n dark radar tracks of 5 min each, one starting every `every_s`, each a new track id (as clutter and short
    tracks come and go on a real radar: most contact ids are never seen again)."""
    return [leg(1000 + k, (38.60 + 0.001 * (k % 50), 49.30), t0=every_s * k, duration_s=300, speed_kn=3,
                cog_deg=45) for k in range(n)]


def test_a_run_of_many_short_lived_tracks_keeps_a_bounded_memory() -> None:
    tracks = _short_tracks(200)
    keep_all = DetectionEngine(caspian(), rules=("loitering",), forget_s=1e12)
    run(keep_all, *tracks, step_s=60.0)
    bounded = DetectionEngine(caspian(), rules=("loitering",), forget_s=1800.0, forget_every_s=600.0)
    run(bounded, *tracks, step_s=60.0)
    assert keep_all.memory.n == 200 and keep_all.n_forgotten == 0
    # alive or gone within the last 1800 + 600 s (+ a cycle): ~(300 + 2400) / 120 tracks at most
    assert bounded.memory.n <= 25 and bounded.n_forgotten >= 175
    assert bounded.memory.cap == 1024   # the first allocation: never grown


def test_a_forgotten_contact_that_comes_back_gets_a_fresh_slot() -> None:
    first = leg(7, OFF_LANKARAN, duration_s=600, speed_kn=5, cog_deg=0)
    again = leg(7, OFF_LANKARAN, t0=3000, duration_s=600, speed_kn=5, cog_deg=0)
    clock = leg(9, FAR_AWAY, duration_s=3600, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    rows = {}
    for name, forget_s, legs in (("kept", 1e12, (first, again)), ("forgotten", 1200.0, (first, again)),
                                 ("second leg alone", 1e12, (again,))):
        e = DetectionEngine(caspian(), rules=("loitering",), forget_s=forget_s, forget_every_s=60.0)
        run(e, *legs, clock)
        (slot,) = e.memory.find(np.array([7]))
        rows[name] = int(e.memory.i["rows"][slot])
        assert e.n_forgotten == (name == "forgotten")
    assert rows["forgotten"] == rows["second leg alone"] < rows["kept"]


def test_an_ais_gap_open_longer_than_forget_s_goes_on_while_radar_tracks_the_vessel() -> None:
    """The silent MMSI's own contact expires once fusion lets go (its radar track is a dark contact under the
    track id), but its open gap still reads that contact's last AIS report: it is kept while the alert is open."""
    heard = leg(AIS_ONLY_ID_OFFSET + 422000001, OFF_LANKARAN, duration_s=600, speed_kn=8, cog_deg=90, kind=FUSED,
                mmsi=422000001, radar_track_id=77)
    dark = leg(77, OFF_LANKARAN, t0=620, duration_s=5400, speed_kn=8, cog_deg=100, kind=DARK, radar_track_id=77)
    clock = leg(9, FAR_AWAY, duration_s=6200, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009)
    alerts = []
    for forget_s in (1e12, 1200.0):
        e = DetectionEngine(caspian(), rules=("ais_gap",), forget_s=forget_s, forget_every_s=60.0)
        run(e, heard, dark, clock)
        alerts.append(of_type(e, "ais_gap"))
    (gap,) = alerts[0]
    assert gap["end"] is None and gap["evidence"]["gap_s"] > 5000
    assert alerts[1] == alerts[0]


def test_forgetting_long_gone_contacts_changes_no_alert_of_a_threat_scenario(tmp_path: Path) -> None:
    from seawatch.config.loader import load_site
    from seawatch.eval.truth_contacts import truth_contacts
    from seawatch.sim.run import simulate
    from seawatch.sim.scenario import load_scenario

    scn = load_scenario("cigarette-run")
    scn = scn.model_copy(update={"traffic": scn.traffic.model_copy(update={"scale": 0.05})})
    simulate(scn, tmp_path, duration_s=9_000)
    site = load_site(tmp_path / "site.toml")
    batches = list(truth_contacts(tmp_path, site, step_s=20.0))
    default, eager = DetectionEngine(site), DetectionEngine(site, forget_s=1200.0, forget_every_s=60.0)
    for b in batches:
        default.process(b)
        eager.process(b)
    assert eager.n_forgotten > 0 and default.n_forgotten == 0
    assert len(default.finish()) >= 3 and eager.finish() == default.finish()


def test_forget_s_must_outlast_the_stale_time() -> None:
    with pytest.raises(ValueError, match="forget_s"):
        DetectionEngine(caspian(), stale_s=600.0, forget_s=600.0)


def test_a_track_identity_is_found_by_track_id_and_forgotten_once_old() -> None:
    ti = TrackIdentity()
    ti.note(np.array([5, 900_000, -1]), np.array([422000001, 422000002, 422000003]), np.array([10.0, 20.0, 20.0]))
    ti.note(np.array([5]), np.array([422000004]), np.array([30.0]))
    m, t = ti.last(np.array([5, 900_000, 6, -1]))
    assert m.tolist() == [422000004, 422000002, 0, 0] and t[:2].tolist() == [30.0, 20.0] and np.isnan(t[2:]).all()
    assert ti.forget(25.0).tolist() == [900_000] and len(ti) == 1
    m, _ = ti.last(np.array([5, 900_000]))
    assert m.tolist() == [422000004, 0] and int(ti.prev_mmsi[0]) == 422000001


def test_an_identity_refuted_on_a_track_holds_until_the_track_is_fused_with_it_again_or_forgotten() -> None:
    ti = TrackIdentity()
    ti.note(np.array([5, 6]), np.array([422000001, 422000002]), np.array([10.0, 10.0]))
    ti.refuted = {5: {422000001}, 6: {422000002}}
    ti.note(np.array([5]), np.array([422000001]), np.array([30.0]))   # its AIS on the track again
    assert ti.refuted == {5: set(), 6: {422000002}}
    assert ti.forget(20.0).tolist() == [6] and 6 not in ti.refuted


def test_slot_state_keeps_the_slots_asked_for_in_order_and_fills_the_rest() -> None:
    class Two(SlotState):
        slot_fields = {"a": np.nan, "b": -1}   # noqa: RUF012

        def __init__(self) -> None:
            self.a, self.b = np.zeros(0), np.zeros((0, 2), np.int64)

    s = Two()
    s.grow(4)
    s.a[:] = [0.0, 1.0, 2.0, 3.0]
    s.b[:] = [[0, 0], [1, 1], [2, 2], [3, 3]]
    s.take(np.array([1, 3]))
    assert np.array_equal(s.a, [1.0, 3.0, np.nan, np.nan], equal_nan=True)
    assert s.b.tolist() == [[1, 1], [3, 3], [-1, -1], [-1, -1]]
    s.grow(2)   # never shrinks
    assert len(s.a) == 4


def test_the_last_row_of_a_contact_never_seen_or_forgotten_leaves_no_slot_behind() -> None:
    e = DetectionEngine(caspian(), rules=("loitering",), forget_s=3600.0, forget_every_s=60.0)
    first = leg(7, OFF_LANKARAN, duration_s=600, speed_kn=5, cog_deg=0)
    lost = leg(7, OFF_LANKARAN, t0=5000, duration_s=0, speed_kn=5, cog_deg=0, status=int(TrackStatus.LOST))
    never = leg(55, OFF_LANKARAN, t0=5000, duration_s=0, speed_kn=5, cog_deg=0, status=int(TrackStatus.LOST))
    run(e, first, lost, never, leg(9, FAR_AWAY, duration_s=9000, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000009))
    assert e.n_forgotten == 1 and (e.memory.find(np.array([7, 55])) == -1).all() and e.memory.n == 1


def test_a_row_stamped_far_in_the_future_does_not_stop_the_forgetting() -> None:
    """Forgetting is scheduled on event time: one row 30 days ahead, run as a cycle of its own between normal
    ones, must not put it off for 30 days."""
    early = leg(8, FAR_AWAY, duration_s=300, speed_kn=10, cog_deg=0, kind=FUSED, mmsi=422000008, dt=30.0)
    glitch = leg(77, OFF_LANKARAN, t0=300 + 30 * 86_400.0, duration_s=0, speed_kn=1, cog_deg=0)
    tracks = [leg(1000 + k, (38.60 + 0.001 * (k % 50), 49.30), t0=600 + 120.0 * k, duration_s=300, speed_kn=3,
                  cog_deg=45) for k in range(100)]
    counts = []
    for extra in ((), (glitch,)):
        e = DetectionEngine(caspian(), rules=("loitering",), forget_s=3600.0, forget_every_s=600.0)
        run(e, early)
        for lg in extra:
            run(e, lg)
            e.flush()
        run(e, *tracks, step_s=60.0)
        counts.append(e.n_forgotten)
    assert counts[0] >= 60 and counts[1] >= counts[0] - 5


def test_a_forget_s_shorter_than_a_rules_window_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="seawatch.detect.engine"):
        DetectionEngine(caspian(), rules=("loitering",), forget_s=1800.0)
    assert "shorter than loitering." in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="seawatch.detect.engine"):
        DetectionEngine(caspian())
    assert "forget_s" not in caplog.text

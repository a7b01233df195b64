"""Track re-acquisition: a new track where a confirmed one was lost a short while ago continues it (same id),
and near a coasting or recently lost track a new track's confirmation window runs in time, not in steps of
every radar."""

from __future__ import annotations

import numpy as np

from seawatch.track.splice import SpliceParams
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams

SCAN_S = 2.5
REACQUIRE = SpliceParams(memory_s=120.0, window_scans=3.0)


def _tracker(splice: SpliceParams) -> RadarTracker:
    return RadarTracker(TrackerParams(q_m2ps3=0.05, manoeuvre_q_m2ps3=1.0, clutter_density_per_m2=1e-9,
                                      scan_period_s=SCAN_S, min_coast_s=30.0, splice=splice))


def _ids_after_a_fade(splice: SpliceParams, moved_m: float = 80.0) -> tuple[set[int], set[int]]:
    """A boat at rest, seen every scan for 60 s, unseen for 40 s, then seen again ``moved_m`` away for 30 s.
    Returns the confirmed track ids on it before and after the fade."""
    rng = np.random.default_rng(7)
    tr = _tracker(splice)
    before: set[int] = set()
    after: set[int] = set()
    for k in range(52):
        t = k * SCAN_S
        boat = np.array([0.0, 0.0]) if t < 60.0 else np.array([moved_m, 0.0])
        seen = t < 60.0 or t >= 100.0
        plots = boat[None] + rng.normal(0.0, 15.0, (1, 2)) if seen else np.empty((0, 2))
        table = tr.step(t, plots)
        near = table.confirmed & (np.hypot(*(table.x[:, :2] - boat).T) < 150.0)
        if t < 60.0 or t >= 100.0:
            (before if t < 60.0 else after).update(table.track_id[near].tolist())
    return before, after


def test_a_confirmed_track_that_loses_its_boat_for_40_s_and_finds_it_80_m_away_keeps_its_id() -> None:
    before, after = _ids_after_a_fade(REACQUIRE)
    assert len(before) == 1
    assert after == before


def test_without_a_memory_of_lost_tracks_the_boat_found_again_gets_a_new_id() -> None:
    before, after = _ids_after_a_fade(SpliceParams())
    assert len(before) == 1 and len(after) == 1
    assert after != before


def test_a_boat_found_again_far_beyond_its_reach_is_a_new_track() -> None:
    near = SpliceParams(base_m=100.0, speed_mps=5.0, memory_s=120.0, window_scans=3.0)
    before, after = _ids_after_a_fade(near, moved_m=500.0)
    assert after and after.isdisjoint(before)     # 500 m after 42.5 s is beyond 100 m + 5 m/s x 42.5 s
    assert _ids_after_a_fade(near, moved_m=150.0)[1] == before


def _two_radars(splice: SpliceParams) -> tuple[list[int], int]:
    """A boat at rest that only radar A sees (on alternate scans after a 45 s fade); radar B covers the spot
    and scans once between two of A's scans but never sees it. Returns the confirmed ids on the boat after the fade
    and the id before it."""
    a = MeasurementNoise(sigma_m=20.0)
    b = MeasurementNoise(sigma_m=20.0)
    tr = _tracker(splice)
    rng = np.random.default_rng(11)
    boat = np.array([1_000.0, 2_000.0])
    first = -1
    ids: list[int] = []
    for k in range(60):
        t = k * SCAN_S
        # seen on every A scan for 50 s, not at all for 45 s, then on every other A scan
        seen = t < 50.0 or (t >= 95.0 and k % 2 == 0)
        plots = boat[None] + rng.normal(0.0, 10.0, (1, 2)) if seen else np.empty((0, 2))
        table = tr.step(t, plots, a)
        tr.step(t + 1.2, np.empty((0, 2)), b)
        near = table.confirmed & (np.hypot(*(table.x[:, :2] - boat).T) < 150.0)
        if t < 50.0 and near.any():
            first = int(table.track_id[near][0])
        elif t >= 95.0:
            ids.extend(table.track_id[near].tolist())
    return ids, first


def test_a_boat_one_radar_sees_on_every_other_scan_is_re_acquired_despite_the_other_radars_scans() -> None:
    ids, first = _two_radars(REACQUIRE)
    assert first > 0 and ids and set(ids) == {first}


def test_counted_in_steps_of_every_radar_the_boat_seen_every_other_scan_is_not_confirmed_again() -> None:
    ids, first = _two_radars(SpliceParams(memory_s=120.0, window_scans=0.0))
    assert first > 0 and not ids


def test_a_track_lost_and_continued_in_the_same_step_is_not_reported_lost() -> None:
    tr = _tracker(REACQUIRE)
    rng = np.random.default_rng(5)
    for k in range(200):
        t = k * SCAN_S
        seen = t < 60.0 or t >= 100.0
        table = tr.step(t, rng.normal(0.0, 15.0, (1, 2)) if seen else np.empty((0, 2)))
        assert len(set(table.track_id.tolist())) == len(table), f"{t} s: an id twice in one table"

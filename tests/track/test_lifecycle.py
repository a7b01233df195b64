"""Track lifecycle: M-of-N confirmation, coasting and deletion."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.track.lifecycle import LifecycleParams, LifecycleState, TrackStatus, advance

PARAMS = LifecycleParams(confirm_m=2, confirm_n=3, delete_misses=5, young_hits=4, young_delete_misses=2,
                         max_position_sigma_m=1_000.0)


def _run(hits: list[bool], sigma_m: float = 30.0) -> list[TrackStatus]:
    st = LifecycleState.born(1)
    out = []
    for h in hits:
        st = advance(st, np.array([h]), np.array([sigma_m]), PARAMS)
        out.append(TrackStatus(int(st.status[0])))
        if st.status[0] == TrackStatus.LOST:
            break
    return out


def test_a_vessel_detected_twice_in_three_scans_is_confirmed() -> None:
    assert _run([False, True])[-1] == TrackStatus.CONFIRMED
    assert _run([True])[-1] == TrackStatus.CONFIRMED


def test_an_isolated_clutter_plot_never_confirms_and_is_dropped_after_the_window() -> None:
    assert _run([False, False]) == [TrackStatus.TENTATIVE, TrackStatus.LOST]


def test_a_confirmed_track_coasts_through_a_miss_and_recovers() -> None:
    states = _run([True, True, True, True, False, True])
    assert states[-2:] == [TrackStatus.COASTING, TrackStatus.CONFIRMED]


def test_an_established_track_is_deleted_after_five_consecutive_misses() -> None:
    states = _run([True] * 6 + [False] * 6)
    assert states[-1] == TrackStatus.LOST
    assert len(states) == 6 + 5
    assert states[-2] == TrackStatus.COASTING


def test_a_young_track_with_few_hits_is_deleted_after_two_misses() -> None:
    assert _run([True, False, False]) == [TrackStatus.CONFIRMED, TrackStatus.COASTING, TrackStatus.LOST]


def test_a_track_whose_position_is_too_uncertain_is_deleted() -> None:
    assert _run([True, True], sigma_m=5_000.0)[-1] == TrackStatus.LOST


def test_rows_advance_independently() -> None:
    st = LifecycleState.concat(LifecycleState.born(1), LifecycleState.born(1))
    st = advance(st, np.array([True, False]), np.array([30.0, 30.0]), PARAMS)
    st = advance(st, np.array([True, False]), np.array([30.0, 30.0]), PARAMS)
    assert st.status.tolist() == [TrackStatus.CONFIRMED, TrackStatus.LOST]


def _run_timed(hit_times: set[float], scan_times: list[float], params: LifecycleParams) -> tuple[float, TrackStatus]:
    """A confirmed track scanned at scan_times, hit at hit_times: (time it ended or the last scan, status)."""
    st = LifecycleState.born(1, 0.0)
    for t in scan_times:
        st = advance(st, np.array([t in hit_times]), np.array([30.0]), params, time_s=t)
        if st.status[0] == TrackStatus.LOST:
            return t, TrackStatus.LOST
    return scan_times[-1], TrackStatus(int(st.status[0]))


def test_with_two_radars_a_track_one_of_them_misses_is_not_deleted_by_the_others_misses() -> None:
    # radar A (every 2.5 s from 0) holds the vessel; radar B (every 2.5 s from 1.25) never sees it
    scans = [k * 1.25 for k in range(40)]
    hits = {t for t in scans if (t / 1.25) % 2 == 0}
    counted = LifecycleParams(delete_misses=4, young_delete_misses=2)
    assert _run_timed(hits, scans, counted)[1] != TrackStatus.LOST   # misses are consecutive only
    # A loses it for 3 of its scans: with miss counting B's scans make that 6 misses, by time it is 7.5 s
    gap = hits - {10.0, 12.5, 15.0}
    assert _run_timed(gap, scans, counted)[1] == TrackStatus.LOST
    timed = LifecycleParams(delete_misses=4, young_delete_misses=2, scan_period_s=2.5)
    assert _run_timed(gap, scans, timed)[1] != TrackStatus.LOST


def test_a_confirmed_track_coasts_at_least_the_minimum_coast_time() -> None:
    scans = [k * 2.5 for k in range(40)]
    hits = {t for t in scans if t <= 20.0}
    ended, status = _run_timed(hits, scans, LifecycleParams(delete_misses=4, scan_period_s=2.5, min_coast_s=30.0))
    assert status == TrackStatus.LOST and ended == pytest.approx(52.5)   # first scan more than 30 s after 20 s

"""Track splicing: a track re-initiated beside its own coasting predecessor keeps the predecessor's id."""

from __future__ import annotations

import numpy as np

from seawatch.track.splice import SpliceParams, splice_pairs
from seawatch.track.tracker import RadarTracker, TrackerParams


def test_a_new_track_near_a_track_coasting_since_before_its_birth_is_spliced() -> None:
    new_xy = np.array([[0.0, 0.0], [50_000.0, 0.0]])
    old_xy = np.array([[400.0, 0.0], [0.0, 300.0]])
    # old 0 coasted 10 s (reach 550 m), old 1 had a plot after the new track was born: a different vessel
    ni, oj = splice_pairs(new_xy, np.array([95.0, 95.0]), old_xy, np.array([90.0, 98.0]), 100.0, SpliceParams())
    assert ni.tolist() == [0] and oj.tolist() == [0]


def test_a_new_track_beyond_the_reach_of_the_coasting_one_is_not_spliced() -> None:
    ni, _ = splice_pairs(np.array([[0.0, 0.0]]), np.array([99.0]), np.array([[900.0, 0.0]]), np.array([90.0]),
                         100.0, SpliceParams(base_m=300.0, speed_mps=25.0))    # reach 550 m
    assert len(ni) == 0


def _hard_turn(splice: SpliceParams | None) -> set[int]:
    """A 40 kn boat that turns 120 degrees on the spot, seen every 2.5 s: the track ids that followed it."""
    dt, speed = 2.5, 20.6
    heading = np.where(np.arange(60) < 30, 0.0, np.radians(120.0))
    vel = speed * np.stack([np.sin(heading), np.cos(heading)], axis=1)
    pos = np.cumsum(vel * dt, axis=0)
    rng = np.random.default_rng(3)
    tr = RadarTracker(TrackerParams(q_m2ps3=0.05, manoeuvre_q_m2ps3=1.0, clutter_density_per_m2=1e-9,
                                    scan_period_s=dt, min_coast_s=30.0, splice=splice))
    ids: set[int] = set()
    for k in range(60):
        table = tr.step(k * dt, pos[k:k + 1] + rng.normal(0, 25.0, (1, 2)))
        near = table.confirmed & (np.hypot(*(table.x[:, :2] - pos[k]).T) < 150.0)
        ids |= set(table.track_id[near].tolist())
    return ids


def test_a_go_fast_that_turns_hard_keeps_one_track_id_with_splicing() -> None:
    assert len(_hard_turn(None)) > 1          # the turn breaks the track: a second one starts
    assert len(_hard_turn(SpliceParams())) == 1

"""A contact's trail: a position every 30 s over the last minutes, and since when it has been slow."""

from __future__ import annotations

import numpy as np

from seawatch.detect.trail import Trail, near, slow_since

KN = 0.514444


def test_a_trail_keeps_one_sample_per_interval_and_only_the_last_n() -> None:
    tr = Trail(every_s=30.0, n=4)
    tr.grow(8)
    for k in range(20):   # one row every 10 s for slots 2 and 5
        t = np.array([10.0 * k, 10.0 * k])
        tr.note(np.array([2, 5]), t, t * 2, -t)
    t, x, y = tr.samples(2)
    assert t.tolist() == [90.0, 120.0, 150.0, 180.0]   # samples at 0, 30, ... 180: the last four
    assert x.tolist() == [180.0, 240.0, 300.0, 360.0] and y.tolist() == [-90.0, -120.0, -150.0, -180.0]
    assert tr.samples(3)[0].size == 0


def test_a_trail_survives_the_memory_growing() -> None:
    tr = Trail(every_s=30.0, n=3)
    tr.grow(2)
    tr.note(np.array([1]), np.array([0.0]), np.array([5.0]), np.array([6.0]))
    tr.grow(1024)
    tr.note(np.array([1, 700]), np.array([30.0, 30.0]), np.array([7.0, 1.0]), np.array([8.0, 1.0]))
    assert tr.samples(1)[0].tolist() == [0.0, 30.0] and tr.samples(700)[1].tolist() == [1.0]


def test_a_row_older_than_the_latest_sample_is_not_a_sample() -> None:
    tr = Trail(every_s=30.0, n=3)
    tr.grow(4)
    tr.note(np.array([0]), np.array([100.0]), np.array([0.0]), np.array([0.0]))
    tr.note(np.array([0]), np.array([50.0]), np.array([9.0]), np.array([9.0]))
    assert tr.samples(0)[0].tolist() == [100.0]


def test_a_boat_that_ran_in_at_20_kn_is_slow_from_the_sample_where_it_stopped() -> None:
    t = np.arange(0.0, 600.0, 30.0)
    x = np.where(t < 300.0, (t - 300.0) * 20 * KN, 0.0)   # stops at x = 0 at 300 s
    jitter = np.random.default_rng(1).normal(0.0, 15.0, len(t))   # a stopped echo wanders
    since = slow_since(t, x + jitter, np.zeros_like(t), 600.0, 0.0, 0.0, 2 * KN, 120.0, 75.0)
    assert since == 300.0


def test_a_boat_that_drifts_at_1_kn_has_been_slow_all_along_and_one_at_4_kn_is_not_slow() -> None:
    t = np.arange(0.0, 330.0, 30.0)
    for kn, expected in ((1.0, 0.0), (4.0, 330.0)):
        x = t * kn * KN
        assert slow_since(t, x, np.zeros_like(t), 330.0, 330.0 * kn * KN, 0.0, 2 * KN, 120.0, 75.0) == expected


def test_an_unknown_position_is_no_evidence_of_a_stop() -> None:
    t = np.arange(0.0, 330.0, 30.0)
    x = np.zeros_like(t)
    x[3] = np.nan
    assert slow_since(t, x, np.zeros_like(t), 330.0, 0.0, 0.0, 2 * KN, 120.0, 75.0) == 120.0


def test_a_boat_slow_for_less_than_the_span_is_not_dated_back() -> None:
    t = np.array([0.0, 30.0, 60.0])
    x = np.array([-600.0, -300.0, 0.0])   # running in at ~20 kn until 60 s
    assert slow_since(t, x, np.zeros(3), 150.0, 0.0, 0.0, 2 * KN, 120.0, 75.0) == 150.0


def test_near_gives_the_sample_closest_in_time_or_none_beyond_the_interval() -> None:
    t, x, y = np.array([0.0, 30.0, 60.0]), np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    assert near(t, x, y, 40.0, 30.0) == (2.0, 5.0)
    assert near(t, x, y, 100.0, 30.0) is None
    assert near(t[:0], x[:0], y[:0], 0.0, 30.0) is None


def test_a_trail_read_at_a_time_leaves_out_samples_from_before_its_window() -> None:
    """The ring keeps its last n samples however old they are: a contact silent for two hours still holds its
    samples from before the silence, and those say nothing of where it was lately."""
    tr = Trail(every_s=30.0, n=12)
    tr.grow(2)
    for t in (0.0, 30.0, 60.0, 7200.0, 7230.0):
        tr.note(np.array([1]), np.array([t]), np.array([0.0]), np.array([0.0]))
    assert tr.window_s == 390.0
    assert tr.samples(1, now=7240.0)[0].tolist() == [7200.0, 7230.0]
    assert tr.samples(1)[0].tolist() == [0.0, 30.0, 60.0, 7200.0, 7230.0]


def test_a_trail_of_a_contact_seen_all_along_keeps_all_n_samples_up_to_its_window() -> None:
    tr = Trail(every_s=30.0, n=12)
    tr.grow(1)
    for k in range(100):   # a row every 5 s: samples 30 s apart
        tr.note(np.array([0]), np.array([5.0 * k]), np.array([0.0]), np.array([0.0]))
    assert len(tr.samples(0, now=495.0)[0]) == 12   # the oldest, 330 s before the latest, within 390 s
    assert tr.samples(0, now=150.0 + 390.0)[0][0] == 150.0 and len(tr.samples(0, now=150.0 + 390.001)[0]) == 11

"""A dark radar track's evidence: its plots per scan since first shown, and whether it has shown it is a vessel."""

from __future__ import annotations

import numpy as np

from seawatch.detect.track_evidence import TrackEvidence, shown_vessel


def _evidence() -> TrackEvidence:
    ev = TrackEvidence(scan_s=2.5)
    ev.grow(4)
    return ev


def test_plots_per_scan_count_from_when_the_contact_was_first_seen_with_its_track() -> None:
    ev = _evidence()
    s = np.array([0, 1])
    ev.plots_per_scan(s, np.array([0.0, 0.0]), np.array([7, 8]), np.array([3, 3]))
    rate = ev.plots_per_scan(s, np.array([100.0, 100.0]), np.array([7, 8]), np.array([39, 11]))
    # 36 plots in 40 scans of 2.5 s; 8 plots in 40 scans
    assert np.allclose(rate, [0.9, 0.2])


def test_a_rate_over_less_than_half_a_minute_is_not_given() -> None:
    ev = _evidence()
    s = np.array([0])
    ev.plots_per_scan(s, np.array([0.0]), np.array([7]), np.array([3]))
    assert np.isnan(ev.plots_per_scan(s, np.array([20.0]), np.array([7]), np.array([10])))


def test_a_contact_that_changes_radar_track_counts_the_new_tracks_plots_afresh() -> None:
    ev = _evidence()
    s = np.array([0])
    ev.plots_per_scan(s, np.array([0.0]), np.array([7]), np.array([3]))
    assert np.isnan(ev.plots_per_scan(s, np.array([100.0]), np.array([9]), np.array([500])))
    assert np.allclose(ev.plots_per_scan(s, np.array([150.0]), np.array([9]), np.array([510])), 0.5)


def test_a_contact_without_a_radar_track_or_plot_count_has_no_rate() -> None:
    ev = _evidence()
    s = np.array([0, 1])
    ev.plots_per_scan(s, np.array([0.0, 0.0]), np.array([-1, 7]), np.array([-1, -1]))
    assert np.isnan(ev.plots_per_scan(s, np.array([100.0, 100.0]), np.array([-1, 7]), np.array([-1, -1]))).all()


def test_a_dark_track_shows_it_is_a_vessel_by_its_score_or_its_plots_and_a_track_without_counts_is_not_judged() -> None:
    dark = np.array([True, True, True, True, True, False])
    plots = np.array([10, 10, 10, 10, -1, 10])
    score = np.array([5.0, 40.0, np.nan, np.nan, np.nan, np.nan])
    rate = np.array([0.1, 0.1, 0.9, np.nan, np.nan, np.nan])
    assert shown_vessel(dark, plots, score, rate, 20.0, 0.3).tolist() == [False, True, True, False, True, True]

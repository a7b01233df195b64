"""The radar tracker end to end on small deterministic scenes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seawatch.config.site import SensorConfig
from seawatch.track.lifecycle import TrackStatus
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams

DT = 2.0


def _scene(rng: np.random.Generator, n_scans: int, clutter: int = 5, pd: float = 0.9,
           sigma: float = 25.0) -> tuple[np.ndarray, list[np.ndarray]]:
    """Three vessels: two crossing at right angles at scan 20, one alone; clutter over 20 x 20 km."""
    start = np.array([[-400.0, 0.0], [0.0, -400.0], [6_000.0, 6_000.0]])
    vel = np.array([[10.0, 0.0], [0.0, 10.0], [-5.0, 3.0]])
    truth, plots = [], []
    for k in range(n_scans):
        pos = start + vel * DT * k
        truth.append(pos)
        det = rng.random(3) < pd
        z = pos[det] + rng.normal(0, sigma, (int(det.sum()), 2))
        c = rng.uniform(-10_000, 10_000, (clutter, 2))
        plots.append(rng.permutation(np.concatenate([z, c])))
    return np.array(truth), plots


def _params() -> TrackerParams:
    return TrackerParams(q_m2ps3=0.05, pd=0.9, clutter_density_per_m2=5 / 20_000.0**2)


def test_every_vessel_gets_one_confirmed_track_and_clutter_none() -> None:
    truth, plots = _scene(np.random.default_rng(1), 40)
    tr = RadarTracker(_params())
    for k, z in enumerate(plots):
        table = tr.step(k * DT, z)
        if k < 3:
            continue
        c = table.confirmed
        est = table.x[c, :2]
        d = np.hypot(*(truth[k][:, None, :] - est[None, :, :]).transpose(2, 0, 1))
        assert (d.min(axis=1) < 100).all(), f"scan {k}: a vessel has no track"
        assert (d.min(axis=0) < 100).all(), f"scan {k}: a confirmed track is on no vessel"
        assert c.sum() == 3, f"scan {k}: {c.sum()} confirmed tracks for 3 vessels"


def test_crossing_vessels_keep_their_track_ids() -> None:
    truth, plots = _scene(np.random.default_rng(2), 45, clutter=0, pd=1.0)
    tr = RadarTracker(_params())
    owner: dict[int, set[int]] = {0: set(), 1: set()}
    for k, z in enumerate(plots):
        table = tr.step(k * DT, z)
        if k < 2 or np.hypot(*(truth[k][0] - truth[k][1])) < 150:
            continue                          # identities are judged where the two are apart
        for v in (0, 1):
            d = np.hypot(*(table.x[:, :2] - truth[k][v]).T)
            owner[v].add(int(table.track_id[np.argmin(d)]))
    assert len(owner[0]) == 1 and len(owner[1]) == 1 and owner[0] != owner[1]


def test_velocity_converges_to_the_vessel_speed() -> None:
    truth, plots = _scene(np.random.default_rng(3), 30, clutter=0)
    tr = RadarTracker(_params())
    for k, z in enumerate(plots):
        table = tr.step(k * DT, z)
    lone = np.argmin(np.hypot(*(table.x[:, :2] - truth[-1][2]).T))
    np.testing.assert_allclose(table.x[lone, 2:], [-5.0, 3.0], atol=1.5)


def test_a_lost_vessel_is_reported_lost_once_then_removed() -> None:
    _, plots = _scene(np.random.default_rng(4), 12, clutter=0, pd=1.0)
    tr = RadarTracker(_params())
    for k, z in enumerate(plots):
        tr.step(k * DT, z)
    ids = set(tr.ids.tolist())
    statuses = []
    for k in range(12, 20):                   # the radar goes blind
        table = tr.step(k * DT, np.empty((0, 2)))
        statuses.append(table.status.tolist())
    assert [TrackStatus.LOST] * 3 in statuses
    assert len(tr) == 0 and ids


def test_a_late_batch_is_counted_and_does_not_rewind_the_picture() -> None:
    tr = RadarTracker(_params())
    tr.step(10.0, np.array([[0.0, 0.0]]))
    tr.step(4.0, np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert tr.n_late_plots == 2 and tr.time_s == 10.0


def test_two_overlapping_radars_update_one_track_per_vessel() -> None:
    rng = np.random.default_rng(5)
    radar_a, radar_b = (-15_000.0, 0.0), (0.0, -15_000.0)
    noise_a = MeasurementNoise(sensor_xy=radar_a, range_sigma_m=20.0, bearing_sigma_deg=0.2)
    noise_b = MeasurementNoise(sensor_xy=radar_b, range_sigma_m=20.0, bearing_sigma_deg=0.2)
    vessels = np.array([[0.0, 0.0], [2_000.0, 1_000.0]])
    vel = np.array([[4.0, 1.0], [-2.0, 3.0]])
    tr = RadarTracker(_params())
    for k in range(40):
        t = k * 1.25                                  # the radars scan alternately
        pos = vessels + vel * t
        noise = noise_a if k % 2 == 0 else noise_b
        cov = noise.cov_at(pos)
        z = np.array([rng.multivariate_normal(p, c) for p, c in zip(pos, cov)])
        table = tr.step(t, z, noise)
    assert table.confirmed.sum() == 2
    d = np.hypot(*(table.x[table.confirmed, None, :2] - pos[None]).transpose(2, 0, 1))
    assert (d.min(axis=0) < 40).all()


def test_imm_follows_a_turning_go_fast_closer_than_the_plain_filter() -> None:
    rng = np.random.default_rng(6)
    speed, n = 18.0, 120
    heading = np.where(np.arange(n) < 40, 0.0, np.pi)
    heading[40:55] = np.linspace(0, np.pi, 15)      # a 180 degree turn in 30 s at 35 kn
    vel = speed * np.stack([np.cos(heading), np.sin(heading)], axis=1)
    pos = np.cumsum(vel * DT, axis=0)
    plots = pos + rng.normal(0, 25.0, pos.shape)
    errors = {}
    for name, q_high in (("cv", None), ("imm", 5.0)):
        tr = RadarTracker(TrackerParams(q_m2ps3=0.05, manoeuvre_q_m2ps3=q_high, clutter_density_per_m2=0.0))
        err = []
        for k in range(n):
            table = tr.step(k * DT, plots[k:k + 1])
            if 40 <= k < 70 and len(table):
                err.append(np.hypot(*(table.x[:, :2] - pos[k]).T).min())
        errors[name] = float(np.mean(err))
    assert errors["imm"] < 0.7 * errors["cv"], errors


def test_params_from_a_site_radar_take_pd_and_clutter_density() -> None:
    radar = SensorConfig(id="r", kind="radar", lat=38.4, lon=48.9, range_m=40_000, pd=0.8,
                         clutter_per_scan=50, range_sigma_m=30, bearing_sigma_deg=0.3)
    p = TrackerParams.from_sensor(radar, q_m2ps3=0.2)
    assert p.pd == 0.8 and p.q_m2ps3 == 0.2 and p.manoeuvre_q_m2ps3 is not None
    assert p.clutter_density_per_m2 == pytest.approx(50 / (np.pi * 40_000**2))
    assert 0.2 ** p.delete_misses < 1e-4 <= 0.2 ** (p.delete_misses - 1)
    noise = MeasurementNoise.from_sensor(radar, (0.0, 0.0))
    assert noise.range_sigma_m == 30 and noise.bearing_sigma_deg == 0.3


def test_a_vessel_beyond_one_radars_reach_is_not_missed_by_its_scans() -> None:
    near = MeasurementNoise(sigma_m=25.0, sensor_xy=(0.0, 0.0), cover_range_m=20_000.0)
    far = MeasurementNoise(sigma_m=25.0, sensor_xy=(100_000.0, 0.0), cover_range_m=20_000.0)
    tr = RadarTracker(_params())
    ids = set()
    for k in range(30):
        t = 1.0 * k
        if k % 3 == 0:      # radar "near" sees the vessel at (5 km, 0)
            table = tr.step(t, np.array([[5_000.0, 0.0]]), near)
        else:               # radar "far" scans its own empty water twice as often
            table = tr.step(t, np.empty((0, 2)), far)
        ids.update(table.track_id.tolist())
    assert len(ids) == 1
    assert table.status.tolist() == [TrackStatus.CONFIRMED]


def test_plots_with_missing_coordinates_are_counted_and_dropped() -> None:
    tr = RadarTracker(_params())
    table = tr.step(0.0, np.array([[np.nan, 5.0], [100.0, 100.0], [np.inf, 0.0]]))
    assert tr.n_bad_plots == 2 and len(table) == 1


def test_counting_plots_near_a_plot_agrees_with_the_kd_tree_including_plots_exactly_at_the_radius() -> None:
    from scipy.spatial import cKDTree

    from seawatch.track.tracker import BRUTE_FORCE_COUNT, _count_within

    rng = np.random.default_rng(3)
    for _ in range(300):
        m, c = int(rng.integers(3, 80)), int(rng.integers(1, 40))
        pts = rng.normal(0, 3000, (m, 2)) + 1e5
        cen = pts[rng.integers(0, m, c)] + rng.normal(0, 800, (c, 2))
        r = float(rng.choice([250.0, 500.0, 1000.0]))
        pts[:3] = cen[0] + np.array([[r, 0.0], [0.0, -r], [0.6 * r, 0.8 * r]])   # on the circle
        want = np.asarray(cKDTree(pts).query_ball_point(cen, r, return_length=True), np.float64)
        assert m * c <= BRUTE_FORCE_COUNT
        assert np.array_equal(_count_within(pts, cen, r), want)
    many = rng.normal(0, 3000, (400, 2))   # past the table's size: the tree itself
    assert np.array_equal(_count_within(many, many[:100], 500.0),
                          np.asarray(cKDTree(many).query_ball_point(many[:100], 500.0, return_length=True), float))


def test_a_tracks_evidence_is_its_plots_and_time_since_birth_and_its_score_once_scored() -> None:
    from seawatch.track.lifecycle import ScoreParams
    scored = RadarTracker(replace(_params(), score=ScoreParams()))
    imm = RadarTracker(replace(_params(), score=ScoreParams(), manoeuvre_q_m2ps3=5.0))   # the compiled scan
    plain = RadarTracker(_params())
    for k in range(10):   # one boat at 10 m/s, a plot on every scan but the fifth
        z = np.array([[1_000.0 + 20.0 * k, 0.0]]) if k != 4 else np.empty((0, 2))
        for tr in (scored, imm, plain):
            tr.step(k * DT, z)
    for tr in (scored, imm):
        (tid,) = tr.ids
        score, plots, born = tr.evidence(np.array([tid, tid + 100, -1]))
        assert plots.tolist() == [9, -1, -1]
        assert score[0] > 0 and np.isnan(score[1:]).all()
        assert born[0] == 0.0 and np.isnan(born[1:]).all()   # its first plot's scan, before it was confirmed
    score, plots, born = plain.evidence(plain.ids)
    assert plots.tolist() == [9] and np.isnan(score).all()   # a tracker without the score gives none
    assert born.tolist() == [0.0]

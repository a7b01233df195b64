"""Stopped boats close together: the site IMM (stiff quiet mode, asymmetric switching) keeps each on its own
track where the symmetric IMM with a livelier quiet mode lets their tracks wander and exchange them."""

from __future__ import annotations

import numpy as np

from seawatch.config.site import SensorConfig
from seawatch.track import imm
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams

SCAN_S = 2.5
RADAR_XY = (0.0, -13_000.0)     # 13 km south: cross-range is east-west
RADAR = SensorConfig(id="radar-shikhov", kind="radar", lat=40.3, lon=49.8, range_m=48_000, pd=0.9,
                     clutter_per_scan=25, range_sigma_m=20, bearing_sigma_deg=0.25, scan_period_s=SCAN_S)


def _share_on_own_track(params: TrackerParams, n_scans: int = 480) -> list[float]:
    """The storm rendezvous in miniature: a trawler at rest (detected on 80 % of the scans) and a go-fast
    at rest 65 m nearer the radar and 101 m across (49 %); 57 m cross-range noise at 13 km. Returns, per
    boat, the share of the scans after the first minute on which the boat's nearest confirmed track
    (within 60 m) is the track it had most often."""
    rng = np.random.default_rng(0)
    noise = MeasurementNoise.from_sensor(RADAR, RADAR_XY)
    boats = np.array([[0.0, 0.0], [-101.0, -65.0]])
    pd = np.array([0.8, 0.49])
    tr = RadarTracker(params)
    owner: list[list[int]] = [[], []]
    for k in range(n_scans):
        b = boats[rng.random(2) < pd]
        rng_m = np.hypot(b[:, 0] - RADAR_XY[0], b[:, 1] - RADAR_XY[1]) + rng.normal(0.0, 20.0, len(b))
        brg = np.arctan2(b[:, 0] - RADAR_XY[0], b[:, 1] - RADAR_XY[1]) + np.radians(rng.normal(0.0, 0.25, len(b)))
        plots = np.column_stack([RADAR_XY[0] + rng_m * np.sin(brg), RADAR_XY[1] + rng_m * np.cos(brg)])
        table = tr.step(k * SCAN_S, plots, noise)
        if k < 24:
            continue
        xy, ids = table.x[table.confirmed, :2], table.track_id[table.confirmed]
        for v in (0, 1):
            d = np.hypot(*(xy - boats[v]).T)
            owner[v].append(int(ids[np.argmin(d)]) if len(d) and d.min() < 60.0 else -1)
    return [max(o.count(i) for i in set(o)) / len(o) for o in owner]


def test_two_stopped_boats_120_m_apart_keep_their_own_tracks_with_the_site_imm() -> None:
    site = TrackerParams.from_sensor(RADAR, scan_period_s=SCAN_S, min_coast_s=30.0)
    assert min(_share_on_own_track(site)) > 0.95


def test_with_a_symmetric_imm_and_a_livelier_quiet_mode_their_tracks_exchange_the_boats() -> None:
    lively = TrackerParams.from_sensor(RADAR, scan_period_s=SCAN_S, min_coast_s=30.0, q_m2ps3=0.05,
                                       imm_switch_prob=0.05, imm_return_prob=None)
    assert min(_share_on_own_track(lively)) < 0.8


def test_the_asymmetric_imm_leaves_the_quiet_mode_rarely_and_comes_back_quickly() -> None:
    pi = imm.transition_matrix(1.0, 0.001, 0.1)
    assert np.allclose(pi.sum(axis=1), 1.0)
    assert np.isclose(pi[0, 1], 0.001) and np.isclose(pi[1, 0], 0.1)
    assert np.allclose(imm.transition_matrix(1.0, 0.05), imm.transition_matrix(1.0, 0.05, 0.05))


def test_a_stopped_boats_track_holds_the_quiet_mode_with_the_site_imm() -> None:
    """A boat at rest seen with 57 m cross-range noise: the symmetric IMM keeps a large weight on the
    manoeuvre mode (the noise-dominated likelihoods do not separate the modes), the site IMM little."""
    noise = MeasurementNoise.from_sensor(RADAR, RADAR_XY)
    mu1 = {}
    for name, params in (("symmetric", TrackerParams.from_sensor(RADAR, imm_switch_prob=0.05, imm_return_prob=None)),
                         ("site", TrackerParams.from_sensor(RADAR))):
        rng = np.random.default_rng(3)
        tr = RadarTracker(params)
        trace = []
        for k in range(200):
            brg = np.radians(rng.normal(0.0, 0.25))
            r = 13_000.0 + rng.normal(0.0, 20.0)
            tr.step(k * SCAN_S, np.array([[r * np.sin(brg), RADAR_XY[1] + r * np.cos(brg)]]), noise)
            assert tr.imm is not None
            trace.append(float(tr.imm.mu[0, 1]))
        mu1[name] = float(np.mean(trace[50:]))
    assert mu1["site"] < 0.3 * mu1["symmetric"], mu1

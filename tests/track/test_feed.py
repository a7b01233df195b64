"""From decoded radar plots of a site file to the track picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seawatch.config.loader import load_site
from seawatch.geo.frames import LocalFrame
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track.feed import RadarFeed

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "minimal_site.toml"


def _plots(frame: LocalFrame, t: np.ndarray, xy: np.ndarray, sensor: str) -> ObservationBatch:
    lat, lon = frame.to_latlon(xy[:, 0], xy[:, 1])
    n = len(t)
    return ObservationBatch({"kind": np.full(n, Kind.RADAR_PLOT), "observed_at": t, "received_at": t,
                             "sensor": np.full(n, sensor, dtype=object), "lat": lat, "lon": lon})


def test_plots_of_a_site_radar_become_one_confirmed_track_per_vessel() -> None:
    site = load_site(SITE)
    radar = site.radars[0]
    frame = LocalFrame(radar.lat, radar.lon)
    rng = np.random.default_rng(2)
    scan_t = np.arange(20) * 2.5                                 # one scan every 2.5 s
    start = np.array([[5_000.0, 3_000.0], [-8_000.0, 10_000.0]])  # two vessels
    vel = np.array([[4.0, 0.0], [0.0, -6.0]])
    truth = start[None] + scan_t[:, None, None] * vel[None]       # (scan, vessel, xy)
    t = np.repeat(scan_t, 2)
    xy = truth.reshape(-1, 2) + rng.normal(0, 25.0, (len(t), 2))
    other = ObservationBatch({"kind": [Kind.AIS_POSITION], "observed_at": [0.0], "mmsi": [1]})
    feed = RadarFeed(site, frame)
    tables = feed.push(ObservationBatch.concat([_plots(frame, t, xy, radar.id), other]))
    assert len(tables) == 20                                     # one step per scan
    last = tables[-1]
    assert last.confirmed.sum() == 2
    d = np.hypot(*(last.x[last.confirmed, None, :2] - truth[-1][None]).transpose(2, 0, 1))
    assert (d.min(axis=0) < 50).all()


def test_plots_from_unknown_sensors_or_without_position_are_counted() -> None:
    site = load_site(SITE)
    frame = LocalFrame(38.45, 48.90)
    feed = RadarFeed(site, frame)
    b = _plots(frame, np.array([0.0, 0.0]), np.array([[0.0, 1_000.0], [0.0, 2_000.0]]), "radar-nowhere")
    nopos = ObservationBatch({"kind": [Kind.RADAR_PLOT], "observed_at": [1.0], "sensor": ["radar-astara"]})
    assert feed.push(ObservationBatch.concat([b, nopos])) == []
    assert feed.n_unknown_sensor == 2 and feed.n_no_position == 1

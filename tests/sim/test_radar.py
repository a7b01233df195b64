"""The radar sensor model: measurement errors, detection against range and sea state, land, clutter."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from sim_helpers import NO_TRAFFIC, read_plots, run, write_scenario

from seawatch.config import load_site
from seawatch.geo.frames import inverse
from seawatch.sim.geometry import SITE_DIR, Sea, polar_to_latlon
from seawatch.sim.radar import snr_ref_db, swerling1_pd

RADAR = "radar-shikhov"  # 40.305 N 49.775 E, 60 m, 48 km, σr 20 m, σb 0.25°, 2.5 s

def _anchored(name: str, lat: float, lon: float, rcs: float) -> str:
    return f"""
[[actors]]
name = "{name}"
type = "small"
ais = false
rcs_m2 = {rcs}
start = [{lat}, {lon}]
legs = [{{ to = [{lat}, {lon}], speed_kn = 0, dwell_s = 86400, dwell_status = "at_anchor" }}]
"""


def _scenario(sea_state: float) -> str:
    site = load_site(SITE_DIR / "site.toml").sensor(RADAR)
    body = f"""
[scenario]
name = "radar-check"
start = "2026-06-12T00:00:00Z"
duration = "10m"
seed = 4
sea_state = {sea_state}
""" + NO_TRAFFIC
    for name, r_m, rcs in (("big-10", 10000, 20000), ("big-22", 22000, 20000), ("small-4", 4000, 2),
                           ("small-16", 16000, 2), ("small-28", 28000, 2), ("small-34", 34000, 2)):
        lat, lon = polar_to_latlon(site.lat, site.lon, r_m, 155.0)
        body += _anchored(name, round(float(lat), 6), round(float(lon), 6), rcs)
    body += _anchored("behind-absheron", 40.63, 49.80, 20000)  # north of the peninsula: hidden from Shikhov
    return body


def _run(tmp: Path, sea_state: float) -> tuple[dict[str, np.ndarray], dict[str, tuple[float, float]]]:
    path = write_scenario(tmp / f"radar-{sea_state}.toml", _scenario(sea_state))
    run(path, tmp / f"out-{sea_state}")
    plots = read_plots(tmp / f"out-{sea_state}" / f"plots-{RADAR}.csv")
    from seawatch.sim.scenario import load_scenario

    targets = {a.name: a.start for a in load_scenario(path).actors}
    return plots, targets


def _matches(plots: dict[str, np.ndarray], lat: float, lon: float) -> tuple[np.ndarray, np.ndarray]:
    site = load_site(SITE_DIR / "site.toml").sensor(RADAR)
    r_true, b_true = inverse(site.lat, site.lon, lat, lon)
    dr = plots["range_m"] - r_true
    db = (plots["bearing_deg"] - b_true + 180.0) % 360.0 - 180.0
    m = (np.abs(dr) < 150.0) & (np.abs(db) < 1.5)
    return dr[m], db[m]


def test_plot_errors_match_the_configured_sigmas(tmp_path: Path) -> None:
    plots, targets = _run(tmp_path, 2)
    site = load_site(SITE_DIR / "site.toml").sensor(RADAR)
    dr = np.concatenate([_matches(plots, *targets[n])[0] for n in ("big-10", "big-22")])
    db = np.concatenate([_matches(plots, *targets[n])[1] for n in ("big-10", "big-22")])
    assert len(dr) > 400  # 240 scans × 2 targets at Pd ≈ 1
    assert abs(np.std(dr) - site.range_sigma_m) < 0.12 * site.range_sigma_m
    assert abs(np.std(db) - site.bearing_sigma_deg) < 0.12 * site.bearing_sigma_deg
    assert abs(np.mean(dr)) < 4 * site.range_sigma_m / np.sqrt(len(dr)) + 1.0
    assert abs(np.mean(db)) < 4 * site.bearing_sigma_deg / np.sqrt(len(db)) + 0.005


def test_detection_rate_falls_with_range_and_with_sea_state(tmp_path: Path) -> None:
    scans = 600 / 2.5
    calm, targets = _run(tmp_path, 1)
    rough, _ = _run(tmp_path, 5)
    names = ("small-4", "small-16", "small-28", "small-34")
    rate_calm = [len(_matches(calm, *targets[n])[0]) / scans for n in names]
    rate_rough = [len(_matches(rough, *targets[n])[0]) / scans for n in names]
    assert rate_calm[0] > 0.9
    assert all(a > b for a, b in itertools.pairwise(rate_calm)), rate_calm
    assert rate_calm[-1] < 0.35
    assert all(r < c for r, c in zip(rate_rough[1:3], rate_calm[1:3])), (rate_rough, rate_calm)
    # more clutter in a storm
    assert len(rough["range_m"]) - sum(len(_matches(rough, *targets[n])[0]) for n in targets) > \
        2 * (len(calm["range_m"]) - sum(len(_matches(calm, *targets[n])[0]) for n in targets))


def test_no_detections_behind_land_and_clutter_only_over_water(tmp_path: Path) -> None:
    plots, targets = _run(tmp_path, 3)
    assert len(_matches(plots, *targets["behind-absheron"])[0]) == 0
    site = load_site(SITE_DIR / "site.toml").sensor(RADAR)
    lat, lon = polar_to_latlon(site.lat, site.lon, plots["range_m"], plots["bearing_deg"])
    sea = Sea.from_geojson()
    near_sea = sea.polygon.buffer(0.003)  # ~300 m: range/bearing noise can put a plot just over the shore
    import shapely

    assert shapely.contains_xy(near_sea, lon, lat).all()
    # clutter is denser near the radar
    r = plots["range_m"]
    assert (r < 10000).sum() > (r > 38000).sum()


def test_the_swerling_calibration_gives_the_configured_pd_at_the_reference() -> None:
    for pd in (0.5, 0.8, 0.9, 0.99):
        assert abs(float(swerling1_pd(np.array([10 ** (snr_ref_db(pd) / 10)]))[0]) - pd) < 1e-9


def test_asterix_output_carries_the_same_plots_as_the_csv(tmp_path: Path) -> None:
    from datetime import date

    from seawatch.ingest.asterix.decoder import AsterixDecoder
    from seawatch.ingest.base import DecoderContext

    body = _scenario(2).replace('duration = "10m"', 'duration = "2m"') + '\n[output]\nasterix = "cat048"\n'
    run(write_scenario(tmp_path / "a.toml", body), tmp_path / "out")
    site = load_site(SITE_DIR / "site.toml")
    plots = read_plots(tmp_path / "out" / f"plots-{RADAR}.csv")
    dec = AsterixDecoder(DecoderContext(site=site, sensor_id=RADAR, date=date(2026, 6, 12)))
    from seawatch.model.observation import ObservationBatch

    batch = ObservationBatch.concat([dec.feed((tmp_path / "out" / f"asterix-{RADAR}.ast").read_bytes(), 0.0),
                                     dec.flush()])
    assert dec.stats.total_rejects == 0
    assert len(batch) == len(plots["time"]) > 100
    order = np.argsort(batch["observed_at"], kind="stable")
    assert np.abs(batch["observed_at"][order] - plots["time"]).max() < 1 / 128 + 1e-3
    assert np.abs(batch["range_m"][order] - plots["range_m"]).max() < 4.0  # 1/256 NM resolution
    assert np.abs((batch["bearing_deg"][order] - plots["bearing_deg"] + 180) % 360 - 180).max() < 0.01

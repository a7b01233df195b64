"""The tracker's compiled scan (`track/step_kernel.py`) makes the track tables the numpy tracker makes.

A short storm recording (sea state 5: clutter x6, boats fading in the waves, a dark boat born out of the
clutter) is replayed through the pipeline with a tracker that steps the compiled and the numpy tracker side by
side on every scan and compares their tables: ids, statuses, states and covariances, exactly.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seawatch.pipeline as pipeline_mod
from seawatch.config import load_site
from seawatch.replay import ReplayOptions, run_replay
from seawatch.sim.run import simulate
from seawatch.sim.scenario import SCENARIO_DIR, load_scenario
from seawatch.track import kernels
from seawatch.track.lifecycle import ScoreParams
from seawatch.track.splice import SpliceParams
from seawatch.track.tracker import MeasurementNoise, RadarTracker, TrackerParams, TrackTable

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernels are off")


class SideBySide:
    """A `RadarTracker` stand-in: the compiled tracker's tables, each checked against the numpy tracker's."""

    def __init__(self, params: TrackerParams | None = None) -> None:
        self.compiled = RadarTracker(params, compiled=True)
        self.numpy = RadarTracker(params, compiled=False)
        self.steps = 0
        self.rows = 0
        self.births = 0

    def step(self, time_s: float, plots_xy: np.ndarray, noise: MeasurementNoise | None = None) -> TrackTable:
        a = self.compiled.step(time_s, plots_xy, noise)
        b = self.numpy.step(time_s, plots_xy, noise)
        for field in ("track_id", "status", "x", "P"):
            got, want = getattr(a, field), getattr(b, field)
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (self.steps, time_s, field)
        self.steps += 1
        self.rows += len(a)
        self.births = self.compiled._next_id - 1
        return a

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)

    def __len__(self) -> int:
        return len(self.compiled)


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("storm")
    text = (SCENARIO_DIR / "storm.toml").read_text(encoding="utf-8")
    text = text.replace('duration = "6h"', 'duration = "25m"')
    text = re.sub(r"appear_s = \d+", "appear_s = 60", text)
    text = text.replace("fishing = 30", "fishing = 8").replace("small = 10", "small = 4")
    scn = tmp / "storm.toml"
    scn.write_text(text, encoding="utf-8")
    simulate(load_scenario(scn), tmp / "rec")
    return tmp / "rec"


def test_the_compiled_scans_make_the_numpy_trackers_tables_on_a_stormy_recording(
        storm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[SideBySide] = []

    def side_by_side(params: TrackerParams | None = None) -> SideBySide:
        made.append(SideBySide(params))
        return made[-1]

    compiled_scans = []
    real = RadarTracker._step_compiled
    monkeypatch.setattr(RadarTracker, "_step_compiled",
                        lambda self, *a: compiled_scans.append(1) or real(self, *a))
    monkeypatch.setattr(pipeline_mod, "RadarTracker", side_by_side)
    inputs = [storm / "ais.nmea", *sorted(storm.glob("plots-*.csv"))]
    run_replay(load_site(storm / "site.toml"), ReplayOptions(inputs=inputs, tracks_out=storm / "t.parquet"))
    (tracker,) = made
    assert tracker.steps > 1_000 and tracker.rows > 50_000 and tracker.births > 1_000   # a busy picture
    assert len(compiled_scans) == tracker.steps   # every scan of the pipeline's tracker is the compiled one


def test_a_tracker_that_remembers_lost_tracks_takes_the_numpy_path() -> None:
    """The lost-track memory (`SpliceParams.memory_s`) is not in the compiled scan."""
    params = TrackerParams(manoeuvre_q_m2ps3=1.0, splice=SpliceParams(memory_s=120.0))
    assert RadarTracker(params)._fast is None
    assert RadarTracker(TrackerParams(manoeuvre_q_m2ps3=1.0, splice=SpliceParams()))._fast is not None
    assert RadarTracker(TrackerParams())._fast is None   # no IMM


def test_the_warm_up_compiles_what_a_replay_then_runs(storm: Path) -> None:
    """`warm_up_kernels` (the demo and `make setup` call it) leaves nothing for the first live scan to compile:
    in a fresh interpreter, a replay after the warm-up adds no compiled signature."""
    code = f"""
import sys
from pathlib import Path
from seawatch.config import load_site
from seawatch.replay import ReplayOptions, run_replay
from seawatch.track import assign_kernel, step_kernel
from seawatch.track.tracker import warm_up_kernels
warm_up_kernels()
before = (len(step_kernel.scan.signatures), len(assign_kernel.gnn.signatures))
rec = Path({str(storm)!r})
inputs = [rec / "ais.nmea", *sorted(rec.glob("plots-*.csv"))]
run_replay(load_site(rec / "site.toml"), ReplayOptions(inputs=inputs, tracks_out=rec / "w.parquet"))
print(before, (len(step_kernel.scan.signatures), len(assign_kernel.gnn.signatures)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[-2] == "(1, 1) (1, 1)"


def test_the_compiled_scans_match_on_the_edge_cases_of_a_scan_sequence() -> None:
    """Scans at the same time as the one before (two radars at once: no prediction), scans without plots, a
    plot with a non-finite coordinate, a late scan, Cartesian and range/bearing noise, a radar without a cover
    range: the compiled tracker's tables are the numpy tracker's, byte for byte."""
    rng = np.random.default_rng(21)
    params = TrackerParams(manoeuvre_q_m2ps3=1.0, imm_return_prob=0.1, imm_switch_prob=0.001, q_m2ps3=0.005,
                           scan_period_s=2.5, min_coast_s=30.0, splice=SpliceParams(), score=ScoreParams(),
                           clutter_density_per_m2=2e-8)
    polar = MeasurementNoise(sensor_xy=(0.0, 0.0), range_sigma_m=25.0, bearing_sigma_deg=0.3, cover_range_m=30_000.0)
    cartesian = MeasurementNoise(sigma_m=40.0, sensor_xy=(5_000.0, -2_000.0))   # no cover range
    plain = MeasurementNoise(sigma_m=30.0)                                       # no position at all
    boats = rng.uniform(-20_000.0, 20_000.0, (12, 2))
    vel = rng.normal(0.0, 6.0, (12, 2))
    a, b = RadarTracker(params, compiled=True), RadarTracker(params, compiled=False)
    t = 0.0
    for k in range(160):
        noise = (polar, cartesian, plain)[k % 3]
        t += 0.0 if k % 7 == 3 else 2.5   # now and then a second radar's scan at the same time
        seen = rng.random(len(boats)) < 0.8
        plots = boats[seen] + vel[seen] * t + rng.normal(0.0, 25.0, (int(seen.sum()), 2))
        clutter = rng.uniform(-25_000.0, 25_000.0, (int(rng.integers(0, 15)), 2))
        plots = np.concatenate([plots, clutter])
        if k % 11 == 5:
            plots = np.empty((0, 2))
        if k % 13 == 7:
            plots = np.concatenate([plots, [[np.nan, 1.0]]])
        when = t - 10.0 if k % 17 == 9 else t   # a late scan: dropped by both
        ta, tb = a.step(when, plots, noise), b.step(when, plots, noise)
        for field in ("track_id", "status", "x", "P"):
            got, want = getattr(ta, field), getattr(tb, field)
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (k, field)
    assert (a.n_bad_plots, a.n_late_plots, a.n_spliced) == (b.n_bad_plots, b.n_late_plots, b.n_spliced)
    assert a.n_bad_plots > 0 and a.n_late_plots > 0 and len(a) > 12

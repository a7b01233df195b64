"""The radar tracker on a real recording: 10 minutes of the Barcelona–El Prat surface movement radar
(ASTERIX CAT 010, ../shared/data/real/asterix-lebl-upc, internal use only: read in place, not copied).

The SMR reports its own tracks (I010/161 track numbers); seawatch tracks its reported positions as plots
and must follow the same targets: nearly every report lies on a confirmed seawatch track, and each
long-lived SMR track is followed by one seawatch track.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from seawatch.ingest.asterix.decoder import AsterixDecoder
from seawatch.ingest.base import DecoderContext
from seawatch.ingest.stats import IngestStats
from seawatch.track import MeasurementNoise, RadarTracker, TrackerParams

LEBL_SMR = (41.29561944, 2.09511389)
SMR_RANGE_M = 5_000.0


@pytest.fixture
def lebl_reports(real_data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    path = real_data / "asterix-lebl-upc" / "201002-lebl-080001_smr.ast"
    if not path.exists():
        pytest.skip(f"real recording {path} not present")
    dec = AsterixDecoder(DecoderContext(stats=IngestStats(), date=datetime.date(2010, 2, 1)),
                         sensor_position=LEBL_SMR)
    b = dec.feed(path.read_bytes(), received_at=1.26e9, source="lebl")
    t, r, brg, tn = b["observed_at"], b["range_m"], b["bearing_deg"], b["track_number"]
    ok = np.isfinite(t) & np.isfinite(r) & np.isfinite(brg)
    t, r, brg, tn = t[ok], r[ok], brg[ok], tn[ok]
    order = np.argsort(t, kind="stable")
    t, r, brg, tn = t[order], r[order], brg[order], tn[order]
    first = t < t[0] + 600.0
    x, y = r * np.sin(np.deg2rad(brg)), r * np.cos(np.deg2rad(brg))
    return t[first], x[first], y[first], tn[first]


def test_the_tracker_follows_the_targets_of_a_real_surface_movement_radar(lebl_reports) -> None:
    t, x, y, tn = lebl_reports
    params = TrackerParams(q_m2ps3=1.0, pd=0.9, clutter_density_per_m2=20 / (np.pi * SMR_RANGE_M**2),
                           init_speed_sigma_mps=15.0)
    noise = MeasurementNoise(sensor_xy=(0.0, 0.0), range_sigma_m=7.5, bearing_sigma_deg=0.15,
                             cover_range_m=SMR_RANGE_M)
    tracker = RadarTracker(params)
    scan = np.floor(t - t[0]).astype(np.int64)          # the SMR turns once a second
    on_track: dict[int, list[int]] = defaultdict(list)  # SMR track number -> seawatch id per report (-1: none)
    for g in np.split(np.arange(len(t)), np.flatnonzero(np.diff(scan)) + 1):
        table = tracker.step(float(t[g].max()), np.column_stack([x[g], y[g]]), noise)
        c = table.confirmed
        for k in g:
            if c.any():
                d = np.hypot(table.x[c, 0] - x[k], table.x[c, 1] - y[k])
                on_track[int(tn[k])].append(int(table.track_id[c][d.argmin()]) if d.min() < 50.0 else -1)
            else:
                on_track[int(tn[k])].append(-1)
    all_reports = np.concatenate([np.array(v) for v in on_track.values()])
    assert (all_reports >= 0).mean() > 0.9
    long_lived = {k: np.array(v) for k, v in on_track.items() if len(v) >= 30}
    assert len(long_lived) >= 5
    for number, ids in long_lived.items():
        assert (ids >= 0).mean() > 0.9, f"SMR track {number}"
    assert np.median([len(set(ids.tolist()) - {-1}) for ids in long_lived.values()]) == 1

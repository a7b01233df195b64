"""Fusion's compiled pair tests give bit for bit what its numpy path gives.

`RadarAisFusion._pairs` (the gate of every radar track x AIS vessel pair) and `_duplicate_choice` (the hull fit of
an unidentified track beside a fused vessel) run one compiled pass each (`kernels.fusion_gate`,
`kernels.duplicate_best`) unless `SEAWATCH_NO_JIT=1`. Each test runs both on the same crowded random pictures —
tracks and vessels a few hundred metres apart, covariances from metres to a kilometre, stopped and moving
vessels, unknown hull dimensions, vessels overdue — and compares the raw bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from seawatch.track import kernels
from seawatch.track.ais_state import AisSnapshot
from seawatch.track.fusion import RadarAisFusion
from seawatch.track.lifecycle import TrackStatus
from seawatch.track.tracker import TrackTable

pytestmark = pytest.mark.skipif(not kernels.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernels are off")


def _cov(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, 4, 4)) * 10 ** rng.uniform(0.0, 3.0, (n, 1, 1))
    return a @ np.swapaxes(a, 1, 2) + np.eye(4)


def picture(seed: int) -> tuple[TrackTable, AisSnapshot, np.ndarray]:
    """Radar tracks and AIS vessels in a 6 km square (many pairs within the 2 km pregate), some vessels
    stopped (no course: the hull is a circle), some with the velocity of a track exactly, hulls partly unknown."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 80)), int(rng.integers(1, 60))
    tx = np.hstack([rng.uniform(-3000, 3000, (n, 2)), rng.normal(0, 6, (n, 2))])
    ax = np.hstack([rng.uniform(-3000, 3000, (m, 2)), rng.normal(0, 6, (m, 2))])
    ax[: m // 4, 2:] = rng.uniform(-0.3, 0.3, (m // 4, 2))          # stopped: below 0.5 m/s
    k = min(n, m) // 3
    ax[m - k:, :] = tx[:k] + np.hstack([rng.normal(0, 60, (k, 2)), np.zeros((k, 2))])   # on a track
    tracks = TrackTable(10.0, np.arange(100, 100 + n, dtype=np.int64), np.full(n, int(TrackStatus.CONFIRMED), np.int8),
                        tx, _cov(rng, n))
    age = rng.uniform(0.0, 400.0, m)
    snap = AisSnapshot(10.0, np.arange(200_000_000, 200_000_000 + m, dtype=np.int64), ax, _cov(rng, m), age,
                       10.0 - age + rng.choice([10.0, 30.0, 180.0, np.nan], m))
    hull = rng.choice([np.nan, -1.0, 0.0, 4.0, 60.0, 150.0], (m, 4))
    return tracks, snap, hull


def both(monkeypatch: Any, run: Any) -> tuple[Any, Any]:
    compiled = run()
    monkeypatch.setattr(kernels, "ENABLED", False)
    reference = run()
    monkeypatch.setattr(kernels, "ENABLED", True)
    return compiled, reference


@pytest.mark.parametrize("seed", range(40))
def test_the_compiled_fusion_gate_passes_the_same_pairs_with_the_same_d2(monkeypatch: Any, seed: int) -> None:
    tracks, snap, _ = picture(seed)
    fusion = RadarAisFusion()
    compiled, reference = both(monkeypatch, lambda: fusion._pairs(tracks, snap))
    for c, r in zip(compiled, reference):
        assert c.dtype == r.dtype and c.tobytes() == r.tobytes()
    if seed == 0:
        assert len(compiled[0]) > 0   # the picture is crowded enough to gate something


@pytest.mark.parametrize("seed", range(40))
def test_the_compiled_duplicate_choice_picks_the_same_vessel_with_the_same_d2(monkeypatch: Any, seed: int) -> None:
    tracks, snap, hull = picture(seed)
    fusion = RadarAisFusion()
    rng = np.random.default_rng(seed + 1000)
    free = np.union1d(np.flatnonzero(rng.uniform(size=len(tracks)) < 0.7), [0])
    owned = np.union1d(np.flatnonzero(rng.uniform(size=len(snap.mmsi)) < 0.7), [len(snap.mmsi) - 1])
    for h in (hull, None):
        compiled, reference = both(monkeypatch, lambda h=h: fusion._duplicate_choice(tracks, snap, free, owned, h))
        for c, r in zip(compiled, reference):
            assert c.dtype == r.dtype and c.tobytes() == r.tobytes()


def test_some_random_picture_has_a_duplicate_fit_so_the_comparison_is_not_of_empty_arrays() -> None:
    found = 0
    for seed in range(40):
        tracks, snap, hull = picture(seed)
        rows, _, _ = RadarAisFusion()._duplicate_choice(tracks, snap, np.arange(len(tracks)),
                                                        np.arange(len(snap.mmsi)), hull)
        found += len(rows)
    assert found > 0

"""A round of AIS reports applied in one compiled pass leaves the AIS state bit for bit as the numpy reference
of `AisVesselState._apply` does: new vessels, known ones, Class B, anchored, turning, reports without a
velocity, a clone's jump to a twin."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.geo.frames import LocalFrame
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track import ais_apply
from seawatch.track.ais_state import TWIN_KEY, AisVesselState, RowSpan

pytestmark = pytest.mark.skipif(not ais_apply.ENABLED, reason="SEAWATCH_NO_JIT=1: the kernel is off")

FRAME = LocalFrame(38.45, 48.90)
STATE_ARRAYS = ("mmsi", "t_s", "x", "P", "n_reports", "msg_type", "nav_status", "heading_deg",
                "observed_interval_s", "nominal_interval_s")


def _feed(rng: np.random.Generator, n_vessels: int, n_reports: int) -> ObservationBatch:
    """Reports of n_vessels over ~20 min, in time order: mixed message types, statuses, rate of turn, missing
    SOG/COG, and one vessel whose MMSI a second transmitter 50 km away also uses."""
    v = rng.integers(0, n_vessels, n_reports)
    t = np.sort(rng.uniform(0.0, 1200.0, n_reports))
    home = rng.uniform(-40_000.0, 40_000.0, (n_vessels, 2))
    vel = rng.normal(0.0, 6.0, (n_vessels, 2))
    xy = home[v] + vel[v] * t[:, None] + rng.normal(0.0, 15.0, (n_reports, 2))
    clone = (v == 0) & (rng.random(n_reports) < 0.4)
    xy[clone] += 50_000.0
    lat, lon = FRAME.to_latlon(xy[:, 0], xy[:, 1])
    sog = np.hypot(vel[v, 0], vel[v, 1]) * rng.choice([1.0, 0.05, 3.0], n_reports)
    sog[rng.random(n_reports) < 0.15] = np.nan
    return ObservationBatch({
        "kind": np.full(n_reports, Kind.AIS_POSITION), "observed_at": t, "received_at": t + 0.5,
        "mmsi": 273_000_000 + v, "msg_type": rng.choice([1, 3, 18, 19], n_reports), "lat": lat, "lon": lon,
        "sog_mps": sog, "cog_deg": np.degrees(np.arctan2(vel[v, 0], vel[v, 1])) % 360.0,
        "heading_deg": rng.uniform(0, 360, n_reports), "rot_deg_min": rng.choice([np.nan, 0.0, -12.0, 8.0], n_reports),
        "nav_status": rng.choice([0, 1, 5, 7, -1], n_reports), "position_accuracy": rng.integers(0, 2, n_reports),
        "source": np.full(n_reports, "rx-1", dtype=object)})


def _replay(batch: ObservationBatch, compiled: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[
        AisVesselState, list[float]]:
    """The state after the batch, and the nominal intervals it held after each span (each report's)."""
    nominal: list[float] = []
    with monkeypatch.context() as m:
        if not compiled:
            m.setattr(ais_apply, "compiled", lambda x, p: False)
        st = AisVesselState(FRAME)
        for a in range(0, len(batch), 7):   # spans of the batch, as the pipeline hands them over
            st.update(RowSpan(batch, a, min(a + 7, len(batch))))
            nominal += st.nominal_interval_s.tolist()
        return st, nominal


def test_the_compiled_round_leaves_the_state_bit_for_bit_as_the_numpy_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    batch = _feed(np.random.default_rng(11), 60, 3000)
    (fast, fast_nominal), (ref, ref_nominal) = _replay(batch, True, monkeypatch), _replay(batch, False, monkeypatch)
    assert ref.n_twin_reports > 0 and TWIN_KEY + 273_000_000 in ref.mmsi.tolist()   # the clone got its twin
    for name in STATE_ARRAYS:
        a, b = getattr(fast, name), getattr(ref, name)
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert fast.n_twin_reports == ref.n_twin_reports and fast.n_out_of_order == ref.n_out_of_order
    # the nominal interval of every report, through every branch of M.1371's table
    assert np.array_equal(fast_nominal, ref_nominal, equal_nan=True)
    assert {2.0, 6.0, 10.0, 10.0 / 3.0, 30.0, 180.0} <= set(ref_nominal)

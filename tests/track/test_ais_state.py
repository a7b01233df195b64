"""AIS vessel state: filtered kinematics, dead reckoning, reporting intervals, static data, receivers."""

from __future__ import annotations

import numpy as np
import pytest

from seawatch.geo.frames import LocalFrame
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.track.ais_state import AisVesselState, RowSpan, nominal_interval_s

FRAME = LocalFrame(38.45, 48.90)
KN = 1852.0 / 3600.0


def _positions(mmsi: int, t: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, sog_mps: float | None,
               cog_deg: float | None, msg_type: int = 1, source: str = "rx-1") -> ObservationBatch:
    lat, lon = FRAME.to_latlon(x_m, y_m)
    n = len(t)
    return ObservationBatch({
        "kind": np.full(n, Kind.AIS_POSITION), "observed_at": t, "received_at": t, "mmsi": np.full(n, mmsi),
        "msg_type": np.full(n, msg_type), "lat": lat, "lon": lon,
        "sog_mps": np.full(n, np.nan if sog_mps is None else sog_mps),
        "cog_deg": np.full(n, np.nan if cog_deg is None else cog_deg),
        "position_accuracy": np.ones(n), "source": np.full(n, source, dtype=object)})


def test_a_vessel_steaming_north_is_filtered_and_dead_reckoned() -> None:
    t = np.arange(0.0, 100.0, 10.0)
    v = 10 * KN
    st = AisVesselState(FRAME)
    st.update(_positions(273_000_001, t, np.zeros(10), v * t, v, 0.0))
    snap = st.snapshot(120.0)
    assert snap.mmsi.tolist() == [273_000_001]
    np.testing.assert_allclose(snap.x[0, 2:], [0.0, v], atol=0.05)
    np.testing.assert_allclose(snap.x[0, :2], [0.0, v * 120.0], atol=3.0)   # 30 s of dead reckoning
    assert snap.age_s[0] == 30.0


def test_reports_of_one_vessel_in_one_batch_are_applied_in_time_order() -> None:
    t = np.array([20.0, 0.0, 10.0])           # out of order inside the batch
    st = AisVesselState(FRAME)
    st.update(_positions(1, t, np.zeros(3), 5.0 * t, 5.0, 0.0))
    assert st.t_s[0] == 20.0 and st.n_reports[0] == 3 and st.n_out_of_order == 0
    st.update(_positions(1, np.array([15.0]), np.zeros(1), np.array([75.0]), 5.0, 0.0))
    assert st.n_out_of_order == 1 and st.t_s[0] == 20.0


def test_without_sog_and_cog_the_velocity_comes_from_the_positions() -> None:
    t = np.arange(0.0, 300.0, 10.0)
    st = AisVesselState(FRAME)
    st.update(_positions(2, t, 3.0 * t, np.zeros(len(t)), None, None))
    np.testing.assert_allclose(st.x[0, 2:], [3.0, 0.0], atol=0.3)


def test_nominal_intervals_follow_itu_r_m1371() -> None:
    got = nominal_interval_s(np.array([1, 1, 1, 1, 1, 18, 18]),
                             np.array([10, 20, 30, 0.5, np.nan, 1, 10]) * KN,
                             np.array([0, 0, 0, 1, 0, -1, -1]))
    assert got.tolist() == [10.0, 6.0, 2.0, 180.0, 10.0, 180.0, 30.0]
    turning = nominal_interval_s(np.array([1, 1]), np.array([10, 20]) * KN, np.array([0, 0]), np.array([1, 1]))
    np.testing.assert_allclose(turning, [10 / 3, 2.0])


def test_the_next_report_is_expected_after_the_vessels_own_interval() -> None:
    t = np.arange(0.0, 600.0, 60.0)           # a Class A at 10 kn that reports only once a minute
    st = AisVesselState(FRAME)
    st.update(_positions(3, t, np.zeros(len(t)), 10 * KN * t, 10 * KN, 0.0))
    assert st.nominal_interval_s[0] == 10.0
    assert st.expected_next_s()[0] == pytest.approx(540.0 + 60.0)


def test_static_data_is_kept_and_absent_fields_do_not_erase_it() -> None:
    st = AisVesselState(FRAME)
    first = ObservationBatch({"kind": [Kind.AIS_STATIC], "observed_at": [0.0], "mmsi": [4], "msg_type": [5],
                              "name": ["CASPIAN STAR"], "callsign": ["4JAB"], "imo": [9_100_000],
                              "ship_type": [70], "draught_m": [6.5]})
    second = ObservationBatch({"kind": [Kind.AIS_STATIC], "observed_at": [360.0], "mmsi": [4], "msg_type": [5],
                               "name": [None], "destination": ["BAKU"]})
    st.update(first)
    st.update(second)
    s = st.static_of(4)
    assert s["name"] == "CASPIAN STAR" and s["destination"] == "BAKU" and s["imo"] == 9_100_000
    assert s["to_bow_m"] is None and s["draught_m"] == 6.5
    assert len(st.snapshot(400.0).mmsi) == 0   # no position yet: not on the map
    with pytest.raises(KeyError):
        st.static_of(5)


def test_the_receivers_that_hear_a_vessel_are_collected() -> None:
    st = AisVesselState(FRAME)
    st.update(_positions(6, np.array([0.0]), np.zeros(1), np.zeros(1), 0.0, 0.0, source="rx-baku"))
    st.update(_positions(6, np.array([10.0]), np.zeros(1), np.zeros(1), 0.0, 0.0, source="rx-astara"))
    assert st.receivers[6] == {"rx-baku", "rx-astara"}


def test_a_message_heard_by_several_receivers_adds_each_of_them() -> None:
    st = AisVesselState(FRAME)
    both = ("rx-baku", "rx-sangachal")
    for k in range(3):   # the same receivers tuple object, as the NMEA de-duplication shares it, and an equal copy
        b = _positions(7, np.array([10.0 * k, 10.0 * k + 1]), np.zeros(2), np.zeros(2), 0.0, 0.0, source="rx-baku")
        recv = np.empty(2, dtype=object)
        recv[0], recv[1] = both, both[:1] + both[1:] if k else None   # an equal tuple, another object
        b.columns["receivers"] = recv
        st.update(b)
    st.update(_positions(8, np.array([40.0]), np.zeros(1), np.zeros(1), 0.0, 0.0, source=""))  # nobody named
    assert st.receivers == {7: {"rx-baku", "rx-sangachal"}}


def test_many_vessels_update_in_one_batch() -> None:
    rng = np.random.default_rng(1)
    n = 2_000
    mmsi = 200_000_000 + rng.choice(600_000_000, n, replace=False)
    x0, y0 = rng.uniform(-20_000, 20_000, (2, n))
    st = AisVesselState(FRAME)
    for k in range(3):
        lat, lon = FRAME.to_latlon(x0, y0 + 50.0 * k)
        st.update(ObservationBatch({"kind": np.full(n, Kind.AIS_POSITION), "observed_at": np.full(n, 10.0 * k),
                                    "mmsi": mmsi, "msg_type": np.ones(n), "lat": lat, "lon": lon,
                                    "sog_mps": np.full(n, 5.0), "cog_deg": np.zeros(n)}))
    assert len(st) == n and (st.n_reports == 3).all()
    order = np.argsort(mmsi)
    np.testing.assert_allclose(st.x[:, 1], (y0 + 100.0)[order], atol=5.0)


def test_a_report_without_sensor_time_uses_its_receive_time() -> None:
    b = _positions(8, np.array([0.0, 10.0]), np.zeros(2), np.array([0.0, 50.0]), 5.0, 0.0)
    b.columns["observed_at"][1] = np.nan
    b.columns["received_at"][1] = 12.0
    st = AisVesselState(FRAME)
    st.update(b)
    assert st.t_s[0] == 12.0 and st.n_reports[0] == 2


def test_a_second_transmitter_using_the_same_mmsi_far_away_becomes_the_mmsis_twin() -> None:
    from seawatch.track.ais_state import TWIN_KEY, real_mmsi

    st = AisVesselState(FRAME)
    v = 10 * KN
    for k in range(12):   # two ships 30 km apart, both broadcasting MMSI 423693849, reports interleaved
        t = 10.0 * k
        x = 0.0 if k % 2 == 0 else 30_000.0
        st.update(_positions(423_693_849, np.array([t]), np.array([x]), np.array([v * t]), v, 0.0))
    snap = st.snapshot(120.0)
    assert sorted(snap.mmsi.tolist()) == [423_693_849, TWIN_KEY + 423_693_849]
    assert real_mmsi(snap.mmsi).tolist() == [423_693_849, 423_693_849]
    xs = sorted(snap.x[:, 0].tolist())
    assert xs[0] == pytest.approx(0.0, abs=50.0) and xs[1] == pytest.approx(30_000.0, abs=50.0)
    assert st.n_twin_reports == 6


def test_a_twin_made_mid_batch_leaves_the_reports_of_a_ten_digit_mmsi_in_the_batch_to_it() -> None:
    """The 30-bit MMSI field holds values of 10 digits (1,050,000,000 here). A twin's key sorts after every one of
    them, so the row a twin adds in the middle of a batch moves no other vessel's row: the batch updates the
    state as the same reports one by one do (the twin key once sorted between them, and the ten-digit MMSI's
    report went into the twin's row)."""
    from seawatch.track.ais_state import TWIN_KEY, real_mmsi

    small, big = 2_000_001, 1_050_000_000
    first = ObservationBatch.concat([_positions(small, np.array([0.0]), np.array([0.0]), np.array([0.0]), 1.0, 90.0),
                                     _positions(big, np.array([0.0]), np.array([5000.0]), np.array([0.0]), 1.0, 90.0)])
    jump = _positions(small, np.array([10.0]), np.array([50_000.0]), np.array([0.0]), 1.0, 90.0)   # far: a twin
    on = _positions(big, np.array([10.0]), np.array([5010.0]), np.array([0.0]), 1.0, 90.0)
    together, apart = AisVesselState(FRAME), AisVesselState(FRAME)
    together.update(first)
    together.update(ObservationBatch.concat([jump, on]))
    for b in (first, jump, on):
        apart.update(b)
    assert together.mmsi.tolist() == apart.mmsi.tolist() == [small, big, TWIN_KEY + small]
    assert together.x.tobytes() == apart.x.tobytes() and together.n_reports.tolist() == [1, 2, 1]
    assert real_mmsi(together.mmsi).tolist() == [small, big, small]


def test_one_wild_position_is_a_glitch_not_a_second_ship() -> None:
    st = AisVesselState(FRAME)
    t = np.arange(0.0, 100.0, 10.0)
    y = 5.0 * t
    x = np.where(t == 50.0, 20_000.0, 0.0)    # one report 20 km off
    st.update(_positions(1, t, x, y, 5.0, 0.0))
    snap = st.snapshot(100.0)
    assert snap.mmsi.tolist() == [1]
    assert snap.x[0, 0] == pytest.approx(0.0, abs=50.0)


def test_a_span_of_a_batch_updates_the_state_as_the_same_rows_taken_as_a_batch() -> None:
    t = np.arange(0.0, 200.0, 10.0)
    batch = ObservationBatch.concat([_positions(273_000_001, t, np.zeros(20), 4.0 * t, 4.0, 0.0),
                                     _positions(273_000_002, t, 3.0 * t, np.zeros(20), 3.0, 90.0)]).sorted_by_time()
    taken, spans = AisVesselState(FRAME), AisVesselState(FRAME)
    for a, b in ((0, 7), (7, 7), (7, 30), (30, 40)):
        taken.update(batch.take(np.arange(a, b)))
        spans.update(RowSpan(batch, a, b))
    assert spans.mmsi.tolist() == taken.mmsi.tolist() == [273_000_001, 273_000_002]
    assert np.array_equal(spans.x, taken.x) and np.array_equal(spans.P, taken.P)
    assert np.array_equal(spans.t_s, taken.t_s) and spans.n_reports.tolist() == taken.n_reports.tolist() == [20, 20]
    assert spans.receivers == taken.receivers == {273_000_001: {"rx-1"}, 273_000_002: {"rx-1"}}


def test_one_batch_from_two_receivers_records_each_vessel_with_the_receiver_that_heard_it() -> None:
    st = AisVesselState(FRAME)
    a = _positions(11, np.array([0.0, 10.0]), np.zeros(2), np.zeros(2), 0.0, 0.0, source="rx-baku")
    b = _positions(12, np.array([5.0]), np.zeros(1), np.zeros(1), 0.0, 0.0, source="rx-astara")
    st.update(ObservationBatch.concat([a, b]).sorted_by_time())
    st.update(_positions(12, np.array([20.0]), np.zeros(1), np.zeros(1), 0.0, 0.0, source="rx-baku"))
    assert st.receivers == {11: {"rx-baku"}, 12: {"rx-astara", "rx-baku"}}


def test_spans_with_the_batchs_derived_columns_and_its_receivers_recorded_once_update_as_the_batch() -> None:
    t = np.arange(0.0, 200.0, 10.0)
    batch = ObservationBatch.concat([_positions(273_000_001, t, np.zeros(20), 4.0 * t, 4.0, 0.0, source="rx-a"),
                                     _positions(273_000_002, t, 3.0 * t, np.zeros(20), 3.0, 90.0, source="rx-b"),
                                     _positions(273_000_001, t + 5.0, np.zeros(20), 4.0 * t, 4.0, 0.0,
                                                source="rx-b")]).sorted_by_time()
    whole, spans = AisVesselState(FRAME), AisVesselState(FRAME)
    whole.update(batch)
    derived = spans.derive(batch)
    spans.record_receivers(batch)
    for a, b in ((0, 13), (13, 13), (13, 41), (41, 60)):
        spans.update(RowSpan(batch, a, b, derived), receivers=False)
    assert spans.mmsi.tolist() == whole.mmsi.tolist() == [273_000_001, 273_000_002]
    assert np.array_equal(spans.x, whole.x) and np.array_equal(spans.P, whole.P)
    assert spans.n_reports.tolist() == whole.n_reports.tolist() == [40, 20]
    assert spans.receivers == whole.receivers == {273_000_001: {"rx-a", "rx-b"}, 273_000_002: {"rx-b"}}

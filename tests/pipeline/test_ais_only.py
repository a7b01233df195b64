"""An AIS-only batch's steps made at once (`seawatch.track.ais_only`, compiled: `ais_only_pass`) give the rows the
step-by-step pipeline gives."""

from __future__ import annotations

from typing import Any

import numpy as np
from pipeline_helpers import SITE

from seawatch.geo import LocalFrame
from seawatch.model import ContactBatch, Kind, ObservationBatch, TrackStatus
from seawatch.model.contact import AIS_CLASS_A, AIS_CLASS_B
from seawatch.pipeline import Pipeline
from seawatch.track import ais_apply

T0 = 1.7e9
FRAME = LocalFrame(38.45, 48.90)


def ais_traffic(seconds: float = 3600.0, seed: int = 5) -> ObservationBatch:
    """Twelve AIS vessels reporting every 2-180 s (those of every 30 s on class B sets): two fall silent for 15 min
    (they time out and come back), one MMSI is used by a second transmitter 20 km away (a twin), static data arrives
    late and changes."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for v in range(12):
        mmsi = 423_000_100 + v
        interval = [2.0, 10.0, 30.0, 180.0][v % 4]
        x0, y0 = rng.uniform(-15000, 15000, 2)
        vx, vy = rng.uniform(-6, 6, 2)
        t = rng.uniform(0, interval)
        while t < seconds:
            silent = v in (3, 7) and 1200 <= t < 2100
            if not silent:
                rows.append({"t": t, "mmsi": mmsi, "x": x0 + vx * t, "y": y0 + vy * t, "type": 18 if v % 4 == 2 else 1,
                             "sog": float(np.hypot(vx, vy)), "cog": float(np.degrees(np.arctan2(vx, vy)) % 360)})
                if v == 5 and int(t) % 60 < 30:   # the clone: the same MMSI, far away, half of the time ...
                    cx = 20000.0 if t < 1800 else -20000.0   # ... and after 30 min far from where it was, too
                    rows.append({"t": t + 0.5, "mmsi": mmsi, "x": cx, "y": -20000.0 + t, "sog": 1.0, "cog": 0.0,
                                 "type": 1})
            t += interval * rng.uniform(0.9, 1.1)
    rows.sort(key=lambda r: r["t"])
    lat, lon = FRAME.to_latlon(np.array([r["x"] for r in rows]), np.array([r["y"] for r in rows]))
    t = T0 + np.array([r["t"] for r in rows])
    pos = ObservationBatch({"kind": Kind.AIS_POSITION, "observed_at": t, "received_at": t,
                            "msg_type": [r["type"] for r in rows],
                            "mmsi": [r["mmsi"] for r in rows], "lat": lat, "lon": lon,
                            "sog_mps": [r["sog"] for r in rows], "cog_deg": [r["cog"] for r in rows],
                            "sensor": "ais"}, n=len(rows))
    static = ObservationBatch({"kind": Kind.AIS_STATIC, "observed_at": T0 + np.array([300.0, 900.0, 2000.0]),
                               "msg_type": 5, "mmsi": [423_000_101, 423_000_101, 423_000_105],
                               "name": ["ONE", "ONE RENAMED", "FIVE"], "to_bow_m": [50, 60, 10],
                               "to_stern_m": [10, 10, 5], "sensor": "ais"}, n=3)
    return ObservationBatch.concat([pos, static]).sorted_by_time()


def radar_plots(t_from: float, t_to: float) -> ObservationBatch:
    """A radar interlude: one vessel's plots every 2.5 s."""
    t = np.arange(t_from, t_to, 2.5)
    lat, lon = FRAME.to_latlon(-3000 + 4.0 * (t - t_from), np.full(len(t), 5000.0))
    return ObservationBatch({"kind": Kind.RADAR_PLOT, "observed_at": T0 + t, "received_at": T0 + t,
                             "sensor": "radar-a", "lat": lat, "lon": lon}, n=len(t))


def replay(obs: ObservationBatch, batched: bool, chunk: int) -> ContactBatch:
    p = Pipeline(SITE, batch_ais_only=batched)
    out = []
    for i in range(0, len(obs), chunk):
        contacts, x, y = p.process_xy(obs.take(np.arange(i, min(i + chunk, len(obs)))))
        assert len(x) == len(y) == len(contacts)
        out.append(contacts)
    return ContactBatch.concat(out)


def same_rows(a: ContactBatch, b: ContactBatch) -> None:
    assert len(a) == len(b) > 0
    for name in a.columns:
        va, vb = a[name], b[name]
        assert va.dtype == vb.dtype, name
        if va.dtype.kind == "f":
            assert np.array_equal(va, vb, equal_nan=True), name
        else:
            assert va.tolist() == vb.tolist(), name


def test_ais_only_steps_made_at_once_are_row_for_row_the_step_by_step_rows() -> None:
    obs = ais_traffic()
    for chunk in (700, 5000):
        batched = replay(obs, True, chunk)
        same_rows(replay(obs, False, chunk), batched)
    # what the recording exercises: twins shown, vessels lost on silence and back, a late name change
    assert (batched["mmsi"] == 423_000_105).sum() > (batched["contact_id"] == 10_000_000_000 + 423_000_105).sum()
    lost = batched["status"] == int(TrackStatus.LOST)
    assert {423_000_103, 423_000_107} <= set(batched["mmsi"][lost].tolist())
    names = set(batched["name"][batched["mmsi"] == 423_000_101].tolist())
    assert names == {None, "ONE", "ONE RENAMED"}
    # each row carries the class its vessel's position reports show: the 30 s vessels' are class B
    b = np.isin(batched["mmsi"], [423_000_102, 423_000_106, 423_000_110])
    assert set(batched["ais_class"][b].tolist()) == {AIS_CLASS_B}
    assert set(batched["ais_class"][~b].tolist()) == {AIS_CLASS_A}


def test_output_arrays_that_fill_up_mid_batch_grow_without_losing_or_repeating_a_row(monkeypatch: Any) -> None:
    from seawatch.track import ais_only_pass

    obs = ais_traffic(2400.0)
    roomy = replay(obs, True, 900)
    monkeypatch.setattr(ais_only_pass, "first_capacity", lambda n_reports, n_vessels: 1)
    same_rows(replay(obs, True, 900), roomy)


def test_the_numpy_reference_of_the_steps_made_at_once_gives_the_same_rows(monkeypatch: Any) -> None:
    obs = ais_traffic(2400.0)
    compiled = replay(obs, True, 900)
    monkeypatch.setattr(ais_apply, "compiled", lambda x, p: False)
    same_rows(replay(obs, True, 900), compiled)


def test_the_ais_state_after_the_steps_made_at_once_is_the_step_by_step_state() -> None:
    obs = ais_traffic()
    # a report that arrives late, at the start of the second batch: 20 s older than its vessel's last one
    fresh = np.flatnonzero(obs["mmsi"][:1000] == 423_000_102)[-1]
    stale = obs.take([fresh])
    stale.columns["observed_at"] = stale["observed_at"] - 20.0
    obs = ObservationBatch.concat([obs.take(np.arange(1000)), stale, obs.take(np.arange(1000, len(obs)))])
    a, b = Pipeline(SITE, batch_ais_only=False), Pipeline(SITE)
    for i in range(0, len(obs), 1000):
        part = obs.take(np.arange(i, min(i + 1000, len(obs))))
        a.process_xy(part)
        b.process_xy(part)
    for name in ("mmsi", "t_s", "x", "P", "n_reports", "observed_interval_s", "nominal_interval_s", "msg_type"):
        assert np.array_equal(getattr(a.ais, name), getattr(b.ais, name), equal_nan=name not in ("mmsi", "n_reports",
                                                                                                "msg_type")), name
    assert a.ais.static_of(423_000_101) == b.ais.static_of(423_000_101)
    assert (a.ais.n_out_of_order, a.ais.n_twin_reports) == (b.ais.n_out_of_order, b.ais.n_twin_reports)
    assert a.ais.n_out_of_order >= 1 and a.ais.n_twin_reports > 10


def test_a_radar_interlude_between_ais_only_batches_gives_the_step_by_step_rows() -> None:
    obs = ObservationBatch.concat([ais_traffic(1800.0), radar_plots(600.0, 900.0)]).sorted_by_time()
    same_rows(replay(obs, False, 400), replay(obs, True, 400))


# ---- the cases a review found (each failed before its fix) -----------------------------------------------------
def reports(rows: list[tuple[float, int, float, float]], **extra: Any) -> ObservationBatch:
    """AIS position reports (t after T0, MMSI, x, y) at 3 m/s east."""
    t = T0 + np.array([r[0] for r in rows])
    lat, lon = FRAME.to_latlon(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))
    cols = {"kind": Kind.AIS_POSITION, "observed_at": t, "received_at": t, "msg_type": 1,
            "mmsi": [r[1] for r in rows], "lat": lat, "lon": lon, "sog_mps": 3.0, "cog_deg": 90.0, "sensor": "ais"}
    cols.update(extra)
    return ObservationBatch(cols, n=len(rows))


def two_vessels(t_from: float, t_to: float) -> ObservationBatch:
    return reports(sorted((t, m, 1000.0 * j + 3.0 * t, 500.0 * j) for j, m in enumerate((423_000_001, 423_000_002))
                          for t in np.arange(t_from + j, t_to, 10.0)))


def both_ways(batches: list[ObservationBatch]) -> tuple[Pipeline, Pipeline]:
    """Step by step and at once over the same batches: the same rows, the same AIS state."""
    a, b = Pipeline(SITE, batch_ais_only=False), Pipeline(SITE)
    rows_a = ContactBatch.concat([a.process_xy(x)[0] for x in batches])
    rows_b = ContactBatch.concat([b.process_xy(x)[0] for x in batches])
    same_rows(rows_a, rows_b)
    assert a.ais.mmsi.tolist() == b.ais.mmsi.tolist()
    assert np.array_equal(a.ais.x, b.ais.x, equal_nan=True) and a.ais.n_reports.tolist() == b.ais.n_reports.tolist()
    assert (a.ais.n_out_of_order, a.ais.n_twin_reports) == (b.ais.n_out_of_order, b.ais.n_twin_reports)
    return a, b


def test_a_report_already_too_old_to_show_when_applied_gives_the_step_by_step_rows() -> None:
    first = two_vessels(0, 1000)
    probe = Pipeline(SITE)
    probe.process_xy(first)
    step = float(probe._next_emit) - T0   # the next batch's first step
    # a vessel never seen, its first report (a late relay) 602 s old: no row, and no LOST row either
    both_ways([first, ObservationBatch.concat([reports([(step - 602, 423_000_009, 5000.0, 5000.0)]),
                                               two_vessels(1000, 1100)]).sorted_by_time()])
    # a vessel shown at the step before (last heard 604 s ago) and a late report 602 s old: its LOST row carries
    # the state it was shown with
    seen = ObservationBatch.concat([first, reports([(step - 604, 423_000_009, 5000.0, 5000.0)])]).sorted_by_time()
    a, _ = both_ways([seen, ObservationBatch.concat([reports([(step - 602, 423_000_009, 5006.0, 5000.0)]),
                                                     two_vessels(1000, 1100)]).sorted_by_time()])
    assert a.ais.n_reports[a.ais.rows_of(np.array([423_000_009]))[0]] == 2
    # the same late report without a time of its own (received 602 s after it was made), the last row of a batch:
    # applied after that batch's last step, it is the next batch's first step that must not misread it
    stamped = reports([(step - 602, 423_000_009, 5006.0, 5000.0)], observed_at=[np.nan])
    both_ways([ObservationBatch.concat([seen, stamped]), two_vessels(1000, 1100)])


def test_an_empty_track_picture_from_a_recent_radar_scan_gives_the_step_by_step_rows() -> None:
    la, lo = FRAME.to_latlon(np.array([-3000.0]), np.array([5000.0]))

    def plot(t: float, lon: float | None = None) -> ObservationBatch:
        return ObservationBatch({"kind": Kind.RADAR_PLOT, "observed_at": [T0 + t], "received_at": [T0 + t],
                                 "sensor": "radar-a", "lat": la, "lon": lo if lon is None else [lon]}, n=1)

    # a plot older than the tracker's picture, then AIS only: the tracker hands back an empty picture at 97 s
    both_ways([ObservationBatch.concat([two_vessels(0, 100), plot(97.0)]).sorted_by_time(), plot(96.0),
               two_vessels(100, 200)])
    # a radar row with a latitude and no longitude (a bad plot, dropped by the tracker)
    both_ways([ObservationBatch.concat([two_vessels(0, 100), plot(97.0, lon=np.nan)]).sorted_by_time(),
               two_vessels(100, 200)])


def test_a_position_report_without_coordinates_gives_its_mmsi_a_state_row_as_step_by_step() -> None:
    _, b = both_ways([two_vessels(0, 100), ObservationBatch.concat([
        two_vessels(100, 200), reports([(120.0, 423_000_077, 0.0, 0.0)], lat=[np.nan], lon=[np.nan])]).sorted_by_time()])
    assert 423_000_077 in b.ais.mmsi.tolist()


def test_a_ten_digit_mmsi_is_nobodys_twin_and_has_no_one_elses_static_data() -> None:
    big = 1_000_000_123   # 30 bits hold it; its "MMSI" as a twin key (123) is no vessel here
    rows = [(60.0 + 10 * k, 423_000_001, 180.0 + 30.0 * k, 0.0) for k in range(20)]
    rows += [(61.0 + 10 * k, big, 2000.0 + 30.0 * k, 0.0) for k in range(20)]
    rows += [(62.0 + 10 * k, big, 20000.0, 20000.0 + 10 * k) for k in range(1, 20, 2)]   # a second transmitter
    named = ObservationBatch({"kind": Kind.AIS_STATIC, "observed_at": [T0 + 55.0], "msg_type": 5,
                              "mmsi": [423_000_001], "name": ["KNOWN"], "sensor": "ais"}, n=1)
    _, b = both_ways([ObservationBatch.concat([two_vessels(0, 60), named]).sorted_by_time(), reports(sorted(rows))])
    assert b.ais.n_twin_reports > 0

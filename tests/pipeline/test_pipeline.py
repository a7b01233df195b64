"""The pipeline turns radar plots and AIS reports into contacts: fused, dark (radar only), AIS only."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from pipeline_helpers import SITE

from seawatch.config import validate_site_dict
from seawatch.geo import LocalFrame
from seawatch.model import ContactBatch, ContactKind, Kind, ObservationBatch
from seawatch.model.contact import AIS_CLASS_A, AIS_CLASS_B
from seawatch.pipeline import Pipeline


def scenario(seconds: float = 600.0, seed: int = 3) -> list[ObservationBatch]:
    """Vessel A (AIS class A, 10 kn east), vessel B (dark, 30 kn north), vessel C (AIS class B, 60 km away: no
    radar)."""
    rng = np.random.default_rng(seed)
    frame = LocalFrame(38.45, 48.90)
    batches = []
    for k, t in enumerate(np.arange(0.0, seconds, 2.5)):
        pts = [(-5000 + 5.14 * t, 8000.0), (3000.0, -12000 + 15.4 * t)]
        xy = np.array([p for p in pts if rng.random() < 0.95]) + rng.normal(0, 20, (0, 2)).sum()
        xy = xy + rng.normal(0, 20, xy.shape)
        clutter = rng.uniform(-30000, 30000, (rng.poisson(2), 2))
        allxy = np.vstack([xy, clutter]) if len(xy) else clutter
        lat, lon = frame.to_latlon(allxy[:, 0], allxy[:, 1])
        cols = {"kind": Kind.RADAR_PLOT, "observed_at": 1.7e9 + t, "received_at": 1.7e9 + t,
                "sensor": "radar-a", "lat": lat, "lon": lon}
        batches.append(ObservationBatch(cols, n=len(lat)))
        if k % 4 == 0:
            ax, ay = frame.to_latlon(np.array([-5000 + 5.14 * t, 60000.0]), np.array([8000.0, 0.0]))
            batches.append(ObservationBatch({
                "kind": Kind.AIS_POSITION, "observed_at": 1.7e9 + t + 0.1, "received_at": 1.7e9 + t,
                "msg_type": [1, 18], "mmsi": [423000001, 423000002], "lat": ax, "lon": ay,
                "sog_mps": [5.14, 3.0], "cog_deg": [90.0, 0.0], "sensor": "ais"}, n=2))
    batches.append(ObservationBatch({"kind": Kind.AIS_STATIC, "observed_at": 1.7e9 + 1, "msg_type": 5,
                                     "mmsi": [423000001], "name": ["CASPIAN STAR"], "to_bow_m": [80],
                                     "to_stern_m": [20]}, n=1))
    return [b.sorted_by_time() for b in batches]


def run(batches: list[ObservationBatch]) -> list:  # type: ignore[type-arg]
    p = Pipeline(SITE, update_period_s=10.0)
    merged = ObservationBatch.concat(batches).sorted_by_time()
    out = []
    for i in range(0, len(merged), 500):
        out.extend(p.process(merged.take(np.arange(i, min(i + 500, len(merged))))).rows())
    return out


def test_an_ais_vessel_seen_by_radar_becomes_one_fused_contact_with_its_identity() -> None:
    rows = run(scenario())
    last_t = max(r.t for r in rows)
    final = [r for r in rows if r.t == last_t]
    fused = [r for r in final if r.kind is ContactKind.FUSED]
    assert len(fused) == 1
    (a,) = fused
    assert a.mmsi == 423000001 and a.name == "CASPIAN STAR" and a.length_m == 100 and a.ais_class == AIS_CLASS_A
    assert abs(a.sog_mps - 5.14) < 1.0 and abs(((a.cog_deg - 90) + 180) % 360 - 180) < 10


def test_a_vessel_without_ais_is_a_dark_radar_only_contact_with_its_speed() -> None:
    rows = run(scenario())
    last_t = max(r.t for r in rows)
    dark = [r for r in rows if r.t == last_t and r.kind is ContactKind.RADAR_ONLY and r.sog_mps > 10]
    assert len(dark) == 1
    assert dark[0].mmsi is None and abs(dark[0].sog_mps - 15.4) < 1.5 and dark[0].ais_class is None


def test_a_radar_contact_carries_its_tracks_plot_count_and_birth_and_an_ais_only_one_none() -> None:
    rows = run(scenario())
    last_t = max(r.t for r in rows)
    final = [r for r in rows if r.t == last_t]
    dark = [r for r in final if r.kind is ContactKind.RADAR_ONLY and r.sog_mps > 10]
    fused = [r for r in final if r.kind is ContactKind.FUSED]
    ais_only = [r for r in final if r.kind is ContactKind.AIS_ONLY]
    assert dark and fused and ais_only
    # ~240 scans of 600 s at Pd 0.95; the count is the tracker's, from the track's birth
    assert all(200 <= r.track_plots <= 240 for r in dark + fused)
    assert all(r.track_plots is None and r.track_score is None and r.track_born_t is None for r in ais_only)
    # born on its first plots, the first scans (1.7e9 + 0 s ...), before the contact was confirmed and first shown
    first_shown = min(r.t for r in rows if r.radar_track_id == dark[0].radar_track_id)
    assert 1.7e9 <= dark[0].track_born_t < first_shown <= 1.7e9 + 60


def test_an_ais_vessel_outside_radar_cover_is_ais_only() -> None:
    rows = run(scenario())
    last_t = max(r.t for r in rows)
    only = [r for r in rows if r.t == last_t and r.kind is ContactKind.AIS_ONLY]
    assert [(r.mmsi, r.ais_class) for r in only] == [(423000002, AIS_CLASS_B)]


def test_identity_does_not_flicker_once_fused() -> None:
    rows = run(scenario())
    a_rows = [r for r in rows if r.mmsi == 423000001 and r.kind is ContactKind.FUSED]
    assert len({r.contact_id for r in a_rows}) == 1
    first = min(r.t for r in a_rows)
    later = [r for r in rows if r.t > first + 30 and r.contact_id == a_rows[0].contact_id]
    assert all(r.mmsi == 423000001 for r in later)


def test_an_ais_only_contact_is_shown_when_it_reports_and_at_least_once_a_minute() -> None:
    site = validate_site_dict({"site": {"name": "ais only"}, "sensors": [{"id": "ais", "kind": "ais"}]})
    p = Pipeline(site, update_period_s=10.0, heartbeat_s=60.0)
    b = ObservationBatch({"kind": Kind.AIS_POSITION, "observed_at": [1.7e9, 1.7e9 + 180, 1.7e9 + 400],
                          "msg_type": 1, "mmsi": [423000001] * 3, "lat": [40.0, 40.001, 40.002],
                          "lon": [50.0, 50.0, 50.0]}, n=3)
    rows = list(p.process(b).rows())
    assert {r.kind for r in rows} == {ContactKind.AIS_ONLY} and {r.mmsi for r in rows} == {423000001}
    times = [r.t for r in rows]
    assert len(times) < 400 / 10  # not repeated every update period
    assert max(b - a for a, b in itertools.pairwise(times)) <= 60.0
    assert any(1.7e9 + 180 <= t < 1.7e9 + 190 for t in times)  # shown right after its report


@pytest.mark.parametrize("radar", [False, True])
def test_the_end_of_the_stream_is_in_the_last_picture_even_between_two_update_steps(radar: bool) -> None:
    """A recording that ends 7 s after an update step: the vessel first heard 2 s before its end (an invalid
    MMSI, a spoofer's one report) is in the picture, at the stream's last time, not left out for want of a next
    step; the update grid goes on after it."""
    site = SITE if radar else validate_site_dict({"site": {"name": "ais only"},
                                                   "sensors": [{"id": "ais", "kind": "ais"}]})
    p = Pipeline(site, update_period_s=10.0)
    merged = ObservationBatch.concat(scenario(seconds=60.0) if radar else [_reports([(0.0, 423000001)])])
    late = _reports([(57.0, 423000077)])
    out = [p.process(merged), p.process(late), p.flush()[0]]
    rows = [r for b in out for r in b.rows()]
    end = float(max(merged["observed_at"].max(), 1.7e9 + 57.0))
    assert [r.t for r in rows if r.mmsi == 423000077] == [end]
    assert max(r.t for r in rows) == end and end % 10.0 != 0.0
    assert p._next_emit == 1.7e9 + 60.0
    assert len(p.flush()[0]) == 0   # nothing new: no second end picture


@pytest.mark.parametrize("t", [0.0, 1.0, 5.0])
def test_a_stream_whose_reports_all_come_at_one_time_is_shown_at_its_end_on_the_grid_or_off_it(t: float) -> None:
    """No update step is made before the end of such a stream (the first step comes after its first time): its end
    picture shows it, a time on the grid as well as one off it."""
    site = validate_site_dict({"site": {"name": "ais only"}, "sensors": [{"id": "ais", "kind": "ais"}]})
    p = Pipeline(site, update_period_s=5.0)
    assert len(p.process(_reports([(t, 423000001), (t, 423000002)]))) == 0
    assert sorted((r.mmsi, r.t) for r in p.flush()[0].rows()) == [(423000001, 1.7e9 + t), (423000002, 1.7e9 + t)]


def test_a_contact_that_disappears_gets_one_final_lost_row() -> None:
    from seawatch.model import TrackStatus

    site = validate_site_dict({"site": {"name": "ais only"}, "sensors": [{"id": "ais", "kind": "ais"}]})
    p = Pipeline(site, update_period_s=10.0)
    b = ObservationBatch({"kind": Kind.AIS_POSITION, "observed_at": [1.7e9, 1.7e9 + 30], "msg_type": 1,
                          "mmsi": [423000001, 423000001], "lat": [40.0, 40.001], "lon": [50.0, 50.0]}, n=2)
    p.process(b)
    later = ObservationBatch({"kind": Kind.AIS_POSITION, "observed_at": [1.7e9 + 1000], "msg_type": 1,
                              "mmsi": [423000002], "lat": [41.0], "lon": [50.0]}, n=1)
    rows = list(p.process(later).rows())
    lost = [r for r in rows if r.mmsi == 423000001 and r.status is TrackStatus.LOST]
    assert len(lost) == 1
    assert not [r for r in rows if r.mmsi == 423000001 and r.t > lost[0].t]


def test_a_radar_feed_that_stops_does_not_leave_its_tracks_standing_in_the_picture() -> None:
    from seawatch.model import TrackStatus

    radar_then_ais = scenario(300.0)   # radar and AIS for 5 min, then AIS alone
    ais_after = [b for b in scenario(900.0, seed=4) if b["kind"][0] == Kind.AIS_POSITION
                 and b["observed_at"][0] >= 1.7e9 + 300]
    rows = run(radar_then_ais + ais_after)
    dark = [r for r in rows if r.kind is ContactKind.RADAR_ONLY]
    assert dark and max(r.t for r in dark) <= 1.7e9 + 300 + 45   # ended within the coast time of the last scan
    ended = [r for r in rows if r.radar_track_id is not None and r.status is TrackStatus.LOST]
    assert ended and not [r for r in rows if r.radar_track_id is not None and r.t > max(e.t for e in ended)]
    assert [r for r in rows if r.mmsi == 423000002 and r.t > 1.7e9 + 800]   # the AIS picture goes on


def test_a_radar_only_site_without_any_ais_gives_dark_contacts() -> None:
    batches = [b for b in scenario(120.0) if b["kind"][0] == Kind.RADAR_PLOT]
    rows = run(batches)
    assert rows and {r.kind for r in rows} == {ContactKind.RADAR_ONLY}
    assert all(r.mmsi is None and r.name is None and r.length_m is None for r in rows)


def test_the_local_positions_handed_to_detection_are_those_the_contacts_lat_lon_were_projected_from() -> None:
    merged = ObservationBatch.concat(scenario(120.0)).sorted_by_time()
    p, q = Pipeline(SITE, update_period_s=10.0), Pipeline(SITE, update_period_s=10.0)
    frame = LocalFrame(38.45, 48.90)
    n = 0
    for i in range(0, len(merged), 200):
        part = merged.take(np.arange(i, min(i + 200, len(merged))))
        contacts, x, y = p.process_xy(part)
        plain = q.process(part)
        assert len(x) == len(y) == len(contacts) == len(plain)
        for name in ("contact_id", "t", "lat", "lon", "status"):
            assert np.array_equal(contacts[name], plain[name])
        lat, lon = frame.to_latlon(x, y)
        assert np.array_equal(lat, contacts["lat"]) and np.array_equal(lon, contacts["lon"])
        n += len(contacts)
    assert n > 0


def contact_updates(merged: ObservationBatch, rows_per_batch: int) -> Any:
    """The pipeline's contact updates (Arrow) of a recording handed over rows_per_batch rows at a time."""
    p = Pipeline(SITE, update_period_s=5.0)
    parts = [p.process(merged.take(np.arange(i, min(i + rows_per_batch, len(merged)))))
             for i in range(0, len(merged), rows_per_batch)]
    return ContactBatch.concat([*parts, p.flush()[0]]).to_arrow()


@pytest.mark.parametrize("radar_shift_s", [0.0, 0.5])
def test_the_contact_updates_are_the_same_however_the_observations_are_cut_into_batches(radar_shift_s: float) -> None:
    """A rotating antenna's plots come spread over its revolution, and a batch may end in the middle of one (a
    file read, a live feed's message): the scan is tracked whole once the stream has passed it, and the reports
    after the last step wait for it, so the updates are the same to the bit."""
    batches = scenario(seconds=300.0)
    merged = ObservationBatch.concat(batches)
    t = merged["observed_at"].copy()
    radar = merged["kind"] == int(Kind.RADAR_PLOT)
    # plots at their bearings' times over the first 1.6 s of each 2.5 s revolution, which starts on the emission
    # steps' grid or 0.5 s after it (a step can then fall after a revolution's last plot, before the next one)
    t[radar] += np.arange(int(radar.sum())) % 5 * 0.4 + radar_shift_s
    ais = merged["kind"] == int(Kind.AIS_POSITION)   # two vessels' reports at a time: at an emission step's time,
    t[ais] += np.array([0.0, 0.3, 1.4])[np.arange(int(ais.sum())) // 2 % 3] - 0.1   # or 0.3 s or 1.4 s after it
    merged = ObservationBatch({**merged.columns, "observed_at": t}, n=len(t)).sorted_by_time()
    whole = contact_updates(merged, len(merged))
    assert whole.num_rows > 100 and len(set(whole.column("kind").to_pylist())) == 3
    for rows in (500, 37, 5):
        assert contact_updates(merged, rows).equals(whole)


def test_a_fused_contacts_ais_age_dates_its_report_whatever_radar_scan_its_row_comes_from() -> None:
    """A radar-backed picture is fused at its last scan, which may come a second or more before the update step:
    a row's t minus its AIS age is the time of the report it carries, the same on every row that carries it (it
    was the step's time minus the age at the step: 1.2 s early here, by a different amount scan by scan, and
    detection took one report seen on two rows for two reports 0.6 s apart)."""
    merged = ObservationBatch.concat(scenario(seconds=300.0))
    t = merged["observed_at"].copy()
    t[merged["kind"] == int(Kind.RADAR_PLOT)] += 1.3   # scans at 1.3, 3.8, 6.3, 8.8 s..., steps every 10 s
    merged = ObservationBatch({**merged.columns, "observed_at": t}, n=len(t)).sorted_by_time()
    p = Pipeline(SITE, update_period_s=10.0)
    rows = [r for r in p.process(merged).rows() if r.kind is ContactKind.FUSED]
    report_t = 1.7e9 + np.arange(0.0, 300.0, 10.0) + 0.1   # vessel A's reports
    assert len(rows) > 20 and {round((r.t - 1.7e9) % 2.5, 3) for r in rows} == {1.3}   # rows at scan times
    for r in rows:
        assert r.mmsi == 423000001 and r.ais_age_s is not None
        assert np.min(np.abs(report_t - (r.t - r.ais_age_s))) < 1e-6, (r.t - 1.7e9, r.ais_age_s)


def test_a_first_batch_of_reports_without_observed_at_is_held_not_a_crash() -> None:
    """A static report (and a position report) with only a receive time start the stream: nothing to step to yet;
    they are applied once the stream has a time, the position at its receive time."""
    p = Pipeline(SITE, update_period_s=10.0)
    untimed = ObservationBatch({"kind": [Kind.AIS_STATIC, Kind.AIS_POSITION], "observed_at": [np.nan, np.nan],
                                "received_at": [1.7e9 + 1.0, 1.7e9 + 2.0], "msg_type": [5, 1],
                                "mmsi": [423000009, 423000009], "name": ["UNTIMED", None], "lat": [np.nan, 38.45],
                                "lon": [np.nan, 48.95], "sog_mps": [np.nan, 1.0], "cog_deg": [np.nan, 90.0],
                                "sensor": "ais"}, n=2)
    assert len(p.process(untimed)) == 0
    for b in scenario(seconds=60.0):
        p.process(b)
    p.flush()
    assert 423000009 in p.ais.mmsi.tolist() and p.ais.static["name"][p.ais.rows_of(np.array([423000009]))[0]] == \
        "UNTIMED"


def _reports(rows: list[tuple[float, int]], **extra: Any) -> ObservationBatch:
    """AIS position reports (t after 1.7e9 s, MMSI) of vessels at sea, 60 km out of radar cover."""
    n = len(rows)
    cols = {"kind": Kind.AIS_POSITION, "observed_at": [1.7e9 + t for t, _ in rows],
            "received_at": [1.7e9 + t for t, _ in rows], "msg_type": 1, "mmsi": [m for _, m in rows],
            "lat": np.full(n, 38.45), "lon": 49.6 + np.arange(n) * 0.01, "sog_mps": np.full(n, 2.0),
            "cog_deg": np.full(n, 90.0), "sensor": "ais"}
    cols.update(extra)
    return ObservationBatch(cols, n=n)


def test_a_report_without_observed_at_goes_after_the_timed_ones_not_into_an_earlier_picture() -> None:
    """Steps every 30 s (at 10 s, 40 s, ... on the grid). A report without observed_at (received at 50 s) comes
    with A's reports of 1-21 s; the next batch brings B's of 31 s and A's of 41 and 45 s. The held reports are
    searched by time: the untimed one goes after the timed ones (applied at the end, at its receive time), so the
    picture at 40 s is the one without it — B in it, and no vessel heard only at 50 s."""
    untimed = _reports([(50.0, 423000007)], observed_at=[np.nan])
    first = _reports([(1.0, 423000001), (11.0, 423000001), (21.0, 423000001)])
    second = _reports([(31.0, 423000002), (41.0, 423000001), (45.0, 423000001)])

    def step_40(batches: list[ObservationBatch]) -> list[str]:
        p = Pipeline(SITE, update_period_s=30.0)
        rows = [r for b in batches for r in p.process(b).rows()]
        return [f"{r.mmsi} {r.lat:.9f} {r.lon:.9f}" for r in rows if r.t == 1.7e9 + 40.0]

    with_it = step_40([ObservationBatch.concat([first, untimed]), second])
    assert with_it == step_40([first, second]) and any(r.startswith("423000002") for r in with_it)


def test_plots_placed_in_another_thread_give_the_same_contact_updates_as_plots_placed_by_the_pipeline() -> None:
    import threading

    merged = ObservationBatch.concat(scenario(300.0)).sorted_by_time()
    parts = [merged.take(np.arange(i, min(i + 300, len(merged)))) for i in range(0, len(merged), 300)]
    p, q = Pipeline(SITE, update_period_s=5.0), Pipeline(SITE, update_period_s=5.0)
    placer = q.placer()
    assert placer.frame is not q.frame   # a frame (pyproj transformer) of its own
    placed: list[Any] = []
    reader = threading.Thread(target=lambda: placed.extend(placer(b) for b in parts))
    reader.start()
    reader.join()
    assert sum(len(pp.rows) for pp in placed) == int(np.isin(merged["kind"], (Kind.RADAR_PLOT,)).sum()) > 0
    for part, pp in zip(parts, placed):
        a, xa, ya = p.process_xy(part)
        b, xb, yb = q.process_xy(part, pp)
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
        for name in ContactBatch.SCHEMA:
            if a[name].dtype == object:
                assert a[name].tolist() == b[name].tolist()
            else:
                assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f")

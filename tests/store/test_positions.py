"""Positions: round trips, track and box queries, idempotence — the same tests on both back-ends."""

from __future__ import annotations

import math
import threading

import numpy as np
import pyarrow as pa
import pytest
from store_data import T0, contacts

from seawatch.model.observation import Kind, ObservationBatch
from seawatch.store import Checkpoint, Store, open_store
from seawatch.store.positions import AIS_ID_OFFSET


def test_a_contact_batch_round_trips_through_the_track_query(store: Store) -> None:
    batch = contacts(20, 30)
    assert store.write_positions(batch) == 600
    track = store.track(contact_id=3)
    assert track.num_rows == 30
    ts = track.column("t").to_numpy()
    assert np.all(np.diff(ts) > 0)
    assert ts[0] == T0 and ts[-1] == T0 + 29 * 2.0
    sel = batch["contact_id"] == 3
    np.testing.assert_allclose(track.column("lon").to_numpy(), batch["lon"][sel])
    np.testing.assert_allclose(track.column("lat").to_numpy(), batch["lat"][sel])
    row = track.slice(0, 1).to_pylist()[0]
    assert row["sog_mps"] == 5.0 and row["cog_deg"] == 90.0 and row["mmsi"] == 273_000_003
    assert row["heading_deg"] is None  # absent stays absent, never a number


def test_a_track_is_limited_to_its_period(store: Store) -> None:
    store.write_positions(contacts(5, 50))
    track = store.track(contact_id=2, t0=T0 + 10, t1=T0 + 20)
    assert track.column("t").to_pylist() == [T0 + 10 + 2 * k for k in range(6)]


def test_an_mmsi_track_joins_every_contact_that_carried_it(store: Store) -> None:
    store.write_positions(contacts(4, 10))  # contact 1 carries MMSI 273000001
    obs = ObservationBatch({"kind": np.full(3, Kind.AIS_POSITION), "observed_at": T0 + 100 + np.arange(3.0),
                            "mmsi": 273_000_001, "lat": 40.5, "lon": 50.5, "sog_mps": 3.0})
    store.write_positions(obs)
    track = store.track(mmsi=273_000_001)
    assert track.num_rows == 13
    assert set(track.column("id").to_pylist()) == {1, AIS_ID_OFFSET + 273_000_001}
    assert store.track(mmsi=999_999_999).num_rows == 0


def test_writing_the_same_batch_twice_adds_nothing(store: Store) -> None:
    batch = contacts(10, 10)
    store.write_positions(batch)
    store.write_positions(batch)
    store.write_positions(batch.take(np.arange(50, 100)))  # an overlapping part
    assert store.count_positions() == 100
    assert store.track(contact_id=4).num_rows == 10


def test_rows_without_a_position_or_time_are_not_stored(store: Store) -> None:
    batch = contacts(3, 2)
    lat = batch["lat"].copy()
    lat[0] = np.nan
    t = batch["t"].copy()
    t[1] = np.nan
    batch.columns["lat"], batch.columns["t"] = lat, t
    store.write_positions(batch)
    assert store.count_positions() == 4


def test_an_arrow_table_is_accepted_as_well(store: Store) -> None:
    table = contacts(3, 4).to_arrow()
    assert isinstance(table, pa.Table)
    store.write_positions(table)
    assert store.count_positions() == 12
    assert store.track(contact_id=2).column("mmsi").to_pylist() == [None] * 4


def test_the_box_at_a_time_gives_each_contact_s_last_position_inside_the_box(store: Store) -> None:
    store.write_positions(contacts(50, 20))  # lat 40.000 .. 40.049, dt 2 s
    box = (49.0, 40.0095, 51.0, 40.0195)  # contacts 11..20 (idx 10..19)
    at = store.bbox_at(box, T0 + 21.0, tolerance_s=10.0)
    assert at.column("id").to_pylist() == list(range(11, 21))
    assert set(at.column("t").to_pylist()) == {T0 + 20.0}
    assert store.bbox_at(box, T0 - 100.0, tolerance_s=10.0).num_rows == 0
    assert store.bbox_at(box, T0 + 1000.0, tolerance_s=10.0).num_rows == 0  # nothing reported lately


def test_the_box_over_a_period_gives_every_position_inside(store: Store) -> None:
    store.write_positions(contacts(50, 20))
    box = (49.0, 40.0095, 51.0, 40.0195)
    between = store.bbox_between(box, T0 + 4.0, T0 + 10.0)
    assert between.num_rows == 10 * 4
    assert set(between.column("id").to_pylist()) == set(range(11, 21))
    lon_box = (50.0, 39.0, 50.0 + 5 * 5.0 / 85_000.0 + 1e-5, 41.0)  # the first 6 steps (0..10 s) only
    assert set(store.bbox_between(lon_box, T0, T0 + 100).column("t").to_pylist()) <= {T0 + 2 * k for k in range(7)}


def test_vessel_names_callsigns_and_mmsi_are_searchable(store: Store) -> None:
    batch = contacts(6, 3)
    callsign = np.array([None, "4JAB", None, "4JXY", None, None], dtype=object)
    batch.columns["callsign"] = np.tile(callsign, 3)
    store.write_positions(batch)
    hits = store.search_vessels("neft")
    assert {h["id"] for h in hits} == {1, 3, 5}
    assert {h["name"] for h in hits} == {"NEFT 1", "NEFT 3", "NEFT 5"}
    assert [h["id"] for h in store.search_vessels("4JX")] == [4]
    assert [h["mmsi"] for h in store.search_vessels("273000005")] == [273_000_005]
    assert store.search_vessels("zzz") == [] and store.search_vessels("  ") == []


def test_a_checkpoint_saved_with_a_batch_is_read_back(store: Store) -> None:
    cp = Checkpoint("replay:a.nmea", file="a.nmea", offset=12345, last_t=T0 + 9, extra={"lines": 77})
    store.write_positions(contacts(2, 5), checkpoint=cp)
    got = store.load_checkpoint("replay:a.nmea")
    assert got is not None
    assert (got.file, got.offset, got.last_t, got.extra) == ("a.nmea", 12345, T0 + 9, {"lines": 77})
    assert store.load_checkpoint("other") is None


def test_raw_lines_are_kept_compressed_and_once(store: Store) -> None:
    lines = [b"!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24", b"!AIVDM,1,1,,B,15Mw1U0P00qNrn>E@8sg9?wn2<0w,0*6A"]
    assert store.write_raw(lines, [T0, T0 + 1], "ais-baku") == 2
    store.write_raw(lines, [T0, T0 + 1], "ais-baku")
    store.write_raw(["$RATTM,01,1.5,90.0,T,10.0,45.0,T,0.5,5.0,N,TGT01,T,,,A*00"], T0 + 0.5, "radar-astara")
    assert store.raw("ais-baku") == [(T0, lines[0]), (T0 + 1, lines[1])]
    assert len(store.raw()) == 3
    assert [x[0] for x in store.raw(None, T0 + 0.2, T0 + 0.9)] == [T0 + 0.5]


def test_retention_removes_old_positions_and_raw_but_keeps_alerts(store: Store) -> None:
    store.write_positions(contacts(2, 3, t0=T0))
    store.write_positions(contacts(2, 3, t0=T0 + 400 * 86400.0))
    store.write_raw([b"old"], T0, "s")
    store.upsert_alerts([{"id": "old", "type": "loitering", "severity": "low", "start": T0, "end": T0 + 60}])
    removed = store.apply_retention(T0 + 400 * 86400.0)
    assert removed["raw"] == 1
    assert store.count_positions() == 6
    assert store.alert("old") is not None


@pytest.mark.parametrize("bad", [math.nan, -1])
def test_a_batch_of_only_unusable_rows_stores_nothing(store: Store, bad: float) -> None:
    batch = contacts(1, 1)
    batch.columns["contact_id"] = np.array([-1]) if bad == -1 else batch["contact_id"]
    batch.columns["t"] = np.array([bad]) if bad != -1 else batch["t"]
    assert store.write_positions(batch) == 0
    assert store.count_positions() == 0


def test_times_and_coordinates_round_trip_bit_for_bit(store: Store) -> None:
    rng = np.random.default_rng(5)
    batch = contacts(1, 500)
    batch.columns["t"] = T0 + np.sort(rng.uniform(0, 86_400, 500))
    batch.columns["lat"] = rng.uniform(-90, 90, 500)
    batch.columns["lon"] = rng.uniform(-180, 180, 500)
    store.write_positions(batch)
    track = store.track(contact_id=1)
    for name in ("t", "lat", "lon"):
        assert np.array_equal(track.column(name).to_numpy(), batch[name]), name


def test_late_positions_interleaving_an_earlier_batch_come_back_in_time_order_once(store: Store) -> None:
    store.write_positions(contacts(2, 10, t0=T0, dt=10.0))  # t = T0, T0+10, ..., T0+90
    late = contacts(2, 10, t0=T0 + 5.0, dt=10.0)  # t = T0+5, T0+15, ...: between the stored ones
    store.write_positions(late)
    store.write_positions(late)  # and again: nothing twice
    track = store.track(contact_id=1)
    assert track.column("t").to_pylist() == [T0 + 5.0 * k for k in range(20)]
    assert store.count_positions() == 40


def test_two_writers_storing_the_same_positions_at_once_store_them_once(store_url: str) -> None:
    batch = contacts(20, 50)
    stores = [open_store(store_url) for _ in range(2)]
    try:
        errors: list[BaseException] = []

        def write(s: Store) -> None:
            try:
                for _ in range(3):
                    s.write_positions(batch)
            except Exception as err:  # noqa: BLE001 — collected, asserted empty below
                errors.append(err)

        threads = [threading.Thread(target=write, args=(s,)) for s in stores]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == []
        assert stores[0].count_positions() == 1000
    finally:
        for s in stores:
            s.close()


def test_positions_written_again_are_found_even_when_the_vessels_table_lost_their_contacts(store: Store) -> None:
    batch = contacts(4, 10)
    store.write_positions(batch)
    store._db.execute("DELETE FROM vessels")  # type: ignore[attr-defined]
    store.write_positions(batch)  # the block keys conflict: the batch is checked contact by contact
    assert store.count_positions() == 40
    assert store.track(contact_id=3).num_rows == 10

"""Column batches: absent values stay absent through every view."""

from __future__ import annotations

import numpy as np

from seawatch.model import ContactBatch, ContactKind, Kind, ObservationBatch, TrackStatus


def test_missing_columns_are_absent_and_rows_show_them_as_none() -> None:
    b = ObservationBatch({"kind": [Kind.AIS_POSITION], "observed_at": [1.0], "mmsi": [423000001]})
    (row,) = b.rows()
    assert row.kind is Kind.AIS_POSITION and row.mmsi == 423000001
    assert row.lat is None and row.heading_deg is None and row.nav_status is None and row.name is None


def test_arrow_export_turns_absent_markers_into_nulls() -> None:
    b = ObservationBatch({"kind": [1, 1], "observed_at": [1.0, 2.0], "mmsi": [5, -1], "lat": [np.nan, 40.0]})
    t = b.to_arrow()
    assert t.column("mmsi").to_pylist() == [5, None]
    assert t.column("lat").to_pylist() == [None, 40.0]


def test_concat_take_and_sort_keep_the_batch_type() -> None:
    a = ContactBatch({"contact_id": [2], "t": [5.0], "kind": [ContactKind.RADAR_ONLY], "status": [2]})
    b = ContactBatch({"contact_id": [1], "t": [3.0], "kind": [ContactKind.FUSED], "status": [2], "mmsi": [7]})
    both = ContactBatch.concat([a, b]).sorted_by_time()
    assert isinstance(both, ContactBatch)
    rows = list(both.rows())
    assert [r.contact_id for r in rows] == [1, 2]
    assert rows[0].kind is ContactKind.FUSED and rows[0].status is TrackStatus.CONFIRMED
    assert rows[1].mmsi is None


def test_an_unknown_column_is_refused() -> None:
    try:
        ContactBatch({"speed": [1.0]})
    except KeyError as err:
        assert "speed" in str(err)
    else:
        raise AssertionError("unknown column accepted")


def test_a_column_of_the_schemas_dtype_is_taken_as_it_is_and_others_are_converted() -> None:
    mmsi = np.array([5, 6], np.int64)
    b = ObservationBatch({"kind": np.array([1, 1], np.uint8), "mmsi": mmsi, "lat": [1, 2], "sog_mps": 3.0})
    assert b["mmsi"] is mmsi
    assert b["lat"].dtype == np.float64 and b["lat"].tolist() == [1.0, 2.0]
    assert b["sog_mps"].tolist() == [3.0, 3.0] and b["nav_status"].tolist() == [-1, -1]
    as_int32 = ObservationBatch({"kind": [1, 1], "mmsi": mmsi.astype(np.int32)})
    assert as_int32["mmsi"].dtype == np.int64

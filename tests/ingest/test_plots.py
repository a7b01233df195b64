"""Radar plots CSV / JSONL: decoding, positions from the sensor site, rejects, chunking, writers, fuzz."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawatch.config.loader import validate_site_dict
from seawatch.config.site import SiteConfig
from seawatch.geo import destination, inverse
from seawatch.ingest.base import DecoderContext, make_decoder, registered_formats
from seawatch.ingest.detect import detect_format
from seawatch.ingest.plots import write_plots_csv, write_plots_jsonl
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "radar"
RADAR_LAT, RADAR_LON = 38.45, 48.90
T0 = datetime(2026, 3, 1, 4, 0, tzinfo=UTC).timestamp()
HEADER = b"time,sensor,range_m,bearing_deg,lat,lon,rcs_m2,snr_db,doppler_mps\n"


def site(radars: int = 1) -> SiteConfig:
    sensors = [{"id": "radar-astara", "kind": "radar", "lat": RADAR_LAT, "lon": RADAR_LON, "range_m": 40000}]
    if radars == 2:
        sensors.append({"id": "radar-lankaran", "kind": "radar", "lat": 38.75, "lon": 48.87, "range_m": 30000})
    sensors.append({"id": "ais", "kind": "ais"})
    return validate_site_dict({"site": {"name": "Astara approaches"}, "sensors": sensors})


def decode(fmt: str, data: bytes, chunk: int | None = None, ctx: DecoderContext | None = None
           ) -> tuple[ObservationBatch, IngestStats]:
    stats = IngestStats()
    base = ctx or DecoderContext(site=site())
    dec = make_decoder(fmt, DecoderContext(site=base.site, sensor_id=base.sensor_id, stats=stats))
    step = chunk or max(len(data), 1)
    parts = [dec.feed(data[i:i + step], 99.0, "plots") for i in range(0, len(data), step)]
    parts.append(dec.flush())
    return ObservationBatch.concat(parts), stats


def test_both_formats_are_registered_and_detected_from_content() -> None:
    assert {"plots-csv", "plots-jsonl"} <= set(registered_formats())
    assert detect_format((FIXTURES / "plots_astara.csv").read_bytes()) == "plots-csv"
    assert detect_format((FIXTURES / "plots_astara.jsonl").read_bytes()) == "plots-jsonl"


def test_range_bearing_plots_are_placed_from_the_sensor_site() -> None:
    batch, stats = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    assert stats.total_rejects == 0 and len(batch) == 6
    assert (batch["kind"] == int(Kind.RADAR_PLOT)).all()
    first = next(batch.rows())
    lat, lon = destination(RADAR_LAT, RADAR_LON, 12500.0, 45.0)
    assert (first.lat, first.lon) == pytest.approx((float(lat), float(lon)))
    assert (first.rcs_m2, first.snr_db, first.doppler_mps) == (35.0, 18.2, -2.1)
    assert first.sensor == "radar-astara" and first.source == "plots" and first.received_at == 99.0


def test_lat_lon_plots_keep_their_position_and_get_range_and_bearing() -> None:
    batch, _ = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    row = list(batch.rows())[3]
    assert (row.lat, row.lon) == (38.40, 48.95)
    dist, brg = inverse(RADAR_LAT, RADAR_LON, 38.40, 48.95)
    assert row.range_m == pytest.approx(float(dist)) and row.bearing_deg == pytest.approx(float(brg))
    assert row.rcs_m2 is None and row.doppler_mps is None


def test_iso_times_with_and_without_zone_and_epoch_seconds_all_parse_as_utc() -> None:
    batch, _ = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    assert batch["observed_at"] == pytest.approx([T0, T0 + 0.12, T0 + 2.5, T0 + 2.62, T0 + 5.0, T0 + 5.1])


def test_a_row_without_sensor_belongs_to_the_sites_only_radar() -> None:
    batch, _ = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    assert batch["sensor"][-1] == "radar-astara"


def test_the_decoder_sensor_id_fills_rows_without_sensor() -> None:
    data = HEADER + b"100,,1000,90,,,,,\n"
    batch, stats = decode("plots-csv", data, ctx=DecoderContext(site=site(radars=2), sensor_id="radar-lankaran"))
    assert stats.total_rejects == 0
    (row,) = batch.rows()
    assert row.sensor == "radar-lankaran"
    assert float(inverse(38.75, 48.87, row.lat, row.lon)[0]) == pytest.approx(1000.0, abs=1e-6)


def test_the_jsonl_file_decodes_to_the_same_plots_as_the_csv_file() -> None:
    csv_batch, _ = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    jsonl_batch, stats = decode("plots-jsonl", (FIXTURES / "plots_astara.jsonl").read_bytes())
    assert stats.total_rejects == 0
    for col in ("observed_at", "lat", "lon", "range_m", "bearing_deg", "rcs_m2", "snr_db", "doppler_mps"):
        assert np.allclose(jsonl_batch[col], csv_batch[col], equal_nan=True), col
    assert jsonl_batch["sensor"].tolist() == csv_batch["sensor"].tolist()


@pytest.mark.parametrize("fmt, name", [("plots-csv", "plots_astara.csv"), ("plots-jsonl", "plots_astara.jsonl")])
@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunks_that_split_lines_give_the_same_plots(fmt: str, name: str, chunk: int) -> None:
    data = (FIXTURES / name).read_bytes()
    whole, _ = decode(fmt, data)
    pieces, stats = decode(fmt, data, chunk=chunk)
    assert stats.total_rejects == 0
    for col in ("observed_at", "lat", "lon", "rcs_m2"):
        assert np.array_equal(whole[col], pieces[col], equal_nan=True)


def test_a_last_line_without_newline_is_decoded_on_flush() -> None:
    batch, _ = decode("plots-csv", HEADER + b"100,radar-astara,1000,90,,,,,", chunk=10)
    assert len(batch) == 1


@pytest.mark.parametrize(("line", "reason"), [
    (b"100,radar-nowhere,1000,90,,,,,", "invalid_field"),  # unknown sensor
    (b"100,ais,1000,90,,,,,", "invalid_field"),  # range/bearing from a sensor without a position
    (b"100,radar-astara,1000,,,,,,", "invalid_field"),  # neither full range/bearing nor lat/lon
    (b"100,radar-astara,far,90,,,,,", "invalid_field"),
    (b"100,radar-astara,-5,90,,,,,", "invalid_field"),
    (b"100,radar-astara,1000,361,,,,,", "invalid_field"),
    (b"100,radar-astara,,,95,48,,,", "invalid_field"),
    (b"100,radar-astara,1000,90,,,inf,,", "invalid_field"),
    (b"yesterday,radar-astara,1000,90,,,,,", "invalid_field"),
    (b"2026-13-01T00:00:00Z,radar-astara,1000,90,,,,,", "invalid_field"),
    (b",radar-astara,1000,90,,,,,", "no_timestamp"),
    (b"100,radar-astara,1000", "truncated"),
    (b"100,radar-astara,1000,90,,,,,,,", "bad_record"),
])
def test_a_bad_row_is_counted_under_its_reason_and_the_others_decode(line: bytes, reason: str) -> None:
    good = b"100,radar-astara,1000,90,,,,,\n"
    batch, stats = decode("plots-csv", HEADER + good + line + b"\n" + good)
    assert len(batch) == 2
    assert stats.rejects == {reason: 1}
    assert stats.samples == [(reason, line)]   # the offending bytes as they came


def test_range_bearing_without_a_site_is_invalid_but_lat_lon_is_fine() -> None:
    data = HEADER + b"100,radar-x,1000,90,,,,,\n101,radar-x,,,38.4,48.9,,,\n"
    batch, stats = decode("plots-csv", data, ctx=DecoderContext())
    assert len(batch) == 1 and batch["sensor"].tolist() == ["radar-x"]
    assert stats.rejects == {"invalid_field": 1}


def test_columns_may_come_in_any_order_and_extra_columns_are_ignored() -> None:
    data = b"bearing_deg,range_m,comment,time\n90,1000,hello,100\n"
    batch, stats = decode("plots-csv", data)
    (row,) = batch.rows()
    assert (row.range_m, row.bearing_deg, row.observed_at) == (1000.0, 90.0, 100.0)
    assert stats.total_rejects == 0


def test_a_malformed_json_line_is_counted_and_the_others_decode() -> None:
    data = (b'{"time": 100, "range_m": 1000, "bearing_deg": 90}\n'
            b'{"time": 101, "range_m": 1000, "bearing_deg\n'
            b'[1, 2, 3]\n'
            b'\n'
            b'{"time": "1970-01-01T00:01:42Z", "range_m": "1000", "bearing_deg": 90, "extra": {"a": 1}}\n'
            b'{"time": 103, "range_m": [1], "bearing_deg": 90}\n')
    batch, stats = decode("plots-jsonl", data)
    assert batch["observed_at"].tolist() == [100.0, 102.0]
    assert stats.rejects == {"bad_record": 2, "invalid_field": 1}


# -- writers -----------------------------------------------------------------------------------------------------

def _plots(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    r, b = rng.uniform(100, 40000, n), rng.uniform(0, 360, n)
    rcs = rng.lognormal(1.0, 1.0, n)
    rcs[::5] = np.nan
    return {"time": T0 + np.sort(rng.uniform(0, 600, n)).round(6), "sensor": np.array(["radar-astara"] * n),
            "range_m": r, "bearing_deg": b, "rcs_m2": rcs, "snr_db": rng.normal(12, 3, n)}


@pytest.mark.parametrize("time_format", ["iso", "epoch"])
def test_written_csv_round_trips_through_the_decoder(time_format: str) -> None:
    plots = _plots(500)
    buf = io.BytesIO()
    assert write_plots_csv(buf, plots, time_format=time_format) == 500
    assert detect_format(buf.getvalue()[:4096]) == "plots-csv"
    batch, stats = decode("plots-csv", buf.getvalue(), chunk=4096)
    assert stats.total_rejects == 0 and len(batch) == 500
    assert np.allclose(batch["observed_at"], plots["time"], atol=1e-6, rtol=0)
    for col in ("range_m", "bearing_deg", "rcs_m2", "snr_db"):
        assert np.array_equal(batch[col], plots[col], equal_nan=True), col
    assert np.isnan(batch["doppler_mps"]).all()


def test_a_written_batch_round_trips_through_a_file_and_jsonl(tmp_path: Path) -> None:
    first, _ = decode("plots-csv", (FIXTURES / "plots_astara.csv").read_bytes())
    path = tmp_path / "plots.csv"
    write_plots_csv(path, first)
    again, _ = decode("plots-csv", path.read_bytes())
    text = io.StringIO()
    write_plots_jsonl(text, first)
    assert all(json.loads(line)["sensor"] == "radar-astara" for line in text.getvalue().splitlines())
    from_jsonl, _ = decode("plots-jsonl", text.getvalue().encode())
    for col in ("observed_at", "lat", "lon", "range_m", "bearing_deg", "rcs_m2", "snr_db", "doppler_mps"):
        assert np.allclose(again[col], first[col], equal_nan=True, atol=1e-6, rtol=0), col
        assert np.allclose(from_jsonl[col], first[col], equal_nan=True, atol=1e-6, rtol=0), col


def test_the_writer_refuses_unknown_columns() -> None:
    with pytest.raises(KeyError, match="speed"):
        write_plots_csv(io.BytesIO(), {"time": [1.0], "speed": [2.0]})


# -- fuzz --------------------------------------------------------------------------------------------------------

FIELD = st.one_of(st.sampled_from(["", "100", "1e3", "-5", "nan", "inf", "radar-astara", "ais", "x",
                                   "2026-03-01T04:00:00Z", "2026-02-30T00:00:00", "90", "38.4", "48.9",
                                   '"q"', "1.5.2", " 12 "]),
                  st.text(alphabet="0123456789.-+eEZT:", max_size=8))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(FIELD, min_size=1, max_size=11).map(",".join), max_size=25),
       st.integers(1, 200))
def test_any_csv_rows_are_decoded_or_counted_never_raised(rows: list[str], chunk: int) -> None:
    rows = [r for r in rows if r.strip() and r.count('"') % 2 == 0]
    data = HEADER + "".join(r + "\n" for r in rows).encode()
    batch, stats = decode("plots-csv", data, chunk=chunk)
    assert len(batch) + stats.total_rejects == len(rows)
    assert np.isfinite(batch["observed_at"]).all()
    assert np.isfinite(batch["lat"]).all() and np.isfinite(batch["lon"]).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.integers(1, 100), st.sampled_from(["plots-csv", "plots-jsonl"]))
def test_arbitrary_bytes_never_raise(data: bytes, chunk: int, fmt: str) -> None:
    prefix = HEADER if fmt == "plots-csv" else b""
    batch, stats = decode(fmt, prefix + data, chunk=chunk)
    assert len(batch) <= (prefix + data).count(b"\n") + 1
    assert all(v > 0 for v in stats.rejects.values())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(["time", "sensor", "range_m", "bearing_deg", "lat", "lon",
                                                 "rcs_m2"]),
                                st.one_of(st.none(), st.booleans(), st.integers(-10, 10**10),
                                          st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5),
                                          st.lists(st.integers(), max_size=2),
                                          st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))),
                max_size=20))
def test_any_json_objects_are_decoded_or_counted_never_raised(objs: list[dict[str, object]]) -> None:
    data = "".join(json.dumps(o) + "\n" for o in objs).encode()
    batch, stats = decode("plots-jsonl", data)
    assert len(batch) + stats.total_rejects == len(objs)


def test_an_endless_line_without_newline_is_dropped_and_counted_not_buffered_forever() -> None:
    stats = IngestStats()
    dec = make_decoder("plots-jsonl", DecoderContext(site=site(), stats=stats))
    junk = b"x" * 65536
    for _ in range(20):  # 1.3 MB with no newline
        dec.feed(junk, 1.0)
    good = dec.feed(b'\n{"time": 100, "range_m": 1000, "bearing_deg": 90}\n', 1.0)
    assert len(good) == 1
    # the first 1 MB is dropped unseen; the rest of that line, ended by the newline, is not JSON
    assert stats.rejects == {"bad_record": 2}


def test_a_fixed_column_set_keeps_all_absent_columns_for_chunked_writers() -> None:
    from seawatch.ingest.plots import plots_table

    chunk = {"time": [T0], "sensor": "radar-astara", "range_m": [1000.0], "bearing_deg": [90.0],
             "rcs_m2": [np.nan]}
    fixed = ("time", "sensor", "range_m", "bearing_deg", "rcs_m2", "snr_db")
    assert plots_table(chunk).column_names == ["time", "sensor", "range_m", "bearing_deg"]
    table = plots_table(chunk, columns=fixed)
    assert table.column_names == list(fixed)
    assert table.column("rcs_m2").null_count == 1 and table.column("snr_db").null_count == 1
    with pytest.raises(KeyError):
        plots_table(chunk, columns=("sensor", "range_m"))

"""Decoded AIS CSV (MarineCadastre / DMA layout): positions, static rows on change, absent values, rejects."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawatch.ingest.base import DecoderContext, make_decoder, registered_formats
from seawatch.ingest.detect import detect_format
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import KN_TO_MPS

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
FLORIDA = REAL / "marinecadastre-2020-01-01" / "florida_straits_2020-01-01.csv.gz"
NOAA_FULL = REAL / "aisdb" / "test_data_noaa_20230101.csv"
HEADER = b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType\n"
FULL_HEADER = (b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,"
               b"Width,Draft,Cargo,TransceiverClass\n")
T0 = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real recording {path} not present (../shared/data/real is not checked out)")
    return path


def decode(data: bytes, chunk: int | None = None, sensor_id: str | None = None
           ) -> tuple[ObservationBatch, IngestStats]:
    stats = IngestStats()
    dec = make_decoder("ais-csv", DecoderContext(stats=stats, sensor_id=sensor_id))
    step = chunk or max(len(data), 1)
    parts = [dec.feed(data[i:i + step], 7.0, "mc.csv") for i in range(0, len(data), step)]
    parts.append(dec.flush())
    return ObservationBatch.concat(parts), stats


def kind(batch: ObservationBatch, k: Kind) -> ObservationBatch:
    return batch.take(np.flatnonzero(batch["kind"] == int(k)))


def florida_head(n_lines: int) -> bytes:
    with gzip.open(need(FLORIDA), "rb") as f:
        return b"".join(f.readline() for _ in range(n_lines))


# -- real MarineCadastre rows --------------------------------------------------------------------------------

def test_the_format_is_registered_and_detected_from_the_header() -> None:
    assert "ais-csv" in registered_formats()
    assert detect_format(florida_head(5)) == "ais-csv"


def test_real_marinecadastre_rows_become_positions_with_si_units() -> None:
    batch, stats = decode(florida_head(2001))
    assert stats.total_rejects == 0
    pos = kind(batch, Kind.AIS_POSITION)
    assert len(pos) == 2000
    first = next(r for r in pos.rows() if r.mmsi == 311256000)
    # 311256000,2020-01-01T00:00:00,25.93468,-79.98198,1.8,12.0,38.0,EVRIDIKI,IMO9358929,C6WT8,80.0
    assert first.observed_at == T0 and first.received_at == 7.0 and first.source == "mc.csv"
    assert (first.lat, first.lon, first.cog_deg, first.heading_deg) == (25.93468, -79.98198, 12.0, 38.0)
    assert first.sog_mps == pytest.approx(1.8 * KN_TO_MPS)
    monica = next(r for r in pos.rows() if r.mmsi == 319105900)  # heading 511: not available
    assert monica.heading_deg is None and monica.cog_deg == 327.4


def test_real_rows_give_one_static_row_per_vessel_with_parsed_imo() -> None:
    batch, _ = decode(florida_head(2001))
    static = kind(batch, Kind.AIS_STATIC)
    mmsi = static["mmsi"]
    assert len(np.unique(mmsi)) == len(mmsi) == len(np.unique(kind(batch, Kind.AIS_POSITION)["mmsi"]))
    evridiki = next(r for r in static.rows() if r.mmsi == 311256000)
    assert (evridiki.name, evridiki.imo, evridiki.callsign, evridiki.ship_type) == ("EVRIDIKI", 9358929, "C6WT8", 80)
    sheep = next(r for r in static.rows() if r.mmsi == 319041200)  # no IMO in the file
    assert sheep.imo is None and sheep.name == "BLACK SHEEP"


def test_the_whole_florida_day_replays_with_every_vessel_and_no_reject() -> None:
    from seawatch.replay import ReplayOptions, run_replay

    result = run_replay(None, ReplayOptions(inputs=[need(FLORIDA)]))
    assert result.formats == {str(FLORIDA): "ais-csv"}
    assert result.kinds["ais_position"] == 291_991
    assert len(result.mmsis) == 906
    assert result.kinds["ais_static"] == 906  # the file's static columns never change within a vessel
    assert result.stats.total_rejects == 0
    assert result.t_min == T0 and result.t_max == T0 + 86_399


def test_the_full_noaa_layout_maps_status_draught_and_transceiver_rows() -> None:
    batch, stats = decode(need(NOAA_FULL).read_bytes(), chunk=20_000)
    pos, static = kind(batch, Kind.AIS_POSITION), kind(batch, Kind.AIS_STATIC)
    assert stats.total_rejects == 0 and len(pos) == 1000
    # 636021061,...,8.8,272.7,270.0,MSC NAISHA III,IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A
    naisha = next(r for r in pos.rows() if r.mmsi == 636021061)
    assert naisha.nav_status == 8 and naisha.heading_deg == 270.0
    naisha_static = next(r for r in static.rows() if r.mmsi == 636021061)
    assert naisha_static.draught_m == 8.0 and naisha_static.ship_type == 70
    # 367752440,...,0.0,360.0,95.0,SAN JOSE,,WDI9818,31,0.0,...: COG 360 is "not available"
    san_jose = next(r for r in pos.rows() if r.mmsi == 367752440)
    assert san_jose.cog_deg is None and san_jose.nav_status == 0
    # TransceiverClass: A is a class A position report (type 1), B a class B one (type 18)
    # 338228393,...,GITANA,,,37,,,,,,B
    assert naisha.msg_type == 1 and next(r for r in pos.rows() if r.mmsi == 338228393).msg_type == 18
    assert sorted(set(pos["msg_type"].tolist())) == [1, 18]


# -- absent values and static changes ------------------------------------------------------------------------

def test_not_available_values_become_absent() -> None:
    data = HEADER + (b"211000001,2020-01-01T00:00:00,91.0,181.0,102.3,360.0,511.0,A,,,\n"
                     b"211000001,2020-01-01T00:01:00,54.1,10.2,,,,A,,,\n"
                     b"211000001,2020-01-01T00:02:00,54.1,10.2,120.0,-5.0,400.0,A,,,\n")
    batch, stats = decode(data)
    pos = list(kind(batch, Kind.AIS_POSITION).rows())
    assert stats.total_rejects == 0
    assert all(r.sog_mps is None and r.cog_deg is None and r.heading_deg is None for r in pos)
    assert pos[0].lat is None and pos[0].lon is None and pos[1].lat == 54.1


def test_a_static_row_is_emitted_only_when_a_vessels_static_fields_change() -> None:
    rows = [b"211000001,2020-01-01T00:00:00,54.0,10.0,5,90,90,ALPHA,IMO1234567,DA1,70",
            b"211000002,2020-01-01T00:00:10,54.5,10.5,5,90,90,,,,",  # nothing static to tell
            b"211000001,2020-01-01T00:01:00,54.0,10.1,5,90,90,ALPHA,IMO1234567,DA1,70",
            b"211000001,2020-01-01T00:02:00,54.0,10.2,5,90,90,ALPHA II,IMO1234567,DA1,70",
            b"211000001,2020-01-01T00:03:00,54.0,10.3,5,90,90,ALPHA II,IMO1234567,DA1,70"]
    batch, _ = decode(HEADER + b"\n".join(rows) + b"\n")
    static = kind(batch, Kind.AIS_STATIC)
    assert static["name"].tolist() == ["ALPHA", "ALPHA II"]
    assert static["observed_at"].tolist() == [T0, T0 + 120]
    assert len(kind(batch, Kind.AIS_POSITION)) == 5


@pytest.mark.parametrize(("lines", "chunk"), [(30, 1), (200, 13), (400, 100), (400, 4096)])
def test_chunks_that_split_lines_give_the_same_observations(lines: int, chunk: int) -> None:
    data = florida_head(lines)
    whole, _ = decode(data)
    pieces, stats = decode(data, chunk=chunk)
    assert stats.total_rejects == 0 and len(pieces) == len(whole)
    for col in ("kind", "mmsi", "observed_at", "lat", "lon", "sog_mps", "imo"):
        assert np.array_equal(np.sort(pieces[col]), np.sort(whole[col]), equal_nan=True), col


def test_static_state_carries_across_chunks() -> None:
    line = b"211000001,2020-01-01T00:00:00,54.0,10.0,5,90,90,ALPHA,,,70\n"
    batch, _ = decode(HEADER + line * 50, chunk=len(line) + 3)
    assert len(kind(batch, Kind.AIS_STATIC)) == 1


def test_columns_are_found_by_name_in_any_order_and_case() -> None:
    data = b"lon,lat,basedatetime,mmsi\n10.5,54.5,2020-01-01 00:00:05,211000001\n"
    batch, stats = decode(data, sensor_id="ais")
    (row,) = batch.rows()
    assert (row.lat, row.lon, row.observed_at, row.sensor) == (54.5, 10.5, T0 + 5, "ais")
    assert stats.total_rejects == 0


def test_a_repeated_header_of_concatenated_files_is_skipped() -> None:
    data = HEADER + b"211000001,2020-01-01T00:00:00,54.0,10.0,,,,,,,\n" + HEADER + \
        b"211000001,2020-01-01T00:00:09,54.0,10.0,,,,,,,\n"
    batch, stats = decode(data, chunk=40)
    assert len(batch) == 2 and stats.total_rejects == 0


# -- rejects ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "reason"), [
    (b"0,2020-01-01T00:00:00,54.0,10.0,,,,,,,", "invalid_field"),
    (b"1000000000,2020-01-01T00:00:00,54.0,10.0,,,,,,,", "invalid_field"),
    (b"MMSI?,2020-01-01T00:00:00,54.0,10.0,,,,,,,", "invalid_field"),
    (b"211000001,2020-01-01T25:00:00,54.0,10.0,,,,,,,", "invalid_field"),
    (b"211000001,soon,54.0,10.0,,,,,,,", "invalid_field"),
    (b"211000001,2020-01-01T00:00:00,north,10.0,,,,,,,", "invalid_field"),
    (b"211000001,2020-01-01T00:00:00,95.0,10.0,,,,,,,", "invalid_field"),
    (b"211000001,2020-01-01T00:00:00,54.0,10.0,fast,,,,,,", "invalid_field"),
    (b"211000001,,54.0,10.0,,,,,,,", "no_timestamp"),
    (b"211000001,2020-01-01T00:00:00,54.0", "truncated"),
    (b"211000001,2020-01-01T00:00:00,54.0,10.0,,,,,,,,,,", "bad_record"),
])
def test_a_bad_row_is_counted_under_its_reason_and_the_others_decode(line: bytes, reason: str) -> None:
    good = b"211000009,2020-01-01T00:00:00,54.0,10.0,1,2,3,,,,\n"
    batch, stats = decode(HEADER + good + line + b"\n" + good)
    assert len(kind(batch, Kind.AIS_POSITION)) == 2
    assert stats.rejects == {reason: 1}
    assert stats.samples == [(reason, line)]   # the offending bytes as they came


def test_a_rejected_row_s_sample_is_its_line_as_it_came_among_blank_lines_crlf_and_short_rows() -> None:
    """The values pyarrow made of a row are not what the feed sent (an MMSI read as text, a float re-printed):
    the sample is the line itself, found among the block's lines once blank ones and rows skipped for their
    field count (counted on their own) are taken out."""
    good = b"211000009,2020-01-01T00:00:00,54.0,10.0,1,2,3,,,,\r\n"
    short = b"211000002,2020-01-01T00:00:00\r\n"
    bad = b"211000001,2020-01-01T00:00:00,95.000,10.0,,,,,,,"   # off the globe
    batch, stats = decode(HEADER + good + b"\r\n" + short + good + bad + b"\r\n" + good)
    assert len(kind(batch, Kind.AIS_POSITION)) == 3
    assert stats.rejects == {"truncated": 1, "invalid_field": 1}
    assert ("invalid_field", bad) in stats.samples and ("truncated", short.rstrip()) in stats.samples


def test_a_block_whose_lines_may_not_be_its_rows_gives_rebuilt_samples_never_another_row_s_line() -> None:
    """A name quoted over two lines makes one row of two lines, a lone carriage return two rows of one: together
    the counts line up and every row after them would get the line before its own. With a quote or a lone CR in
    the block, the sample is rebuilt from the row's values (its own, if not its bytes)."""
    row = b"211000009,2020-01-01T00:00:00,54.0,10.0,1,2,3,,,,"
    quoted = b'211000003,2020-01-01T00:00:00,54.0,10.0,1,2,3,"A\nB",,,\n'
    bad = b"211000001,2020-01-01T00:00:00,95.000,10.0,,,,,,,"
    batch, stats = decode(HEADER + quoted + bad + b"\n" + row + b"\r" + row + b"\n")
    assert len(kind(batch, Kind.AIS_POSITION)) == 3 and stats.rejects == {"invalid_field": 1}
    ((reason, sample),) = stats.samples
    assert reason == "invalid_field" and sample.startswith(b"211000001,") and b",95.0," in sample


def test_a_header_without_the_required_columns_rejects_every_row() -> None:
    batch, stats = decode(b"ship,when\n1,2\n3,4\n")
    assert len(batch) == 0
    assert stats.rejects == {"bad_record": 3}


# -- fuzz ------------------------------------------------------------------------------------------------------

FIELD = st.one_of(st.sampled_from(["", "211000001", "0", "2020-01-01T00:00:00", "2020-02-30T00:00:00", "54.1",
                                   "91", "181", "102.3", "511", "IMO9358929", "IMO0", "x", "-1", "1e400",
                                   "nan", "ALPHA"]),
                  st.text(alphabet="0123456789.-:TIMO ", max_size=10))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(FIELD, min_size=1, max_size=13).map(",".join), max_size=30), st.integers(1, 300))
def test_any_rows_are_decoded_or_counted_never_raised(rows: list[str], chunk: int) -> None:
    rows = [r for r in rows if r.strip()]
    batch, stats = decode(HEADER + "".join(r + "\n" for r in rows).encode(), chunk=chunk)
    pos = kind(batch, Kind.AIS_POSITION)
    assert len(pos) + stats.total_rejects == len(rows)
    assert np.all((pos["mmsi"] >= 1) & (pos["mmsi"] <= 999_999_999))
    assert np.isfinite(batch["observed_at"]).all()
    lat = pos["lat"]
    assert np.all(np.isnan(lat) | (np.abs(lat) <= 90))
    assert np.all(np.isnan(pos["sog_mps"]) | (pos["sog_mps"] < 102.3 * KN_TO_MPS))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=800), st.integers(1, 100), st.booleans())
def test_arbitrary_bytes_never_raise(data: bytes, chunk: int, with_header: bool) -> None:
    batch, stats = decode((FULL_HEADER if with_header else b"") + data, chunk=chunk)
    assert len(kind(batch, Kind.AIS_POSITION)) <= data.count(b"\n") + 1
    assert all(v > 0 for v in stats.rejects.values())

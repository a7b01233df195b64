"""ASTERIX CAT 010 / CAT 048 ingest: the real Barcelona SMR recording, the Croatia Control CAT 048 samples,
generated streams from seawatch's own encoder, corrupt input and fuzzing.

The references are the two ASTERIX libraries on PyPI: `libasterix` (spec-complete, generated from the
EUROCONTROL definitions) and `aviconv-asterix`.
"""

from __future__ import annotations

import datetime
import itertools
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawatch.config.loader import load_site
from seawatch.ingest.asterix import AsterixDecoder, encode_target_reports
from seawatch.ingest.base import DecoderContext, make_decoder
from seawatch.ingest.detect import detect_format
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import SCHEMA, Kind, ObservationBatch

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "data" / "real"
LEBL = REAL / "asterix-lebl-upc" / "201002-lebl-080001_smr.ast"
CROATIA = REAL / "asterix-croatiacontrol"
LEBL_SITE = REPO / "tests" / "fixtures" / "asterix" / "lebl_site.toml"
LEBL_SMR = (41.29561944, 2.09511389)
DAY = datetime.date(2010, 2, 1)  # the recording names its month (2010-02), not its day


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real recording {path} not present (../shared/data/real is not checked out)")
    return path


@pytest.fixture(scope="module")
def lebl_bytes() -> bytes:
    return _need(LEBL).read_bytes()


def _blocks(data: bytes, n: int) -> bytes:
    """The first n data blocks of a stream."""
    pos = 0
    for _ in range(n):
        pos += int.from_bytes(data[pos + 1 : pos + 3], "big")
    return data[:pos]


def _decode(data: bytes, chunks: list[int] | None = None, **ctx: Any) -> tuple[ObservationBatch, IngestStats]:
    stats = IngestStats()
    position = ctx.pop("sensor_position", None)
    dec = AsterixDecoder(DecoderContext(stats=stats, **ctx), sensor_position=position)
    cuts = [0, *sorted(chunks or []), len(data)]
    parts = [dec.feed(data[a:b], received_at=1_000.0, source="rec") for a, b in itertools.pairwise(cuts)]
    parts.append(dec.flush())
    return ObservationBatch.concat(parts), stats


def _assert_same(a: ObservationBatch, b: ObservationBatch) -> None:
    assert len(a) == len(b)
    for name, (dtype, _absent) in SCHEMA.items():
        if dtype.startswith("f"):
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)  # NaN == NaN here
        else:
            assert a[name].tolist() == b[name].tolist(), name


def _libasterix_cat010(data: bytes) -> list[tuple[float, int, float, float]]:
    """(time of day, track number, rho m, theta deg) of each CAT 010 target report, by libasterix."""
    import asterix.generated as gen
    from asterix.base import Bits, RawDatablock

    uap = gen.Cat_010_1_1.cv_uap
    out = []
    pos = 0
    while pos < len(data):
        length = int.from_bytes(data[pos + 1 : pos + 3], "big")
        parsed = RawDatablock.parse_single(Bits.from_bytes(data[pos : pos + length]))
        assert not isinstance(parsed, ValueError)
        pos += length
        records = uap.parse(parsed[0].get_raw_records())
        assert not isinstance(records, ValueError)
        for r in records:
            if r.get_item("000").as_uint() != 1:
                continue
            polar, track = r.get_item("040"), r.get_item("161")
            out.append((r.get_item("140").variation.content.as_quantity(),
                        -1 if track is None else track.variation.get_item("TRK").as_uint(),
                        np.nan if polar is None else polar.variation.get_item("RHO").variation.content.as_quantity(),
                        np.nan if polar is None else polar.variation.get_item("TH").variation.content.as_quantity()))
    return out


# -- the real Barcelona SMR recording (CAT 010) ------------------------------------------------------------

def test_the_lebl_recording_has_38309_target_reports_on_745_tracks_as_its_provenance_says(lebl_bytes):
    batch, stats = _decode(lebl_bytes, date=DAY)
    # 739 reports carry only a track number and status (the end of a track): no position, no observation
    assert len(batch) + stats.ignored["asterix_no_position"] == 38_309
    assert stats.ignored["asterix_no_position"] == 739
    assert len(np.unique(batch["track_number"])) == 745
    assert (batch["kind"] == Kind.RADAR_TRACK).all()
    assert stats.lines == 52_659  # records
    assert stats.ignored["asterix_status"] == 7_175 + 7_175  # start of update cycle, periodic status
    assert stats.total_rejects == 0
    assert stats.observations["radar_track"] == len(batch)


def test_lebl_times_run_from_08_00_01_to_10_01_01_utc_on_the_given_day(lebl_bytes):
    batch, _ = _decode(lebl_bytes, date=DAY)
    t = batch["observed_at"]
    first = datetime.datetime.fromtimestamp(t.min(), datetime.UTC)
    last = datetime.datetime.fromtimestamp(t.max(), datetime.UTC)
    assert first.date() == last.date() == DAY
    assert (first.hour, first.minute, first.second) == (8, 0, 1)
    assert (last.hour, last.minute, last.second) == (10, 1, 1)
    # reports come in scan order: time never goes back by more than a fraction of a 1 s scan
    assert (np.maximum.accumulate(t) - t).max() < 0.5
    assert t[-1] > t[0]


def test_lebl_times_tracks_and_polar_positions_agree_with_libasterix(lebl_bytes):
    sample = _blocks(lebl_bytes, 2_500)
    ref = [r for r in _libasterix_cat010(sample) if np.isfinite(r[2])]  # reports with a position
    batch, _ = _decode(sample, date=DAY)
    assert len(batch) == len(ref) > 1_500
    tod, trk, rho, theta = (np.array(col) for col in zip(*ref))
    midnight = datetime.datetime.combine(DAY, datetime.time(), datetime.UTC).timestamp()
    np.testing.assert_array_equal(batch["observed_at"] - midnight, tod)
    np.testing.assert_array_equal(batch["track_number"], trk)
    np.testing.assert_array_equal(batch["range_m"], rho)
    np.testing.assert_allclose(batch["bearing_deg"], theta, rtol=0, atol=1e-9)


def test_lebl_agrees_with_aviconv_on_velocities_and_cartesian_positions(lebl_bytes):
    from aviconv_asterix import iter_records

    sample = _blocks(lebl_bytes, 1_500)
    ref = [r for r in iter_records(sample) if r.message_type == "target_report" and r.rho_m is not None]
    batch, _ = _decode(sample, date=DAY)
    assert len(batch) == len(ref) > 900
    kt = np.array([np.nan if r.ground_speed_kt is None else r.ground_speed_kt for r in ref])
    np.testing.assert_allclose(batch["sog_mps"], kt * 1852.0 / 3600.0, rtol=1e-12)
    np.testing.assert_allclose(batch["cog_deg"], [r.track_angle_deg for r in ref], rtol=1e-12)
    # the cartesian position the radar sent agrees with its polar one within the 1 m LSB
    x = np.array([r.x_m for r in ref])
    y = np.array([r.y_m for r in ref])
    rad = np.radians(batch["bearing_deg"])
    assert np.abs(batch["range_m"] * np.sin(rad) - x).max() < 1.5
    assert np.abs(batch["range_m"] * np.cos(rad) - y).max() < 1.5


def test_with_the_lebl_site_file_every_report_gets_a_position_on_the_airport(lebl_bytes):
    site = load_site(LEBL_SITE)
    sample = _blocks(lebl_bytes, 3_000)
    batch, _ = _decode(sample, site=site, date=DAY)
    assert set(batch["sensor"].tolist()) == {"sac0-sic7"}
    assert np.isfinite(batch["lat"]).all() and np.isfinite(batch["lon"]).all()
    # El Prat's runways and aprons: 41.28-41.31 N, 2.05-2.11 E
    assert 41.27 < batch["lat"].min() and batch["lat"].max() < 41.32
    assert 2.05 < batch["lon"].min() and batch["lon"].max() < 2.12


def test_without_a_site_reports_keep_range_and_bearing_but_have_no_lat_lon(lebl_bytes):
    batch, _ = _decode(_blocks(lebl_bytes, 200), date=DAY)
    assert np.isfinite(batch["range_m"]).all()
    assert np.isnan(batch["lat"]).all()
    assert set(batch["sensor"].tolist()) == {"sac0-sic7"}


def test_the_lebl_recording_is_detected_as_asterix_and_registered(lebl_bytes):
    assert detect_format(lebl_bytes[:16384]) == "asterix"
    assert isinstance(make_decoder("asterix", DecoderContext()), AsterixDecoder)


def test_the_whole_lebl_recording_fed_in_odd_chunks_gives_the_same_reports(lebl_bytes):
    whole, _ = _decode(lebl_bytes, date=DAY)
    cuts = list(range(4093, len(lebl_bytes), 65_521))  # odd sizes: blocks are cut everywhere
    chunked, stats = _decode(lebl_bytes, cuts, date=DAY)
    _assert_same(whole, chunked)
    assert stats.total_rejects == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=6_000), max_size=6))
def test_a_chunk_boundary_anywhere_gives_identical_output(lebl_bytes, cuts):
    sample = lebl_bytes[:6_001]  # ~190 blocks, the last one cut short
    whole, ws = _decode(sample, date=DAY)
    chunked, cs = _decode(sample, cuts, date=DAY)
    _assert_same(whole, chunked)
    assert ws.rejects == cs.rejects == {"truncated": 1}


# -- corrupt input -----------------------------------------------------------------------------------------

def test_a_corrupt_block_is_counted_with_its_bytes_and_the_rest_still_decodes(lebl_bytes):
    sample = bytearray(_blocks(lebl_bytes, 300))
    good, _ = _decode(bytes(sample), date=DAY)
    start = len(_blocks(lebl_bytes, 100))
    sample[start + 3 : start + 7] = b"\xff\xff\xff\xff"  # an FSPEC longer than the UAP
    bad, stats = _decode(bytes(sample), date=DAY)
    assert stats.rejects == {"bad_record": 1}
    assert stats.samples[0][1][:3] == bytes(sample[start : start + 3])
    assert len(bad) == len(good) - 1  # block 101 held one target report


def test_garbage_between_blocks_is_one_bad_record_and_decoding_resyncs(lebl_bytes):
    head, tail = _blocks(lebl_bytes, 50), _blocks(lebl_bytes, 120)[len(_blocks(lebl_bytes, 50)):]
    reference, _ = _decode(head + tail, date=DAY)
    noisy, stats = _decode(head + b"\x00\xff\x13garbage\x0a\x00" + tail, date=DAY)
    _assert_same(reference, noisy)
    assert stats.rejects == {"bad_record": 1}


def test_a_stream_cut_short_counts_the_last_block_as_truncated(lebl_bytes):
    sample = _blocks(lebl_bytes, 40)
    batch, stats = _decode(sample[:-5], date=DAY)
    full, _ = _decode(sample, date=DAY)
    assert stats.rejects == {"truncated": 1}
    assert len(batch) <= len(full)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    batch, stats = _decode(data, [len(data) // 3])
    assert len(batch) <= stats.lines


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([10, 48, 34, 7]), st.binary(max_size=60)), max_size=8))
def test_blocks_with_plausible_headers_and_random_bodies_never_raise(blocks):
    data = b"".join(bytes([cat]) + struct.pack(">H", len(body) + 3) + body for cat, body in blocks)
    _decode(data, [len(data) // 2])


# -- encoder round trip ----------------------------------------------------------------------------------

def _generated(n: int, seed: int = 7) -> ObservationBatch:
    rng = np.random.default_rng(seed)
    track = rng.integers(0, 4096, n)
    track[::4] = -1  # every fourth report is a plot
    callsign = np.array([f"SW{i:04d}" if i % 3 == 0 else None for i in range(n)], dtype=object)
    return ObservationBatch({
        "kind": np.where(track >= 0, Kind.RADAR_TRACK, Kind.RADAR_PLOT),
        "observed_at": 1_700_000_000.0 + np.sort(rng.uniform(0, 3_000, n)),
        "range_m": rng.uniform(50, 60_000, n), "bearing_deg": rng.uniform(0, 360, n),
        "sog_mps": np.where(track >= 0, rng.uniform(0, 25, n), np.nan),
        "cog_deg": np.where(track >= 0, rng.uniform(0, 360, n), np.nan),
        "track_number": track, "callsign": callsign,
    }, n=n)


@pytest.mark.parametrize("category, range_lsb_m", [(10, 1.0), (48, 1852.0 / 256)])
def test_encoded_target_reports_decode_back_within_the_item_resolution(category, range_lsb_m):
    src = _generated(500)
    data = encode_target_reports(src, category=category, sac=3, sic=9, records_per_block=13)
    out, stats = _decode(data, [len(data) // 2], date=datetime.date(2023, 11, 14))
    assert stats.total_rejects == 0 and len(out) == len(src)
    assert (out["kind"] == src["kind"]).all()
    assert (out["track_number"] == src["track_number"]).all()
    assert out["callsign"].tolist() == src["callsign"].tolist()
    assert set(out["sensor"].tolist()) == {"sac3-sic9"}
    assert np.abs(out["observed_at"] - src["observed_at"]).max() <= 1 / 256
    assert np.abs(out["range_m"] - src["range_m"]).max() <= range_lsb_m / 2 + 1e-9
    dbrg = (out["bearing_deg"] - src["bearing_deg"] + 180) % 360 - 180
    assert np.abs(dbrg).max() <= 360 / 65536 / 2 + 1e-9
    moving = src["track_number"] >= 0
    assert np.isnan(out["sog_mps"][~moving]).all()
    assert np.abs(out["sog_mps"][moving] - src["sog_mps"][moving]).max() <= 1852 / 16384 / 2 + 1e-9


def test_cat010_wgs84_positions_and_heading_round_trip():
    n = 50
    rng = np.random.default_rng(3)
    src = ObservationBatch({
        "kind": Kind.RADAR_TRACK, "observed_at": 1_700_000_000.0 + np.arange(n),
        "lat": rng.uniform(37, 47, n), "lon": rng.uniform(46, 55, n), "heading_deg": rng.uniform(0, 360, n),
        "track_number": np.arange(n),
    }, n=n)
    out, _ = _decode(encode_target_reports(src, category=10, sac=0, sic=1))
    assert np.abs(out["lat"] - src["lat"]).max() < 1e-7
    assert np.abs(out["lon"] - src["lon"]).max() < 1e-7
    dh = (out["heading_deg"] - src["heading_deg"] + 180) % 360 - 180
    assert np.abs(dh).max() <= 360 / 128 / 2 + 1e-9
    assert np.isnan(out["range_m"]).all()


@pytest.mark.parametrize("category", [10, 48])
def test_aviconv_reads_the_encoder_output_the_same_way(category):
    from aviconv_asterix import iter_records

    src = _generated(60, seed=11)
    records = list(iter_records(encode_target_reports(src, category=category, sac=1, sic=2, records_per_block=5)))
    assert len(records) == 60
    tracks = [-1 if r.track_number is None else r.track_number for r in records]
    assert tracks == src["track_number"].tolist()
    assert [r.callsign for r in records] == src["callsign"].tolist()
    assert all(r.time_of_day_s == pytest.approx(t % 86400, abs=1 / 256) for r, t in zip(records, src["observed_at"]))


def test_the_encoder_refuses_a_range_its_item_cannot_hold():
    src = ObservationBatch({"kind": Kind.RADAR_PLOT, "observed_at": [0.0], "range_m": [70_000.0],
                            "bearing_deg": [10.0]}, n=1)
    with pytest.raises(ValueError, match="range_m"):
        encode_target_reports(src, category=10)
    assert len(encode_target_reports(src, category=48)) > 0  # CAT 048 reaches 256 NM


# -- time of day, date, sensor ---------------------------------------------------------------------------

def _at_tods(tods: list[float]) -> bytes:
    src = ObservationBatch({"kind": Kind.RADAR_PLOT, "observed_at": tods, "range_m": 1000.0,
                            "bearing_deg": 90.0}, n=len(tods))
    return encode_target_reports(src, category=48)


def test_midnight_rollover_moves_reports_after_midnight_to_the_next_day():
    data = _at_tods([86_398.0, 86_399.5, 0.5, 86_399.75, 2.0])  # one late report from before midnight
    out, _ = _decode(data, [len(data) // 2], date=DAY)
    midnight = datetime.datetime.combine(DAY, datetime.time(), datetime.UTC).timestamp()
    assert (out["observed_at"] - midnight).tolist() == [86_398.0, 86_399.5, 86_400.5, 86_399.75, 86_402.0]


def test_without_a_date_the_receive_day_nearest_the_time_of_day_is_taken():
    data = _at_tods([86_395.0])
    received = datetime.datetime(2026, 3, 2, 0, 0, 3, tzinfo=datetime.UTC).timestamp()
    dec = AsterixDecoder(DecoderContext())
    out = dec.feed(data, received_at=received)
    seen = datetime.datetime.fromtimestamp(float(out["observed_at"][0]), datetime.UTC)
    assert seen == datetime.datetime(2026, 3, 1, 23, 59, 55, tzinfo=datetime.UTC)


def test_the_site_radar_named_after_sac_and_sic_gives_the_position(tmp_path):
    site_file = tmp_path / "site.toml"
    site_file.write_text("""
[site]
name = "two radars"
[[sensors]]
id = "radar-north"
kind = "radar"
lat = 40.0
lon = 50.0
range_m = 40000
[[sensors]]
id = "sac0-sic1"
kind = "radar"
lat = 38.45
lon = 48.90
range_m = 40000
""")
    src = ObservationBatch({"kind": Kind.RADAR_PLOT, "observed_at": [0.0], "range_m": [10_000.0],
                            "bearing_deg": [0.0]}, n=1)
    out, _ = _decode(encode_target_reports(src, category=10, sac=0, sic=1), site=load_site(site_file))
    assert out["sensor"].tolist() == ["sac0-sic1"]
    assert out["lat"][0] == pytest.approx(38.45 + 10_000 / 111_000, abs=2e-3)
    assert out["lon"][0] == pytest.approx(48.90, abs=1e-9)


# -- Croatia Control CAT 048 samples ---------------------------------------------------------------------

def test_the_croatiacontrol_cat048_block_decodes_as_libasterix_reads_it():
    data = _need(CROATIA / "cat048.raw").read_bytes()
    out, stats = _decode(data)
    assert stats.total_rejects == 0 and len(out) == 1
    obs = next(out.rows())
    # libasterix / aviconv: SAC 25 SIC 201, ToD 27354.6015625 s, RHO 197.68359375 NM, THETA 340.13671875,
    # TRN 3563, ident DLH65A, ground speed 434.3994 kt, heading 124.0027
    assert obs.kind == Kind.RADAR_TRACK and obs.track_number == 3563 and obs.callsign == "DLH65A"
    assert obs.sensor == "sac25-sic201"
    assert obs.range_m == pytest.approx(197.68359375 * 1852)
    assert obs.bearing_deg == pytest.approx(340.13671875)
    assert obs.sog_mps == pytest.approx(434.3994140625 * 1852 / 3600)
    assert obs.cog_deg == pytest.approx(124.002685546875)
    assert obs.observed_at is not None and obs.observed_at % 86400 == pytest.approx(27354.6015625)


def _udp_payloads(path: Path) -> list[tuple[float, bytes]]:
    """(capture time, UDP payload) of each packet of a classic Ethernet/IPv4 pcap file."""
    raw = path.read_bytes()
    endian = "<" if raw[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    pos, out = 24, []
    while pos + 16 <= len(raw):
        sec, usec, incl, _orig = struct.unpack(endian + "IIII", raw[pos : pos + 16])
        pkt = raw[pos + 16 : pos + 16 + incl]
        pos += 16 + incl
        ip = pkt[18:] if pkt[12:14] == b"\x81\x00" else pkt[14:]
        udp = ip[(ip[0] & 15) * 4 :]
        out.append((sec + usec / 1e6, udp[8 : int.from_bytes(udp[4:6], "big")]))
    return out


def test_the_croatiacontrol_capture_gives_128_cat048_reports_and_counts_its_cat034_blocks():
    packets = _udp_payloads(_need(CROATIA / "cat_034_048.pcap"))
    stats = IngestStats()
    dec = AsterixDecoder(DecoderContext(stats=stats))
    out = ObservationBatch.concat([dec.feed(p, received_at=t, source="udp") for t, p in packets] + [dec.flush()])
    # libasterix: 86 CAT 048 blocks, 128 records, of which 2 have no position (neither I048/040 nor /042)
    assert len(out) == 126 and stats.ignored["asterix_no_position"] == 2
    assert stats.rejects == {"unsupported_type": 34}  # the CAT 034 service messages
    days = {datetime.datetime.fromtimestamp(t, datetime.UTC).date() for t in out["observed_at"].tolist()}
    assert days == {datetime.date(2016, 5, 5)}
    assert np.abs(out["observed_at"] - out["received_at"]).max() < 60.0  # the radar time vs the capture


def test_a_stream_mixing_cat010_and_cat048_blocks_keeps_stream_order():
    a = _generated(30, seed=1)
    b = _generated(30, seed=2)
    b10 = encode_target_reports(a, category=10, sac=0, sic=1, records_per_block=4)
    b48 = encode_target_reports(b, category=48, sac=0, sic=2, records_per_block=4)
    half10, half48 = len(encode_target_reports(a.take(np.arange(16)), category=10, records_per_block=4)), \
        len(encode_target_reports(b.take(np.arange(16)), category=48, records_per_block=4))
    data = b10[:half10] + b48[:half48] + b10[half10:] + b48[half48:]
    out, stats = _decode(data, date=datetime.date(2023, 11, 14))
    assert stats.total_rejects == 0
    assert out["sensor"].tolist() == ["sac0-sic1"] * 16 + ["sac0-sic2"] * 16 + ["sac0-sic1"] * 14 + ["sac0-sic2"] * 14
    expected = np.concatenate([a["track_number"][:16], b["track_number"][:16], a["track_number"][16:],
                               b["track_number"][16:]])
    assert out["track_number"].tolist() == expected.tolist()


def test_replaying_the_lebl_recording_with_its_site_file_counts_every_report():
    from seawatch.replay import ReplayOptions, run_replay

    result = run_replay(load_site(LEBL_SITE), ReplayOptions(inputs=[_need(LEBL)]))
    assert result.formats == {str(LEBL): "asterix"}
    assert result.n_obs == 37_570 and result.kinds == {"radar_track": 37_570}
    assert result.stats.total_rejects == 0
    assert result.t_max - result.t_min == pytest.approx(7_260.2, abs=0.1)

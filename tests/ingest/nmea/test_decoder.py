"""The NMEA decoder on small real snippets: fields, times, receivers, multi-part, layouts, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import aiscat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from seawatch.ingest.base import DecoderContext
from seawatch.ingest.nmea.decoder import NmeaDecoder
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, Observation
from seawatch.model.units import KN_TO_MPS


def decode(data: bytes, *, dedup: float = 10.0, chunk: int | None = None, keep_raw: bool = False
           ) -> tuple[list[Observation], IngestStats]:
    stats = IngestStats(sample_size=1000)
    dec = NmeaDecoder(DecoderContext(stats=stats), dedup_window_s=dedup, keep_raw=keep_raw)
    batches = []
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        batches.append(dec.feed(data[i:i + step], received_at=1_000.0, source="test-feed"))
    batches.append(dec.flush())
    rows = [r for b in batches for r in b.rows()]
    return rows, stats


def with_checksum(body: bytes) -> bytes:
    x = 0
    for ch in body:
        x ^= ch
    return b"!" + body + b"*%02X" % x


USCG_LINE = (b"\\g:1-2-0738,n:1218,s:D08MN-NO-BSABS1,c:1469663999*0E\\"
             b"!SAVDM,1,1,7,B,108d6mPP2oIJ:n2@NnduNgwn0@Rg,0*32\n")


def test_a_class_a_position_report_decodes_to_si_units_with_tag_block_time_and_receiver() -> None:
    rows, stats = decode(USCG_LINE)
    (obs,) = rows
    assert obs.kind is Kind.AIS_POSITION and obs.msg_type == 1 and obs.mmsi == 9111254
    assert obs.observed_at == 1469663999.0 and obs.received_at == 1000.0
    assert obs.source == "D08MN-NO-BSABS1"
    assert obs.lat == pytest.approx(17282739 / 600000) and obs.lon == pytest.approx(-55290175 / 600000)
    assert obs.sog_mps == pytest.approx(18.3 * KN_TO_MPS)
    assert obs.cog_deg == pytest.approx(345.0)
    assert obs.heading_deg is None  # 511 = not available
    assert obs.rot_deg_min is None  # -128 = not available
    assert stats.msg_types[1] == 1 and stats.total_rejects == 0


def _line(fields: dict[str, object], tag: str = "") -> bytes:
    sentences = encode_dict(fields, radio_channel="A", talker_id="AI", sentence_type="VDM")
    return b"".join((tag + s).encode() + b"\n" for s in sentences)


def test_not_available_values_become_none_never_numbers() -> None:
    data = _line({"type": 1, "mmsi": 423000001, "lat": 91, "lon": 181, "speed": 102.3, "course": 360,
                  "heading": 511, "turn": -128, "status": 15})
    (obs,), _ = decode(data)
    assert (obs.lat, obs.lon, obs.sog_mps, obs.cog_deg, obs.heading_deg, obs.rot_deg_min, obs.nav_status) == (
        None, None, None, None, None, None, None)


def test_a_type_5_in_two_parts_yields_identity_and_voyage_data() -> None:
    data = _line({"type": 5, "mmsi": 423000002, "imo": 9123456, "callsign": "4JAB", "shipname": "CASPIAN STAR",
                  "ship_type": 80, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 8,
                  "draught": 6.5, "destination": "AKTAU"}, tag="\\s:baku,c:1700000000*00\\")
    assert data.count(b"!AIVDM,2,") == 2
    (obs,), stats = decode(data)
    assert obs.kind is Kind.AIS_STATIC and obs.msg_type == 5
    assert (obs.name, obs.callsign, obs.imo, obs.ship_type, obs.destination) == (
        "CASPIAN STAR", "4JAB", 9123456, 80, "AKTAU")
    assert (obs.to_bow_m, obs.to_stern_m, obs.to_port_m, obs.to_starboard_m) == (100, 20, 10, 8)
    assert obs.draught_m == pytest.approx(6.5) and obs.observed_at == 1700000000.0
    assert stats.total_rejects == 0


def test_interleaved_multipart_groups_from_two_receivers_are_not_mixed() -> None:
    a = _line({"type": 5, "mmsi": 423000003, "shipname": "ALPHA"}, tag="\\s:rx1,c:1700000000*00\\").splitlines()
    b = _line({"type": 5, "mmsi": 423000004, "shipname": "BRAVO"}, tag="\\s:rx2,c:1700000001*00\\").splitlines()
    data = b"\n".join([a[0], b[0], a[1], b[1]]) + b"\n"
    rows, stats = decode(data)
    assert sorted((r.mmsi, r.name) for r in rows) == [(423000003, "ALPHA"), (423000004, "BRAVO")]
    assert stats.total_rejects == 0


def test_a_second_fragment_without_its_first_is_an_orphan_and_an_unfinished_group_expires() -> None:
    parts = _line({"type": 5, "mmsi": 423000005, "shipname": "LONELY"}).splitlines()
    rows, stats = decode(parts[1] + b"\n" + parts[0] + b"\n")
    assert rows == []
    assert stats.rejects["orphan_fragment"] == 1 and stats.rejects["expired_fragment"] == 1


def test_the_same_message_heard_by_three_receivers_is_one_observation_listing_them() -> None:
    sentence = b"!SAVDM,1,1,,B,15Na3b?P14EORDRRoaAAf?wn08Rr,0*55"
    data = b"".join(b"\\s:%s,c:1469663999*00\\" % rx + sentence + b"\n" for rx in (b"b1", b"b2", b"b3"))
    (obs,), stats = decode(data)
    assert obs.n_receivers == 3 and obs.receivers == ("b1", "b2", "b3")
    assert stats.rejects["duplicate"] == 2
    rows, _ = decode(data, dedup=0)
    assert len(rows) == 3


def test_a_repeat_after_the_dedup_window_is_a_new_observation() -> None:
    sentence = b"!SAVDM,1,1,,B,15Na3b?P14EORDRRoaAAf?wn08Rr,0*55"
    data = b"\\c:1469663000*00\\" + sentence + b"\n\\c:1469663100*00\\" + sentence + b"\n"
    rows, stats = decode(data)
    assert len(rows) == 2 and stats.rejects["duplicate"] == 0


def test_a_copy_is_a_duplicate_of_the_last_kept_copy_not_of_the_first_one_heard() -> None:
    # an aid to navigation repeats the very same payload: copies at 0 s (kept), 8 s (a copy), 12 s (beyond
    # the 10 s window: a new transmission, kept) and 18 s (within 10 s of that one: a copy)
    sentence = b"!SAVDM,1,1,,B,15Na3b?P14EORDRRoaAAf?wn08Rr,0*55"
    data = b"".join(b"\\c:%d*00\\" % (1469663000 + dt) + sentence + b"\n" for dt in (0, 8, 12, 18))
    rows, stats = decode(data)
    assert sorted(r.observed_at for r in rows) == [1469663000.0, 1469663012.0]
    assert stats.rejects["duplicate"] == 2


def test_where_a_recording_is_cut_into_chunks_does_not_change_the_duplicates(real_data: Path) -> None:
    data = (real_data / "uscg-nais-maritimeviz" / "ais_2016_07_28_aa.nmea").read_bytes()
    whole, s1 = decode(data)
    pieces, s2 = decode(data, chunk=700_001)
    assert s1.rejects["duplicate"] > 30_000
    assert s1.rejects == s2.rejects and len(whole) == len(pieces)


def test_a_message_heard_as_one_sentence_and_as_two_fragments_is_one_observation() -> None:
    payload, fill = "53nFBv01SJ<thHp6220H4heHTf2222222222221?50:454o<`9QSlUDp888888888888880", 2
    single = with_checksum(b"AIVDM,1,1,,A,%s,%d" % (payload.encode(), fill))
    part1 = with_checksum(b"AIVDM,2,1,7,A,%s,0" % payload[:40].encode())
    part2 = with_checksum(b"AIVDM,2,2,7,A,%s,%d" % (payload[40:].encode(), fill))
    data = (b"\\s:rx1,c:1700000000*00\\" + single + b"\n" + b"\\s:rx2,c:1700000002*00\\" + part1 + b"\n"
            + b"\\s:rx2*00\\" + part2 + b"\n")
    (obs,), stats = decode(data)
    assert obs.msg_type == 5 and obs.receivers == ("rx1", "rx2") and obs.observed_at == 1700000000.0
    assert stats.rejects["duplicate"] == 1


def test_logger_layouts_give_the_sensor_time() -> None:
    sentence = b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
    cases = {
        b"1469664000.25 " + sentence: 1469664000.25,
        b"2016-07-28T00:00:01Z," + sentence: 1469664001.0,
        sentence + b",1469664002123": 1469664002.123,  # exactEarth: trailing milliseconds
        b"$PGHP,1,2016,7,28,0,0,3,0,219,,2190048,1,28*00\n" + sentence: 1469664003.0,  # Danish feed
        b"\\c:1469664004000*00\\" + sentence: 1469664004.0,  # c: in milliseconds
    }
    for line, expected in cases.items():
        (obs,), stats = decode(line + b"\n")
        assert obs.observed_at == pytest.approx(expected), line
        assert stats.total_rejects == 0


def test_without_any_sensor_time_the_arrival_time_is_used() -> None:
    (obs,), _ = decode(b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
    assert obs.observed_at == 1000.0


def test_bad_input_is_counted_by_reason_and_never_stops_the_decoder() -> None:
    good = b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
    data = b"\n".join([
        b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*24",  # bad checksum
        b"hello world",  # not NMEA
        b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip",  # no checksum
        with_checksum(b"AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05,0"),  # 156 bits: too short for type 1
        b"# a comment",
        good,
    ]) + b"\n"
    rows, stats = decode(data)
    assert len(rows) == 1
    assert stats.rejects["bad_checksum"] == 1 and stats.rejects["not_nmea"] == 1
    assert stats.rejects["truncated"] == 1 and stats.rejects["wrong_length"] == 1
    assert stats.ignored["comment"] == 1
    reasons = {r for r, _raw in stats.samples}
    assert reasons == {"bad_checksum", "not_nmea", "truncated", "wrong_length"}


def test_chunk_boundaries_anywhere_give_the_same_observations(real_data: Path) -> None:
    data = (real_data / "uscg-nais-maritimeviz" / "ais_2016_07_28_aa.nmea").read_bytes()[:300_000]
    whole, s1 = decode(data)
    pieces, s2 = decode(data, chunk=4093)
    assert len(whole) > 500
    # a copy heard in a later chunk is still a duplicate, but it cannot add its receiver (or an earlier
    # time stamp) to the observation already emitted: compare the content of the messages
    def content(rows: list[Observation]) -> list[tuple[object, ...]]:
        return sorted((r.mmsi, r.msg_type, r.lat or 0, r.lon or 0, r.sog_mps or 0, r.name or "") for r in rows)
    assert content(whole) == content(pieces)
    assert s1.rejects == s2.rejects


def test_vectorised_fields_match_aiscat_on_the_uscg_recording(real_data: Path) -> None:
    data = (real_data / "uscg-nais-maritimeviz" / "ais_2016_07_28_aa.nmea").read_bytes()
    rows, _ = decode(data, dedup=0, keep_raw=True)
    checked = 0
    for obs in rows:
        if obs.msg_type not in (1, 2, 3, 18, 27, 4, 9):
            continue
        sentence = obs.raw.split(b"\\")[-1] if obs.raw else b""  # type: ignore[union-attr]
        ref = aiscat.decode(sentence)
        for ours, key in ((obs.lat, "lat"), (obs.lon, "lon")):
            if ours is not None:
                assert ours == pytest.approx(ref[key], abs=5e-5)  # aiscat gives float32
        if obs.msg_type in (1, 2, 3, 18):
            speed = ref.get("speed")
            if speed is not None and speed < 102.25:
                assert obs.sog_mps == pytest.approx(speed * KN_TO_MPS, abs=1e-4)
            course = ref.get("course")
            if course is not None and course < 360:
                assert obs.cog_deg == pytest.approx(course, abs=1e-4)
            heading = ref.get("heading")
            assert (obs.heading_deg is None) == (heading is None or heading >= 360)
        assert obs.mmsi == ref["mmsi"]
        checked += 1
    assert checked > 40_000


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.binary(max_size=120),
    st.sampled_from([USCG_LINE, b"!AIVDM,2,1,3,A,55", b"\\g:1-2-3*00\\!AIVDM,2,2,3,A,00,2*00", b"$PGHP,1,2,3",
                     b"\\c:abc*00\\!AIVDM,1,1,,A,1,0*00", b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"]),
), max_size=30), st.integers(min_value=1, max_value=200))
def test_fuzzed_bytes_never_raise_and_every_line_is_accounted_for(pieces: list[bytes], chunk: int) -> None:
    data = b"\n".join(pieces)
    rows, stats = decode(data, chunk=chunk)
    assert stats.lines >= 0
    for obs in rows:
        assert obs.lat is None or -90 <= obs.lat <= 90
        assert obs.lon is None or -180 <= obs.lon <= 180
        assert obs.observed_at is not None and not math.isnan(obs.observed_at)


def test_an_endless_line_without_newline_is_rejected_not_buffered_forever() -> None:
    stats = IngestStats()
    dec = NmeaDecoder(DecoderContext(stats=stats))
    for _ in range(10):
        dec.feed(b"x" * 1000, received_at=0.0)
    assert stats.rejects["not_nmea"] >= 1
    assert len(dec._tail) <= 4096
    assert np.isfinite(0.0)


def test_empty_text_fields_of_a_whole_batch_are_absent_not_an_error() -> None:
    data = b"".join(_line({"type": 21, "mmsi": 992000000 + i, "name": "", "lat": 40.0, "lon": 50.0})
                    for i in range(3))
    data += b"".join(_line({"type": 5, "mmsi": 423000100 + i, "shipname": "", "callsign": "",
                            "destination": ""}) for i in range(3))
    rows, stats = decode(data)
    assert len(rows) == 6 and stats.total_rejects == 0
    assert all(r.name is None and r.callsign is None and r.destination is None for r in rows)

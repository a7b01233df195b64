"""The compiled report kernels (`position_kernel.py`, `static_kernel.py`) decode every field of every fast
type as the numpy classes of `payload.py` do, edge values included (not-available markers, signs, text
padding, a type 21 name extension, the dimensions an auxiliary craft does not give)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pyais.encode import encode_dict

from seawatch.ingest.base import DecoderContext
from seawatch.ingest.nmea.decoder import NmeaDecoder
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import ObservationBatch

POS = {"lat": 45.5, "lon": -70.25}
MESSAGES: list[dict[str, Any]] = [
    {"type": 1, "mmsi": 366123456, "status": 15, "turn": -128, "speed": 102.3, "accuracy": 1, "lon": 181, "lat": 91,
     "course": 360, "heading": 511},
    {"type": 1, "mmsi": 366123457, "status": 5, "turn": 127, "speed": 12.3, "course": 359.9, "heading": 359, **POS},
    {"type": 2, "mmsi": 366123458, "status": 0, "turn": -126, "speed": 0, "course": 0, "heading": 0,
     "lat": -89.99, "lon": 179.99},
    {"type": 3, "mmsi": 1, "status": 14, "turn": 5, "speed": 0.1, "course": 12.5, "heading": 90, "lat": -0.0001,
     "lon": -179.9},
    {"type": 3, "mmsi": 0, "turn": 0, "speed": 102.2, **POS},
    {"type": 18, "mmsi": 338123456, "speed": 102.3, "accuracy": 1, "course": 360, "heading": 511, "lat": 91,
     "lon": 181},
    {"type": 18, "mmsi": 338123457, "speed": 7.5, "course": 200.1, "heading": 201, **POS},
    {"type": 9, "mmsi": 111222333, "speed": 1023, "course": 3600, "alt": 100, **POS},
    {"type": 9, "mmsi": 111222334, "speed": 350, "course": 45.5, "alt": 4095, "accuracy": 1, "lat": 10, "lon": -10},
    {"type": 27, "mmsi": 123456789, "speed": 63, "course": 511, "status": 15, "accuracy": 1, **POS},
    {"type": 27, "mmsi": 123456780, "speed": 14, "course": 359, "status": 3, "lat": -33.3, "lon": 151.2},
    {"type": 4, "mmsi": 3669999, "year": 2026, "month": 11, "day": 29, "hour": 12, "accuracy": 1, **POS},
    {"type": 11, "mmsi": 3669998, "lat": 91, "lon": 181},
    {"type": 5, "mmsi": 366123456, "imo": 9123456, "callsign": "WDC1234", "shipname": "  SPACED NAME ",
     "ship_type": 70, "to_bow": 511, "to_stern": 0, "to_port": 63, "to_starboard": 1, "month": 12, "day": 31,
     "hour": 23, "minute": 59, "draught": 25.5, "destination": "NEW YORK"},
    {"type": 5, "mmsi": 366123457, "imo": 0, "callsign": "", "shipname": "", "ship_type": 0, "month": 0,
     "day": 1, "hour": 24, "minute": 60, "draught": 0, "destination": "@@@"},
    {"type": 24, "mmsi": 338123456, "partno": 0, "shipname": "CLASS B BOAT"},
    {"type": 24, "mmsi": 338123457, "partno": 1, "ship_type": 37, "callsign": "AB12", "to_bow": 5, "to_stern": 3,
     "to_port": 1, "to_starboard": 2},
    {"type": 24, "mmsi": 981234567, "partno": 1, "ship_type": 0, "callsign": "AUX1", "mothership_mmsi": 338123457},
    {"type": 21, "mmsi": 992001234, "name": "SOME BUOY NAME LONGE", "name_ext": "R EXTENSION", "aid_type": 3,
     "accuracy": 1, **POS},
    {"type": 21, "mmsi": 992001235, "name": "SHORT", "aid_type": 31, "lat": 91, "lon": 181},
    {"type": 21, "mmsi": 992001236, "name": "", "name_ext": "  ONLY EXT", "aid_type": 0, **POS},
]


def decoded(compiled: bool) -> ObservationBatch:
    lines = []
    for k, msg in enumerate(MESSAGES):
        for sentence in encode_dict({"msg_type": msg["type"], **msg}, talker_id="AI", radio_channel="A"):
            lines.append(f"\\s:rx{k % 3},c:{1_795_000_000 + 20 * k}*00\\{sentence}")
    dec = NmeaDecoder(DecoderContext(stats=IngestStats()), compiled=compiled, dedup_window_s=10.0)
    batch = ObservationBatch.concat([dec.feed(("\n".join(lines) + "\n").encode(), received_at=0.0), dec.flush()])
    assert not dec.stats.rejects, dec.stats.rejects
    return batch


@pytest.fixture(scope="module")
def both() -> tuple[ObservationBatch, ObservationBatch]:
    return decoded(True), decoded(False)


def test_every_fast_type_is_decoded_by_the_kernels_into_the_numpy_classes_values(
        both: tuple[ObservationBatch, ObservationBatch]) -> None:
    fast, ref = both
    assert sorted(set(fast["msg_type"].tolist())) == [1, 2, 3, 4, 5, 9, 11, 18, 21, 24, 27]
    assert len(fast) == len(ref) == len(MESSAGES)
    for name, want in ref.columns.items():
        got = fast.columns[name]
        if want.dtype == object:
            assert got.tolist() == want.tolist(), name
        else:
            assert np.array_equal(got, want, equal_nan=True), name


def test_the_kernels_read_the_edge_values_as_absent_and_the_text_as_broadcast(
        both: tuple[ObservationBatch, ObservationBatch]) -> None:
    b = both[0]
    first = 0
    assert b["nav_status"][first] == -1 and np.isnan(b["rot_deg_min"][first]) and np.isnan(b["sog_mps"][first])
    assert np.isnan(b["lat"][first]) and np.isnan(b["cog_deg"][first]) and np.isnan(b["heading_deg"][first])
    assert b["rot_deg_min"][2] == pytest.approx(-126, abs=3)  # deg/min, encoded as 4.733 sqrt(rate), rounded
    assert b["lat"][1] == pytest.approx(45.5) and b["lon"][1] == pytest.approx(-70.25)
    static5 = b["msg_type"] == 5
    assert b["name"][static5].tolist() == ["SPACED NAME", None]
    assert b["eta"][static5].tolist() == ["12-31T23:59Z", None]
    assert b["to_bow_m"][static5].tolist() == [511, -1] and b["draught_m"][static5][0] == pytest.approx(25.5)
    aux = np.flatnonzero(b["mmsi"] == 981234567)[0]
    assert b["callsign"][aux] == "AUX1" and b["to_bow_m"][aux] == -1 and b["ship_type"][aux] == -1
    aton = b["msg_type"] == 21
    assert b["name"][aton].tolist() == ["SOME BUOY NAME LONGER EXTENSION", "SHORT", "ONLY EXT"]
    assert b["ship_type"][aton].tolist() == [3, 31, 0]


def test_a_payloads_bit_count_is_checked_against_its_types_rule_for_every_type() -> None:
    from seawatch.ingest.nmea.payload import EXACT_BITS, MIN_BITS, length_ok

    mtype = np.repeat(np.arange(-1, 64), 7)
    nbits = np.tile(np.array([-4, 0, 96, 160, 168, 272, 424]), 65)
    want = [(t not in EXACT_BITS or b == EXACT_BITS[t]) and (t not in MIN_BITS or b >= MIN_BITS[t])
            for t, b in zip(mtype.tolist(), nbits.tolist())]
    assert length_ok(mtype, nbits).tolist() == want
    assert not all(want) and any(want)

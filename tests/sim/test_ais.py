"""The AIS transmitter model: M.1371 reporting intervals, reception, and the NMEA encoding."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyais
from sim_helpers import NO_TRAFFIC, run, write_scenario

from seawatch.sim.ais import reporting_interval_s
from seawatch.sim.aisnmea import payload_type1, payload_type18, position_lines, static_lines
from seawatch.sim.identity import IdentityFactory, imo_is_valid

# open water off Baku, within a few km of the `ais-baku` base station's reach; straight legs
SCENARIO = """
[scenario]
name = "ais-intervals"
start = "2026-06-12T00:00:00Z"
duration = "20m"
seed = 3

[ais]
loss = 0.0

""" + NO_TRAFFIC + """
[[actors]]
name = "slow-a"
type = "tanker"
mmsi = 423000001
start = [40.250, 49.950]
start_speed_kn = 10
legs = [{ to = [40.200, 50.300], speed_kn = 10 }]

[[actors]]
name = "mid-a"
type = "crew"
mmsi = 423000002
start = [40.260, 49.950]
start_speed_kn = 18
legs = [{ to = [40.210, 50.400], speed_kn = 18 }]

[[actors]]
name = "fast-a"
type = "crew"
mmsi = 423000003
start = [40.240, 49.950]
start_speed_kn = 28
legs = [{ to = [40.190, 50.500], speed_kn = 28 }]

[[actors]]
name = "anchored-a"
type = "tanker"
mmsi = 423000004
start = [40.270, 49.930]
legs = [{ to = [40.270, 49.930], speed_kn = 0, dwell_s = 86400, dwell_status = "at_anchor" }]

[[actors]]
name = "moving-b"
type = "fishing"
mmsi = 423000005
start = [40.230, 49.950]
start_speed_kn = 7
legs = [{ to = [40.180, 50.200], speed_kn = 7 }]

[[actors]]
name = "drifting-b"
type = "fishing"
mmsi = 423000006
start = [40.280, 49.960]
legs = [{ to = [40.280, 49.960], speed_kn = 0, dwell_s = 86400, dwell_status = "fishing" }]
"""

EXPECTED_S = {423000001: 10.0, 423000002: 6.0, 423000003: 2.0, 423000004: 180.0, 423000005: 30.0,
              423000006: 180.0}


def _decoded_positions(path: Path) -> dict[int, list[tuple[int, dict]]]:
    out: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for line in path.read_bytes().splitlines():
        tag, _, sentence = line.rpartition(b"\\")
        if not sentence.startswith(b"!AIVDM,1,1"):
            continue
        epoch = int(tag.split(b"c:")[1].split(b"*")[0])
        msg = pyais.decode(sentence).asdict()
        if msg["msg_type"] in (1, 18):
            out[msg["mmsi"]].append((epoch, msg))
    return out


def test_reporting_intervals_follow_m1371_by_speed_class_and_navigational_status(tmp_path: Path) -> None:
    run(write_scenario(tmp_path / "s.toml", SCENARIO), tmp_path / "out")
    pos = _decoded_positions(tmp_path / "out" / "ais.nmea")
    for mmsi, expected in EXPECTED_S.items():
        times = np.array([t for t, _ in pos[mmsi]], dtype=float)
        assert len(times) >= 5, mmsi
        gaps = np.diff(np.sort(times))
        # tag-block times are whole seconds: allow ±1 s on the median interval (and 10 % for the slow ones)
        assert abs(np.median(gaps) - expected) <= max(1.0, 0.1 * expected), (mmsi, np.median(gaps), expected)


def test_the_interval_table_matches_the_standard() -> None:
    cls = np.array([1, 1, 1, 1, 1, 1, 1, 2, 2, 0], np.int8)
    sog = np.array([0.5, 5.0, 5.0, 18.0, 18.0, 30.0, 5.0, 1.0, 8.0, 10.0])
    status = np.array([1, 0, 0, 0, 0, 0, 1, 0, 0, 0], np.int16)
    rot = np.array([0, 0, 0.5, 0, 0.5, 0, 0, 0, 0, 0.0])
    got = reporting_interval_s(cls, sog, status, rot)
    np.testing.assert_allclose(got[:9], [180, 10, 10 / 3, 6, 2, 2, 10, 180, 30])  # anchored but > 3 kn: 10 s
    assert np.isinf(got[9])


def test_position_reports_decode_to_the_values_encoded() -> None:
    rng = np.random.default_rng(5)
    n = 300
    mmsi = rng.integers(200_000_000, 799_999_999, n)
    lat, lon = rng.uniform(-89, 89, n), rng.uniform(-179, 179, n)
    sog, cog, hdg = rng.uniform(0, 100, n), rng.uniform(0, 359.9, n), rng.uniform(0, 359, n)
    status, second = rng.integers(0, 9, n), rng.integers(0, 60, n)
    rot = rng.uniform(-1, 1, n)
    lines = position_lines("st-1", rng.integers(1_700_000_000, 1_800_000_000, n), rng.random(n) < 0.5,
                           payload_type1(mmsi, status, rot, sog, lat, lon, cog, hdg, second))
    for i, line in enumerate(lines):
        m = pyais.decode(line.split(b"\\")[-1]).asdict()
        assert m["mmsi"] == mmsi[i] and m["status"] == status[i] and m["second"] == second[i]
        assert abs(m["lat"] - lat[i]) < 1e-5 and abs(m["lon"] - lon[i]) < 1e-5
        assert abs(m["speed"] - sog[i]) <= 0.051 and abs(m["course"] - cog[i]) <= 0.051
        assert m["heading"] == round(hdg[i]) % 360
    b = position_lines("st-1", np.array([1_780_000_000]), np.array([True]),
                       payload_type18(np.array([423123456]), np.array([5.5]), np.array([40.1]), np.array([49.9]),
                                      np.array([10.0]), np.array([11.0]), np.array([5])))[0]
    m = pyais.decode(b.split(b"\\")[-1]).asdict()
    assert (m["msg_type"], m["mmsi"], m["speed"], m["lat"], m["lon"], m["cs"]) == (18, 423123456, 5.5, 40.1, 49.9, True)


def test_tag_blocks_and_sentences_carry_valid_checksums() -> None:
    line = position_lines("ais-baku", np.array([1_780_000_000]), np.array([False]),
                          payload_type1(*(np.array([v]) for v in (423000001, 0, 0.0, 10.0, 40.0, 50.0, 90.0, 90.0, 7))))[0]
    text = line.decode()
    assert text.startswith("\\s:ais-baku,c:1780000000*")
    tag, sentence = text[1:].split("\\")
    body, cs = tag.split("*")
    x = 0
    for ch in body.encode():
        x ^= ch
    assert f"{x:02X}" == cs
    assert pyais.decode(sentence).asdict()["mmsi"] == 423000001  # pyais verifies the sentence checksum


def test_static_data_is_a_two_part_type_5_with_real_identity_fields() -> None:
    ident = IdentityFactory(9).make("tanker", "AZ")
    lines = static_lines(ident, 1, "ais-baku", 1_780_000_000, "A", 4, "AKTAU")
    assert len(lines) == 2 and lines[0].split(b"!")[1].startswith(b"AIVDM,2,1,4,A")
    m = pyais.decode(*[x.split(b"\\")[-1] for x in lines]).asdict()
    assert m["msg_type"] == 5 and m["mmsi"] == ident.mmsi and m["shipname"] == ident.name
    assert str(ident.mmsi).startswith("423") and imo_is_valid(m["imo"]) and m["callsign"].startswith("4J")
    assert m["to_bow"] + m["to_stern"] == ident.length_m and m["ship_type"] == 80


def test_mmsis_carry_the_flag_mid() -> None:
    f = IdentityFactory(2)
    for flag, mid in (("AZ", 423), ("IR", 422), ("RU", 273), ("KZ", 436), ("TM", 434)):
        assert f.make("cargo", flag).mmsi // 1_000_000 == mid


def test_far_vessels_are_not_received_and_loss_thins_near_ones(tmp_path: Path) -> None:
    body = SCENARIO.replace("loss = 0.0", "loss = 0.3") + """
[[actors]]
name = "far-away"
type = "tanker"
mmsi = 436000001
start = [43.400, 51.000]
start_speed_kn = 10
legs = [{ to = [43.000, 51.000], speed_kn = 10 }]
"""
    run(write_scenario(tmp_path / "s.toml", body), tmp_path / "out")
    pos = _decoded_positions(tmp_path / "out" / "ais.nmea")
    assert 436000001 not in pos  # off Aktau, ~350 km from the nearest base station
    n = len(pos[423000001])  # 10 s interval over 20 min = 120 sent; ~30 % lost
    assert 60 <= n <= 105


def test_a_class_a_ship_changing_course_reports_every_3_seconds(tmp_path: Path) -> None:
    # a tanker at 10 kn zig-zagging (~90° turns every ~4.8 km): 10 s on the straight legs, 3⅓ s in the turns
    legs = ", ".join(f"{{ to = [{lat}, {lon}], speed_kn = 10 }}" for lat, lon in (
        (40.22, 49.98), (40.25, 50.02), (40.22, 50.06), (40.25, 50.10), (40.22, 50.14)))
    body = SCENARIO.split("[[actors]]")[0] + f"""
[[actors]]
name = "zigzag"
type = "tanker"
mmsi = 423000009
start = [40.250, 49.940]
start_speed_kn = 10
legs = [{legs}]
"""
    run(write_scenario(tmp_path / "z.toml", body), tmp_path / "out")
    gaps = np.diff(np.array([t for t, _ in _decoded_positions(tmp_path / "out" / "ais.nmea")[423000009]]))
    assert len(gaps) > 100
    fast = np.mean(gaps <= 4)  # 3⅓ s shows as 3 or 4 whole seconds in the tag blocks
    assert 0.1 < fast < 0.8 and np.median(gaps[gaps > 4]) == 10

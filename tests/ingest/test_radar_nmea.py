"""Radar NMEA: TTM (tracked target), TLL (target lat/lon) and ZDA (date) sentences into RADAR_TRACK rows."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pynmea2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawatch.config.loader import validate_site_dict
from seawatch.config.site import SiteConfig
from seawatch.geo import destination, inverse
from seawatch.ingest.base import DecoderContext
from seawatch.ingest.radar_nmea import (
    RadarSentenceParser,
    encode_tll,
    encode_ttm,
    encode_zda,
    nmea_checksum,
)
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind, ObservationBatch
from seawatch.model.units import KN_TO_MPS, NM_TO_M

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
RADAR_LAT, RADAR_LON = 38.45, 48.90

# Example sentences published with ARPA/NMEA documentation and parsers (the OpenCPN "ARPA targets tracking
# implementation" wiki and the NMEA libraries that quote it); no radar recording with TTM/TLL is public.
PUBLISHED_TTM = "$RATTM,02,1.43,170.5,T,0.16,264.4,T,1.42,36.9,N,,T,,,M*2A"
PUBLISHED_TTM_QUERY = "$RATTM,02,3.55,297.3,T,,,T,0.13,,N,,Q,,,M*02"
PUBLISHED_TTM_TIMED = "$RATTM,01,0.2,190.8,T,12.1,109.7,T,0.1,0.5,N,TGT01,T,,100021.00,A*79"
PUBLISHED_TLL = "$RATLL,01,3731.51052,N,02436.00000,E,TEST1,161617.88,T,*0C"
PUBLISHED_TLL_OPENCPN = "$RATLL,01,5603.370,N,01859.976,E,ALPHA,015200.36,T,*75"
PUBLISHED_TLL_LOST = "$RATLL,1,3646.54266,N,00235.37778,W,test,020915,L,R*78"
PUBLISHED_TLL_NO_NUMBER = "$RATLL,,3647.422,N,01432.592,E,,,,*58"
PUBLISHED_ZDA = "$GPZDA,153415,10,12,2015,0,0*4B"


def site(radars: int = 1, **extra_sensors: float) -> SiteConfig:
    sensors = [{"id": "radar-astara", "kind": "radar", "lat": RADAR_LAT, "lon": RADAR_LON, "range_m": 40000}]
    if radars == 2:
        sensors.append({"id": "radar-lankaran", "kind": "radar", "lat": 38.75, "lon": 48.87, "range_m": 30000})
    sensors.append({"id": "ais", "kind": "ais"})
    return validate_site_dict({"site": {"name": "Astara approaches"}, "sensors": sensors})


def parse(sentences: list[str | bytes], ctx: DecoderContext | None = None,
          observed_at: list[float | None] | None = None, received_at: float = 1000.0,
          source: str | None = None, parser: RadarSentenceParser | None = None,
          stats: IngestStats | None = None) -> tuple[ObservationBatch, IngestStats]:
    stats = stats if stats is not None else IngestStats()
    p = parser or RadarSentenceParser(ctx or DecoderContext(site=site()), stats)
    raw = [s.encode() if isinstance(s, str) else s for s in sentences]
    batch = p.parse(raw, observed_at or [None] * len(raw), received_at, source)
    return batch, p.stats


def with_checksum(body: str) -> str:
    return f"${body}*{nmea_checksum(body):02X}"


# -- decoding published sentences ----------------------------------------------------------------------------

def test_a_published_ttm_gives_range_bearing_speed_and_course_in_si_units() -> None:
    batch, stats = parse([PUBLISHED_TTM])
    (row,) = batch.rows()
    assert row.kind is Kind.RADAR_TRACK
    assert row.track_number == 2
    assert row.range_m == pytest.approx(1.43 * NM_TO_M)
    assert row.bearing_deg == pytest.approx(170.5)
    assert row.sog_mps == pytest.approx(0.16 * KN_TO_MPS)
    assert row.cog_deg == pytest.approx(264.4)
    assert row.sensor == "radar-astara"
    assert row.raw == PUBLISHED_TTM
    assert stats.total_rejects == 0


def test_a_ttm_without_speed_and_course_keeps_them_absent() -> None:
    batch, _ = parse([PUBLISHED_TTM_QUERY])
    (row,) = batch.rows()
    assert row.range_m == pytest.approx(3.55 * NM_TO_M)
    assert row.sog_mps is None and row.cog_deg is None


def test_a_ttm_position_is_computed_from_the_radar_site() -> None:
    batch, _ = parse([PUBLISHED_TTM_TIMED])
    (row,) = batch.rows()
    assert row.name == "TGT01"
    dist, brg = inverse(RADAR_LAT, RADAR_LON, row.lat, row.lon)
    assert float(dist) == pytest.approx(0.2 * NM_TO_M, abs=0.01)
    assert float(brg) == pytest.approx(190.8, abs=1e-6)


def test_published_tll_sentences_give_the_target_position() -> None:
    batch, stats = parse([PUBLISHED_TLL, PUBLISHED_TLL_OPENCPN])
    a, b = batch.rows()
    assert (a.track_number, a.name) == (1, "TEST1")
    assert a.lat == pytest.approx(37 + 31.51052 / 60) and a.lon == pytest.approx(24.6)
    assert b.lat == pytest.approx(56 + 3.370 / 60) and b.lon == pytest.approx(18 + 59.976 / 60)
    assert stats.total_rejects == 0


def test_a_tll_gets_range_and_bearing_from_the_radar_site() -> None:
    lat, lon = destination(RADAR_LAT, RADAR_LON, 12_345.0, 77.0)
    batch, _ = parse(encode_tll([7], lat, lon))
    (row,) = batch.rows()
    assert row.range_m == pytest.approx(12_345.0, abs=0.1)
    assert row.bearing_deg == pytest.approx(77.0, abs=1e-4)


def test_a_western_southern_tll_is_negative() -> None:
    batch, _ = parse([with_checksum("RATLL,5,3330.000,S,07030.000,W,,,T,")])
    (row,) = batch.rows()
    assert row.lat == pytest.approx(-33.5) and row.lon == pytest.approx(-70.5)


def test_a_lost_target_is_counted_as_ignored_not_emitted() -> None:
    lost_ttm = with_checksum("RATTM,04,1.0,10.0,T,5.0,20.0,T,,,N,,L,,,A")
    batch, stats = parse([PUBLISHED_TLL_LOST, lost_ttm])
    assert len(batch) == 0
    assert stats.ignored["tll_lost"] == 1 and stats.ignored["ttm_lost"] == 1
    assert stats.total_rejects == 0


def test_a_tll_without_target_number_is_counted_as_invalid_field() -> None:
    batch, stats = parse([PUBLISHED_TLL_NO_NUMBER])
    assert len(batch) == 0
    assert stats.rejects == {"invalid_field": 1}


@pytest.mark.parametrize(("units", "metres", "mps"), [("N", NM_TO_M, KN_TO_MPS), ("K", 1000.0, 1 / 3.6),
                                                      ("S", 1609.344, 1609.344 / 3600)])
def test_distance_and_speed_units_are_converted_to_metres_and_metres_per_second(
        units: str, metres: float, mps: float) -> None:
    batch, _ = parse([with_checksum(f"RATTM,09,2.5,45.0,T,10.0,90.0,T,,,{units},,T,,,A")])
    (row,) = batch.rows()
    assert row.range_m == pytest.approx(2.5 * metres)
    assert row.sog_mps == pytest.approx(10.0 * mps)


def test_a_relative_bearing_is_counted_as_invalid_field() -> None:
    batch, stats = parse([with_checksum("RATTM,03,0.800,270.0,R,8.0,090.0,T,0.10,0.50,N,TGT03,T,,,A")])
    assert len(batch) == 0
    assert stats.rejects == {"invalid_field": 1}


def test_a_relative_course_is_dropped_but_the_speed_is_kept() -> None:
    batch, stats = parse([with_checksum("RATTM,03,0.800,270.0,T,8.0,090.0,R,,,N,,T,,,A")])
    (row,) = batch.rows()
    assert row.cog_deg is None and row.sog_mps == pytest.approx(8.0 * KN_TO_MPS)
    assert stats.total_rejects == 0


# -- rejects by reason ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sentence", "reason"), [
    (PUBLISHED_TTM[:-2] + "2B", "bad_checksum"),
    (PUBLISHED_TTM[:-2] + "ZZ", "bad_checksum"),
    (PUBLISHED_TTM.split("*")[0], "truncated"),
    (PUBLISHED_TTM[:-1], "truncated"),
    (with_checksum("RATTM,02,1.43,170.5,T"), "truncated"),
    (with_checksum("RATLL,01,3731.5"), "truncated"),
    (with_checksum("GPZDA,153415,10"), "truncated"),
    (with_checksum("RATTM,02,abc,170.5,T,,,T,,,N,,T,,,A"), "invalid_field"),
    (with_checksum("RATTM,02,,170.5,T,,,T,,,N,,T,,,A"), "invalid_field"),
    (with_checksum("RATTM,02,1.0,370.5,T,,,T,,,N,,T,,,A"), "invalid_field"),
    (with_checksum("RATTM,02,1.0,170.5,T,,,T,,,X,,T,,,A"), "invalid_field"),
    (with_checksum("RATTM,02,nan,170.5,T,,,T,,,N,,T,,,A"), "invalid_field"),
    (with_checksum("RATTM,02,1.0,170.5,T,,,T,,,N,,T,,256199.00,A"), "invalid_field"),
    (with_checksum("RATLL,01,3775.000,N,02436.000,E,,,T,"), "invalid_field"),
    (with_checksum("RATLL,01,3731.000,X,02436.000,E,,,T,"), "invalid_field"),
    (with_checksum("GPZDA,153415,31,02,2015,0,0"), "invalid_field"),
    (with_checksum("RARSD,36.5,331.4,8.4"), "unsupported_type"),
    (b"$RATTM,02,1.43,\xff\xfe*2A", "not_nmea"),
    ("RATTM,02,1.43,170.5,T*2A", "not_nmea"),
])
def test_a_bad_sentence_is_counted_under_its_reason(sentence: str | bytes, reason: str) -> None:
    batch, stats = parse([sentence])
    assert len(batch) == 0
    assert stats.rejects == {reason: 1}
    assert stats.samples and stats.samples[0][0] == reason


def test_good_sentences_around_bad_ones_still_decode() -> None:
    batch, stats = parse([PUBLISHED_TTM, PUBLISHED_TTM[:-2] + "00", PUBLISHED_TLL, "$RATTM,1*"])
    assert len(batch) == 2
    assert stats.rejects == {"bad_checksum": 1, "truncated": 1}


# -- time ------------------------------------------------------------------------------------------------------

def test_the_tag_block_time_wins_over_the_sentence_time() -> None:
    batch, _ = parse([PUBLISHED_TTM_TIMED], observed_at=[1_469_664_000.5])
    assert batch["observed_at"].tolist() == [1_469_664_000.5]


def test_the_sentence_time_takes_its_date_from_the_latest_zda() -> None:
    batch, stats = parse([PUBLISHED_ZDA, PUBLISHED_TTM_TIMED])
    expected = datetime(2015, 12, 10, 10, 0, 21, tzinfo=UTC).timestamp()
    assert batch["observed_at"].tolist() == [expected]
    assert stats.ignored["zda"] == 1


def test_a_time_after_midnight_rolls_over_to_the_next_day() -> None:
    t0 = datetime(2026, 3, 1, 23, 59, 58, tzinfo=UTC).timestamp()
    sentences = [encode_zda(t0), *encode_ttm([1, 2], [1000, 1000], [0, 0], times=[t0 + 1.0, t0 + 4.5])]
    batch, _ = parse(sentences)
    assert batch["observed_at"].tolist() == [t0 + 1.0, t0 + 4.5]


def test_a_report_from_before_midnight_after_the_new_days_zda_stays_on_its_day() -> None:
    t0 = datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC).timestamp()
    batch, _ = parse([encode_zda(t0), *encode_ttm([1], [1000], [0], times=[t0 - 3.0])])
    assert batch["observed_at"].tolist() == [t0 - 3.0]


def test_without_tag_block_or_zda_the_receive_time_is_used() -> None:
    batch, _ = parse([PUBLISHED_TTM_TIMED, PUBLISHED_TTM], received_at=1234.5)
    assert batch["observed_at"].tolist() == [1234.5, 1234.5]
    assert batch["received_at"].tolist() == [1234.5, 1234.5]


def test_without_zda_the_decoder_date_gives_the_day() -> None:
    from datetime import date

    ctx = DecoderContext(site=site(), date=date(2026, 3, 1))
    batch, _ = parse([PUBLISHED_TTM_TIMED, PUBLISHED_TTM], ctx=ctx, received_at=5.0)
    assert batch["observed_at"].tolist() == [datetime(2026, 3, 1, 10, 0, 21, tzinfo=UTC).timestamp(), 5.0]


def test_a_zda_with_a_two_digit_year_sets_that_century() -> None:
    batch, _ = parse([with_checksum("GPZDA,195940,16,04,14,-02,00"), PUBLISHED_TTM_TIMED])
    assert batch["observed_at"][0] == datetime(2014, 4, 16, 10, 0, 21, tzinfo=UTC).timestamp()


def _first_zda(path: Path) -> bytes:
    if not path.exists():
        pytest.skip(f"real recording {path} not present (../shared/data/real is not checked out)")
    with open(path, "rb") as f:
        for line in f:
            if b"ZDA," in line:
                return line.strip()
    raise AssertionError(f"no ZDA in {path}")


@pytest.mark.parametrize(("path", "date"), [
    ("uscg-nais-maritimeviz/ais_2016_07_28_aa.nmea", (2016, 7, 28)),
    ("amsa-risky/ais.txt", (2012, 1, 27)),
    ("signalk-samples/gofree-merrimac.log", (2014, 4, 16)),
])
def test_real_zda_sentences_set_the_date(path: str, date: tuple[int, int, int]) -> None:
    line = _first_zda(REAL / path)
    sentence = line[line.rindex(b"\\") + 1:] if line.startswith(b"\\") else line  # drop the tag block
    batch, stats = parse([sentence, encode_ttm([1], [500], [90], times=[43200.0])[0]])
    assert stats.total_rejects == 0 and stats.ignored["zda"] == 1
    day = datetime(*date, tzinfo=UTC).timestamp()
    assert batch["observed_at"][0] - day in (43200.0, 43200.0 - 86400.0, 43200.0 + 86400.0)


# -- which sensor --------------------------------------------------------------------------------------------

def test_the_decoder_sensor_id_names_the_radar() -> None:
    ctx = DecoderContext(site=site(radars=2), sensor_id="radar-lankaran")
    batch, _ = parse([PUBLISHED_TTM], ctx=ctx, source="radar-astara")
    (row,) = batch.rows()
    assert row.sensor == "radar-lankaran"
    dist, _brg = inverse(38.75, 48.87, row.lat, row.lon)
    assert float(dist) == pytest.approx(1.43 * NM_TO_M, abs=0.01)


def test_a_tag_block_source_naming_a_site_sensor_is_the_radar() -> None:
    batch, _ = parse([PUBLISHED_TTM], ctx=DecoderContext(site=site(radars=2)), source="radar-lankaran")
    assert batch["sensor"].tolist() == ["radar-lankaran"]


def test_with_two_radars_and_no_hint_the_track_keeps_range_and_bearing_but_no_position() -> None:
    batch, stats = parse([PUBLISHED_TTM], ctx=DecoderContext(site=site(radars=2)), source="feed.nmea")
    (row,) = batch.rows()
    assert row.sensor is None and row.lat is None and row.lon is None
    assert row.range_m == pytest.approx(1.43 * NM_TO_M)
    assert stats.total_rejects == 0


def test_without_a_site_a_ttm_has_no_position_and_a_tll_keeps_its_own() -> None:
    batch, _ = parse([PUBLISHED_TTM, PUBLISHED_TLL], ctx=DecoderContext())
    ttm, tll = batch.rows()
    assert ttm.lat is None and ttm.range_m is not None
    assert tll.lat is not None and tll.range_m is None


# -- encoding ------------------------------------------------------------------------------------------------

def test_encoded_ttm_sentences_round_trip_within_their_resolution() -> None:
    rng = np.random.default_rng(7)
    n = 200
    track = rng.integers(0, 1000, n)
    range_m = rng.uniform(0, 40_000, n)
    bearing = rng.uniform(0, 360, n)
    sog = rng.uniform(0, 25, n)
    cog = rng.uniform(0, 360, n)
    sog[::7] = np.nan
    t0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC).timestamp()
    times = t0 + rng.uniform(0, 3600, n)
    for units in ("N", "K", "S"):
        sentences = encode_ttm(track, range_m, bearing, sog, cog, times=times, units=units, names="X")
        batch, stats = parse([encode_zda(t0), *sentences])
        assert stats.total_rejects == 0 and len(batch) == n
        assert np.array_equal(batch["track_number"], track)
        assert np.allclose(batch["range_m"], range_m, atol=1.0)  # 0.001 NM = 1.852 m, rounded
        assert np.allclose(np.mod(batch["bearing_deg"] - bearing + 180, 360) - 180, 0, atol=0.005)
        assert np.array_equal(np.isnan(batch["sog_mps"]), np.isnan(sog))
        assert np.allclose(batch["sog_mps"], sog, atol=0.01, equal_nan=True)
        assert np.allclose(batch["observed_at"], times, atol=0.005)
    # an independent parser agrees on the fields
    msg = pynmea2.parse(sentences[0])
    assert int(msg.target_number) == track[0] and msg.dist_unit == "S" and msg.name == "X"


def test_encoded_tll_sentences_round_trip_to_centimetres() -> None:
    rng = np.random.default_rng(11)
    lat, lon = rng.uniform(-89.9, 89.9, 300), rng.uniform(-179.9, 179.9, 300)
    batch, stats = parse(encode_tll(np.arange(300), lat, lon), ctx=DecoderContext())
    assert stats.total_rejects == 0
    assert np.allclose(batch["lat"], lat, atol=1e-6) and np.allclose(batch["lon"], lon, atol=1e-6)
    msg = pynmea2.parse(encode_tll([1], [-12.5], [-45.25])[0])
    assert msg.latitude == pytest.approx(-12.5) and msg.longitude == pytest.approx(-45.25)


def test_an_encoded_zda_carries_the_utc_date_and_time() -> None:
    t = datetime(2026, 12, 31, 23, 59, 59, 996000, tzinfo=UTC).timestamp()
    msg = pynmea2.parse(encode_zda(t))
    assert (msg.year, msg.month, msg.day) == (2027, 1, 1)
    assert msg.timestamp.hour == 0 and msg.timestamp.second == 0


# -- through the NMEA decoder ----------------------------------------------------------------------------------

def test_the_nmea_decoder_hands_tagged_radar_sentences_to_this_parser() -> None:
    pytest.importorskip("seawatch.ingest.nmea.decoder")
    from seawatch.ingest.base import make_decoder

    t0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC).timestamp()
    lines = [encode_zda(t0)]
    for k, s in enumerate(encode_ttm([1, 2, 3], [1000, 2000, 3000], [10, 20, 30], [5, 5, 5], [90, 90, 90],
                                     times=[t0 + 1, t0 + 2, t0 + 3])):
        tag = f"s:radar-astara,c:{int(t0) + 10 + k}"
        lines.append(f"\\{tag}*{nmea_checksum(tag):02X}\\{s}")
    lines += encode_tll([4], [38.5], [48.95], times=[t0 + 4])
    lines.append(PUBLISHED_TTM[:-2] + "00")
    data = ("\r\n".join(lines) + "\r\n").encode()
    stats = IngestStats()
    dec = make_decoder("nmea", DecoderContext(site=site(), stats=stats))
    batch = ObservationBatch.concat([dec.feed(data[:57], 1.0, "f"), dec.feed(data[57:], 1.0, "f"), dec.flush()])
    radar = batch.take(np.flatnonzero(batch["kind"] == int(Kind.RADAR_TRACK)))
    assert sorted(radar["track_number"].tolist()) == [1, 2, 3, 4]
    assert sorted(radar["observed_at"].tolist()) == [t0 + 4] + [t0 + 10 + k for k in range(3)]
    assert stats.rejects["bad_checksum"] == 1


# -- fuzz ------------------------------------------------------------------------------------------------------

VALID = [PUBLISHED_TTM, PUBLISHED_TTM_QUERY, PUBLISHED_TTM_TIMED, PUBLISHED_TLL, PUBLISHED_TLL_LOST,
         PUBLISHED_TLL_NO_NUMBER, PUBLISHED_ZDA]


@st.composite
def mutated_sentence(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(VALID)).encode())
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if not base:
            break
        i = draw(st.integers(0, len(base) - 1))
        if op == "flip":
            base[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del base[i:]
        else:
            base[i:i] = draw(st.binary(min_size=1, max_size=5))
    if draw(st.booleans()):  # repair the checksum so the field decoding is exercised, not only framing
        text = bytes(base)
        if text.startswith(b"$") and b"*" in text:
            body = text[1:text.rindex(b"*")]
            base = bytearray(b"$" + body + b"*%02X" % (np.bitwise_xor.reduce(np.frombuffer(body, np.uint8))
                                                       if body else 0))
    return bytes(base)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(mutated_sentence(), st.binary(max_size=90)), max_size=12),
       st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), max_size=12))
def test_arbitrary_bytes_never_raise_and_every_sentence_is_accounted_for(
        sentences: list[bytes], times: list[float | None]) -> None:
    observed = [times[i] if i < len(times) else None for i in range(len(sentences))]
    stats = IngestStats()
    parser = RadarSentenceParser(DecoderContext(site=site()), stats)
    batch = parser.parse(sentences, observed, 1000.0, None)
    assert len(batch) + stats.total_rejects + sum(stats.ignored.values()) == len(sentences)
    if len(batch):
        assert np.all(np.isfinite(batch["observed_at"]) | np.isnan(batch["observed_at"]))
        assert (batch["kind"] == int(Kind.RADAR_TRACK)).all()
        rb = batch["range_m"]
        assert np.all(np.isnan(rb) | (rb >= 0))
        assert not np.isinf(batch["lat"]).any()
    assert all(math.isfinite(v) or math.isnan(v) for v in batch["bearing_deg"].tolist())


def test_the_astara_fixture_replays_with_tracks_across_midnight() -> None:
    pytest.importorskip("seawatch.ingest.nmea.decoder")
    from seawatch.replay import ReplayOptions, run_replay

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "radar" / "astara_tracks.nmea"
    result = run_replay(site(), ReplayOptions(inputs=[fixture]))
    assert result.formats == {str(fixture): "nmea"}
    assert result.kinds == {"radar_track": 30}
    assert result.stats.rejects == {"bad_checksum": 1, "invalid_field": 1}
    assert result.stats.ignored["zda"] == 2 and result.stats.ignored["tll_lost"] == 1
    t0 = datetime(2026, 3, 1, 23, 59, 40, tzinfo=UTC).timestamp()
    assert result.t_min == t0 and result.t_max == t0 + 30.0  # the last TLL is at 00:00:10 the next day

"""The compiled (numba) kernels compute exactly what the numpy reference path computes, and never raise.

The decoder runs the kernels (`kernel.py`, `dedup_kernel.py`) unless `SEAWATCH_NO_JIT=1`; the numpy path
(`framing.py`, `dedup.py`, `payload.Bits.of`) is the reference. Both are held to the same output, array
for array and observation for observation, on every real NMEA recording and on fuzzed bytes.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawatch.ingest.base import DecoderContext
from seawatch.ingest.nmea import _jit
from seawatch.ingest.nmea import framing as fr
from seawatch.ingest.nmea.decoder import NmeaDecoder
from seawatch.ingest.nmea.dedup import Deduplicator, payload_keys
from seawatch.ingest.nmea.payload import Bits
from seawatch.ingest.nmea.scan import ReceiverNames, Scan, receiver_names, scan_compiled, scan_reference
from seawatch.ingest.sources.file import read_chunks
from seawatch.ingest.stats import IngestStats

SKIP_SUFFIXES = (".md", ".csv", ".gz", ".geojson", ".ast", ".bin", ".raw", ".pcap", ".gps")


def nmea_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES)
                  and "caspian-geo" not in p.parts and "asterix" not in str(p))


def padded(data: bytes) -> np.ndarray:  # type: ignore[type-arg]
    """Complete lines of data as the decoder hands them to the scan: ending with a newline, then PAD."""
    cut = data.rfind(b"\n")
    return np.frombuffer(data[: cut + 1] + fr.PAD, dtype=np.uint8)


def scan_arrays(sc: Scan) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    out = {f"lines.{k}": getattr(sc.lines, k) for k in ("start", "end", "cls", "sent", "star", "tag0", "tag1")}
    out |= {f"vdm.{k}": getattr(sc.vdm, k) for k in fr.VdmFields.__dataclass_fields__}
    out |= {k: getattr(sc, k) for k in ("c_time", "s0", "s1", "cs_ok", "fmt_ok")}
    return out


def assert_same_scan(arr: np.ndarray) -> int:  # type: ignore[type-arg]
    fast, ref = scan_arrays(scan_compiled(arr)), scan_arrays(scan_reference(arr))
    for name, want in ref.items():
        got = fast[name]
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want, equal_nan=True), (name, np.flatnonzero(got != want)[:5])
    interned = ReceiverNames()
    codes = interned.codes(arr, fast["s0"], fast["s1"], "feed")
    ref_codes, ref_names = receiver_names(arr, ref["s0"], ref["s1"], "feed")
    assert [interned.names[c] for c in codes] == [ref_names[c] for c in ref_codes]
    assert len(set(interned.names)) == len(interned.names)  # each name once
    return len(want)


def decode_both(chunks: list[bytes], **kw: Any) -> tuple[Any, Any]:
    out = []
    for compiled in (True, False):
        stats = IngestStats(sample_size=1000)
        dec = NmeaDecoder(DecoderContext(stats=stats), keep_raw=True, compiled=compiled, **kw)
        batches = [dec.feed(c, received_at=1_000.0, source="test-feed") for c in chunks] + [dec.flush()]
        out.append((batches, stats))
    return out[0], out[1]


def assert_same_decoding(chunks: list[bytes], **kw: Any) -> int:
    (fast, fstats), (ref, rstats) = decode_both(chunks, **kw)
    n = 0
    for a, b in zip(fast, ref, strict=True):
        assert len(a) == len(b)
        for name, want in b.columns.items():
            got = a.columns[name]
            if want.dtype == object:
                assert got.tolist() == want.tolist(), name
            else:
                assert np.array_equal(got, want, equal_nan=True), name
        n += len(a)
    for counter in ("lines", "observations", "msg_types", "rejects", "ignored", "samples"):
        assert getattr(fstats, counter) == getattr(rstats, counter), counter
    return n


def test_the_compiled_scan_agrees_with_the_numpy_scan_on_every_real_recording(real_data: Path) -> None:
    files = nmea_files(real_data)
    assert len(files) >= 30
    lines = 0
    for path in files:
        for chunk in read_chunks(path):
            lines += assert_same_scan(padded(chunk))
    assert lines > 100_000


def test_the_compiled_decoder_gives_the_numpy_decoders_observations_and_counts_on_every_real_recording(
        real_data: Path) -> None:
    observations = 0
    for path in nmea_files(real_data):
        observations += assert_same_decoding(list(read_chunks(path, 1 << 18)))
    assert observations > 20_000


NMEA_PIECES = [
    b"\\g:1-2-0738,n:1218,s:D08MN-NO-BSABS1,c:1469663999*0E\\!SAVDM,1,1,7,B,108d6mPP2oIJ:n2@NnduNgwn0@Rg,0*32",
    b"\\s:rx1,c:1795000000123*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"\\c:1795000000.25,s:a*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"\\c:9999999999999999.123456789*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"!AIVDM,2,1,3,A,55NBjP01mtGIL@CW;SM<D60P5Ld00000000000158`900000000000000000,0*4B",
    b"!AIVDM,2,2,3,A,00000000000,2*27", b"\\g:1-2-3*00\\!AIVDM,2,2,3,A,00,2*00", b"$PGHP,1,2,3",
    b"\\c:abc*00\\!AIVDM,1,1,,A,1,0*00", b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    b"!AIVDO,1,1,,,13HOI:0P0000VOHLCnHQKwvL05Ip,0*3B", b"$GPZDA,120000.00,29,11,2026,00,00*61",
    b"# a comment", b"", b"\r", b"\\s:x\\!AIVDM", b"\\\\", b"!*", b"!AIVDM,1,1,,A,,0*26",
    b"1469664000.24 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
]


def mutated(piece: bytes, at: int, junk: bytes) -> bytes:
    at = at % (len(piece) + 1)
    return piece[:at] + junk + piece[at:]


LINE = st.one_of(
    st.binary(max_size=100),
    st.sampled_from(NMEA_PIECES),
    st.builds(mutated, st.sampled_from(NMEA_PIECES), st.integers(0, 200),
              st.binary(min_size=1, max_size=4) | st.sampled_from([b"\\", b"*", b",", b"!", b"$", b":", b"\n", b"\r",
                                                                   b".", b"c:", b"s:", b"*hh", b"9" * 17])),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=25))
def test_on_fuzzed_bytes_the_compiled_scan_agrees_with_the_numpy_scan(lines: list[bytes]) -> None:
    data = b"\n".join(lines) + b"\n"
    assert assert_same_scan(padded(data)) == data.count(b"\n")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=25), st.integers(min_value=1, max_value=300))
def test_on_fuzzed_bytes_the_compiled_decoder_never_raises_and_agrees_with_the_numpy_decoder(
        lines: list[bytes], chunk: int) -> None:
    data = b"\n".join(lines)
    assert_same_decoding([data[i:i + chunk] for i in range(0, len(data), chunk)], dedup_window_s=10.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=120), min_size=1, max_size=20), st.sampled_from([16, 28, 30, 60, 71, 96]))
def test_payload_keys_and_six_bit_words_of_the_kernels_are_the_numpy_ones(payloads: list[bytes], width: int) -> None:
    buf = np.frombuffer(b"".join(payloads) + fr.PAD, dtype=np.uint8)
    lengths = np.array([len(p) for p in payloads], dtype=np.int64)
    pay1 = np.cumsum(lengths)
    pay0 = pay1 - lengths
    fill = np.arange(len(payloads), dtype=np.int64) % 6
    assert np.array_equal(payload_keys(buf, pay0, pay1, fill, width, compiled=True),
                          payload_keys(buf, pay0, pay1, fill, width, compiled=False))
    (fast, ok_fast), (ref, ok_ref) = Bits.of(buf, pay0, pay1, width, True), Bits.of(buf, pay0, pay1, width, False)
    assert np.array_equal(ok_fast, ok_ref)
    assert np.array_equal(fast.six, ref.six)
    assert all(np.array_equal(a, b) for a, b in zip(fast.words, ref.words, strict=True))


def select_both(batches: list[tuple[list[int], list[float], list[int]]], names: list[str]) -> list[Any]:
    out = []
    for compiled in (True, False):
        stats = IngestStats()
        dedup = Deduplicator(10.0, stats, compiled=compiled)
        picks = []
        for keys, t, src in batches:
            sel = dedup.select(np.array(keys, dtype=np.int64), np.array(t, dtype=float),
                               np.array(src, dtype=np.int64), names)
            picks.append((sel.keep.tolist(), sel.receivers.tolist(), sel.n_receivers.tolist()))
        # the memory's times as text: NaN == NaN there
        out.append((picks, dict(stats.rejects), dedup._keys.tolist(), [repr(x) for x in dedup._times.tolist()]))
    return out


def test_a_copy_before_a_remembered_anchor_is_judged_in_the_same_rounds_by_both_deduplicators() -> None:
    # key 7 was kept at t=100 in an earlier batch; now copies at 50, 95 and 200 arrive: 95 repeats the
    # remembered copy, 50 is kept (the first undecided copy), 200 is far from 50 and kept too
    batches = [([7], [100.0], [0]), ([7, 7, 7, 8, 8], [200.0, 50.0, 95.0, 1.0, 2.0], [0, 1, 2, 1, 0])]
    fast, ref = select_both(batches, ["a", "b", "c"])
    assert fast == ref
    assert fast[0][1][0] == [0, 1, 3]
    assert fast[0][1][1] == [None, None, ("b", "a")]


@pytest.mark.filterwarnings("ignore:All-NaN slice")  # a batch of copies without any time: kept, not compared
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(st.integers(0, 5), max_size=30), st.integers(0, 10_000)), min_size=1, max_size=4),
       st.integers(1, 5000))
def test_on_random_keys_times_and_receivers_both_deduplicators_keep_the_same_copies(
        batches: list[tuple[list[int], int]], names_n: int) -> None:
    rng = np.random.default_rng(len(batches) * 7919 + names_n)
    data = []
    for keys, seed in batches:
        t = (rng.random(len(keys)) * 40.0 + seed % 50).round(1)
        t[rng.random(len(keys)) < 0.05] = math.nan
        data.append((keys, t.tolist(), rng.integers(0, names_n, len(keys)).tolist()))
    names = [f"rx{i}" for i in range(names_n)]
    fast, ref = select_both(data, names)
    assert fast == ref


def test_the_tag_block_time_of_a_long_number_is_parsed_to_the_same_float_by_both_paths() -> None:
    arr = padded(b"\\c:9007199254740993.987654321,s:rx*00\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n")
    fast, ref = scan_compiled(arr), scan_reference(arr)
    assert fast.c_time[0] == ref.c_time[0] == pytest.approx(9007199254740.994, rel=1e-15)


def test_without_a_writable_cache_a_kernel_is_compiled_in_memory_and_says_so(
        caplog: pytest.LogCaptureFixture) -> None:
    # a function whose source file does not exist has no cache location at all: numba refuses cache=True
    namespace: dict[str, Any] = {}
    exec(compile("def twice(x):\n    return 2 * x\n", "<no file>", "exec"), namespace)  # noqa: S102
    _jit._warned.clear()
    with caplog.at_level(logging.WARNING, logger="seawatch.ingest.nmea._jit"):
        twice = _jit.jit(namespace["twice"])
    assert twice(21) == 42
    assert "compiled in each process" in caplog.text


def test_a_chunk_of_shorter_lines_than_the_earlier_ones_is_scanned_whole_with_tables_kept_between_chunks() -> None:
    from seawatch.ingest.nmea.kernel import Tables

    long_lines = padded(b"\n".join([NMEA_PIECES[0]] * 50) + b"\n")
    short_lines = padded(b"\n".join([b"#", b"", NMEA_PIECES[1], b"!*", b"$PGHP,1,2,3"] * 400) + b"\n")
    tables = Tables()
    for arr in (long_lines, short_lines, long_lines, short_lines):  # room from the longest lines, then too little
        fast, ref = scan_arrays(scan_compiled(arr, tables)), scan_arrays(scan_reference(arr))
        for name, want in ref.items():
            assert np.array_equal(fast[name], want, equal_nan=True), name
    assert len(fast["lines.start"]) == 2000


def test_a_list_of_receivers_heard_again_in_a_later_batch_is_made_once_and_new_names_start_afresh() -> None:
    five = ([3, 3, 3, 3, 3], [0.0, 1.0, 2.0, 3.0, 4.0], [4, 0, 1, 2, 3])  # one message heard by 5 receivers
    again = ([9, 9, 9, 9, 9], [100.0, 101.0, 102.0, 103.0, 104.0], [4, 0, 1, 2, 3])  # another, same receivers
    names = ["a", "b", "c", "d", "e"]
    fast, ref = select_both([five, again], names)
    assert fast == ref
    assert fast[0][0][1] == fast[0][1][1] == [("e", "a", "b", "c", "d")]
    dedup = Deduplicator(10.0, IngestStats(), compiled=True)
    first = dedup.select(*(np.array(c) for c in five), names).receivers[0]
    assert dedup.select(*(np.array(c) for c in again), names).receivers[0] is first  # made once
    renamed = ["v", "w", "x", "y", "z"]  # the decoder's names started afresh: the same codes, other names
    assert dedup.select(np.array([5] * 5), np.array(five[1]), np.array(five[2]), renamed).receivers[0] == \
        ("z", "v", "w", "x", "y")

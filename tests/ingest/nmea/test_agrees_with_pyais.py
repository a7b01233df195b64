"""Every real NMEA recording decodes to the same message counts per type as pyais, or the test says why not.

pyais decodes independently in the same test. seawatch is stricter on purpose: it verifies checksums
(pyais does not by default) and, like aiscat, rejects payloads whose bit count is wrong for their type.
Each difference below names its cause; a new, unexplained difference fails the test.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from pyais.stream import ByteStream

from seawatch.ingest.base import DecoderContext
from seawatch.ingest.nmea.decoder import NmeaDecoder
from seawatch.ingest.stats import IngestStats

CHECKSUM = "seawatch verifies checksums, pyais does not"
LENGTH = "payload bit count wrong for its type: aiscat flags it (quality 1024/2048), seawatch rejects as wrong_length"

MMSI0 = "aiscat drops messages from MMSI 0, seawatch keeps them: an invalid identity is evidence for ais_spoofing"

# file -> (seawatch count minus pyais count, per message type), seawatch's rejects, why
EXPLAINED: dict[str, tuple[dict[int, int], dict[str, int], str]] = {
    "amsa-risky/ais.txt": (
        {1: -2, 3: -1, 5: -1, 6: -21, 8: -1, 23: -2, 24: -1},
        {"bad_checksum": 5, "expired_fragment": 3, "orphan_fragment": 1, "truncated": 99,
         "unsupported_type": 152, "wrong_length": 25},
        (f"{CHECKSUM}; {LENGTH}; truncated lines (cut mid-sentence) and !AIPWR sentences are counted; "
         f"type 24 with MMSI 0 is kept ({MMSI0})")),
    "amsa-risky/exact-earth-augmented-2.txt": (
        {6: -8, 8: -1, 21: -1, 23: -4, 24: 2, 27: -1}, {"wrong_length": 15},
        f"{LENGTH}; type 24 with part number 2/3: pyais raises UnknownPartNoException, aiscat decodes"),
    "amsa-risky/exact-earth-augmented-3.txt": (
        {1: -1, 5: -15, 6: -6, 8: -2, 9: -1, 19: -4, 21: -3, 23: -12, 24: 4, 26: -1, 27: -1},
        {"orphan_fragment": 4, "wrong_length": 46},
        f"{LENGTH}; type 24 part 2/3 as above; fragments without their first part are orphans"),
    "amsa-risky/exact-earth-augmented.txt": (
        {0: -4, 5: -2, 20: -10, 23: -1, 27: -1}, {"unsupported_type": 4, "wrong_length": 14},
        f"{LENGTH}; message type 0 does not exist (unsupported_type); a type 5 with MMSI 0 is kept ({MMSI0})"),
    "amsa-risky/exact-earth-with-tag-block.txt": (
        {5: -17}, {"wrong_length": 17},
        "type 5 whose second fragment carries 2 extra bits (426 instead of 424): " + LENGTH),
    "dma-aislib/ais250.txt": (
        {5: 8}, {},
        "lines holding two fragments joined by a literal '\\r\\n': seawatch splits them, pyais reads one line"),
    "gfw-ais-tools/bad-type5.nmea": ({}, {"not_nmea": 3, "wrong_length": 3}, LENGTH),
    "gfw-ais-tools/errors.nmea": ({1: -2, 3: -2}, {"bad_checksum": 2, "wrong_length": 2}, f"{CHECKSUM}; {LENGTH}"),
    "gfw-ais-tools/single-message-type-5.nmea": ({5: -1}, {"bad_checksum": 1}, CHECKSUM),
    "gfw-ais-tools/spire-test.nmea": (
        {5: 2}, {},
        ("each line holds a whole two-part type 5 as two tag block + sentence pairs (the second fragment named "
         "by a g: group only): seawatch splits and reassembles them, pyais reads one sentence per line")),
    "gfw-ais-tools/type1-bad-bitcount.nmea": ({1: -9, 3: -3}, {"wrong_length": 12}, LENGTH),
    "pyais/mixed.txt": ({1: -1}, {"not_nmea": 2, "truncated": 1},
                        "a sentence with its '*' missing before the checksum is truncated; free text is not_nmea"),
    "pyais/nmea_data_sample.txt": (
        {}, {"expired_fragment": 12, "orphan_fragment": 8, "truncated": 100},
        "100 sentences without payload (pyais: MissingPayloadException) and incomplete groups"),
    "pyais/sample.ais": ({1: -1}, {"not_nmea": 1, "truncated": 2}, "as pyais/mixed.txt"),
    "uscg-nais-maritimeviz/ais_2016_07_28_aa.nmea": (
        {}, {"unsupported_type": 2}, "two messages of an undefined type (pyais: UnknownMessageException)"),
}

SKIP_SUFFIXES = (".md", ".csv", ".gz", ".geojson", ".ast", ".bin", ".raw", ".pcap", ".gps")


def nmea_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SKIP_SUFFIXES)
                  and "caspian-geo" not in p.parts and "asterix" not in str(p))


def pyais_counts(path: Path) -> collections.Counter[int]:
    counts: collections.Counter[int] = collections.Counter()
    for msg in ByteStream(path.read_bytes().splitlines()):
        try:
            msg.decode()
        except Exception:  # noqa: BLE001, S112 — pyais's own errors are what we compare against
            continue
        counts[msg.ais_id] += 1
    return counts


def seawatch_stats(path: Path) -> IngestStats:
    stats = IngestStats()
    dec = NmeaDecoder(DecoderContext(stats=stats), dedup_window_s=0)  # pyais does not deduplicate
    dec.feed(path.read_bytes(), received_at=0.0)
    dec.flush()
    return stats


def test_every_real_nmea_file_is_covered(real_data: Path) -> None:
    names = {str(p.relative_to(real_data)) for p in nmea_files(real_data)}
    assert "uscg-nais-maritimeviz/ais_2016_07_28_aa.nmea" in names
    assert set(EXPLAINED) <= names, "an explained file is missing from the shared data"
    assert len(names) >= 30


@pytest.mark.parametrize("name", [
    "aisdb/test_data_201201.nmea", "aisdb/test_data_20211101.nm4", "amsa-risky/ais.txt",
    "amsa-risky/exact-earth-augmented-2.txt", "amsa-risky/exact-earth-augmented-3.txt",
    "amsa-risky/exact-earth-augmented.txt", "amsa-risky/exact-earth-with-tag-block.txt",
    "amsa-risky/nmea-timestamped.txt", "dma-aislib/ais250.txt", "dma-aislib/decode_encode_messages.txt",
    "dma-aislib/replay_dump_2013-03-18.txt", "dma-aislib/stream_example_2010-06-11.txt",
    "gfw-ais-tools/bad-tagblock-group.nmea", "gfw-ais-tools/bad-type5.nmea", "gfw-ais-tools/ee-multiline.nmea",
    "gfw-ais-tools/errors.nmea", "gfw-ais-tools/mixed_types.nmea", "gfw-ais-tools/multi-part.nmea",
    "gfw-ais-tools/sample.nmea", "gfw-ais-tools/single-message-type-5.nmea", "gfw-ais-tools/spire-test.nmea",
    "gfw-ais-tools/type1-bad-bitcount.nmea", "gfw-ais-tools/type8.nmea", "pyais/ais_test_messages",
    "pyais/gatehouse.nmea", "pyais/messages.ais", "pyais/mixed.txt", "pyais/nmea_data_sample.txt",
    "pyais/sample.ais", "pyais/timestamped.ais", "signalk-samples/gofree-merrimac.log",
    "signalk-samples/nais300-merrimac.log", "signalk-samples/nais400-merrimac.log",
    "uscg-nais-maritimeviz/ais_2016_07_28_aa.nmea",
])
def test_counts_per_message_type_agree_with_pyais_or_the_difference_is_explained(real_data: Path,
                                                                                  name: str) -> None:
    path = real_data / name
    theirs = pyais_counts(path)
    stats = seawatch_stats(path)
    ours = stats.msg_types
    diff = {t: ours.get(t, 0) - theirs.get(t, 0) for t in set(theirs) | set(ours)
            if ours.get(t, 0) != theirs.get(t, 0)}
    expected_diff, expected_rejects, _why = EXPLAINED.get(name, ({}, {}, "identical"))
    assert diff == expected_diff
    assert dict(stats.rejects) == expected_rejects
    assert stats.lines > 0 and (sum(ours.values()) > 0 or stats.total_rejects > 0)

"""The store on a real recording: MarineCadastre decoded AIS, Florida Straits, 2020-01-01 (US Gov, public
domain; ../shared/data/real/marinecadastre-2020-01-01/PROVENANCE.md). The first 40,000 lines (~3 h)."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import shape

from seawatch.ingest.base import DecoderContext, make_decoder
from seawatch.ingest.stats import IngestStats
from seawatch.model.observation import Kind
from seawatch.store import open_store
from seawatch.store.export import track_geojson, track_kml

LINES = 40_000


@pytest.fixture
def florida(real_data: Path) -> bytes:
    path = real_data / "marinecadastre-2020-01-01" / "florida_straits_2020-01-01.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with gzip.open(path, "rb") as fh:
        return b"".join(fh.readline() for _ in range(LINES + 1))


def test_a_real_ais_recording_is_stored_once_queried_and_exported(florida: bytes, tmp_path: Path) -> None:
    decoder = make_decoder("ais-csv", DecoderContext(stats=IngestStats(), sensor_id="ais"))
    batch = decoder.feed(florida, 1_577_836_800.0, "florida")
    positions = batch.take(np.flatnonzero(batch["kind"] == Kind.AIS_POSITION))
    expected = len({(m, t) for m, t in zip(positions["mmsi"].tolist(), positions["observed_at"].tolist())})
    assert expected > 30_000

    store = open_store(tmp_path / "store")
    lines = florida.splitlines()[1:]
    for replay in range(2):  # the same file twice adds nothing twice
        store.write_raw(lines, 1_577_836_800.0, "florida")
        for lo in range(0, len(batch), 10_000):
            store.write_positions(batch.take(np.arange(lo, min(lo + 10_000, len(batch)))))
        assert store.count_positions() == expected, f"replay {replay}"
    assert len(store.raw("florida")) == len(lines)

    mmsi, counts = np.unique(positions["mmsi"], return_counts=True)
    busiest = int(mmsi[np.argmax(counts)])
    track = store.track(mmsi=busiest)
    t = track.column("t").to_numpy()
    assert track.num_rows == len(set(positions["observed_at"][positions["mmsi"] == busiest].tolist()))
    assert np.all(np.diff(t) > 0) and t[0] >= 1_577_836_800.0

    named = [n for n in batch["name"].tolist() if n and len(n.split()[0]) > 3]
    word = named[0].split()[0]
    hits = store.search_vessels(word.lower()[:4])
    assert any(word in (h["name"] or "") for h in hits)

    box = (-80.3, 25.6, -80.0, 26.2)  # off Miami / Port Everglades
    at = store.bbox_at(box, 1_577_836_800.0 + 3600, tolerance_s=600)
    assert 0 < at.num_rows == len(set(at.column("id").to_pylist()))

    line = shape(json.loads(track_geojson(track))["features"][0]["geometry"])
    assert line.is_valid and 25.0 <= line.bounds[1] and line.bounds[3] <= 26.7
    root = ET.fromstring(track_kml(track, f"MMSI {busiest}"))
    assert len(root.findall(".//{http://www.opengis.net/kml/2.2}when")) == track.num_rows
    store.close()

"""Exports: a track and an alert's evidence as GeoJSON (json + shapely), KML (xml.etree) and CSV."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from shapely.geometry import shape
from store_data import T0, contacts

from seawatch.store import Store
from seawatch.store.export import (
    alert_evidence,
    evidence_csv,
    evidence_geojson,
    evidence_kml,
    track_csv,
    track_geojson,
    track_kml,
)

NS = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}


@pytest.fixture
def filled(store: Store) -> Store:
    store.write_positions(contacts(4, 30))  # contact 3 carries MMSI 273000003
    store.upsert_alerts([{"id": "rdv-1", "type": "rendezvous", "severity": "high", "start": T0 + 20,
                          "end": T0 + 40, "lat": 40.002, "lon": 50.001, "track_ids": [2], "mmsi": [273_000_003],
                          "zone": None, "score": 0.7, "summary": "Contacts 2 and 3 stopped together <1 kn>.",
                          "evidence": {"distance_m": 220.0}}])
    return store


def test_a_track_exports_as_a_geojson_line_with_its_times(filled: Store) -> None:
    track = filled.track(contact_id=2)
    doc = json.loads(track_geojson(track))
    (feature,) = doc["features"]
    line = shape(feature["geometry"])
    assert line.geom_type == "LineString" and len(line.coords) == 30 and line.is_valid
    assert feature["properties"]["times"][0] == "2026-05-28T20:26:40.000Z"
    assert len(feature["properties"]["times"]) == 30 and feature["properties"]["id"] == 2


def test_a_track_exports_as_kml_with_a_time_per_coordinate(filled: Store) -> None:
    root = ET.fromstring(track_kml(filled.track(mmsi=273_000_003), "NEFT 3"))
    tracks = root.findall(".//gx:Track", NS)
    assert len(tracks) == 1
    whens = [w.text for w in tracks[0].findall("k:when", NS)]
    coords = [c.text for c in tracks[0].findall("gx:coord", NS)]
    assert len(whens) == len(coords) == 30
    assert whens[1] == "2026-05-28T20:26:42.000Z"
    lon, lat, _ = map(float, coords[0].split())  # type: ignore[union-attr]
    assert 49.99 < lon < 50.01 and lat == pytest.approx(40.002)


def test_a_track_exports_as_csv_with_units_in_the_header(filled: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(track_csv(filled.track(contact_id=1)))))
    assert len(rows) == 30
    assert rows[0]["time_utc"] == "2026-05-28T20:26:40.000Z" and rows[0]["mmsi"] == "273000001"
    assert float(rows[0]["sog_mps"]) == 5.0 and rows[0]["heading_deg"] == ""


def test_an_alert_s_evidence_holds_the_alert_and_its_contacts_tracks(filled: Store) -> None:
    alert, tracks = alert_evidence(filled, "rdv-1", margin_s=10.0)
    assert set(tracks.column("id").to_pylist()) == {2, 3}
    assert min(tracks.column("t").to_pylist()) == T0 + 10 and max(tracks.column("t").to_pylist()) == T0 + 50

    doc = json.loads(evidence_geojson(alert, tracks))
    first = doc["features"][0]
    assert first["properties"]["role"] == "alert" and first["properties"]["evidence"] == {"distance_m": 220.0}
    assert shape(first["geometry"]).equals(shape({"type": "Point", "coordinates": [50.001, 40.002]}))
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert {f["properties"]["id"] for f in lines} == {2, 3}

    root = ET.fromstring(evidence_kml(alert, tracks))
    marks = root.findall(".//k:Placemark", NS)
    assert marks[0].find("k:TimeSpan/k:begin", NS) is not None
    assert "<1 kn>" in (marks[0].find("k:description", NS).text or "")  # type: ignore[union-attr]
    assert len(root.findall(".//gx:Track", NS)) == 2

    rows = list(csv.DictReader(io.StringIO(evidence_csv(alert, tracks))))
    assert len(rows) == tracks.num_rows and {r["alert_id"] for r in rows} == {"rdv-1"}


def test_evidence_of_an_unknown_alert_is_a_key_error(filled: Store) -> None:
    with pytest.raises(KeyError):
        alert_evidence(filled, "nope")

"""Exports for analysts: a vessel's track and an alert's evidence as GeoJSON, KML (Google Earth) and CSV.

Tracks are the Arrow tables the store's queries return (POSITION_SCHEMA). GeoJSON: one LineString per
contact with its ISO-8601 times in `properties.times` (and optionally one Point per position). KML: one
`gx:Track` per contact (a `<when>` per `<gx:coord>`, so Google Earth's time slider plays it) plus the alert
as a Placemark with a TimeSpan. CSV: one row per position, time first, units in the column names.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa

from seawatch.model.units import iso_utc
from seawatch.store.base import Store
from seawatch.store.records import to_epoch

CSV_COLUMNS = ("time_utc", "id", "mmsi", "lat", "lon", "sog_mps", "cog_deg", "heading_deg", "kind", "status")
KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"


def _by_contact(table: pa.Table) -> list[tuple[int, dict[str, list[Any]]]]:
    if not table.num_rows:
        return []
    table = table.sort_by([("id", "ascending"), ("t", "ascending")])
    cols = table.to_pydict()
    ids = np.asarray(cols["id"])
    bounds = np.flatnonzero(np.diff(ids)) + 1
    out = []
    for lo, hi in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(ids)].tolist()):
        out.append((int(ids[lo]), {k: v[lo:hi] for k, v in cols.items()}))
    return out


def _mmsi_of(part: dict[str, list[Any]]) -> int | None:
    found = [m for m in part["mmsi"] if m is not None]
    return int(found[-1]) if found else None


def track_features(table: pa.Table, points: bool = False) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    for cid, part in _by_contact(table):
        coords = [[lon, lat] for lon, lat in zip(part["lon"], part["lat"])]
        times = [iso_utc(t) for t in part["t"]]
        geometry = ({"type": "LineString", "coordinates": coords} if len(coords) > 1
                    else {"type": "Point", "coordinates": coords[0]})
        features.append({"type": "Feature", "geometry": geometry,
                         "properties": {"id": cid, "mmsi": _mmsi_of(part), "start": times[0], "end": times[-1],
                                        "times": times, "positions": len(times)}})
        if points:
            for i, time in enumerate(times):
                features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords[i]},
                                 "properties": {"id": cid, "time": time, "sog_mps": part["sog_mps"][i],
                                                "cog_deg": part["cog_deg"][i]}})
    return features


def track_geojson(table: pa.Table, points: bool = False) -> str:
    return json.dumps({"type": "FeatureCollection", "features": track_features(table, points)})


def _kml_tracks(table: pa.Table) -> list[str]:
    out = []
    for cid, part in _by_contact(table):
        mmsi = _mmsi_of(part)
        label = f"contact {cid}" + (f" (MMSI {mmsi})" if mmsi else "")
        whens = "".join(f"<when>{iso_utc(t)}</when>" for t in part["t"])
        coords = "".join(f"<gx:coord>{lon:.7f} {lat:.7f} 0</gx:coord>" for lon, lat in zip(part["lon"], part["lat"]))
        out.append(f"<Placemark><name>{escape(label)}</name><styleUrl>#track</styleUrl>"
                   f"<gx:Track><altitudeMode>clampToGround</altitudeMode>{whens}{coords}</gx:Track></Placemark>")
    return out


def _kml(name: str, placemarks: list[str]) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="{KML_NS}" xmlns:gx="{GX_NS}"><Document>'
            f"<name>{escape(name)}</name>"
            '<Style id="track"><LineStyle><color>ff0080ff</color><width>2</width></LineStyle></Style>'
            + "".join(placemarks) + "</Document></kml>\n")


def track_kml(table: pa.Table, name: str = "seawatch track") -> str:
    return _kml(name, _kml_tracks(table))


def track_csv(table: pa.Table, extra: dict[str, Any] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*(extra or {}), *CSV_COLUMNS])
    if table.num_rows:
        cols = table.sort_by([("t", "ascending"), ("id", "ascending")]).to_pydict()
        for i in range(table.num_rows):
            writer.writerow([*(extra or {}).values(), iso_utc(cols["t"][i]),
                             *("" if cols[c][i] is None else cols[c][i] for c in CSV_COLUMNS[1:])])
    return buf.getvalue()


# --- an alert's evidence ------------------------------------------------------------------------------

def alert_evidence(store: Store, alert_id: str, margin_s: float = 600.0) -> tuple[dict[str, Any], pa.Table]:
    """The alert and the tracks of its contacts (and MMSIs) from `margin_s` before it to after it ends."""
    alert = store.alert(alert_id)
    if alert is None:
        raise KeyError(f"no alert {alert_id!r}")
    start = to_epoch(alert.get("start")) or 0.0
    end = to_epoch(alert.get("end")) or start
    t0, t1 = start - margin_s, end + margin_s
    parts = [store.track(contact_id=int(c), t0=t0, t1=t1) for c in alert.get("track_ids") or []]
    parts += [store.track(mmsi=int(m), t0=t0, t1=t1) for m in alert.get("mmsi") or []]
    if not parts:
        from seawatch.store.positions import empty_table

        return alert, empty_table()
    table = pa.concat_tables(parts)
    from seawatch.store.positions import dedupe_sorted

    return alert, dedupe_sorted(table, [("id", "ascending"), ("t", "ascending")])


def _alert_feature(alert: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in alert.items() if k not in ("lat", "lon")}
    geometry = ({"type": "Point", "coordinates": [alert["lon"], alert["lat"]]}
                if alert.get("lat") is not None and alert.get("lon") is not None else None)
    return {"type": "Feature", "geometry": geometry, "properties": {"role": "alert", **props}}


def evidence_geojson(alert: dict[str, Any], tracks: pa.Table) -> str:
    features = [_alert_feature(alert), *track_features(tracks, points=True)]
    return json.dumps({"type": "FeatureCollection", "features": features})


def evidence_kml(alert: dict[str, Any], tracks: pa.Table) -> str:
    span = f"<begin>{escape(str(alert.get('start') or ''))}</begin>"
    if alert.get("end"):
        span += f"<end>{escape(str(alert['end']))}</end>"
    desc = escape(json.dumps({k: alert.get(k) for k in ("type", "severity", "score", "zone", "mmsi",
                                                         "track_ids", "state", "evidence")}))
    mark = (f"<Placemark><name>{escape(str(alert['id']))}: {escape(str(alert.get('type')))}</name>"
            f"<description>{escape(str(alert.get('summary') or ''))} {desc}</description>"
            f"<TimeSpan>{span}</TimeSpan>")
    if alert.get("lat") is not None and alert.get("lon") is not None:
        mark += f"<Point><coordinates>{alert['lon']:.7f},{alert['lat']:.7f},0</coordinates></Point>"
    mark += "</Placemark>"
    return _kml(f"seawatch alert {alert['id']}", [mark, *_kml_tracks(tracks)])


def evidence_csv(alert: dict[str, Any], tracks: pa.Table) -> str:
    return track_csv(tracks, extra={"alert_id": alert["id"], "alert_type": alert.get("type")})

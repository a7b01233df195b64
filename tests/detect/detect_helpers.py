"""Hand-built contact tracks for the detection tests (straight legs in the site's local frame)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from seawatch.config.loader import load_site
from seawatch.config.site import SiteConfig
from seawatch.detect.engine import DetectionEngine, site_frame
from seawatch.model.contact import ContactBatch, ContactKind, TrackStatus
from seawatch.model.units import KN_TO_MPS

SITE_PATH = Path(__file__).resolve().parents[2] / "src" / "seawatch" / "sites" / "caspian" / "site.toml"
T0 = 1_781_280_000.0  # 2026-06-12T16:00:00Z
FUSED, DARK, AIS = int(ContactKind.FUSED), int(ContactKind.RADAR_ONLY), int(ContactKind.AIS_ONLY)


@lru_cache(maxsize=1)
def caspian() -> SiteConfig:
    return load_site(SITE_PATH)


@lru_cache(maxsize=1)
def _frame() -> Any:
    return site_frame(caspian())


def leg(cid: int, start: tuple[float, float], *, t0: float = 0.0, duration_s: float, speed_kn: float,
        cog_deg: float, kind: int = DARK, mmsi: int = -1, dt: float = 10.0, site: SiteConfig | None = None,
        **extra: Any) -> dict[str, np.ndarray]:
    """Rows of one contact moving straight from `start` (lat, lon) for duration_s."""
    fr = _frame() if site is None else site_frame(site)
    x0, y0 = fr.to_xy(start[0], start[1])
    t = np.arange(0.0, duration_s + 1e-9, dt)
    v = speed_kn * KN_TO_MPS
    a = np.radians(cog_deg)
    lat, lon = fr.to_latlon(x0 + np.sin(a) * v * t, y0 + np.cos(a) * v * t)
    n = len(t)
    rows = {"contact_id": np.full(n, cid), "t": T0 + t0 + t, "kind": np.full(n, kind, np.uint8),
            "status": np.full(n, int(TrackStatus.CONFIRMED), np.uint8), "lat": lat, "lon": lon,
            "sog_mps": np.full(n, v), "cog_deg": np.full(n, cog_deg % 360.0), "mmsi": np.full(n, mmsi),
            "ais_age_s": np.full(n, 5.0 if mmsi > 0 else np.nan)}
    for k, val in extra.items():
        rows[k] = np.full(n, val, dtype=object if isinstance(val, str) else None)
    return rows


def end_of(rows: dict[str, np.ndarray]) -> tuple[float, float]:
    return float(rows["lat"][-1]), float(rows["lon"][-1])


def run(engine: DetectionEngine, *legs: dict[str, np.ndarray], step_s: float = 10.0) -> list[dict[str, Any]]:
    """Feed the legs' rows, one batch per time step; returns every change."""
    cols = {k: np.concatenate([lg[k] if k in lg else np.full(len(lg["t"]), _absent(k)) for lg in legs])
            for k in set().union(*legs)}
    b = ContactBatch(cols).sorted_by_time()
    t = b["t"]
    changes: list[dict[str, Any]] = []
    bins = np.floor((t - t[0]) / step_s)
    for part in np.split(np.arange(len(t)), np.flatnonzero(np.diff(bins)) + 1):
        changes += engine.process(b.take(part))
    return changes


def _absent(k: str) -> Any:
    from seawatch.model.contact import CONTACT_SCHEMA
    return CONTACT_SCHEMA[k][1]


def of_type(engine: DetectionEngine, type_: str) -> list[dict[str, Any]]:
    return [a for a in engine.finish() if a["type"] == type_]


LAND_WEST_OF_48_95 = [[48.80, 38.30], [48.95, 38.30], [48.95, 38.60], [48.80, 38.60], [48.80, 38.30]]


def coastal_site(tmp_path: Path, centre: tuple[float, float] | None = None) -> SiteConfig:
    """A site whose land is a polygon west of 48.95 E (a canal or river at 48.90 E lies landward of the beach),
    heard everywhere by one AIS feed; its frame centred on `centre` (lat, lon) if given."""
    import json

    zones = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "land", "name": "land", "kind": "coast"},
         "geometry": {"type": "Polygon", "coordinates": [LAND_WEST_OF_48_95]}}]}
    (tmp_path / "zones.geojson").write_text(json.dumps(zones), encoding="utf-8")
    at = f"lat = {centre[0]}\nlon = {centre[1]}\n" if centre is not None else ""
    (tmp_path / "site.toml").write_text(f'[site]\nname = "coast"\n{at}\n[[sensors]]\nid = "ais"\nkind = "ais"\n\n'
                                        '[zones]\nfile = "zones.geojson"\n', encoding="utf-8")
    return load_site(tmp_path / "site.toml")


def border_site(tmp_path: Path, features: list[dict[str, Any]]) -> SiteConfig:
    """A site with one radar off Astara and the given border line features (`border_line`)."""
    import json

    (tmp_path / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                            encoding="utf-8")
    (tmp_path / "site.toml").write_text(
        '[site]\nname = "b"\nlat = 38.45\nlon = 49.3\n\n[[sensors]]\nid = "radar"\nkind = "radar"\n'
        'lat = 38.45\nlon = 48.90\nheight_m = 40\nrange_m = 80000\nscan_period_s = 2.5\nrange_sigma_m = 25\n'
        'bearing_sigma_deg = 0.3\n\n[[sensors]]\nid = "ais"\nkind = "ais"\n\n[zones]\nfile = "zones.geojson"\n',
        encoding="utf-8")
    return load_site(tmp_path / "site.toml")


def border_line(fid: str, coords: list[list[float]], inside: str = "left") -> dict[str, Any]:
    return {"type": "Feature", "properties": {"id": fid, "name": fid, "kind": "border", "inside": inside},
            "geometry": {"type": "LineString", "coordinates": coords}}


OFF_LANKARAN = (38.80, 49.10)  # open sea, inside AIS and radar cover, far from ports
MID_SEA = (39.00, 50.00)


def cell_centre(lat: float, lon: float, cell_m: float = 10_000.0) -> tuple[float, float]:
    """The centre of the learned reception map's square (`reception_cell_m`) holding (lat, lon)."""
    x, y = _frame().to_xy(lat, lon)
    la, lo = _frame().to_latlon((np.floor(x / cell_m) + 0.5) * cell_m, (np.floor(y / cell_m) + 0.5) * cell_m)
    return float(la), float(lo)

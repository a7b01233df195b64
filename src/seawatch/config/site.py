"""The site file, one pydantic model per section (extra keys are refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from seawatch.errors import ConfigError


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSection(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    lat: float | None = Field(default=None, ge=-90, le=90, description="reference point of the local frame")
    lon: float | None = Field(default=None, ge=-180, le=180)


class SensorConfig(Strict):
    """One sensor: an AIS receiver/network or a radar."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind: Literal["ais", "radar"]
    name: str = ""
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    height_m: float = Field(default=10.0, ge=0, le=2000, description="antenna height above sea level")
    range_m: float | None = Field(default=None, gt=0, le=500_000)
    # radar
    scan_period_s: float | None = Field(default=None, gt=0, le=60)
    range_sigma_m: float | None = Field(default=None, gt=0)
    bearing_sigma_deg: float | None = Field(default=None, gt=0, le=10)
    pd: float = Field(default=0.9, gt=0, le=1, description="probability of detection of a typical vessel")
    clutter_per_scan: float = Field(default=20.0, ge=0, description="expected false plots per scan")
    # where its data comes from in `seawatch run`: tcp://host:port (client), tcp-listen://host:port
    # (server, feeds connect in), udp://host:port (listener), file:PATH
    source: str | None = Field(default=None, pattern=r"^(tcp|tcp-listen|udp)://[^\s]*:\d+$|^file:.+$")
    format: Literal["auto", "nmea", "plots-csv", "plots-jsonl", "asterix", "ais-csv"] = "auto"

    @model_validator(mode="after")
    def _radar_needs_position(self) -> SensorConfig:
        if self.kind == "radar":
            missing = [k for k in ("lat", "lon", "range_m") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"radar sensor '{self.id}' needs {', '.join(missing)}: range/bearing plots are "
                    "measured from the radar's position"
                )
        if (self.lat is None) != (self.lon is None):
            raise ValueError(f"sensor '{self.id}': give both lat and lon, or neither")
        return self


class ZonesSection(Strict):
    file: str = Field(description="GeoJSON FeatureCollection, relative to the site file")


class IngestSection(Strict):
    reorder_window_s: float = Field(default=5.0, ge=0, le=600)
    dedup_window_s: float = Field(default=10.0, ge=0, le=600,
                                  description="the same AIS message heard again within this is a duplicate")
    multipart_timeout_s: float = Field(default=10.0, gt=0, le=600)
    reject_sample_size: int = Field(default=100, ge=0, le=100_000)


class WatchlistEntry(Strict):
    mmsi: int | None = Field(default=None, ge=0, le=999_999_999)
    imo: int | None = Field(default=None, ge=0, le=9_999_999)
    name: str | None = None
    callsign: str | None = None
    reason: str = ""


Days = Annotated[float, Field(gt=0)] | Literal["forever"]


class RetentionSection(Strict):
    """How long the store keeps each kind of record, in days ("forever": never deleted)."""

    raw_days: Days = 30.0
    positions_days: Days = 365.0
    alerts_days: Days = "forever"
    audit_days: Days = "forever"
    live_days: float = Field(default=2.0, ge=0, le=366,
                             description="embedded: days of positions kept in SQLite before the Parquet roll-over")


class StorageSection(Strict):
    backend: Literal["embedded", "postgresql"] = "embedded"
    dir: str = "seawatch-data"
    dsn: str | None = None
    retention: RetentionSection = RetentionSection()


class ServerSection(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)


class SiteConfig(Strict):
    site: SiteSection
    sensors: list[SensorConfig] = Field(min_length=1)
    zones: ZonesSection | None = None
    ingest: IngestSection = IngestSection()
    rules: dict[str, dict[str, float | int | str | bool | list[str] | list[int]]] = Field(
        default_factory=dict, description="per-rule parameters, validated by the detection stage")
    watchlist: list[WatchlistEntry] = Field(default_factory=list)
    storage: StorageSection = StorageSection()
    server: ServerSection = ServerSection()

    # where the file was read from (not a key of the file)
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_sensor_ids(self) -> SiteConfig:
        seen: set[str] = set()
        for s in self.sensors:
            if s.id in seen:
                raise ValueError(f"sensor id '{s.id}' is used twice; each sensor needs its own id")
            seen.add(s.id)
        return self

    def sensor(self, sensor_id: str) -> SensorConfig:
        for s in self.sensors:
            if s.id == sensor_id:
                return s
        raise KeyError(sensor_id)

    @property
    def radars(self) -> list[SensorConfig]:
        return [s for s in self.sensors if s.kind == "radar"]

    def zones_path(self) -> Path | None:
        if self.zones is None:
            return None
        p = Path(self.zones.file)
        if not p.is_absolute() and self.path is not None:
            p = self.path.parent / p
        return p


def rule_params(site: SiteConfig, rule: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """The rule's parameters: defaults overridden by site.rules[rule]; unknown keys are refused."""
    given = dict(site.rules.get(rule, {}))
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError(f"[rules.{rule}]: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(defaults))}")
    out = dict(defaults)
    for k, v in given.items():
        d = defaults[k]
        if isinstance(d, bool) and not isinstance(v, bool):
            raise ConfigError(f"[rules.{rule}] {k} = {v!r}: give true or false")
        if isinstance(d, (int, float)) and not isinstance(d, bool):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"[rules.{rule}] {k} = {v!r}: give a number")
            v = float(v)
        out[k] = v
    return out

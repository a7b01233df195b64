"""The site file, one pydantic model per section (extra keys are refused)."""

from __future__ import annotations

from collections.abc import Iterable
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
    max_ahead_s: float = Field(default=300.0, ge=0, description=(
        "live: a row stamped more than this after it was received is refused as from_the_future (a receiver's "
        "wrong clock); 0 = no check (a simulator's live feeds keep the scenario's own clock)"))


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


# [rules.*] sections read outside the detection engine's rules (track/fusion.py's settings, via the pipeline)
OTHER_RULE_SECTIONS = ("fusion",)
# a number setting whose name ends so is a share of something: 0 to 1
_FRACTION_ENDINGS = ("_fraction", "_share", "straightness", "made_good")


def _source(site: SiteConfig) -> str:
    return str(site.path) if site.path is not None else "site configuration"


def check_rule_sections(site: SiteConfig, rule_types: Iterable[str]) -> None:
    """Refuse a [rules.X] section that no rule reads (a misspelt `[rules.loitring]` would be ignored)."""
    known = sorted({*rule_types, *OTHER_RULE_SECTIONS})
    unknown = sorted(set(site.rules) - set(known))
    if unknown:
        raise ConfigError(f"{_source(site)}: section [rules.{unknown[0]}] is not a rule; fix its spelling or remove "
                          f"it; the rules: {', '.join(known)}")


def _checked(src: str, key: str, v: Any, d: Any) -> Any:
    """The site's value v for a setting whose default is d, or ConfigError naming the file, key, value and fix."""
    def bad(fix: str) -> ConfigError:
        return ConfigError(f"{src}: key '{key}' = {v!r}: {fix}")

    if isinstance(d, bool):
        if not isinstance(v, bool):
            raise bad("give true or false")
        return v
    if isinstance(d, int):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise bad(f"give a whole number >= 0 (default {d})")
        return v
    if isinstance(d, float):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:   # NaN fails too
            raise bad(f"give a number >= 0 (default {d:g})")
        if key.endswith(_FRACTION_ENDINGS) and v > 1:
            raise bad(f"give a share between 0 and 1 (default {d:g})")
        return float(v)
    if isinstance(d, list):
        kinds = {type(x) for x in d}
        if not isinstance(v, list) or any(type(x) not in kinds for x in v):
            raise bad(f"give a list like the default {d!r}")
        return list(v)
    return v


def rule_params(site: SiteConfig, rule: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """The rule's parameters: defaults overridden by site.rules[rule]. Unknown keys, and values of the wrong
    kind, negative, or (a `*_fraction`, `*_share`, ...) above 1, are refused naming file, key, value and fix."""
    given = dict(site.rules.get(rule, {}))
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError(f"{_source(site)}: key 'rules.{rule}.{unknown[0]}': unknown key; fix its spelling or "
                          f"remove it; known keys here: {', '.join(sorted(defaults))}")
    out = dict(defaults)
    for k, v in given.items():
        out[k] = _checked(_source(site), f"rules.{rule}.{k}", v, defaults[k])
    return out
